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
  const head = [
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
    '',
  ].join('\r\n');
  return base64Lines(der, Buffer.from(head, 'utf8'));
}

/** Bytes per line of base64: 57 make the 76 characters RFC 2045 allows. */
const LINE_BYTES = 57;

/**
 * `prefix`, then `bytes` in base64 lines ending in CRLF, written into one buffer: a package of
 * megabytes is not turned into strings of its size (and copies of them) on the way.
 */
export function base64Lines(bytes: Buffer, prefix: Buffer = Buffer.alloc(0)): Buffer {
  const lines = Math.ceil(bytes.length / LINE_BYTES);
  const out = Buffer.allocUnsafe(prefix.length + Math.ceil(bytes.length / 3) * 4 + lines * 2);
  let at = prefix.copy(out);
  const block = LINE_BYTES * 1024;
  for (let i = 0; i < bytes.length; i += block) {
    const text = bytes.subarray(i, i + block).toString('base64');
    for (let j = 0; j < text.length; j += 76) {
      at += out.write(text.slice(j, j + 76), at, 'latin1');
      at = out.writeUInt16BE(0x0d0a, at);
    }
  }
  return out.subarray(0, at);
}

/** True when the mail's own Content-Type is S/MIME enveloped data (only the top-level header block is read). */
export function isSealed(raw: Uint8Array): boolean {
  const { head } = splitHeader(raw);
  const contentType = /^content-type:[ \t]*([^\r\n]*(?:\r?\n[ \t][^\r\n]*)*)/im.exec(head)?.[1] ?? '';
  return /application\/(x-)?pkcs7-mime/i.test(contentType) && !/smime-type\s*=\s*"?(signed-data|certs-only)/i.test(contentType);
}

/** The mail's top-level header block, and where its body starts (past the blank line; the end when there is none). */
function splitHeader(raw: Uint8Array): { head: string; bodyStart: number } {
  const text = Buffer.from(raw.subarray(0, Math.min(raw.byteLength, 64 * 1024))).toString('latin1');
  const blank = /\r?\n\r?\n/.exec(text);
  return blank ? { head: text.slice(0, blank.index), bodyStart: blank.index + blank[0].length } : { head: text, bodyStart: raw.byteLength };
}

/** The package mail inside a sealed one; throws (CmsError, in Russian) when it cannot be opened. */
export async function openSealed(raw: Uint8Array, keys: { keyPem: string; certPem: string }[]): Promise<Buffer> {
  const body = Buffer.from(raw.buffer, raw.byteOffset, raw.byteLength).subarray(splitHeader(raw).bodyStart);
  return decryptEnveloped(decodeBase64Lines(body), keys);
}

/**
 * The bytes of a base64 body in lines of any length: the lines' characters are gathered into a
 * small buffer and decoded from it in whole groups of four, so no string of the body's size is made.
 */
export function decodeBase64Lines(body: Buffer): Buffer {
  const out = Buffer.allocUnsafe(Math.ceil(body.length / 4) * 3);
  const chunk = Buffer.allocUnsafe(64 * 1024);
  let filled = 0;
  let at = 0;
  const flush = (all: boolean) => {
    const whole = all ? filled : filled - (filled % 4);
    at += out.write(chunk.toString('latin1', 0, whole), at, 'base64');
    chunk.copy(chunk, 0, whole, filled);
    filled -= whole;
  };
  for (let start = 0; start < body.length; ) {
    const newline = body.indexOf(0x0a, start);
    let end = newline < 0 ? body.length : newline;
    while (end > start && isSpace(body[end - 1]!)) end--;
    let from = start;
    while (from < end && isSpace(body[from]!)) from++;
    while (from < end) {
      const take = Math.min(end - from, chunk.length - filled);
      body.copy(chunk, filled, from, from + take);
      filled += take;
      from += take;
      if (filled === chunk.length) flush(false);
    }
    start = newline < 0 ? body.length : newline + 1;
  }
  flush(true);
  return out.subarray(0, at);
}

const isSpace = (byte: number) => byte === 0x0d || byte === 0x20 || byte === 0x09;
