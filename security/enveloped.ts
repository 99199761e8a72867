// A whole package encrypted for its recipient: CMS EnvelopedData (RFC 5652 §6), written and read as
// it streams, so a package of any size passes through a worker in pieces of tens of kilobytes.
// The common form — recipients named by certificate, RSA-OAEP key transport, AES or 3DES in CBC —
// is done here with node:crypto over the BER framer of ./der. What we write is BER with indefinite
// lengths and the content in OCTET STRING pieces, as OpenSSL's `cms -stream` writes it (S/MIME
// receivers must take BER); what we read is that or DER, however many pieces the sender cut the
// content into. pkijs, over WebCrypto, is left an envelope with no recipient this path takes (a
// key-agreement recipient for an EC certificate): that one is read whole.
import { constants, createCipheriv, createDecipheriv, privateDecrypt, publicEncrypt, randomBytes, type Decipher } from 'node:crypto';
import type * as asn1js from 'asn1js';
import * as pkijs from 'pkijs';
import { CmsError, DIGEST_ALGORITHMS, ID_DATA, ID_ENVELOPED_DATA, ID_RSA, ID_SHA256, parseCertificate, pkcs8Der, privateKeyOf, readCertificateFacts, toArrayBuffer, type CertificateInput } from './cms';
import { berChildrenOf, berContentsOf, DerError, DerTruncatedError, encode, encodeHeader, encodeOid, encodeSmallInteger, expectTag, oidOf, readBerNode, readHeader, readNode, TAG, type BerNode } from './der';

const ID_RSAES_OAEP = '1.2.840.113549.1.1.7';
const ID_MGF1 = '1.2.840.113549.1.1.8';
const ID_AES256_CBC = '2.16.840.1.101.3.4.1.42';

/** Content-encryption algorithms read here: node:crypto's cipher name and its key and IV lengths. */
const CONTENT_CIPHERS: Record<string, { name: string; keyLength: number; ivLength: number }> = {
  '2.16.840.1.101.3.4.1.2': { name: 'aes-128-cbc', keyLength: 16, ivLength: 16 },
  '2.16.840.1.101.3.4.1.22': { name: 'aes-192-cbc', keyLength: 24, ivLength: 16 },
  [ID_AES256_CBC]: { name: 'aes-256-cbc', keyLength: 32, ivLength: 16 },
  '1.2.840.113549.3.7': { name: 'des-ede3-cbc', keyLength: 24, ivLength: 8 },
};

/** EncryptedContentInfo's encryptedContent: [0] IMPLICIT OCTET STRING, primitive or constructed of pieces. */
const CONTENT_PRIMITIVE = 0x80;
const CONTENT_CONSTRUCTED = 0xa0;
const OCTET_STRING_CONSTRUCTED = 0x24;
const END_OF_CONTENTS = Buffer.from([0, 0]);
/** Plain bytes encrypted into one OCTET STRING piece. */
const PIECE_BYTES = 64 * 1024;
/** What may come before the encrypted content (recipients, an originator's certificates) at most. */
const MAX_HEAD_BYTES = 1024 * 1024;

export type Source = AsyncIterable<Uint8Array> | Iterable<Uint8Array>;
export interface OurKey {
  keyPem: string;
  certPem: string;
}

/**
 * `source` encrypted for the recipient's certificate, in pieces as it is read: AES-256-CBC, the
 * key transported with RSA-OAEP (SHA-256).
 */
export async function* encryptStream(source: Source, recipientCert: CertificateInput): AsyncGenerator<Buffer> {
  const certificate = readCertificateFacts(recipientCert);
  if (certificate.publicKey.asymmetricKeyType !== 'rsa') {
    yield await encryptWithPkijs(await collect(source), recipientCert);
    return;
  }
  const key = randomBytes(32);
  const iv = randomBytes(16);
  const sha256 = encode(TAG.sequence, encodeOid(ID_SHA256));
  const oaep = encode(TAG.sequence, encodeOid(ID_RSAES_OAEP), encode(TAG.sequence, encode(TAG.context0, sha256), encode(TAG.context1, encode(TAG.sequence, encodeOid(ID_MGF1), sha256))));
  const encryptedKey = publicEncrypt({ key: certificate.publicKey, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: 'sha256' }, key);
  const recipient = encode(TAG.sequence, encodeSmallInteger(0), encode(TAG.sequence, certificate.issuer, certificate.serial), oaep, encode(TAG.octetString, encryptedKey));
  const open = (tag: number) => Buffer.from([tag, 0x80]);
  yield Buffer.concat([
    open(TAG.sequence), // ContentInfo
    encodeOid(ID_ENVELOPED_DATA),
    open(TAG.context0),
    open(TAG.sequence), // EnvelopedData
    encodeSmallInteger(0),
    encode(TAG.set, recipient),
    open(TAG.sequence), // EncryptedContentInfo
    encodeOid(ID_DATA),
    encode(TAG.sequence, encodeOid(ID_AES256_CBC), encode(TAG.octetString, iv)),
    open(CONTENT_CONSTRUCTED),
  ]);
  const cipher = createCipheriv('aes-256-cbc', key, iv);
  for await (const chunk of source) {
    for (let i = 0; i < chunk.length; i += PIECE_BYTES) {
      const encrypted = cipher.update(chunk.subarray(i, i + PIECE_BYTES));
      if (encrypted.length > 0) yield Buffer.concat([encodeHeader(TAG.octetString, encrypted.length), encrypted]);
    }
  }
  const last = cipher.final();
  // The content, EncryptedContentInfo, EnvelopedData, [0] and ContentInfo end.
  yield Buffer.concat([encodeHeader(TAG.octetString, last.length), last, ...Array<Buffer>(5).fill(END_OF_CONTENTS)]);
}

/** `data` encrypted for the recipient's certificate, whole. */
export async function encryptFor(data: Uint8Array, recipientCert: CertificateInput): Promise<Buffer> {
  return collect(encryptStream([data], recipientCert));
}

async function encryptWithPkijs(data: Uint8Array, recipientCert: CertificateInput): Promise<Buffer> {
  const enveloped = new pkijs.EnvelopedData();
  enveloped.addRecipientByCertificate(parseCertificate(recipientCert), { oaepHashAlgorithm: 'SHA-256' });
  await enveloped.encrypt({ name: 'AES-CBC', length: 256 } as never, toArrayBuffer(Buffer.from(data)));
  const content = new pkijs.ContentInfo({ contentType: ID_ENVELOPED_DATA, content: enveloped.toSchema() });
  return Buffer.from(content.toSchema().toBER(false));
}

/** True when the bytes begin a CMS EnvelopedData (only its first nodes are read). */
export function isEnvelopedData(der: Uint8Array): boolean {
  try {
    const bytes = Buffer.from(der.buffer, der.byteOffset, der.byteLength);
    const info = readHeader(bytes);
    return info.tag === TAG.sequence && oidOf(readNode(bytes, info.contentStart)) === ID_ENVELOPED_DATA;
  } catch {
    return false;
  }
}

// Reading.

/** What comes before the encrypted content: who can open it and with what, and where the content starts. */
interface EnvelopeHead {
  recipients: { issuerAndSerial?: Buffer; algorithm: BerNode; encryptedKey: Buffer }[];
  /** Recipients of other kinds (key agreement, a key-encryption key, a password). */
  otherRecipients: boolean;
  cipherOid: string;
  iv: Buffer;
  /** Offset of the encryptedContent node. */
  contentAt: number;
}

/** The head of an envelope from its first bytes; DerTruncatedError while they do not reach the content yet. */
function readEnvelopeHead(bytes: Buffer): EnvelopeHead {
  const info = readHeader(bytes);
  if (info.tag !== TAG.sequence) throw new DerError('ожидался ContentInfo');
  const type = readNode(bytes, info.contentStart);
  if (oidOf(type) !== ID_ENVELOPED_DATA) throw new CmsError('не зашифрованное сообщение CMS');
  const explicit = readHeader(bytes, type.end);
  if (explicit.tag !== TAG.context0) throw new DerError('ожидался [0]');
  const envelope = readHeader(bytes, explicit.contentStart);
  if (envelope.tag !== TAG.sequence) throw new DerError('ожидался EnvelopedData');
  let at = readBerNode(bytes, envelope.contentStart).end; // version
  let node = readBerNode(bytes, at);
  if (node.tag === TAG.context0) node = readBerNode(bytes, (at = node.end)); // originatorInfo
  const recipientInfos = berChildrenOf(expectBer(node, TAG.set, 'recipientInfos'));
  const content = readHeader(bytes, node.end);
  if (content.tag !== TAG.sequence) throw new DerError('ожидался EncryptedContentInfo');
  const contentType = readBerNode(bytes, content.contentStart);
  const algorithm = expectBer(readBerNode(bytes, contentType.end), TAG.sequence, 'алгоритм шифрования');
  const [cipherOid, iv] = berChildrenOf(algorithm);
  const contentAt = algorithm.end;
  const encrypted = readHeader(bytes, contentAt);
  if (encrypted.tag !== CONTENT_PRIMITIVE && encrypted.tag !== CONTENT_CONSTRUCTED) throw new CmsError('зашифрованное содержимое передано отдельно (detached) — такое не принимается');
  const head: EnvelopeHead = {
    recipients: [],
    otherRecipients: false,
    cipherOid: oidOf(expectBer(cipherOid, TAG.oid, 'алгоритм шифрования')),
    iv: iv?.tag === TAG.octetString ? berContentsOf(iv) : Buffer.alloc(0),
    contentAt,
  };
  for (const recipient of recipientInfos) {
    if (recipient.tag !== TAG.sequence) {
      head.otherRecipients = true;
      continue;
    }
    const [, rid, keyAlgorithm, encryptedKey] = berChildrenOf(recipient);
    if (!rid || !keyAlgorithm || encryptedKey?.tag !== TAG.octetString) throw new DerError('неполное KeyTransRecipientInfo');
    head.recipients.push({ ...(rid.tag === TAG.sequence && { issuerAndSerial: berContentsOf(rid) }), algorithm: keyAlgorithm, encryptedKey: berContentsOf(encryptedKey) });
  }
  return head;
}

function expectBer(node: BerNode | undefined, tag: number, what: string): BerNode {
  return expectTag(node, tag, what) as BerNode;
}

/** node:crypto's OAEP hash for a key-transport algorithm; CmsError for one not taken. */
function oaepHashOf(algorithm: BerNode): string {
  const [oid, params] = berChildrenOf(algorithm);
  const id = oidOf(expectBer(oid, TAG.oid, 'алгоритм ключа'));
  if (id === ID_RSA) throw new CmsError('ключ содержимого зашифрован по RSA PKCS #1 v1.5 — эта схема не принимается как уязвимая, нужна RSA-OAEP');
  if (id !== ID_RSAES_OAEP) throw new CmsError(`алгоритм шифрования ключа ${id} не поддерживается`);
  let hash = 'sha1';
  let mgfHash = 'sha1';
  for (const field of params?.tag === TAG.sequence ? berChildrenOf(params) : []) {
    const [algorithmId, algorithmParams] = berChildrenOf(expectBer(berChildrenOf(field)[0], TAG.sequence, 'алгоритм'));
    if (field.tag === TAG.context0) hash = digestName(algorithmId);
    else if (field.tag === TAG.context1) {
      if (oidOf(expectBer(algorithmId, TAG.oid, 'MGF')) !== ID_MGF1) throw new CmsError('функция маски RSA-OAEP не MGF1');
      mgfHash = digestName(berChildrenOf(expectBer(algorithmParams, TAG.sequence, 'хэш MGF1'))[0]);
    } else throw new CmsError('метка RSA-OAEP (pSourceFunc) не поддерживается');
  }
  if (hash !== mgfHash) throw new CmsError(`RSA-OAEP с разными хэшами (${hash} и MGF1 ${mgfHash}) не поддерживается`);
  return hash;
}

function digestName(oid: BerNode | undefined): string {
  const id = oidOf(expectBer(oid, TAG.oid, 'алгоритм хэширования'));
  const digest = DIGEST_ALGORITHMS[id];
  if (!digest) throw new CmsError(`алгоритм хэширования ${id} не поддерживается`);
  return digest.node;
}

/** The decipher of the content for one of our keys (tried in turn: keys are rotated); undefined when only pkijs may open it. */
function contentDecipher(head: EnvelopeHead, keys: OurKey[]): Decipher | undefined {
  for (const { keyPem, certPem } of keys) {
    const certificate = readCertificateFacts(certPem);
    const named = Buffer.concat([certificate.issuer, certificate.serial]);
    const recipient = head.recipients.find((r) => r.issuerAndSerial?.equals(named));
    if (recipient) return decipherFor(head, recipient, keyPem);
  }
  // A recipient named by key identifier: whichever of our keys opens its key is ours.
  for (const recipient of head.recipients.filter((r) => !r.issuerAndSerial)) {
    for (const { keyPem } of keys) {
      try {
        return decipherFor(head, recipient, keyPem);
      } catch {
        // not this key
      }
    }
  }
  if (head.otherRecipients) return undefined;
  throw new CmsError('сообщение зашифровано не для нашего сертификата');
}

function decipherFor(head: EnvelopeHead, recipient: EnvelopeHead['recipients'][number], keyPem: string): Decipher {
  const algorithm = CONTENT_CIPHERS[head.cipherOid];
  if (!algorithm) throw new CmsError(`алгоритм шифрования содержимого ${head.cipherOid} не поддерживается`);
  if (head.iv.length !== algorithm.ivLength) throw new CmsError('неверный вектор инициализации шифра');
  const oaepHash = oaepHashOf(recipient.algorithm);
  let key: Buffer;
  try {
    key = privateDecrypt({ key: privateKeyOf(keyPem), padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash }, recipient.encryptedKey);
  } catch {
    throw new CmsError('не удалось расшифровать: ключ содержимого не открывается нашим ключом');
  }
  if (key.length !== algorithm.keyLength) throw new CmsError('не удалось расшифровать: ключ содержимого неверной длины');
  return createDecipheriv(algorithm.name, key, head.iv);
}

/** Bytes pulled from a source as needed: what is not consumed yet, and more on request. */
class Input {
  private readonly iterator: AsyncIterator<Uint8Array> | Iterator<Uint8Array>;
  bytes: Buffer = Buffer.alloc(0);
  at = 0;

  constructor(source: Source) {
    this.iterator = Symbol.asyncIterator in source ? source[Symbol.asyncIterator]() : source[Symbol.iterator]();
  }

  get available(): number {
    return this.bytes.length - this.at;
  }

  /** Appends the next chunk of the source after what is left; false at its end. */
  async more(): Promise<boolean> {
    const next = await this.iterator.next();
    if (next.done) return false;
    const chunk = Buffer.from(next.value.buffer, next.value.byteOffset, next.value.byteLength);
    this.bytes = this.available === 0 ? chunk : Buffer.concat([this.bytes.subarray(this.at), chunk]);
    this.at = 0;
    return true;
  }

  take(n: number): Buffer {
    const out = this.bytes.subarray(this.at, this.at + n);
    this.at += n;
    return out;
  }
}

const truncated = () => new CmsError('зашифрованное сообщение не разбирается: данные обрываются');

/**
 * The plain content of an envelope arriving in chunks, in pieces as it is decrypted. Throws
 * CmsError (in Russian) when it cannot be opened; the padding, checked last, can still fail at
 * the end, so what was yielded is the package only if the iteration ends without an error.
 */
export async function* decryptStream(source: Source, keys: OurKey[]): AsyncGenerator<Buffer> {
  const input = new Input(source);
  let head: EnvelopeHead;
  for (;;) {
    try {
      head = readEnvelopeHead(input.bytes);
      break;
    } catch (e) {
      if (!(e instanceof DerTruncatedError)) throw e instanceof CmsError ? e : new CmsError(`зашифрованное сообщение не разбирается: ${(e as Error).message}`);
      if (input.bytes.length > MAX_HEAD_BYTES) throw new CmsError('зашифрованное сообщение не разбирается: заголовок длиннее 1 МБ');
      if (!(await input.more())) throw truncated();
    }
  }
  let decipher: Decipher | undefined;
  try {
    decipher = contentDecipher(head, keys);
  } catch (e) {
    throw e instanceof DerError ? new CmsError(`зашифрованное сообщение не разбирается: ${e.message}`) : e;
  }
  if (!decipher) {
    const whole = [input.take(input.available)];
    while (await input.more()) whole.push(input.take(input.available));
    yield await decryptWithPkijs(Buffer.concat(whole), keys);
    return;
  }
  input.at = head.contentAt;
  // Errors of the source (the store, the network) pass through as they are: the mail is tried again.
  yield* decryptContent(input, decipher);
  let last: Buffer;
  try {
    last = decipher.final();
  } catch (e) {
    throw new CmsError(`не удалось расшифровать: содержимое повреждено (${(e as Error).message})`);
  }
  yield last;
}

/**
 * The encryptedContent node from `input.at`, through the decipher: a primitive string, or one
 * constructed of pieces (nested, definite or indefinite), walked one header at a time.
 */
async function* decryptContent(input: Input, decipher: Decipher): AsyncGenerator<Buffer> {
  let consumed = 0; // bytes of the content node read so far
  let inPiece = 0; // bytes of the current primitive piece still to come
  const open: (number | undefined)[] = []; // where each constructed node around ends (undefined: at its end-of-contents)
  let first = true;
  for (;;) {
    if (inPiece > 0) {
      if (input.available === 0 && !(await input.more())) throw truncated();
      const n = Math.min(inPiece, input.available);
      const plain = decipher.update(input.take(n));
      inPiece -= n;
      consumed += n;
      if (plain.length > 0) yield plain;
      continue;
    }
    while (open.length > 0 && open.at(-1) === consumed) open.pop();
    if (!first && open.length === 0) return;
    if (input.available < 2 && !(await input.more()) && input.available < 2) throw truncated();
    if (!first && open.at(-1) === undefined && input.bytes[input.at] === 0 && input.bytes[input.at + 1] === 0) {
      input.take(2);
      consumed += 2;
      open.pop();
      continue;
    }
    let header;
    try {
      header = readHeader(input.bytes, input.at);
    } catch (e) {
      if (!(e instanceof DerError)) throw e;
      if (e instanceof DerTruncatedError && (await input.more())) continue;
      throw e instanceof DerTruncatedError ? truncated() : new CmsError(`зашифрованное сообщение не разбирается: ${e.message}`);
    }
    const [primitive, constructed] = first ? [CONTENT_PRIMITIVE, CONTENT_CONSTRUCTED] : [TAG.octetString, OCTET_STRING_CONSTRUCTED];
    const headerLength = header.contentStart - input.at;
    input.take(headerLength);
    consumed += headerLength;
    if (header.tag === primitive && header.length !== undefined) inPiece = header.length;
    else if (header.tag === constructed) {
      if (open.length >= 32) throw new CmsError('зашифрованное сообщение не разбирается: слишком глубокая вложенность');
      open.push(header.length === undefined ? undefined : consumed + header.length);
    } else throw new CmsError('зашифрованное сообщение не разбирается: в зашифрованном содержимом не строка');
    const end = open.findLast((e) => e !== undefined);
    if (end !== undefined && consumed + inPiece > end) throw new CmsError('зашифрованное сообщение не разбирается: часть длиннее целого');
    if (first && inPiece === 0 && open.length === 0) return; // an empty primitive content
    first = false;
  }
}

/** The plain content of a whole envelope. */
export async function decryptEnveloped(der: Uint8Array, keys: OurKey[]): Promise<Buffer> {
  return collect(decryptStream([der], keys));
}

async function decryptWithPkijs(der: Uint8Array, keys: OurKey[]): Promise<Buffer> {
  let enveloped: pkijs.EnvelopedData;
  try {
    const info = pkijs.ContentInfo.fromBER(toArrayBuffer(Buffer.from(der)));
    if (info.contentType !== ID_ENVELOPED_DATA) throw new CmsError('не зашифрованное сообщение CMS');
    enveloped = new pkijs.EnvelopedData({ schema: info.content });
  } catch (e) {
    throw new CmsError(`зашифрованное сообщение не разбирается: ${(e as Error).message}`);
  }
  for (const { keyPem, certPem } of keys) {
    const certificate = parseCertificate(certPem);
    for (const [index, recipient] of enveloped.recipientInfos.entries()) {
      // Key transport names its recipient; key agreement (variant 2) is tried with each of our keys.
      const value = recipient.value as { rid?: { serialNumber?: asn1js.Integer } };
      const agreement = recipient.variant === 2;
      if (!agreement && !(value.rid?.serialNumber?.isEqual(certificate.serialNumber) ?? false)) continue;
      try {
        const plain = await enveloped.decrypt(index, { recipientCertificate: certificate, recipientPrivateKey: toArrayBuffer(pkcs8Der(keyPem)) });
        return Buffer.from(plain);
      } catch (e) {
        if (!agreement) throw new CmsError(`не удалось расшифровать: ${(e as Error).message}`);
      }
    }
  }
  throw new CmsError('сообщение зашифровано не для нашего сертификата');
}

export async function collect(source: Source): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of source) chunks.push(Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength));
  return Buffer.concat(chunks);
}
