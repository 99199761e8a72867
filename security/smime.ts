// A package encrypted for its recipient travels as an S/MIME enveloped-data mail: the whole
// package mail (passport, files, signatures) is the encrypted content, so nothing of it — not even
// the file names — is readable on the way. The outer mail keeps only the addresses, the subject
// and the Message-ID the exchange needs. Both ways go as streams: a package is sealed as it is
// composed and opened as it is read from the store, never whole in memory.
import { encodeWord } from 'nodemailer/lib/mime-funcs';
import type { CertificateInput } from './cms';
import { collect, decryptStream, encryptStream, type OurKey, type Source } from './enveloped';

export interface SealHeaders {
  from: string;
  to: string;
  subject: string;
  /** With angle brackets. */
  messageId: string;
  date: Date;
}

/** The package mail, encrypted for the recipient's certificate, as an S/MIME mail in pieces. */
export async function* sealPackageStream(inner: Source, recipientCert: CertificateInput, headers: SealHeaders): AsyncGenerator<Buffer> {
  yield Buffer.from(
    [
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
    ].join('\r\n'),
    'utf8',
  );
  yield* base64LinesStream(encryptStream(inner, recipientCert));
}

/** The package mail `inner`, sealed whole. */
export async function sealPackage(inner: Uint8Array, recipientCert: CertificateInput, headers: SealHeaders): Promise<Buffer> {
  return collect(sealPackageStream([inner], recipientCert, headers));
}

/** Bytes per line of base64: 57 make the 76 characters RFC 2045 allows. */
const LINE_BYTES = 57;

/** `bytes` as base64 lines ending in CRLF (the last one shorter when the bytes run out). */
export function base64Lines(bytes: Buffer): Buffer {
  const out = Buffer.allocUnsafe(Math.ceil(bytes.length / 3) * 4 + Math.ceil(bytes.length / LINE_BYTES) * 2);
  let at = 0;
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

/** The pieces of `source` as base64 lines: whole lines as they fill, the rest at the end. */
export async function* base64LinesStream(source: Source): AsyncGenerator<Buffer> {
  let carry = Buffer.alloc(0);
  for await (const chunk of source) {
    const bytes = carry.length === 0 ? Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength) : Buffer.concat([carry, chunk]);
    const whole = bytes.length - (bytes.length % LINE_BYTES);
    if (whole > 0) yield base64Lines(bytes.subarray(0, whole));
    carry = Buffer.from(bytes.subarray(whole));
  }
  if (carry.length > 0) yield base64Lines(carry);
}

/**
 * Decodes base64 in lines of any length, LF or CRLF, as it comes: the characters are gathered into
 * a small buffer and decoded from it in whole groups of four, so nothing of the body's size is made.
 */
export class Base64Decoder {
  private readonly chunk = Buffer.allocUnsafe(64 * 1024);
  private filled = 0;

  push(body: Buffer): Buffer {
    const out = Buffer.allocUnsafe(Math.ceil((this.filled + body.length) / 4) * 3);
    let at = 0;
    for (let start = 0; start < body.length; ) {
      const newline = body.indexOf(0x0a, start);
      let end = newline < 0 ? body.length : newline;
      while (end > start && isSpace(body[end - 1]!)) end--;
      let from = start;
      while (from < end && isSpace(body[from]!)) from++;
      while (from < end) {
        const take = Math.min(end - from, this.chunk.length - this.filled);
        body.copy(this.chunk, this.filled, from, from + take);
        this.filled += take;
        from += take;
        if (this.filled === this.chunk.length) at += this.flush(out, at, false);
      }
      start = newline < 0 ? body.length : newline + 1;
    }
    at += this.flush(out, at, false);
    return out.subarray(0, at);
  }

  end(): Buffer {
    const out = Buffer.allocUnsafe(Math.ceil(this.filled / 4) * 3);
    return out.subarray(0, this.flush(out, 0, true));
  }

  private flush(out: Buffer, at: number, all: boolean): number {
    const whole = all ? this.filled : this.filled - (this.filled % 4);
    const written = out.write(this.chunk.toString('latin1', 0, whole), at, 'base64');
    this.chunk.copy(this.chunk, 0, whole, this.filled);
    this.filled -= whole;
    return written;
  }
}

const isSpace = (byte: number) => byte === 0x0d || byte === 0x20 || byte === 0x09;

/** The bytes of a whole base64 body. */
export function decodeBase64Lines(body: Buffer): Buffer {
  const decoder = new Base64Decoder();
  return Buffer.concat([decoder.push(body), decoder.end()]);
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

/** The package mail inside a sealed one, in pieces as the mail's are read; throws CmsError (in Russian) when it cannot be opened. */
export async function* openSealedStream(raw: Source, keys: OurKey[]): AsyncGenerator<Buffer> {
  yield* decryptStream(base64Body(raw), keys);
}

/** The decoded body of a mail arriving in pieces: its header block (up to the blank line) skipped. */
async function* base64Body(raw: Source): AsyncGenerator<Buffer> {
  const decoder = new Base64Decoder();
  let head: Buffer | undefined = Buffer.alloc(0);
  for await (const chunk of raw) {
    let bytes = Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
    if (head) {
      head = Buffer.concat([head, bytes]);
      const { bodyStart } = splitHeader(head);
      if (bodyStart === head.length && head.length < 64 * 1024) continue; // the blank line is still to come
      bytes = head.subarray(bodyStart);
      head = undefined;
    }
    const decoded = decoder.push(bytes);
    if (decoded.length > 0) yield decoded;
  }
  yield decoder.end();
}

/** The package mail inside a whole sealed one. */
export async function openSealed(raw: Uint8Array, keys: OurKey[]): Promise<Buffer> {
  return collect(openSealedStream([raw], keys));
}
