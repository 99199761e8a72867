// Bytes → text for untrusted XML. The encoding comes from the byte order mark or the XML
// declaration; only the two encodings real senders use are accepted, and bytes that contradict
// the declared encoding are rejected rather than decoded into mojibake.
import { SevXmlError } from './errors';

export const DEFAULT_MAX_BYTES = 10 * 1024 * 1024;

type SupportedEncoding = 'utf-8' | 'windows-1251';

const ENCODING_LABELS: Readonly<Record<string, SupportedEncoding>> = {
  'utf-8': 'utf-8',
  utf8: 'utf-8',
  'windows-1251': 'windows-1251',
  cp1251: 'windows-1251',
  'x-cp1251': 'windows-1251',
};

const UTF8_BOM = [0xef, 0xbb, 0xbf];
// The declaration must sit in the first bytes; a longer prefix is not a declaration we read.
const DECLARATION_WINDOW = 512;

export function decodeXml(bytes: Uint8Array, maxBytes: number): string {
  if (bytes.byteLength > maxBytes) {
    throw new SevXmlError('TOO_LARGE', `документ больше допустимого размера (${bytes.byteLength} байт при пределе ${maxBytes})`);
  }
  if (bytes.byteLength === 0) throw new SevXmlError('MALFORMED', 'пустой документ');

  rejectWideEncodings(bytes);
  const hasBom = UTF8_BOM.every((b, i) => bytes[i] === b);
  const declared = declaredEncoding(bytes.subarray(hasBom ? UTF8_BOM.length : 0));
  const encoding = declared === undefined ? 'utf-8' : ENCODING_LABELS[declared.toLowerCase()];
  if (encoding === undefined) {
    throw new SevXmlError('ENCODING', `неподдерживаемая кодировка «${declared}»: принимаются только UTF-8 и windows-1251`);
  }
  if (hasBom && encoding !== 'utf-8') {
    throw new SevXmlError('ENCODING', `метка порядка байтов UTF-8 противоречит объявленной кодировке «${declared}»`);
  }
  return encoding === 'utf-8' ? decodeUtf8(bytes) : decodeWindows1251(bytes);
}

/** UTF-16 and UTF-32 (with or without a byte order mark) show a zero or 0xFE/0xFF in the first two bytes. */
function rejectWideEncodings(bytes: Uint8Array): void {
  const [b0, b1] = bytes;
  const wide = b0 === 0 || b1 === 0 || (b0 === 0xfe && b1 === 0xff) || (b0 === 0xff && b1 === 0xfe);
  if (wide) throw new SevXmlError('ENCODING', 'документ в UTF-16 или UTF-32: принимаются только UTF-8 и windows-1251');
}

/** The `encoding` pseudo-attribute of the XML declaration, if there is one. */
function declaredEncoding(bytes: Uint8Array): string | undefined {
  const head = Buffer.from(bytes.subarray(0, DECLARATION_WINDOW)).toString('latin1');
  if (!head.startsWith('<?xml')) return undefined;
  const end = head.indexOf('?>');
  if (end < 0) return undefined;
  const match = /\sencoding\s*=\s*(["'])(.*?)\1/.exec(head.slice(0, end));
  return match?.[2];
}

function decodeUtf8(bytes: Uint8Array): string {
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch (cause) {
    throw new SevXmlError('ENCODING', 'байты документа не являются правильным UTF-8', {}, { cause });
  }
}

function decodeWindows1251(bytes: Uint8Array): string {
  // Every byte is some windows-1251 character, so a mislabelled UTF-8 file would decode into
  // mojibake silently. Cyrillic text in windows-1251 is practically never valid UTF-8, so
  // non-ASCII bytes that are valid UTF-8 mean the declaration lies.
  if (!isAscii(bytes) && isValidUtf8(bytes)) {
    throw new SevXmlError('ENCODING', 'объявлена кодировка windows-1251, но байты документа в UTF-8');
  }
  return new TextDecoder('windows-1251').decode(bytes);
}

function isAscii(bytes: Uint8Array): boolean {
  return bytes.every((b) => b < 0x80);
}

function isValidUtf8(bytes: Uint8Array): boolean {
  try {
    new TextDecoder('utf-8', { fatal: true }).decode(bytes);
    return true;
  } catch {
    return false;
  }
}
