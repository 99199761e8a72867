// A package on the wire: one e-mail whose first attachment is the passport (DocInfo, Report,
// SyncInfo or SyncReport) and whose other attachments are the resources, each named by its
// Resource@UniqueName. Packages are recognized by their attachments and the passport's root
// element, never by the subject, so packages from other EOS-format systems are accepted too.
import path from 'node:path';
import { Readable } from 'node:stream';
import { MailParser, type AddressObject, type AttachmentStream, type Headers, type MessageText } from 'mailparser';
import MailComposer from 'nodemailer/lib/mail-composer';
import { detectMimeType } from 'nodemailer/lib/mime-funcs';
import { parseMessage, SEV_NS, SevXmlError, type SevMessage } from '../codec';
import { BlobTooLargeError, sha256Hex, type BlobRef } from '../registry/blobs';

export const PASSPORT_ROOTS = ['DocInfo', 'Report', 'SyncInfo', 'SyncReport'] as const;
export type PassportRoot = (typeof PASSPORT_ROOTS)[number];

export interface PackageFileInput {
  name: string;
  /** The bytes, or a stream of them (a file read from the blob store a chunk at a time). */
  content: Buffer | Readable;
  contentType?: string;
}

export interface ComposePackageInput {
  from: string;
  to: string;
  subject: string;
  /** RFC 5322 Message-ID, deterministic, chosen by the caller; angle brackets are optional. */
  mailMessageId: string;
  date: Date;
  passport: { name: string; content: Buffer };
  resources: PackageFileInput[];
}

/** A file of a received package, in the blob store by its SHA-256. */
export interface PackageFile {
  /** The decoded and sanitized file name (see sanitizeAttachmentName). */
  name: string;
  size: number;
  sha256: string;
}

export interface PackageLimits {
  /** The whole raw message; checked before it is parsed at all. */
  maxMessageBytes?: number;
  /** One decoded attachment. */
  maxAttachmentBytes?: number;
  /** Attachments in one message, the passport included. */
  maxAttachments?: number;
}

export const DEFAULT_PACKAGE_LIMITS: Required<PackageLimits> = {
  maxMessageBytes: 256 * 1024 * 1024,
  maxAttachmentBytes: 100 * 1024 * 1024,
  maxAttachments: 500,
};

export interface ReadPackage {
  ok: true;
  /** With angle brackets, as in the header; undefined when the mail has none. */
  mailMessageId: string | undefined;
  /** The From address; undefined when the mail has none. */
  from: string | undefined;
  to: string[];
  subject: string;
  date: Date | undefined;
  /** The passport, held whole (it is small), parsed. */
  passport: PackageFile & { content: Buffer; root: PassportRoot; message: SevMessage };
  /** Every attachment except the passport, in the order of the message. */
  attachments: PackageFile[];
}

export type PackageRefusalCode =
  | 'NOT_A_PACKAGE'
  | 'MALFORMED_MIME'
  | 'NO_PASSPORT'
  | 'PASSPORT_NOT_FIRST'
  | 'INVALID_PASSPORT'
  | 'TOO_LARGE'
  | 'TOO_MANY_PARTS';

export interface RefusedPackage {
  ok: false;
  code: PackageRefusalCode;
  /** In Russian, for the operator. */
  reason: string;
  mailMessageId?: string;
  from?: string;
}

export type PackageReadResult = ReadPackage | RefusedPackage;

// ---------------------------------------------------------------------------------------------
// Composing

/** The raw MIME of one package, CRLF line ends, every attachment in base64. */
export async function composePackage(input: ComposePackageInput): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const piece of composePackageStream(input)) parts.push(piece as Buffer);
  return Buffer.concat(parts);
}

/** The same MIME as a stream: files given as streams are read as the mail is, never held whole. */
export function composePackageStream(input: ComposePackageInput): Readable {
  const files = [
    { name: input.passport.name, content: input.passport.content, contentType: 'application/xml' },
    ...input.resources,
  ];
  const composer = new MailComposer({
    from: input.from,
    to: input.to,
    subject: input.subject,
    messageId: withAngleBrackets(input.mailMessageId),
    date: input.date,
    text: coverText(input),
    // Base64 keeps every byte as it is; quoted-printable text parts may have line ends rewritten in transit.
    attachments: files.map((file) => ({
      filename: file.name,
      content: file.content,
      contentType: file.contentType ?? contentTypeFor(file.name),
      contentTransferEncoding: 'base64',
    })),
    newline: 'win',
  });
  return composer.compile().createReadStream();
}

function coverText(input: ComposePackageInput): string {
  return [
    'Пакет системы электронного взаимодействия (СЭВ) в формате EOS.',
    `Паспорт: ${input.passport.name}; файлов: ${input.resources.length}.`,
    'Письмо сформировано автоматически для обработки программой, отвечать на него не нужно.',
    '',
  ].join('\r\n');
}

function contentTypeFor(name: string): string {
  const extension = path.extname(name).slice(1).toLowerCase();
  if (extension === 'xml') return 'application/xml';
  if (extension === 'sig') return 'application/pkcs7-signature';
  return detectMimeType(extension) || 'application/octet-stream';
}

function withAngleBrackets(messageId: string): string {
  const bare = messageId.trim().replace(/^<|>$/g, '');
  return `<${bare}>`;
}

// ---------------------------------------------------------------------------------------------
// Reading

/** Where the files of a package go as they are read: the blob store (in memory for tests and tools). */
export interface PartStore {
  /** Stores one file as it streams; BlobTooLargeError beyond `maxBytes`. */
  put(content: AsyncIterable<Uint8Array> | Iterable<Uint8Array>, maxBytes: number): Promise<BlobRef>;
}

/** A PartStore in memory, with the stored contents by SHA-256. */
export function memoryPartStore(): PartStore & { get(sha256: string): Buffer | undefined } {
  const contents = new Map<string, Buffer>();
  return {
    async put(content, maxBytes) {
      const parts: Buffer[] = [];
      let size = 0;
      for await (const piece of content) {
        size += piece.byteLength;
        if (size > maxBytes) throw new BlobTooLargeError(maxBytes);
        parts.push(Buffer.from(piece));
      }
      const all = Buffer.concat(parts, size);
      const sha256 = sha256Hex(all);
      contents.set(sha256, all);
      return { sha256, size };
    },
    get: (sha256) => contents.get(sha256),
  };
}

// The passport is parsed whole, so it is held in memory: no real passport comes near this.
const MAX_PASSPORT_BYTES = 16 * 1024 * 1024;

class MessageTooLargeError extends Error {
  constructor(readonly limit: number) {
    super(`письмо больше допустимого размера (предел ${limit} байт)`);
  }
}

/** The mail could not be read or a file not stored (a database, a connection): not the mail's fault. */
class NotTheMailError extends Error {
  constructor(cause: unknown) {
    super('reading or storing the package failed', { cause });
  }
}

/**
 * Reads untrusted MIME into a package, or a refusal with the reason. The mail is read as a stream:
 * the passport is kept in memory, every other file goes to `store` as it is decoded, so a package
 * of any size costs a few chunks of memory. Nothing is stored until the passport (the first
 * attachment) has been read and parsed. Bad input never throws; a failure to read the source or to
 * store a file is thrown as it came, so that the mail is tried again rather than refused.
 */
export async function readPackage(raw: Buffer | AsyncIterable<Uint8Array>, limits: PackageLimits = {}, store: PartStore = memoryPartStore()): Promise<PackageReadResult> {
  const limit = { ...DEFAULT_PACKAGE_LIMITS, ...limits };
  if (Buffer.isBuffer(raw) && raw.byteLength > limit.maxMessageBytes) {
    return refuse('TOO_LARGE', `письмо больше допустимого размера (${raw.byteLength} байт при пределе ${limit.maxMessageBytes})`);
  }
  const parser = new MailParser({ ...PARSER_OPTIONS, maxChildNodes: limit.maxAttachments + 16 });
  let headers: Headers | undefined;
  parser.on('headers', (h: Headers) => (headers = h));
  const source = Readable.from(limitedTo(Buffer.isBuffer(raw) ? [raw] : raw, limit.maxMessageBytes));
  source.on('error', (err) => parser.destroy(err));
  source.pipe(parser);
  const identity = (): MailIdentity => definedOnly({ mailMessageId: headerText(headers, 'message-id'), from: addressesOf(headers?.get('from') as AddressField)[0] });
  try {
    const read = await readParts(parser as AsyncIterable<AttachmentStream | MessageText>, limit, store);
    if (!read.ok) return { ...read, ...identity() };
    return {
      ...read,
      mailMessageId: headerText(headers, 'message-id'),
      from: addressesOf(headers?.get('from') as AddressField)[0],
      to: addressesOf(headers?.get('to') as AddressField),
      subject: headerText(headers, 'subject') ?? '',
      date: headers?.get('date') instanceof Date ? (headers.get('date') as Date) : undefined,
    };
  } catch (err) {
    if (err instanceof NotTheMailError) throw err.cause;
    if (err instanceof MessageTooLargeError) return refuse('TOO_LARGE', err.message, identity());
    return { ...mimeFailure(err), ...identity() };
  } finally {
    source.destroy();
    parser.destroy();
  }
}

const PARSER_OPTIONS = {
  // Only the attachments matter here: skip the work done for displaying the text.
  skipHtmlToText: true,
  skipTextToHtml: true,
  skipTextLinks: true,
  skipImageLinks: true,
  keepCidLinks: true,
  checksumAlgo: false,
  // A forwarded message stays one attachment instead of spilling its parts into ours.
  ignoreEmbedded: true,
} as const;

async function* limitedTo(source: AsyncIterable<Uint8Array> | Iterable<Uint8Array>, maxBytes: number): AsyncGenerator<Uint8Array> {
  let size = 0;
  for await (const piece of failingAsNotTheMail(source)) {
    size += piece.byteLength;
    if (size > maxBytes) throw new MessageTooLargeError(maxBytes);
    yield piece;
  }
}

async function* failingAsNotTheMail(source: AsyncIterable<Uint8Array> | Iterable<Uint8Array>): AsyncGenerator<Uint8Array> {
  try {
    yield* source;
  } catch (err) {
    throw new NotTheMailError(err);
  }
}

type PartsRead = Pick<ReadPackage, 'ok' | 'passport' | 'attachments'> | Omit<RefusedPackage, keyof MailIdentity>;

/** The attachments in order: the first must be the passport; the others are stored once it is. */
async function readParts(parts: AsyncIterable<AttachmentStream | MessageText>, limit: Required<PackageLimits>, store: PartStore): Promise<PartsRead> {
  let index = 0;
  let passport: ReadPackage['passport'] | undefined;
  const attachments: PackageFile[] = [];
  for await (const part of parts) {
    if (part.type !== 'attachment') continue;
    try {
      index += 1;
      if (index > limit.maxAttachments) return refuse('TOO_MANY_PARTS', `в письме больше ${limit.maxAttachments} вложений`);
      const name = sanitizeAttachmentName(part.filename ?? '') || `attachment-${index}`;
      if (passport) {
        // The part's own stream failing is the mail's fault (a broken encoding); the store failing is not.
        let partFailed = false;
        const content = async function* () {
          try {
            yield* part.content;
          } catch (err) {
            partFailed = true;
            throw err;
          }
        };
        try {
          attachments.push({ name, ...(await store.put(content(), limit.maxAttachmentBytes)) });
        } catch (err) {
          if (err instanceof BlobTooLargeError) return tooLarge(name, limit);
          throw partFailed ? err : new NotTheMailError(err);
        }
        continue;
      }
      const head = await headOf(part.content, index === 1 ? Math.min(MAX_PASSPORT_BYTES, limit.maxAttachmentBytes) : SNIFF_WINDOW, limit.maxAttachmentBytes);
      if (head.size > limit.maxAttachmentBytes) return tooLarge(name, limit);
      const root = sniffPassportRoot(head.content);
      if (index > 1) {
        // The first attachment was not a passport: the package is refused either way, only the reason differs.
        if (root) return refuse('PASSPORT_NOT_FIRST', `паспорт «${name}» не первое вложение письма (вложение №${index})`);
        continue;
      }
      if (!root) continue;
      if (!head.whole) return refuse('INVALID_PASSPORT', `паспорт «${name}» больше ${MAX_PASSPORT_BYTES} байт`);
      let message: SevMessage;
      try {
        message = parseMessage(head.content);
      } catch (err) {
        return refuse('INVALID_PASSPORT', `паспорт «${name}» не читается: ${describeXmlError(err)}`);
      }
      passport = { name, size: head.size, sha256: sha256Hex(head.content), content: head.content, root: rootOf(message), message };
    } finally {
      part.release?.();
    }
  }
  if (index === 0) return refuse('NOT_A_PACKAGE', 'в письме нет вложений: это не пакет СЭВ');
  if (!passport) return refuse('NO_PASSPORT', 'среди вложений нет паспорта (DocInfo, Report, SyncInfo или SyncReport в формате EOS СЭВ)');
  return { ok: true, passport, attachments };
}

function tooLarge(name: string, limit: Required<PackageLimits>): Omit<RefusedPackage, keyof MailIdentity> {
  return refuse('TOO_LARGE', `вложение «${name}» больше допустимого размера (предел ${limit.maxAttachmentBytes} байт)`);
}

/** Up to `keep` bytes of a stream (whole: all of it), the rest read and counted, at most `maxBytes`. */
async function headOf(stream: AsyncIterable<Buffer>, keep: number, maxBytes: number): Promise<{ content: Buffer; size: number; whole: boolean }> {
  const parts: Buffer[] = [];
  let size = 0;
  for await (const piece of stream) {
    if (size < keep) parts.push(piece.subarray(0, keep - size));
    size += piece.byteLength;
    if (size > maxBytes) break;
  }
  return { content: Buffer.concat(parts), size, whole: size <= keep };
}

function mimeFailure(err: unknown): RefusedPackage {
  const code = (err as { code?: unknown } | null)?.code;
  const message = errorMessage(err);
  if (code === 'EMAXLEN' && /child nodes/i.test(message)) {
    return refuse('TOO_MANY_PARTS', 'в письме слишком много частей MIME');
  }
  if (code === 'EMAXLEN') return refuse('TOO_LARGE', `заголовок части письма больше допустимого: ${message}`);
  return refuse('MALFORMED_MIME', `письмо не разбирается как MIME: ${message}`);
}

type MailIdentity = Pick<RefusedPackage, 'mailMessageId' | 'from'>;
type AddressField = AddressObject | AddressObject[] | undefined;

function headerText(headers: Headers | undefined, name: string): string | undefined {
  const value = headers?.get(name);
  return typeof value === 'string' ? value : undefined;
}

/** The passport's root element for a message kind. */
export function rootOf(message: SevMessage): PassportRoot {
  switch (message.kind) {
    case 'MainDoc':
    case 'AddToDoc':
    case 'Editing':
      return 'DocInfo';
    default:
      return message.kind;
  }
}

function addressesOf(field: AddressField): string[] {
  const objects = field === undefined ? [] : Array.isArray(field) ? field : [field];
  return objects
    .flatMap((object) => object.value)
    .flatMap((entry) => (entry.group ? entry.group : [entry]))
    .flatMap((entry) => (entry.address ? [entry.address] : []));
}

function describeXmlError(err: unknown): string {
  if (err instanceof SevXmlError) return err.place ? `${err.message} — ${err.place}` : err.message;
  return errorMessage(err);
}

function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

function refuse(code: PackageRefusalCode, reason: string, identity: MailIdentity = {}): RefusedPackage {
  return { ok: false, code, reason, ...definedOnly(identity) };
}

function definedOnly(identity: MailIdentity): MailIdentity {
  return Object.fromEntries(Object.entries(identity).filter(([, v]) => v !== undefined));
}

// ---------------------------------------------------------------------------------------------
// Names

/**
 * The file name a sender gave, made safe to store and show: path components, control and
 * invisible formatting characters (such as right-to-left overrides that disguise an extension)
 * removed, Unicode in NFC so that the same Cyrillic name always compares equal. Apply the same
 * function to Resource@UniqueName before comparing it with attachment names. Returns '' when
 * nothing usable is left.
 */
export function sanitizeAttachmentName(name: string): string {
  const base = name.normalize('NFC').split(/[/\\]/).at(-1) ?? '';
  const visible = base.replace(/[\p{Cc}\p{Cf}]/gu, '').trim();
  return /^\.*$/.test(visible) ? '' : visible;
}

// ---------------------------------------------------------------------------------------------
// Recognizing a passport

// The root element sits within the first bytes of any real passport.
const SNIFF_WINDOW = 8192;
const NAME = '[A-Za-z_][\\w.-]*';

/**
 * The passport root of an attachment, read cheaply from its first bytes: the root element's name
 * and namespace. A match is only a candidate: the first attachment is then parsed in full.
 */
export function sniffPassportRoot(content: Buffer): PassportRoot | undefined {
  // latin1 maps each byte to one character, so ASCII markup reads the same in UTF-8 and windows-1251.
  const head = skipProlog(content.subarray(0, SNIFF_WINDOW).toString('latin1').replace(/^\xEF\xBB\xBF/, ''));
  const tag = new RegExp(`^<(?:(${NAME}):)?(${NAME})((?:\\s+${NAME}(?::${NAME})?\\s*=\\s*(?:"[^"]*"|'[^']*'))*)\\s*/?>`).exec(head);
  if (!tag) return undefined;
  const [, prefix, local = '', attributes = ''] = tag;
  if (!(PASSPORT_ROOTS as readonly string[]).includes(local)) return undefined;
  const declaration = prefix === undefined ? 'xmlns' : `xmlns:${prefix}`;
  const namespace = new RegExp(`\\s${declaration}\\s*=\\s*(?:"([^"]*)"|'([^']*)')`).exec(attributes);
  return (namespace?.[1] ?? namespace?.[2]) === SEV_NS ? (local as PassportRoot) : undefined;
}

const PROLOG_ITEMS = [
  ['<?', '?>'],
  ['<!--', '-->'],
  ['<!DOCTYPE', '>'],
] as const;

/** Skips whitespace, the XML declaration, processing instructions, comments and a simple DOCTYPE. */
function skipProlog(text: string): string {
  let rest = text.trimStart();
  for (;;) {
    const item = PROLOG_ITEMS.find(([open]) => rest.startsWith(open));
    const end = item ? rest.indexOf(item[1], item[0].length) : -1;
    if (!item || end < 0) return rest;
    rest = rest.slice(end + item[1].length).trimStart();
  }
}
