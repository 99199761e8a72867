// The skeleton's one step: a mail as big as SEV's (a document of the bench's file size, a report
// of a report's size), sent through the same SMTP sender. The kind and id ride in a header.
import { randomBytes } from 'node:crypto';
import type { MailSender } from '../exchange/smtp';

export interface SkeletonMail {
  kind: 'document' | 'receipt' | 'registration';
  id: string;
  to: string;
}

export const SKELETON_HEADER = 'X-Sev-Skeleton';

export const skeletonWorkflowIds = { outbound: (id: string) => `bench-skeleton/out/${id}`, inbound: (id: string) => `bench-skeleton/in/${id}` };

/** A report's attachment: the mail comes to about 5.9 KB, what SEV's report package weighs. */
const REPORT_BYTES = 4 * 1024;

export interface SkeletonActivities {
  sendSkeletonMail(mail: SkeletonMail): Promise<void>;
}

export function createSkeletonActivities(mail: MailSender, from: string, fileBytes: number): SkeletonActivities {
  return {
    async sendSkeletonMail({ kind, id, to }) {
      await mail.sendRaw({ from, to, raw: skeletonMime(from, to, kind, id, kind === 'document' ? fileBytes : REPORT_BYTES) });
    },
  };
}

/** A MIME mail with one base64 attachment of `bytes` random bytes. */
export function skeletonMime(from: string, to: string, kind: SkeletonMail['kind'], id: string, bytes: number): Buffer {
  const body = randomBytes(bytes).toString('base64').replace(/.{76}/g, '$&\r\n');
  return Buffer.from(
    [
      `From: <${from}>`,
      `To: <${to}>`,
      `Subject: skeleton ${kind} ${id}`,
      `Message-ID: <${kind}.${id}@skeleton>`,
      `${SKELETON_HEADER}: ${kind} ${id} ${from}`,
      'MIME-Version: 1.0',
      'Content-Type: multipart/mixed; boundary="b"',
      '',
      '--b',
      'Content-Type: application/octet-stream; name="file.bin"',
      'Content-Transfer-Encoding: base64',
      '',
      body,
      '--b--',
      '',
    ].join('\r\n'),
  );
}

/** The kind, id and sender of a skeleton mail, read from its header; undefined for any other mail. */
export function readSkeletonHeader(raw: Buffer): { kind: SkeletonMail['kind']; id: string; from: string } | undefined {
  const head = raw.subarray(0, Math.min(raw.length, 4096)).toString('latin1');
  const match = new RegExp(`^${SKELETON_HEADER}: (document|receipt|registration) (\\S+) (\\S+)\\r?$`, 'm').exec(head);
  return match ? { kind: match[1] as SkeletonMail['kind'], id: match[2]!, from: match[3]! } : undefined;
}
