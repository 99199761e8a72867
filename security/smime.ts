// A package encrypted for its recipient travels as an S/MIME enveloped-data mail: the whole
// package mail (passport, files, signatures) is the encrypted content, so nothing of it — not even
// the file names — is readable on the way. The outer mail keeps only the addresses, the subject
// and the Message-ID the exchange needs.
import { encodeWord } from 'nodemailer/lib/mime-funcs';
import { decryptEnveloped, encryptFor, type CertificateInput } from './cms';

export interface SealHeaders {
  from: string;
  to: string;
  subject: string;
  /** With angle brackets. */
  messageId: string;
  date: Date;
}

/** The package mail `inner`, encrypted for the recipient's certificate, as a whole S/MIME mail. */
export async function sealPackage(inner: Uint8Array, recipientCert: CertificateInput, headers: SealHeaders): Promise<Buffer> {
  const der = await encryptFor(inner, recipientCert);
  const body = der.toString('base64').replace(/(.{76})/g, '$1\r\n');
  const lines = [
    `From: ${headers.from}`,
    `To: ${headers.to}`,
    `Subject: ${encodeWord(headers.subject, 'B', 52)}`,
    `Message-ID: ${headers.messageId}`,
    `Date: ${headers.date.toUTCString().replace('GMT', '+0000')}`,
    'MIME-Version: 1.0',
    'Content-Type: application/pkcs7-mime; smime-type=enveloped-data; name="smime.p7m"',
    'Content-Transfer-Encoding: base64',
    'Content-Disposition: attachment; filename="smime.p7m"',
    '',
    body.trimEnd(),
    '',
  ];
  return Buffer.from(lines.join('\r\n'), 'utf8');
}

/** True when the mail's own Content-Type is S/MIME enveloped data (only the top-level header block is read). */
export function isSealed(raw: Uint8Array): boolean {
  const head = headerBlock(raw);
  const contentType = /^content-type:[ \t]*([^\r\n]*(?:\r?\n[ \t][^\r\n]*)*)/im.exec(head)?.[1] ?? '';
  return /application\/(x-)?pkcs7-mime/i.test(contentType) && !/smime-type\s*=\s*"?(signed-data|certs-only)/i.test(contentType);
}

function headerBlock(raw: Uint8Array): string {
  const text = Buffer.from(raw.subarray(0, Math.min(raw.byteLength, 64 * 1024))).toString('latin1');
  const end = text.search(/\r?\n\r?\n/);
  return end < 0 ? text : text.slice(0, end);
}

/** The package mail inside a sealed one; throws (CmsError, in Russian) when it cannot be opened. */
export async function openSealed(raw: Uint8Array, keys: { keyPem: string; certPem: string }[]): Promise<Buffer> {
  const text = Buffer.from(raw).toString('latin1');
  const start = text.search(/\r?\n\r?\n/);
  const body = start < 0 ? '' : text.slice(start).replace(/[^A-Za-z0-9+/=]/g, '');
  return decryptEnveloped(Buffer.from(body, 'base64'), keys);
}
