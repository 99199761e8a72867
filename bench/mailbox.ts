// Small IMAP helpers of the benchmark: empty a folder, count what is in it.
import { ImapFlow } from 'imapflow';
import type { OrganizationConfig, SevConfig } from '../workers/config';

export function imapClient(config: SevConfig, org: OrganizationConfig): ImapFlow {
  const { host, port, secure } = config.mail.imap;
  return new ImapFlow({ host, port, secure, auth: { user: org.mailbox.user, pass: org.mailbox.password }, logger: false });
}

/** Deletes every message in `folder` (missing folders are fine). */
export async function emptyMailbox(config: SevConfig, org: OrganizationConfig, folder: string): Promise<void> {
  const client = imapClient(config, org);
  await client.connect();
  try {
    const lock = await client.getMailboxLock(folder).catch(() => undefined);
    if (!lock) return;
    try {
      if (client.mailbox !== false && client.mailbox.exists > 0) await client.messageDelete('1:*');
    } finally {
      lock.release();
    }
  } finally {
    await client.logout();
  }
}

/** How many messages `folder` holds now. */
export async function countMailbox(config: SevConfig, org: OrganizationConfig, folder = 'INBOX'): Promise<number> {
  const client = imapClient(config, org);
  await client.connect();
  try {
    const status = await client.status(folder, { messages: true });
    return status === false ? 0 : (status.messages ?? 0);
  } finally {
    await client.logout();
  }
}
