// 1. The bare transport: N messages of the same size and attachment as SEV's packages, sent with
// a pooled nodemailer transporter through Postfix and fetched with imapflow from Dovecot (IDLE),
// with no SEV involved. Counted from the first send to the last message fetched whole.
import { randomBytes } from 'node:crypto';
import nodemailer from 'nodemailer';
import type { OrganizationConfig, SevConfig } from '../workers/config';
import { emptyMailbox, imapClient } from '../stack/mailboxes';

export interface TransportResult {
  n: number;
  bytes: number;
  seconds: number;
  perSecond: number;
}

export async function benchTransport(config: SevConfig, box: OrganizationConfig, n: number, fileBytes: number): Promise<TransportResult> {
  await emptyMailbox(config, box, 'INBOX');
  const attachment = randomBytes(fileBytes);
  const { host, port, secure } = config.mail.smtp;
  const smtp = nodemailer.createTransport({ pool: true, maxConnections: 4, host, port, secure });
  const imap = imapClient(config, box);
  await imap.connect();
  const lock = await imap.getMailboxLock('INBOX');
  let bytes = 0;
  try {
    const started = Date.now();
    const sending = Promise.all(
      Array.from({ length: n }, (_, i) =>
        smtp.sendMail({
          from: box.mailbox.address,
          to: box.mailbox.address,
          subject: `transport ${i}`,
          text: 'bench',
          attachments: [{ filename: 'document.bin', content: attachment }],
        }),
      ),
    );
    // Fetch whole messages as they arrive; imapflow's auto-IDLE does not run under a lock, so poll with NOOP.
    let fetched = 0;
    let seen = 0;
    while (fetched < n) {
      await imap.noop();
      const exists = imap.mailbox === false ? 0 : imap.mailbox.exists;
      if (exists > seen) {
        const messages = await imap.fetchAll(`${seen + 1}:${exists}`, { source: true });
        for (const m of messages) bytes += m.source?.length ?? 0;
        fetched += messages.length;
        seen = exists;
      } else {
        await new Promise((r) => setTimeout(r, 20));
      }
    }
    await sending;
    const elapsed = (Date.now() - started) / 1000;
    return { n, bytes: Math.round(bytes / n), seconds: elapsed, perSecond: n / elapsed };
  } finally {
    lock.release();
    await imap.logout();
    smtp.close();
    await emptyMailbox(config, box, 'INBOX');
  }
}
