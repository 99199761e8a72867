// Mail fixtures for tests against the local stack's Postfix and Dovecot: send a message; list,
// fetch, wait for and delete what arrived (stack/mailboxes.ts, shared with the bench and chaos).
import { randomUUID } from 'node:crypto';
import nodemailer, { type SendMailOptions } from 'nodemailer';
import type { SevConfig } from '../../workers/config';
import { smtpOptions } from '../../exchange/tls';

export {
  countMailbox,
  deleteMessages,
  emptyMailbox,
  fetchRawMessage,
  listMailbox,
  waitForMessage,
  withMailbox,
  type MailSummary,
} from '../../stack/mailboxes';

/** A subject no other test (or earlier run) uses, so a test finds only its own mail. */
export function uniqueSubject(label: string): string {
  return `${label} ${randomUUID()}`;
}

function transport(config: SevConfig) {
  return nodemailer.createTransport(smtpOptions(config));
}

/** Sends a message built by nodemailer through the stack's SMTP server; returns its Message-ID. */
export async function sendMail(config: SevConfig, message: SendMailOptions): Promise<string> {
  const smtp = transport(config);
  try {
    const info = await smtp.sendMail(message);
    return info.messageId;
  } finally {
    smtp.close();
  }
}

/** Sends ready-made MIME bytes unchanged (what another SEV would put on the wire). */
export async function sendRawMessage(config: SevConfig, envelope: { from: string; to: string | string[] }, raw: string | Buffer): Promise<void> {
  const smtp = transport(config);
  try {
    await smtp.sendMail({ envelope, raw });
  } finally {
    smtp.close();
  }
}
