// Mail fixtures for tests against the local stack's Postfix and Dovecot: send a message, list,
// fetch, wait for and delete what arrived in an organization's mailbox.
import { randomUUID } from 'node:crypto';
import { ImapFlow } from 'imapflow';
import nodemailer, { type SendMailOptions } from 'nodemailer';
import type { OrganizationConfig, SevConfig } from '../../workers/config';

export interface MailSummary {
  uid: number;
  subject: string;
  messageId: string;
  from: string;
}

/** A subject no other test (or earlier run) uses, so a test finds only its own mail. */
export function uniqueSubject(label: string): string {
  return `${label} ${randomUUID()}`;
}

function transport(config: SevConfig) {
  const { host, port, secure } = config.mail.smtp;
  return nodemailer.createTransport({ host, port, secure });
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

/** Runs `work` with the mailbox `folder` of `org` open and locked, then logs out. */
export async function withMailbox<T>(config: SevConfig, org: OrganizationConfig, folder: string, work: (client: ImapFlow) => Promise<T>): Promise<T> {
  const { host, port, secure } = config.mail.imap;
  const client = new ImapFlow({ host, port, secure, auth: { user: org.mailbox.user, pass: org.mailbox.password }, logger: false });
  await client.connect();
  try {
    const lock = await client.getMailboxLock(folder);
    try {
      return await work(client);
    } finally {
      lock.release();
    }
  } finally {
    await client.logout();
  }
}

async function summaries(client: ImapFlow): Promise<MailSummary[]> {
  if (client.mailbox === false || client.mailbox.exists === 0) return [];
  const messages = await client.fetchAll('1:*', { uid: true, envelope: true });
  return messages.map((m) => ({
    uid: m.uid,
    subject: m.envelope?.subject ?? '',
    messageId: m.envelope?.messageId ?? '',
    from: m.envelope?.from?.[0]?.address ?? '',
  }));
}

export function listMailbox(config: SevConfig, org: OrganizationConfig, folder = 'INBOX'): Promise<MailSummary[]> {
  return withMailbox(config, org, folder, summaries);
}

/** The raw MIME source of one message. */
export function fetchRawMessage(config: SevConfig, org: OrganizationConfig, uid: number, folder = 'INBOX'): Promise<Buffer> {
  return withMailbox(config, org, folder, async (client) => {
    const message = await client.fetchOne(String(uid), { source: true }, { uid: true });
    if (!message || !message.source) throw new Error(`no message with UID ${uid} in ${org.mailbox.user}/${folder}`);
    return message.source;
  });
}

/** Waits until a message matching `match` is in the folder (polling with NOOP: no IDLE inside a lock). */
export function waitForMessage(
  config: SevConfig,
  org: OrganizationConfig,
  match: (message: MailSummary) => boolean,
  { folder = 'INBOX', timeoutMs = 10_000 }: { folder?: string; timeoutMs?: number } = {},
): Promise<MailSummary> {
  return withMailbox(config, org, folder, async (client) => {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const found = (await summaries(client)).find(match);
      if (found) return found;
      if (Date.now() > deadline) throw new Error(`no matching message in ${org.mailbox.user}/${folder} after ${timeoutMs} ms`);
      await new Promise((resolve) => setTimeout(resolve, 100));
      await client.noop();
    }
  });
}

export function deleteMessages(config: SevConfig, org: OrganizationConfig, uids: readonly number[], folder = 'INBOX'): Promise<void> {
  if (uids.length === 0) return Promise.resolve();
  return withMailbox(config, org, folder, async (client) => {
    await client.messageDelete(uids.join(','), { uid: true });
  });
}

/** Deletes every message in the folder; returns how many there were. */
export function emptyMailbox(config: SevConfig, org: OrganizationConfig, folder = 'INBOX'): Promise<number> {
  return withMailbox(config, org, folder, async (client) => {
    const count = client.mailbox === false ? 0 : client.mailbox.exists;
    if (count > 0) await client.messageDelete('1:*');
    return count;
  });
}
