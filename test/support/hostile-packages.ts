// A corpus of hostile mail for organization B's exchange mailbox: broken MIME, attacks on the XML
// parser, passports that lie about their files, dangerous file names, mail beyond the configured
// limits, forged senders and reports. Each case builds the raw bytes of one mail and states what
// SEV must make of it; test/e2e/hostile.test.ts sends them all through the real stack and checks.
import { createHash, randomBytes } from 'node:crypto';
import { crc32, deflateRawSync } from 'node:zlib';
import { buildMessage, newGuid, type DeloFile, type DocInfoMessage, type ReportMessage, type Resource } from '../../codec';
import type { OrganizationConfig } from '../../workers/config';
import { FailureCode } from '../../workflows/definitions';
import { generateKeyPair } from '../../security/keys';
import { encryptFor } from '../../security/enveloped';
import { sealPackage, type SealHeaders } from '../../security/smime';
import { encodeWindows1251 } from '../codec/helpers';

// ---------------------------------------------------------------------------------------------
// What a case is and what it must end in

/** What the cases are built against: the organizations and what earlier exchanges left behind. */
export interface CorpusContext {
  a: OrganizationConfig;
  b: OrganizationConfig;
  c: OrganizationConfig;
  /** A document B really sent to A: only A may report on it. */
  sentByB: { messageId: string; documentUid: string; regNumber: string; regDate: string };
  /** The MessageID of a package from A that B has already registered. */
  registeredFromA: string;
  /** B's certificate, to encrypt for. */
  bCertPem: string;
}

export type Expectation =
  /**
   * Not readable as a package (broken MIME, no passport, an unreadable passport, a limit): the
   * intake records it as quarantined with the reason, moves the mail to Quarantine, starts no
   * workflow and answers nobody.
   */
  | { outcome: 'rejectedAtIntake'; reason: RegExp }
  /** Read, but not accepted (unknown or forged sender, a report that matches nothing): quarantined, nobody answered. */
  | { outcome: 'quarantined'; reason: RegExp }
  /** Refused, and the known, authenticated sender told why with a Failure report of this code. */
  | { outcome: 'refused'; failureCode: number; reason: RegExp }
  /** Registered once, with exactly these files on the card. */
  | { outcome: 'registered'; files: { name: string; sha256: string; size: number }[] };

export interface HostileCase {
  /** Unique within the corpus, latin letters, digits and dashes. */
  name: string;
  group: string;
  /** Unique per run: in the mail's Message-ID (see mailMessageIdOf) and subject, or in the body of a mail without headers. */
  marker: string;
  /** Header@MessageID of the passport the mail carries, when it has its own. */
  messageId?: string;
  /** Document@UID of the document it carries: nothing may be registered under it unless accepted. */
  documentUid?: string;
  /** Text that must never show up in what B recorded (e.g. the content of a file an entity points at). */
  mustNotLeak?: RegExp;
  /** SMTP envelope sender; A's mailbox when not given. */
  envelopeFrom?(ctx: CorpusContext): string;
  build(ctx: CorpusContext): Buffer | Promise<Buffer>;
  expect: Expectation;
}

export const MARKER_DOMAIN = 'hostile.test';

/** The Message-ID header of a case's mail, as the intake records it (with angle brackets). */
export function mailMessageIdOf(marker: string): string {
  return `<${marker}@${MARKER_DOMAIN}>`;
}

export const sha256 = (data: Buffer): string => createHash('sha256').update(data).digest('hex');

/** The limits the corpus is written against: the exchange's rules for every organization. */
export const HOSTILE_LIMITS = { maxAttachmentBytes: 64 * 1024, maxMessageBytes: 4 * 1024 * 1024, maxAttachments: 50 };

// ---------------------------------------------------------------------------------------------
// Passports

interface Party {
  uid: string;
  shortName: string;
}

const party = (org: OrganizationConfig): Party => ({ uid: org.sevIndex, shortName: org.shortName });
const EDMS_UID = newGuid();
const today = () => new Date().toISOString().slice(0, 10);

/** One file as the passport describes it. */
export interface PassportFile {
  /** Resource@UniqueName: the attachment's name. */
  uniqueName: string;
  content: Buffer;
  /** File@Description, the file's name on the card; the unique name when not given. */
  description?: string;
  /** File@Size; the content's size when not given. */
  size?: number;
  /** eTag; the content's SHA-256 when not given. */
  eTag?: string;
  /** A detached signature, listed as a resource of its own under this name. */
  signatureName?: string;
}

export interface DocInfoSpec {
  messageId: string;
  documentUid: string;
  sender: Party;
  recipient: Party;
  files: PassportFile[];
  annotation?: string;
}

/** The extension of the name's last path component; empty when it has none. */
function extensionOf(name: string): string {
  const base = name.split(/[/\\]/).at(-1) ?? '';
  const dot = base.lastIndexOf('.');
  return dot > 0 ? base.slice(dot + 1) : '';
}

/** A valid MainDoc passport: one registered document, its files listed as resources 1, 2, … */
export function mainDocPassport(spec: DocInfoSpec): DocInfoMessage {
  const resources: Resource[] = [{ uid: '0', uniqueName: 'DocInfo.xml' }];
  const files: DeloFile[] = spec.files.map((file) => {
    const resourceId = resources.length;
    resources.push({ uid: String(resourceId), uniqueName: file.uniqueName });
    const description = file.description ?? file.uniqueName;
    const deloFile: DeloFile = {
      uid: newGuid(),
      resourceId,
      size: file.size ?? file.content.length,
      description,
      extension: extensionOf(description),
      eTag: file.eTag ?? sha256(file.content),
    };
    if (file.signatureName !== undefined) {
      const signatureId = resources.length;
      resources.push({ uid: String(signatureId), uniqueName: file.signatureName });
      deloFile.signatures = [{ resourceId: signatureId, kindId: 1 }];
    }
    return deloFile;
  });
  return {
    kind: 'MainDoc',
    header: {
      messageType: 'MainDoc',
      messageId: spec.messageId,
      returnId: spec.messageId,
      version: '1.0',
      time: new Date().toISOString(),
      resourceId: 0,
      sender: { contact: { organization: spec.sender, officialPerson: { fio: 'Иванов И.И.', post: 'Министр' } }, edms: { uid: EDMS_UID, name: 'Дело' } },
      recipient: { contacts: [{ organization: spec.recipient }] },
      resources,
    },
    documents: [
      {
        uid: spec.documentUid,
        documentId: spec.documentUid.slice(0, 8),
        type: 'Created',
        mainDocument: true,
        registrationInfo: { number: `ВП-${spec.documentUid.slice(0, 6)}`, date: today() },
        annotation: spec.annotation ?? 'О проверке приёма пакетов СЭВ',
        ...(files.length > 0 && { files }),
      },
    ],
  };
}

/** A Reception report about `initialDoc`, answering the message `returnId`. */
function receptionReport(o: { messageId: string; returnId: string; sender: Party; recipient: Party; initialDoc: { uid: string; number: string; date: string } }): ReportMessage {
  return {
    kind: 'Report',
    header: {
      messageType: 'Reception',
      messageId: o.messageId,
      returnId: o.returnId,
      version: '1.0',
      time: new Date().toISOString(),
      resourceId: 0,
      sender: { contact: { organization: o.sender }, edms: { uid: EDMS_UID, name: 'Дело' } },
      recipient: { contacts: [{ organization: o.recipient }] },
      resources: [{ uid: '0', uniqueName: 'Report.xml' }],
    },
    notification: { initialDoc: o.initialDoc, reception: new Date().toISOString() },
  };
}

const utf8Xml = (message: DocInfoMessage | ReportMessage) => buildMessage(message);

/** The same XML in windows-1251 bytes, declaring `declared` (or no declaration at all). */
function in1251(xml: string, declared: string | undefined): Buffer {
  const body = xml.replace(/^<\?xml[^>]*\?>\s*/, '');
  return encodeWindows1251(declared === undefined ? body : `<?xml version="1.0" encoding="${declared}"?>\n${body}`);
}

// ---------------------------------------------------------------------------------------------
// MIME, written by hand so that every byte of the hostile parts is ours

const CRLF = '\r\n';

export interface MimePart {
  headers: string[];
  body: string | Buffer;
}

function base64Lines(content: Buffer): string {
  return (content.toString('base64').match(/.{1,76}/g) ?? []).join(CRLF);
}

/** RFC 2231 percent-encoding of UTF-8 (attribute-char is ALPHA, DIGIT and !#$&+-.^_`|~). */
export function rfc2231(value: string, charset: BufferEncoding = 'utf8'): string {
  return [...Buffer.from(value, charset)].map((byte) => (/[A-Za-z0-9!#$&+\-.^_`|~]/.test(String.fromCharCode(byte)) ? String.fromCharCode(byte) : `%${byte.toString(16).toUpperCase().padStart(2, '0')}`)).join('');
}

/** `filename` as mail programs write it: quoted plain ASCII, or RFC 2231 UTF-8 for anything else. */
function filenameParameter(name: string): string {
  return /^[\x20-\x7e]*$/.test(name) && !/["\\]/.test(name) ? `filename="${name}"` : `filename*=UTF-8''${rfc2231(name)}`;
}

/** An attachment part in base64; `disposition` replaces the Content-Disposition value. */
export function attachmentPart(name: string, content: Buffer, options: { contentType?: string; disposition?: string } = {}): MimePart {
  const contentType = options.contentType ?? (name.toLowerCase().endsWith('.xml') ? 'application/xml' : 'application/octet-stream');
  return {
    headers: [`Content-Type: ${contentType}`, 'Content-Transfer-Encoding: base64', `Content-Disposition: ${options.disposition ?? `attachment; ${filenameParameter(name)}`}`],
    body: base64Lines(content),
  };
}

const coverPart = (): MimePart => ({
  headers: ['Content-Type: text/plain; charset=utf-8', 'Content-Transfer-Encoding: base64'],
  body: base64Lines(Buffer.from('Пакет системы электронного взаимодействия (СЭВ) в формате EOS.\r\n', 'utf8')),
});

const encodedWord = (text: string) => `=?UTF-8?B?${Buffer.from(text, 'utf8').toString('base64')}?=`;

interface Envelope {
  from: string;
  to: string;
  marker: string;
  /** In Russian: what a person sees in the mailbox. */
  subject?: string;
  extraHeaders?: string[];
}

function topHeaders(e: Envelope, contentType: string): string[] {
  return [
    `From: ${e.from}`,
    `To: ${e.to}`,
    `Subject: ${encodedWord(e.subject ?? 'Пакет СЭВ')} [${e.marker}]`,
    `Date: ${new Date().toUTCString()}`,
    `Message-ID: ${mailMessageIdOf(e.marker)}`,
    'MIME-Version: 1.0',
    ...(e.extraHeaders ?? []),
    `Content-Type: ${contentType}`,
  ];
}

function toBuffer(chunk: string | Buffer): Buffer {
  return typeof chunk === 'string' ? Buffer.from(chunk, 'utf8') : chunk;
}

/** Header lines, an empty line, then the body. */
function assemble(headers: string[], body: string | Buffer): Buffer {
  return Buffer.concat([Buffer.from(headers.join(CRLF) + CRLF + CRLF, 'utf8'), toBuffer(body)]);
}

/** A multipart body: preamble, each part after the boundary line, and the closing boundary unless `close` is false. */
function multipartBody(parts: MimePart[], boundary: string, close = true): Buffer {
  const chunks: Buffer[] = [Buffer.from(`This is a multi-part message in MIME format.${CRLF}`)];
  for (const part of parts) {
    chunks.push(Buffer.from(`--${boundary}${CRLF}${part.headers.join(CRLF)}${CRLF}${CRLF}`, 'utf8'), toBuffer(part.body), Buffer.from(CRLF));
  }
  if (close) chunks.push(Buffer.from(`--${boundary}--${CRLF}`));
  return Buffer.concat(chunks);
}

const newBoundary = () => `----=_hostile_${randomBytes(8).toString('hex')}`;

/** A multipart/mixed mail: the cover text, then `parts` as attachments in that order. */
export function multipartMail(e: Envelope, parts: MimePart[], options: { boundary?: string; close?: boolean } = {}): Buffer {
  const boundary = options.boundary ?? newBoundary();
  return assemble(topHeaders(e, `multipart/mixed; boundary="${boundary}"`), multipartBody([coverPart(), ...parts], boundary, options.close));
}

// ---------------------------------------------------------------------------------------------
// Building blocks of the cases

interface Attachment {
  name: string;
  content: Buffer;
  disposition?: string;
}

interface PackageOptions {
  passport: Buffer;
  /** Attachments after the passport, in this order. */
  attachments: Attachment[];
  from: string;
  to: string;
  marker: string;
  subject?: string;
  extraHeaders?: string[];
}

/** A package mail: the passport first, then the attachments. */
function packageMail(o: PackageOptions): Buffer {
  return multipartMail(
    { from: o.from, to: o.to, marker: o.marker, subject: o.subject, extraHeaders: o.extraHeaders },
    [attachmentPart('DocInfo.xml', o.passport), ...o.attachments.map((a) => attachmentPart(a.name, a.content, a.disposition === undefined ? {} : { disposition: a.disposition }))],
  );
}

/** A document from A to B: its own MessageID and Document@UID, a passport and the mail that carries it. */
interface DocumentCase {
  messageId: string;
  documentUid: string;
  passport(ctx: CorpusContext, edit?: (message: DocInfoMessage) => void): DocInfoMessage;
}

function newDocument(files: PassportFile[], annotation?: string): DocumentCase {
  const messageId = newGuid();
  const documentUid = newGuid();
  return {
    messageId,
    documentUid,
    passport(ctx, edit) {
      const message = mainDocPassport({ messageId, documentUid, sender: party(ctx.a), recipient: party(ctx.b), files, annotation });
      edit?.(message);
      return message;
    },
  };
}

/** Deterministic-looking file content of `size` bytes (a PDF header and filler). */
export function fileContent(label: string, size = 2048): Buffer {
  const head = Buffer.from(`%PDF-1.4 ${label} `, 'utf8');
  const filler = randomBytes(Math.max(0, size - head.length));
  return Buffer.concat([head, filler]).subarray(0, size);
}

/**
 * A zip archive of one file of `bytes` zeros, deflated: some 60 KB on the wire that would expand a
 * thousandfold. Local header, data, central directory and end record, written by hand.
 */
export function zipBomb(bytes = 56 * 1024 * 1024): Buffer {
  const zeros = Buffer.alloc(bytes);
  const data = deflateRawSync(zeros, { level: 9 });
  const crc = crc32(zeros);
  const name = Buffer.from('нули.bin', 'utf8');
  const DOS_DATE = (2024 - 1980) << 9 | (3 << 5) | 14;
  const local = Buffer.alloc(30);
  local.writeUInt32LE(0x04034b50, 0);
  local.writeUInt16LE(20, 4);
  local.writeUInt16LE(0x0800, 6); // UTF-8 name
  local.writeUInt16LE(8, 8); // deflate
  local.writeUInt16LE(0, 10);
  local.writeUInt16LE(DOS_DATE, 12);
  local.writeUInt32LE(crc, 14);
  local.writeUInt32LE(data.length, 18);
  local.writeUInt32LE(bytes, 22);
  local.writeUInt16LE(name.length, 26);
  local.writeUInt16LE(0, 28);
  const central = Buffer.alloc(46);
  central.writeUInt32LE(0x02014b50, 0);
  central.writeUInt16LE(20, 4);
  central.writeUInt16LE(20, 6);
  central.writeUInt16LE(0x0800, 8);
  central.writeUInt16LE(8, 10);
  central.writeUInt16LE(0, 12);
  central.writeUInt16LE(DOS_DATE, 14);
  central.writeUInt32LE(crc, 16);
  central.writeUInt32LE(data.length, 20);
  central.writeUInt32LE(bytes, 24);
  central.writeUInt16LE(name.length, 28);
  // Extra field, comment, disk, attributes: zero; the local header sits at offset 0.
  const centralOffset = local.length + name.length + data.length;
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(1, 8);
  end.writeUInt16LE(1, 10);
  end.writeUInt32LE(central.length + name.length, 12);
  end.writeUInt32LE(centralOffset, 16);
  return Buffer.concat([local, name, data, central, name, end]);
}

/** The classic billion laughs: ten levels of ten references, 10⁹ «lol» when expanded. */
function billionLaughs(): string {
  const levels = ['<!ENTITY lol0 "lol">'];
  for (let i = 1; i <= 9; i++) levels.push(`<!ENTITY lol${i} "${`&lol${i - 1};`.repeat(10)}">`);
  return `<!DOCTYPE DocInfo [\n  ${levels.join('\n  ')}\n]>`;
}

/** Puts `doctype` after the XML declaration of `xml`, and `reference` into the annotation. */
function withDoctype(xml: string, doctype: string, reference?: string): Buffer {
  let out = xml.replace(/^(<\?xml[^>]*\?>)\s*/, `$1\n${doctype}\n`);
  if (reference !== undefined) out = out.replace(/<Annotation>[^<]*<\/Annotation>/, `<Annotation>${reference}</Annotation>`);
  return Buffer.from(out, 'utf8');
}

function mustReplace(text: string, pattern: RegExp, replacement: string): string {
  if (!pattern.test(text)) throw new Error(`hostile corpus: ${pattern} not found in the passport`);
  return text.replace(pattern, replacement);
}

// ---------------------------------------------------------------------------------------------
// The corpus

const INTAKE = {
  noAttachments: /в письме нет вложений/,
  noPassport: /среди вложений нет паспорта/,
  notFirst: /не первое вложение/,
  unreadable: /паспорт «DocInfo\.xml» не читается/,
  tooLarge: /больше допустимого размера/,
  tooManyParts: /слишком много частей MIME|вложений при пределе/,
};

/** A fresh corpus: new markers, MessageIDs and document UIDs on every call. */
export function hostileCorpus(): HostileCase[] {
  const run = randomBytes(3).toString('hex');
  const cases: HostileCase[] = [];
  const add = (c: Omit<HostileCase, 'marker'>) => {
    if (cases.some((other) => other.name === c.name)) throw new Error(`hostile corpus: two cases named ${c.name}`);
    cases.push({ ...c, marker: `hos-${c.name}-${run}` });
  };
  const markerOf = (name: string) => `hos-${name}-${run}`;
  const fromA = (ctx: CorpusContext) => ({ from: ctx.a.mailbox.address, to: ctx.b.mailbox.address });

  /**
   * A document case from A whose passport and mail are made by `make`: the usual case is the one
   * file «Письмо.pdf», listed and attached as it should be.
   */
  const documentCase = (
    group: string,
    name: string,
    expect: Expectation,
    make: (ctx: CorpusContext, doc: DocumentCase, marker: string, file: Buffer) => Buffer,
    extra: Partial<Pick<HostileCase, 'mustNotLeak' | 'envelopeFrom'>> & { files?: PassportFile[] } = {},
  ) => {
    // The first file of the passport is what `make` attaches as «the file».
    const file = extra.files?.[0]?.content ?? fileContent(name);
    const doc = newDocument(extra.files ?? [{ uniqueName: 'Письмо.pdf', content: file }]);
    add({ group, name, messageId: doc.messageId, documentUid: doc.documentUid, expect, build: (ctx) => make(ctx, doc, markerOf(name), file), ...extra });
  };
  /** The plain package of a document case, with the passport bytes and attachments given. */
  const plain = (ctx: CorpusContext, marker: string, passport: Buffer, attachments: Attachment[], extra: Partial<PackageOptions> = {}) =>
    packageMail({ ...fromA(ctx), marker, passport, attachments, ...extra });
  const passportXml = (ctx: CorpusContext, doc: DocumentCase) => utf8Xml(doc.passport(ctx));

  // --- Malformed MIME -------------------------------------------------------------------------

  documentCase('mime', 'broken-boundary', { outcome: 'rejectedAtIntake', reason: INTAKE.noAttachments }, (ctx, doc, marker, file) => {
    // The parts are delimited by a boundary other than the one the header declares.
    const parts = [coverPart(), attachmentPart('DocInfo.xml', Buffer.from(passportXml(ctx, doc))), attachmentPart('Письмо.pdf', file)];
    return assemble(topHeaders({ ...fromA(ctx), marker }, 'multipart/mixed; boundary="declared-boundary-1"'), multipartBody(parts, 'actual-boundary-2'));
  });

  documentCase('mime', 'multipart-without-boundary', { outcome: 'rejectedAtIntake', reason: INTAKE.noAttachments }, (ctx, doc, marker, file) => {
    const parts = [coverPart(), attachmentPart('DocInfo.xml', Buffer.from(passportXml(ctx, doc))), attachmentPart('Письмо.pdf', file)];
    return assemble(topHeaders({ ...fromA(ctx), marker }, 'multipart/mixed'), multipartBody(parts, 'unannounced-boundary'));
  });

  documentCase('mime', 'unterminated-multipart-cut-in-passport', { outcome: 'rejectedAtIntake', reason: INTAKE.unreadable }, (ctx, doc, marker) => {
    // The mail ends in the middle of the passport's base64: no closing boundary, no more parts.
    const passport = attachmentPart('DocInfo.xml', Buffer.from(passportXml(ctx, doc)));
    const cut = { ...passport, body: String(passport.body).slice(0, Math.floor(String(passport.body).length / 2)) };
    const boundary = newBoundary();
    return assemble(topHeaders({ ...fromA(ctx), marker }, `multipart/mixed; boundary="${boundary}"`), multipartBody([coverPart(), cut], boundary, false));
  });

  add({
    group: 'mime',
    name: 'garbage-body',
    expect: { outcome: 'rejectedAtIntake', reason: INTAKE.noAttachments },
    build: (ctx) => assemble(topHeaders({ ...fromA(ctx), marker: markerOf('garbage-body') }, `multipart/mixed; boundary="${newBoundary()}"`), randomBytes(48 * 1024)),
  });

  add({
    group: 'mime',
    name: 'garbage-without-headers',
    // Nothing but bytes; the marker is buried among them so the test can find what became of it.
    expect: { outcome: 'rejectedAtIntake', reason: INTAKE.noAttachments },
    build: () =>
      Buffer.concat([
        Buffer.from([0xff, 0xfe, 0x00, 0x01, 0x1b, 0x5b, 0x0d, 0x0a]),
        randomBytes(8 * 1024).map((b) => (b === 0x0a || b === 0x0d || b === 0x2e ? 0x20 : b)),
        Buffer.from(`\r\n${markerOf('garbage-without-headers')}\r\n`),
        randomBytes(8 * 1024).map((b) => (b === 0x0a || b === 0x0d || b === 0x2e ? 0x20 : b)),
        Buffer.from('\r\n'),
      ]),
  });

  add({
    group: 'mime',
    name: 'header-only',
    expect: { outcome: 'rejectedAtIntake', reason: INTAKE.noAttachments },
    build: (ctx) => Buffer.from(topHeaders({ ...fromA(ctx), marker: markerOf('header-only') }, 'multipart/mixed; boundary="nothing-follows"').join(CRLF) + CRLF),
  });

  documentCase('mime', 'no-attachments-passport-inline', { outcome: 'rejectedAtIntake', reason: INTAKE.noAttachments }, (ctx, doc, marker) =>
    // The passport pasted into the text of the mail instead of attached.
    assemble(topHeaders({ ...fromA(ctx), marker }, 'text/plain; charset=utf-8'), passportXml(ctx, doc)),
  );

  documentCase('mime', 'nested-message-rfc822', { outcome: 'rejectedAtIntake', reason: INTAKE.noPassport }, (ctx, doc, marker, file) => {
    // A valid package forwarded inside a forward, twenty levels deep: never unwrapped.
    let inner = plain(ctx, `${marker}-inner`, Buffer.from(passportXml(ctx, doc)), [{ name: 'Письмо.pdf', content: file }]);
    for (let level = 0; level < 20; level++) {
      const boundary = newBoundary();
      const forwarded: MimePart = { headers: ['Content-Type: message/rfc822', 'Content-Disposition: attachment; filename="forwarded.eml"'], body: inner };
      const m = level === 19 ? marker : `${marker}-level${level}`;
      inner = assemble(topHeaders({ ...fromA(ctx), marker: m }, `multipart/mixed; boundary="${boundary}"`), multipartBody([coverPart(), forwarded], boundary));
    }
    return inner;
  });

  // --- Where the passport is -------------------------------------------------------------------

  documentCase('passport', 'missing-passport', { outcome: 'rejectedAtIntake', reason: INTAKE.noPassport }, (ctx, _doc, marker, file) =>
    multipartMail({ ...fromA(ctx), marker }, [attachmentPart('Письмо.pdf', file), attachmentPart('Приложение.txt', Buffer.from('приложение без паспорта'))]),
  );

  documentCase('passport', 'passport-not-first', { outcome: 'rejectedAtIntake', reason: INTAKE.notFirst }, (ctx, doc, marker, file) =>
    multipartMail({ ...fromA(ctx), marker }, [attachmentPart('Письмо.pdf', file), attachmentPart('DocInfo.xml', Buffer.from(passportXml(ctx, doc)))]),
  );

  documentCase('passport', 'foreign-xml-before-passport', { outcome: 'rejectedAtIntake', reason: INTAKE.notFirst }, (ctx, doc, marker, file) =>
    multipartMail({ ...fromA(ctx), marker }, [
      attachmentPart('Сведения.xml', Buffer.from('<?xml version="1.0"?><Сведения><Пункт>1</Пункт></Сведения>')),
      attachmentPart('DocInfo.xml', Buffer.from(passportXml(ctx, doc))),
      attachmentPart('Письмо.pdf', file),
    ]),
  );

  documentCase('passport', 'empty-passport-file', { outcome: 'rejectedAtIntake', reason: INTAKE.noPassport }, (ctx, _doc, marker, file) =>
    plain(ctx, marker, Buffer.alloc(0), [{ name: 'Письмо.pdf', content: file }]),
  );

  // --- Attacks on the XML parser ----------------------------------------------------------------

  const xmlCase = (name: string, reason: RegExp, rewrite: (xml: string) => Buffer, mustNotLeak?: RegExp) =>
    documentCase('xml', name, { outcome: 'rejectedAtIntake', reason }, (ctx, doc, marker, file) => plain(ctx, marker, rewrite(passportXml(ctx, doc)), [{ name: 'Письмо.pdf', content: file }]), mustNotLeak ? { mustNotLeak } : {});

  // An internal subset defeats the cheap root sniffing, so these read as «no passport»; either way nothing is expanded.
  const DTD_REFUSED = /нет паспорта|DOCTYPE/;
  xmlCase('xxe-external-file-entity', DTD_REFUSED, (xml) => withDoctype(xml, '<!DOCTYPE DocInfo [ <!ENTITY xxe SYSTEM "file:///etc/passwd"> ]>', '&xxe;'), /root:|\/bin\/(ba)?sh/);
  xmlCase('xxe-parameter-entity', DTD_REFUSED, (xml) =>
    withDoctype(xml, '<!DOCTYPE DocInfo [ <!ENTITY % remote SYSTEM "http://127.0.0.1:9/evil.dtd"> %remote; ]>'),
  );
  xmlCase('external-dtd', /DOCTYPE/, (xml) => withDoctype(xml, '<!DOCTYPE DocInfo SYSTEM "http://127.0.0.1:9/sev.dtd">'));
  xmlCase('billion-laughs', DTD_REFUSED, (xml) => withDoctype(xml, billionLaughs(), '&lol9;'));
  xmlCase('quadratic-blowup', DTD_REFUSED, (xml) => withDoctype(xml, `<!DOCTYPE DocInfo [ <!ENTITY big "${'Ы'.repeat(20_000)}"> ]>`, '&big;'.repeat(2_000)));
  xmlCase('wrong-namespace', INTAKE.noPassport, (xml) => Buffer.from(mustReplace(xml, /xmlns="http:\/\/www\.eos\.ru\/2010\/sev"/, 'xmlns="http://www.eos.ru/2010/sev-evil"')));
  xmlCase('no-namespace', INTAKE.noPassport, (xml) => Buffer.from(mustReplace(xml, / xmlns="http:\/\/www\.eos\.ru\/2010\/sev"/, '')));
  xmlCase('namespace-only-on-prefixed-root', INTAKE.unreadable, (xml) =>
    // The root is in the SEV namespace through a prefix; its children are in no namespace at all.
    Buffer.from(mustReplace(mustReplace(xml, /<DocInfo xmlns="http:\/\/www\.eos\.ru\/2010\/sev">/, '<sev:DocInfo xmlns:sev="http://www.eos.ru/2010/sev">'), /<\/DocInfo>/, '</sev:DocInfo>')),
  );
  xmlCase('schema-missing-header', INTAKE.unreadable, (xml) => Buffer.from(mustReplace(xml, /<Header [\s\S]*<\/Header>\s*/, '')));
  xmlCase('schema-missing-message-id', INTAKE.unreadable, (xml) => Buffer.from(mustReplace(xml, / MessageID="[^"]*"/, '')));
  xmlCase('schema-message-id-not-a-guid', INTAKE.unreadable, (xml) => Buffer.from(mustReplace(xml, / MessageID="[^"]*"/, ' MessageID="../../etc/passwd"')));
  xmlCase('schema-unknown-message-type', INTAKE.unreadable, (xml) => Buffer.from(mustReplace(xml, /MessageType="MainDoc"/, 'MessageType="Evil"')));
  xmlCase('schema-missing-registration-info', INTAKE.unreadable, (xml) => Buffer.from(mustReplace(xml, /<RegistrationInfo>[\s\S]*?<\/RegistrationInfo>\s*/, '')));
  xmlCase('truncated-xml', INTAKE.unreadable, (xml) => Buffer.from(xml.slice(0, Math.floor(xml.length * 0.6))));
  xmlCase('nul-character-reference', INTAKE.unreadable, (xml) => Buffer.from(mustReplace(xml, /<Annotation>/, '<Annotation>&#0;')));

  // --- Encodings --------------------------------------------------------------------------------

  xmlCase('windows-1251-declared-utf-8', INTAKE.unreadable, (xml) => in1251(xml, 'UTF-8'));
  xmlCase('utf-8-declared-windows-1251', INTAKE.unreadable, (xml) => Buffer.from(mustReplace(xml, /encoding="UTF-8"/, 'encoding="windows-1251"')));
  xmlCase('windows-1251-without-declaration', INTAKE.unreadable, (xml) => in1251(xml, undefined));
  xmlCase('utf-16-passport', /нет паспорта|UTF-16/, (xml) =>
    Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(mustReplace(xml, /encoding="UTF-8"/, 'encoding="UTF-16"'), 'utf16le')]),
  );
  {
    const content = fileContent('cp1251');
    const files = [{ name: 'Письмо «о сроках» № 5.pdf', sha256: sha256(content), size: content.length }];
    documentCase(
      'encoding',
      'windows-1251-passport-declared-correctly',
      { outcome: 'registered', files },
      (ctx, doc, marker) => plain(ctx, marker, in1251(passportXml(ctx, doc), 'windows-1251'), [{ name: 'Письмо «о сроках» № 5.pdf', content }]),
      { files: [{ uniqueName: 'Письмо «о сроках» № 5.pdf', content }] },
    );
  }

  // --- Resources that do not match the passport --------------------------------------------------

  documentCase('resources', 'resource-missing', { outcome: 'refused', failureCode: FailureCode.missingResource, reason: /нет вложения «Письмо\.pdf»/ }, (ctx, doc, marker) =>
    plain(ctx, marker, Buffer.from(passportXml(ctx, doc)), []),
  );

  {
    const content = fileContent('signed');
    documentCase(
      'resources',
      'signature-missing',
      { outcome: 'refused', failureCode: FailureCode.missingResource, reason: /нет вложения «Письмо\.pdf\.sig»/ },
      (ctx, doc, marker) => plain(ctx, marker, Buffer.from(passportXml(ctx, doc)), [{ name: 'Письмо.pdf', content }]),
      { files: [{ uniqueName: 'Письмо.pdf', content, signatureName: 'Письмо.pdf.sig' }] },
    );
  }

  {
    const listed = fileContent('listed');
    const smuggled = Buffer.from('MZ\x90\x00 not listed in the passport', 'latin1');
    documentCase(
      'resources',
      'attachment-not-listed',
      // The passport decides what the document is: the extra file is not taken onto the card.
      { outcome: 'registered', files: [{ name: 'Письмо.pdf', sha256: sha256(listed), size: listed.length }] },
      (ctx, doc, marker) => plain(ctx, marker, Buffer.from(passportXml(ctx, doc)), [{ name: 'Письмо.pdf', content: listed }, { name: 'setup.exe', content: smuggled }]),
      { files: [{ uniqueName: 'Письмо.pdf', content: listed }] },
    );
  }

  {
    const content = fileContent('hash');
    documentCase(
      'resources',
      'sha256-mismatch',
      { outcome: 'refused', failureCode: FailureCode.hashMismatch, reason: /хэш файла «Письмо\.pdf» не совпадает/ },
      (ctx, doc, marker) => plain(ctx, marker, Buffer.from(passportXml(ctx, doc)), [{ name: 'Письмо.pdf', content }]),
      { files: [{ uniqueName: 'Письмо.pdf', content, eTag: sha256(Buffer.concat([content, Buffer.from('x')])) }] },
    );
  }

  {
    const content = fileContent('size');
    documentCase(
      'resources',
      'size-mismatch',
      { outcome: 'refused', failureCode: FailureCode.hashMismatch, reason: /размер файла «Письмо\.pdf» 2048 байт, в паспорте 2049/ },
      (ctx, doc, marker) => plain(ctx, marker, Buffer.from(passportXml(ctx, doc)), [{ name: 'Письмо.pdf', content }]),
      { files: [{ uniqueName: 'Письмо.pdf', content, size: content.length + 1 }] },
    );
  }

  documentCase('resources', 'truncated-base64-in-resource', { outcome: 'refused', failureCode: FailureCode.hashMismatch, reason: /размер файла «Письмо\.pdf»/ }, (ctx, doc, marker, file) => {
    // The file's base64 stops two thirds of the way, in the middle of a line; the mail goes on.
    const part = attachmentPart('Письмо.pdf', file);
    const body = String(part.body);
    const cut = { ...part, body: body.slice(0, Math.floor(body.length * 0.66)) };
    return multipartMail({ ...fromA(ctx), marker }, [attachmentPart('DocInfo.xml', Buffer.from(passportXml(ctx, doc))), cut]);
  });

  documentCase('resources', 'two-attachments-one-name', { outcome: 'refused', failureCode: FailureCode.invalidPassport, reason: /два вложения с именем «Письмо\.pdf»/ }, (ctx, doc, marker, file) =>
    plain(ctx, marker, Buffer.from(passportXml(ctx, doc)), [{ name: 'Письмо.pdf', content: file }, { name: 'Письмо.pdf', content: fileContent('twin') }]),
  );

  {
    const first = fileContent('first');
    const second = fileContent('second');
    documentCase(
      'resources',
      'two-resources-one-name',
      { outcome: 'refused', failureCode: FailureCode.invalidPassport, reason: /два ресурса паспорта с именем «Письмо\.pdf»/ },
      (ctx, doc, marker) => plain(ctx, marker, Buffer.from(passportXml(ctx, doc)), [{ name: 'Письмо.pdf', content: first }]),
      { files: [{ uniqueName: 'Письмо.pdf', content: first }, { uniqueName: 'Письмо.pdf', content: second, description: 'Второе письмо.pdf' }] },
    );
  }

  // --- File names -------------------------------------------------------------------------------

  /** A document whose one file has the hostile `name` (passport and attachment alike), registered under `safeName`. */
  const nameCase = (name: string, hostile: string, safeName: string, attachmentName = hostile, disposition?: string) => {
    const content = fileContent(name);
    documentCase(
      'names',
      name,
      { outcome: 'registered', files: [{ name: safeName, sha256: sha256(content), size: content.length }] },
      (ctx, doc, marker) => plain(ctx, marker, Buffer.from(passportXml(ctx, doc)), [{ name: attachmentName, content, ...(disposition !== undefined && { disposition }) }]),
      { files: [{ uniqueName: hostile, content }] },
    );
  };
  // Stored by content, never by name; on the card a name without any path or invisible characters.
  nameCase('name-path-traversal', '../../etc/passwd', 'passwd');
  nameCase('name-absolute-unix-path', '/etc/cron.d/sev', 'sev');
  nameCase('name-absolute-windows-path', 'C:\\Windows\\System32\\drivers\\etc\\hosts', 'hosts');
  nameCase('name-right-to-left-override', 'invoice\u202Efdp.exe', 'invoicefdp.exe');
  // NUL and line breaks cannot be written in XML: the passport names the file plainly; the mail's name carries them.
  nameCase('name-nul-in-attachment', 'Отчёт.pdf', 'Отчёт.pdf', 'Отчёт\u0000.pdf');
  nameCase('name-control-characters-in-attachment', 'Справка.pdf', 'Справка.pdf', 'Спра\r\nвка\t\u0007.pdf');
  // Cyrillic names as mail programs encode them: decoded, then matched and registered.
  const cyrillic = 'Письмо о переносе совещания №1.pdf';
  {
    const encoded = rfc2231(cyrillic);
    const half = Math.floor(encoded.length / 2);
    // RFC 2231 continuations; a percent escape must not be split.
    const split = encoded.lastIndexOf('%', half) > half - 3 ? encoded.lastIndexOf('%', half) : half;
    nameCase('name-rfc2231-continuations', cyrillic, cyrillic, cyrillic, `attachment; filename*0*=UTF-8''${encoded.slice(0, split)}; filename*1*=${encoded.slice(split)}`);
  }
  nameCase('name-encoded-word-base64', 'Приложение №2 — список.docx', 'Приложение №2 — список.docx', 'Приложение №2 — список.docx', `attachment; filename="${encodedWord('Приложение №2 — список.docx')}"`);
  {
    const name = 'Справка о доходах.xlsx';
    const q = [...encodeWindows1251(name)].map((b) => (b >= 0x30 && b <= 0x7a && b !== 0x3d && b !== 0x3f && b !== 0x5f ? String.fromCharCode(b) : b === 0x20 ? '_' : `=${b.toString(16).toUpperCase().padStart(2, '0')}`)).join('');
    nameCase('name-encoded-word-windows-1251-q', name, name, name, `attachment; filename="=?windows-1251?Q?${q}?="`);
  }
  {
    const nfc = 'Пояснительная записка к отчёту.pdf';
    nameCase('name-cyrillic-decomposed-nfd', nfc, nfc, nfc.normalize('NFD'));
  }

  // --- Limits -----------------------------------------------------------------------------------

  documentCase('limits', 'attachment-over-size-limit', { outcome: 'rejectedAtIntake', reason: /вложение «Письмо\.pdf» больше допустимого размера \(предел 65536 байт\)/ }, (ctx, doc, marker, file) =>
    plain(ctx, marker, Buffer.from(passportXml(ctx, doc)), [{ name: 'Письмо.pdf', content: file }]),
    { files: [{ uniqueName: 'Письмо.pdf', content: fileContent('big', HOSTILE_LIMITS.maxAttachmentBytes + 1) }] },
  );
  documentCase('limits', 'thousands-of-parts', { outcome: 'rejectedAtIntake', reason: INTAKE.tooManyParts }, (ctx, doc, marker, file) =>
    plain(ctx, marker, Buffer.from(passportXml(ctx, doc)), [{ name: 'Письмо.pdf', content: file }, ...Array.from({ length: 3000 }, (_, i) => ({ name: `часть-${i}.txt`, content: Buffer.from(String(i)) }))]),
  );

  {
    const bomb = zipBomb();
    documentCase(
      'limits',
      'zip-bomb-stored-as-is',
      { outcome: 'registered', files: [{ name: 'Архив.zip', sha256: sha256(bomb), size: bomb.length }] },
      (ctx, doc, marker) => plain(ctx, marker, Buffer.from(passportXml(ctx, doc)), [{ name: 'Архив.zip', content: bomb }]),
      { files: [{ uniqueName: 'Архив.zip', content: bomb }] },
    );
  }

  documentCase('limits', 'oversized-header', { outcome: 'rejectedAtIntake', reason: /заголовок части письма больше допустимого/ }, (ctx, doc, marker, file) =>
    // Twelve headers of 95 KB: each passes the mail server's limit on one header, together they
    // are more than the MIME parser takes for one header block (1 MB).
    plain(ctx, marker, Buffer.from(passportXml(ctx, doc)), [{ name: 'Письмо.pdf', content: file }], {
      extraHeaders: Array.from({ length: 12 }, (_, i) => `X-Padding-${i}: ${'a'.repeat(95 * 1024)}`),
    }),
  );

  {
    const content = fileContent('one-huge-header');
    documentCase(
      'limits',
      'one-huge-part-header-cut-in-transit',
      // A 2 MB header in the passport's part, which the mail server cuts to its limit on the way: what
      // arrives is a valid package and is registered.
      { outcome: 'registered', files: [{ name: 'Письмо.pdf', sha256: sha256(content), size: content.length }] },
      (ctx, doc, marker) => {
        const passport = attachmentPart('DocInfo.xml', Buffer.from(passportXml(ctx, doc)));
        passport.headers.push(`X-Padding: ${'a'.repeat(2 * 1024 * 1024)}`);
        return multipartMail({ ...fromA(ctx), marker }, [passport, attachmentPart('Письмо.pdf', content)]);
      },
      { files: [{ uniqueName: 'Письмо.pdf', content }] },
    );
  }

  {
    const content = fileContent('recipients');
    documentCase(
      'limits',
      'enormous-number-of-recipients',
      // B is one of three thousand addressees of the mail: still a package for B.
      { outcome: 'registered', files: [{ name: 'Письмо.pdf', sha256: sha256(content), size: content.length }] },
      (ctx, doc, marker) =>
        plain(ctx, marker, Buffer.from(passportXml(ctx, doc)), [{ name: 'Письмо.pdf', content }], {
          to: [ctx.b.mailbox.address, ...Array.from({ length: 3000 }, (_, i) => `r${i}@x${i % 50}.example`)].join(',\r\n '),
        }),
      { files: [{ uniqueName: 'Письмо.pdf', content }] },
    );
  }

  // --- Messages: MessageID, reports, senders -----------------------------------------------------

  {
    const documentUid = newGuid();
    const other = fileContent('other');
    add({
      group: 'messages',
      name: 'message-id-reused-other-content',
      // The passport reuses the MessageID of a package B registered; the case has no MessageID of its own.
      expect: { outcome: 'rejectedAtIntake', reason: /MessageID уже получен с другим содержимым/ },
      documentUid,
      build(ctx) {
        const files = [{ uniqueName: 'Подменённое письмо.pdf', content: other }];
        const message = mainDocPassport({ messageId: ctx.registeredFromA, documentUid, sender: party(ctx.a), recipient: party(ctx.b), files });
        return plain(ctx, markerOf('message-id-reused-other-content'), Buffer.from(utf8Xml(message)), [{ name: 'Подменённое письмо.pdf', content: other }]);
      },
    });
  }

  {
    const messageId = newGuid();
    add({
      group: 'messages',
      name: 'report-about-unknown-message',
      messageId,
      expect: { outcome: 'quarantined', reason: /доклад о неизвестном сообщении/ },
      build(ctx) {
        const report = receptionReport({ messageId, returnId: newGuid(), sender: party(ctx.a), recipient: party(ctx.b), initialDoc: { uid: newGuid(), number: 'Исх-404', date: today() } });
        return plain(ctx, markerOf('report-about-unknown-message'), Buffer.from(utf8Xml(report)), []);
      },
    });
  }

  {
    const messageId = newGuid();
    add({
      group: 'messages',
      name: 'report-from-non-addressee',
      messageId,
      envelopeFrom: (ctx) => ctx.c.mailbox.address,
      expect: { outcome: 'quarantined', reason: /доклад от участника, которому документ не отправлялся/ },
      build(ctx) {
        // C, a known participant writing from its own mailbox, reports on the document B sent to A.
        const { sentByB } = ctx;
        const report = receptionReport({ messageId, returnId: sentByB.messageId, sender: party(ctx.c), recipient: party(ctx.b), initialDoc: { uid: sentByB.documentUid, number: sentByB.regNumber, date: sentByB.regDate } });
        return plain(ctx, markerOf('report-from-non-addressee'), Buffer.from(utf8Xml(report)), [], { from: ctx.c.mailbox.address });
      },
    });
  }

  /** A valid package whose sender (passport) and From (mail) are chosen by the case. */
  const senderCase = (name: string, reason: RegExp, sender: (ctx: CorpusContext) => Party, from: (ctx: CorpusContext) => string) =>
    documentCase('senders', name, { outcome: 'quarantined', reason }, (ctx, doc, marker, file) => {
      const message = doc.passport(ctx, (m) => {
        m.header.sender.contact.organization = sender(ctx);
      });
      return plain(ctx, marker, Buffer.from(utf8Xml(message)), [{ name: 'Письмо.pdf', content: file }], { from: from(ctx) });
    }, { envelopeFrom: from });

  const stranger = { uid: 'HOS-X', shortName: 'Неизвестная организация' };
  senderCase('unknown-sender', /неизвестный отправитель: Неизвестная организация \(HOS-X\)/, () => stranger, () => 'sev@unknown-org.example');
  senderCase('unknown-sender-from-known-mailbox', /неизвестный отправитель/, () => stranger, (ctx) => ctx.a.mailbox.address);
  senderCase('spoofed-from-outside-address', /адрес отправителя attacker@evil\.example не принадлежит участнику/, (ctx) => party(ctx.a), () => 'attacker@evil.example');
  senderCase('spoofed-from-other-participant', /не принадлежит участнику/, (ctx) => party(ctx.a), (ctx) => ctx.c.mailbox.address);
  senderCase('sender-claims-to-be-recipient', /неизвестный отправитель/, (ctx) => party(ctx.b), (ctx) => ctx.a.mailbox.address);

  /** An S/MIME mail around `body` (an envelope, or whatever it is). */
  const smimeMail = (headers: SealHeaders, body: Buffer) =>
    assemble(
      [`From: ${headers.from}`, `To: ${headers.to}`, `Subject: ${headers.subject}`, `Message-ID: ${headers.messageId}`, 'MIME-Version: 1.0', 'Content-Type: application/pkcs7-mime; smime-type=enveloped-data; name="smime.p7m"', 'Content-Transfer-Encoding: base64'],
      base64Lines(body) + CRLF,
    );
  // Encrypted mail (S/MIME) that cannot be opened: quarantined as it came, with the reason. The
  // large ones are over the intake's 1 MB and take the streamed path from the store.
  const sealedCase = (name: string, reason: RegExp, make: (ctx: CorpusContext, headers: SealHeaders, marker: string) => Promise<Buffer>) =>
    add({
      group: 'smime',
      name,
      expect: { outcome: 'rejectedAtIntake', reason },
      build: (ctx) => make(ctx, { ...fromA(ctx), subject: `Пакет СЭВ [${markerOf(name)}]`, messageId: mailMessageIdOf(markerOf(name)), date: new Date() }, markerOf(name)),
    });
  sealedCase('sealed-for-another-certificate', /не для нашего сертификата/, async (ctx, headers, marker) => {
    const other = await generateKeyPair({ organization: 'Посторонняя организация', sevIndex: 'HOS-X' });
    return sealPackage(plain(ctx, `${marker}-inner`, Buffer.from('<DocInfo/>'), []), other.certPem, headers);
  });
  sealedCase('sealed-large-cut-short', /данные обрываются/, async (ctx, headers) => {
    const sealed = await sealPackage(randomBytes(1536 * 1024), ctx.bCertPem, headers);
    return sealed.subarray(0, Math.floor(sealed.length * 0.6));
  });
  sealedCase('sealed-large-tampered', /содержимое повреждено/, async (ctx, headers) => {
    // 1.5 MB is whole cipher blocks, so the last block is all padding (16 × 16); its padding is
    // the last byte of the block before XOR-ed in. Turned by 16 it reads 0, which never checks.
    // From the end: five end-of-contents markers (10 bytes), the last block (16), its header (2).
    const der = Buffer.from(await encryptFor(randomBytes(1536 * 1024), ctx.bCertPem));
    der[der.length - 29]! ^= 16;
    return smimeMail(headers, der);
  });
  sealedCase('sealed-garbage', /не разбирается/, async (_ctx, headers) => smimeMail(headers, randomBytes(48 * 1024)));

  return cases;
}

/** A valid package from A to B (SEV's own composer is not used: only the wire format is shared). */
export function validPackage(ctx: Pick<CorpusContext, 'a' | 'b'>, marker: string, files: PassportFile[] = [{ uniqueName: 'Письмо.pdf', content: fileContent('valid') }]): { raw: Buffer; messageId: string; documentUid: string } {
  const messageId = newGuid();
  const documentUid = newGuid();
  const message = mainDocPassport({ messageId, documentUid, sender: party(ctx.a), recipient: party(ctx.b), files });
  const raw = packageMail({ from: ctx.a.mailbox.address, to: ctx.b.mailbox.address, marker, passport: Buffer.from(utf8Xml(message)), attachments: files.map((f) => ({ name: f.uniqueName, content: f.content })) });
  return { raw, messageId, documentUid };
}
