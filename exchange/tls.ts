// TLS options of SEV's mail clients (nodemailer, imapflow), from the configuration: when TLS is
// on, a connection that cannot be upgraded, or whose certificate does not verify, fails instead
// of falling back to plaintext.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { isLocalHost } from '../stack/process';
import type { SevConfig } from '../workers/config';

/** The CA file the mail servers' certificates are checked against: configured, or the local stack's own. */
export function mailCaFile(config: SevConfig): string | undefined {
  if (!config.mail.tls.enabled) return undefined;
  return config.mail.tls.caFile ?? (isLocalHost(config.mail.smtp.host) ? path.join(config.stateDir, 'mail', 'tls', 'ca.pem') : undefined);
}

function tlsContext(config: SevConfig) {
  const caFile = mailCaFile(config);
  let ca: string | undefined;
  if (caFile) {
    try {
      ca = readFileSync(caFile, 'utf8');
    } catch (e) {
      throw new Error(`mail.tls.caFile: не удалось прочитать ${caFile}: ${(e as Error).message}`);
    }
  }
  return { rejectUnauthorized: true, minVersion: 'TLSv1.2' as const, ...(ca && { ca: [ca] }), ...(config.mail.tls.serverName && { servername: config.mail.tls.serverName }) };
}

/** nodemailer transport options for the configured SMTP server. */
export function smtpOptions(config: SevConfig) {
  const { host, port, secure } = config.mail.smtp;
  if (!config.mail.tls.enabled) return { host, port, secure };
  return { host, port, secure, requireTLS: !secure, tls: tlsContext(config) };
}

/** imapflow options for the configured IMAP server (without the login). */
export function imapOptions(config: SevConfig) {
  const { host, port, secure } = config.mail.imap;
  if (!config.mail.tls.enabled) return { host, port, secure };
  return { host, port, secure, ...(!secure && { doSTARTTLS: true }), tls: tlsContext(config) };
}
