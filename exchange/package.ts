// A package on the wire: one e-mail whose first attachment is the passport (DocInfo, Report,
// SyncInfo or SyncReport) and whose other attachments are the resources, each named by its
// Resource@UniqueName. Packages are recognized by their attachments and the passport's root
// element, never by the subject, so packages from other EOS-format systems are accepted too.
import path from 'node:path';
import { simpleParser, type AddressObject, type Attachment, type ParsedMail } from 'mailparser';
import MailComposer from 'nodemailer/lib/mail-composer';
import { detectMimeType } from 'nodemailer/lib/mime-funcs';
import { parseMessage, SEV_NS, SevXmlError, type SevMessage } from '../codec';

export const PASSPORT_ROOTS = ['DocInfo', 'Report', 'SyncInfo', 'SyncReport'] as const;
export type PassportRoot = (typeof PASSPORT_ROOTS)[number];

export interface PackageFileInput {
  name: string;
  content: Buffer;
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

export interface PackageFile {
  /** The decoded and sanitized file name (see sanitizeAttachmentName). */
  name: string;
  content: Buffer;
  size: number;
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
  passport: PackageFile & { root: PassportRoot; message: SevMessage };
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
  return composer.compile().build();
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

/** Reads untrusted MIME into a package, or a refusal with the reason; never throws. */
export async function readPackage(raw: Buffer, limits: PackageLimits = {}): Promise<PackageReadResult> {
  const limit = { ...DEFAULT_PACKAGE_LIMITS, ...limits };
  if (raw.byteLength > limit.maxMessageBytes) {
    return refuse('TOO_LARGE', `письмо больше допустимого размера (${raw.byteLength} байт при пределе ${limit.maxMessageBytes})`);
  }
  let mail: ParsedMail;
  try {
    mail = await parseMime(raw, limit.maxAttachments);
  } catch (err) {
    return mimeFailure(err);
  }
  const identity = { mailMessageId: mail.messageId, from: mail.from?.value[0]?.address };
  try {
    const result = readAttachments(mail, limit);
    return result.ok ? { ...result, ...identity } : { ...result, ...definedOnly(identity) };
  } catch (err) {
    // The checks above are meant to catch everything; a bug must still end as a refusal.
    return refuse('MALFORMED_MIME', `внутренняя ошибка разбора письма: ${errorMessage(err)}`, identity);
  }
}

function parseMime(raw: Buffer, maxAttachments: number): Promise<ParsedMail> {
  return simpleParser(raw, {
    // Only the attachments matter here: skip the work done for displaying the text.
    skipHtmlToText: true,
    skipTextToHtml: true,
    skipTextLinks: true,
    skipImageLinks: true,
    keepCidLinks: true,
    checksumAlgo: false,
    // A forwarded message stays one attachment instead of spilling its parts into ours.
    ignoreEmbedded: true,
    // Multipart containers and the text body are parts too, hence the margin.
    maxChildNodes: maxAttachments + 16,
  });
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

function readAttachments(mail: ParsedMail, limit: Required<PackageLimits>): Omit<ReadPackage, keyof MailIdentity> | Omit<RefusedPackage, keyof MailIdentity> {
  const parts = mail.attachments;
  if (parts.length === 0) return refuse('NOT_A_PACKAGE', 'в письме нет вложений: это не пакет СЭВ');
  if (parts.length > limit.maxAttachments) {
    return refuse('TOO_MANY_PARTS', `в письме ${parts.length} вложений при пределе ${limit.maxAttachments}`);
  }
  const files = parts.map(toPackageFile);
  const tooLarge = files.find((file) => file.size > limit.maxAttachmentBytes);
  if (tooLarge) {
    return refuse('TOO_LARGE', `вложение «${tooLarge.name}» больше допустимого размера (${tooLarge.size} байт при пределе ${limit.maxAttachmentBytes})`);
  }

  const passportAt = files.findIndex((file) => sniffPassportRoot(file.content) !== undefined);
  if (passportAt < 0) return refuse('NO_PASSPORT', 'среди вложений нет паспорта (DocInfo, Report, SyncInfo или SyncReport в формате EOS СЭВ)');
  const [first, ...rest] = files;
  if (passportAt > 0 || first === undefined) {
    return refuse('PASSPORT_NOT_FIRST', `паспорт «${files[passportAt]?.name}» не первое вложение письма (вложение №${passportAt + 1})`);
  }

  let message: SevMessage;
  try {
    message = parseMessage(first.content);
  } catch (err) {
    return refuse('INVALID_PASSPORT', `паспорт «${first.name}» не читается: ${describeXmlError(err)}`);
  }
  return {
    ok: true,
    to: addressesOf(mail.to),
    subject: mail.subject ?? '',
    date: mail.date,
    passport: { ...first, root: rootOf(message), message },
    attachments: rest,
  };
}

function toPackageFile(part: Attachment, index: number): PackageFile {
  const name = sanitizeAttachmentName(part.filename ?? '') || `attachment-${index + 1}`;
  return { name, content: part.content, size: part.content.byteLength };
}

function rootOf(message: SevMessage): PassportRoot {
  switch (message.kind) {
    case 'MainDoc':
    case 'AddToDoc':
    case 'Editing':
      return 'DocInfo';
    default:
      return message.kind;
  }
}

function addressesOf(field: AddressObject | AddressObject[] | undefined): string[] {
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
