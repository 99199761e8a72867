// The local stack's mailboxes as tools see them (tests, the benchmark, the chaos run): list,
// fetch, wait for, delete and count what is in an organization's folders over IMAP.
import { ImapFlow } from 'imapflow';
import { imapOptions } from '../exchange/tls';
import type { OrganizationConfig, SevConfig } from '../workers/config';

export interface MailSummary {
  uid: number;
  subject: string;
  messageId: string;
  from: string;
}

export function imapClient(config: SevConfig, org: OrganizationConfig): ImapFlow {
  return new ImapFlow({ ...imapOptions(config), auth: { user: org.mailbox.user, pass: org.mailbox.password }, logger: false });
}

/** Runs `work` with the mailbox `folder` of `org` open and locked, then logs out. */
export async function withMailbox<T>(config: SevConfig, org: OrganizationConfig, folder: string, work: (client: ImapFlow) => Promise<T>): Promise<T> {
  const client = imapClient(config, org);
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

/** Deletes every message in the folder (a missing folder holds none); returns how many there were. */
export async function emptyMailbox(config: SevConfig, org: OrganizationConfig, folder = 'INBOX'): Promise<number> {
  if ((await countMailbox(config, org, folder)) === 0) return 0;
  return withMailbox(config, org, folder, async (client) => {
    const count = client.mailbox === false ? 0 : client.mailbox.exists;
    if (count > 0) await client.messageDelete('1:*');
    return count;
  });
}

/** How many messages `folder` holds now (0 for a folder that does not exist). */
export async function countMailbox(config: SevConfig, org: OrganizationConfig, folder = 'INBOX'): Promise<number> {
  const client = imapClient(config, org);
  await client.connect();
  try {
    const status = await client.status(folder, { messages: true }).catch(() => false as const);
    return status === false ? 0 : (status.messages ?? 0);
  } finally {
    await client.logout();
  }
}
