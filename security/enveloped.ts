// A whole package encrypted for its recipient: CMS EnvelopedData (RFC 5652 §6), written and read as
// it streams, so a package of any size passes through a worker in pieces of tens of kilobytes.
// Done here with node:crypto over the BER framer of ./der: recipients named by certificate (or by
// key identifier), with the content key transported by RSA-OAEP for an RSA certificate or agreed
// by ephemeral-static ECDH with the X9.63 KDF and wrapped by AES key wrap for an EC one (RFC 5753,
// as OpenSSL and pkijs write it); the content in AES or 3DES CBC. What we write is BER with
// indefinite lengths and the content in OCTET STRING pieces, as OpenSSL's `cms -stream` writes it
// (S/MIME receivers must take BER); what we read is that or DER, however many pieces the sender
// cut the content into.
import { constants, createCipheriv, createDecipheriv, createHash, createPublicKey, diffieHellman, generateKeyPairSync, privateDecrypt, publicEncrypt, randomBytes, type Decipher, type KeyObject } from 'node:crypto';
import { CmsError, DIGEST_ALGORITHMS, ID_DATA, ID_EC_PUBLIC_KEY, ID_ENVELOPED_DATA, ID_RSA, ID_SHA256, privateKeyOf, readCertificateFacts, type CertificateFacts, type CertificateInput } from './cms';
import { berChildrenOf, berContentsOf, childrenOf, DerError, DerTruncatedError, encode, encodeHeader, encodeOid, encodeSmallInteger, encodingOf, expectTag, oidOf, readBerNode, readHeader, readNode, TAG, type BerNode } from './der';

const ID_RSAES_OAEP = '1.2.840.113549.1.1.7';
const ID_MGF1 = '1.2.840.113549.1.1.8';
const ID_AES256_CBC = '2.16.840.1.101.3.4.1.42';
const ID_AES256_WRAP = '2.16.840.1.101.3.4.1.45';
/** dhSinglePass-stdDH-sha256kdf-scheme (RFC 5753): what we write for an EC recipient. */
const ID_ECDH_SHA256_KDF = '1.3.132.1.11.1';

/** Content-encryption algorithms read here: node:crypto's cipher name and its key and IV lengths. */
const CONTENT_CIPHERS: Record<string, { name: string; keyLength: number; ivLength: number }> = {
  '2.16.840.1.101.3.4.1.2': { name: 'aes-128-cbc', keyLength: 16, ivLength: 16 },
  '2.16.840.1.101.3.4.1.22': { name: 'aes-192-cbc', keyLength: 24, ivLength: 16 },
  [ID_AES256_CBC]: { name: 'aes-256-cbc', keyLength: 32, ivLength: 16 },
  '1.2.840.113549.3.7': { name: 'des-ede3-cbc', keyLength: 24, ivLength: 8 },
};

/**
 * Key-agreement schemes read here (RFC 5753, SEC 1): ephemeral-static ECDH and the X9.63 KDF with
 * its hash. On the curves taken (EC_CURVES, all of cofactor 1) the cofactor variants agree on the
 * same secret, so both are taken.
 */
const AGREEMENT_KDF_HASHES: Record<string, string> = {
  '1.3.133.16.840.63.0.2': 'sha1', // dhSinglePass-stdDH-sha1kdf-scheme
  '1.3.133.16.840.63.0.3': 'sha1', // dhSinglePass-cofactorDH-sha1kdf-scheme
  '1.3.132.1.11.0': 'sha224',
  [ID_ECDH_SHA256_KDF]: 'sha256',
  '1.3.132.1.11.2': 'sha384',
  '1.3.132.1.11.3': 'sha512',
  '1.3.132.1.14.0': 'sha224', // dhSinglePass-cofactorDH-sha224kdf-scheme and on
  '1.3.132.1.14.1': 'sha256',
  '1.3.132.1.14.2': 'sha384',
  '1.3.132.1.14.3': 'sha512',
};

/**
 * Curves an EC certificate may be on, to encrypt for it or to open with its key: prime curves of
 * cofactor 1 (NIST, secp256k1, Brainpool). node:crypto also has binary curves of cofactor 2 or 4,
 * where plain and cofactor ECDH differ and a small-subgroup point would leak key bits: refused.
 */
const EC_CURVES = new Set(['prime256v1', 'secp224r1', 'secp384r1', 'secp521r1', 'secp256k1', 'brainpoolP256r1', 'brainpoolP320r1', 'brainpoolP384r1', 'brainpoolP512r1']);

/** Key wraps: AES key wrap (RFC 3394) and the CMS Triple-DES key wrap (RFC 3217, as OpenSSL writes it with -des3): node:crypto's cipher, the key-encryption key's length, the IV it takes. */
const KEY_WRAPS: Record<string, { name: string; keyLength: number; iv: Buffer | null }> = {
  '2.16.840.1.101.3.4.1.5': { name: 'id-aes128-wrap', keyLength: 16, iv: Buffer.alloc(8, 0xa6) },
  '2.16.840.1.101.3.4.1.25': { name: 'id-aes192-wrap', keyLength: 24, iv: Buffer.alloc(8, 0xa6) },
  [ID_AES256_WRAP]: { name: 'id-aes256-wrap', keyLength: 32, iv: Buffer.alloc(8, 0xa6) },
  '1.2.840.113549.1.9.16.3.6': { name: 'id-smime-alg-CMS3DESwrap', keyLength: 24, iv: null },
};
/** More recipients than any real package names: each is tried with our keys, so their number is bounded. */
const MAX_RECIPIENTS = 64;

/** RecipientInfo's choices: ktri is a plain SEQUENCE, the others are tagged [1] to [4] (implicitly). */
const KEY_AGREEMENT_RECIPIENT = 0xa1;
/** KeyAgreeRecipientInfo's originator [0] EXPLICIT is OriginatorIdentifierOrKey; originatorKey is its [1] IMPLICIT choice. */
const ORIGINATOR_KEY = 0xa1;
/** KeyAgreeRecipientIdentifier's rKeyId [0] IMPLICIT RecipientKeyIdentifier (a SEQUENCE). */
const RECIPIENT_KEY_ID = 0xa0;

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
 * key transported with RSA-OAEP (SHA-256) to an RSA certificate, or agreed with an EC one (ECDH,
 * X9.63 KDF with SHA-256, AES-256 key wrap).
 */
export async function* encryptStream(source: Source, recipientCert: CertificateInput): AsyncGenerator<Buffer> {
  const certificate = encryptableCertificate(recipientCert);
  const key = randomBytes(32);
  const iv = randomBytes(16);
  const type = certificate.publicKey.asymmetricKeyType;
  const recipient = type === 'rsa' ? keyTransportRecipient(certificate, key) : keyAgreementRecipient(certificate, key);
  const open = (tag: number) => Buffer.from([tag, 0x80]);
  yield Buffer.concat([
    open(TAG.sequence), // ContentInfo
    encodeOid(ID_ENVELOPED_DATA),
    open(TAG.context0),
    open(TAG.sequence), // EnvelopedData
    encodeSmallInteger(type === 'rsa' ? 0 : 2), // 2 once a recipient is not a version 0 KeyTransRecipientInfo
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

/**
 * The certificate's facts when a package can be encrypted for it (an RSA key, or an EC key on a
 * curve node:crypto has); CmsError (in Russian) saying why not otherwise. Checked before a package
 * is composed: such a certificate will not do however often the step is tried.
 */
export function encryptableCertificate(recipientCert: CertificateInput): CertificateFacts {
  const certificate = readCertificateFacts(recipientCert);
  const { asymmetricKeyType: type, asymmetricKeyDetails: details } = certificate.publicKey;
  if (type === 'rsa') return certificate;
  if (type === 'ec' && details?.namedCurve && EC_CURVES.has(details.namedCurve)) return certificate;
  if (type === 'ec') throw new CmsError(`шифрование для сертификата EC на кривой ${details?.namedCurve ?? '(не именованной)'} не поддерживается`);
  throw new CmsError(`шифрование для сертификата с ключом ${type ?? 'неизвестного вида'} не поддерживается: нужен ключ RSA или EC`);
}

/** KeyTransRecipientInfo: the content key encrypted with RSA-OAEP (SHA-256) to the certificate's key. */
function keyTransportRecipient(certificate: CertificateFacts, key: Buffer): Buffer {
  const sha256 = encode(TAG.sequence, encodeOid(ID_SHA256));
  const oaep = encode(TAG.sequence, encodeOid(ID_RSAES_OAEP), encode(TAG.sequence, encode(TAG.context0, sha256), encode(TAG.context1, encode(TAG.sequence, encodeOid(ID_MGF1), sha256))));
  const encryptedKey = publicEncrypt({ key: certificate.publicKey, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: 'sha256' }, key);
  return encode(TAG.sequence, encodeSmallInteger(0), encode(TAG.sequence, certificate.issuer, certificate.serial), oaep, encode(TAG.octetString, encryptedKey));
}

/**
 * KeyAgreeRecipientInfo (RFC 5753): a fresh key pair on the certificate's curve, ECDH with its
 * key, the key-encryption key drawn from the shared secret by the X9.63 KDF (SHA-256), and the
 * content key wrapped with it (AES-256 key wrap). The ephemeral public key goes as the originator,
 * its algorithm without parameters: the curve is the recipient's.
 */
function keyAgreementRecipient(certificate: CertificateFacts, key: Buffer): Buffer {
  const ephemeral = generateKeyPairSync('ec', { namedCurve: certificate.publicKey.asymmetricKeyDetails!.namedCurve! });
  const secret = diffieHellman({ privateKey: ephemeral.privateKey, publicKey: certificate.publicKey });
  const wrapAlgorithm = encode(TAG.sequence, encodeOid(ID_AES256_WRAP));
  const kek = x963Kdf('sha256', secret, sharedInfo(wrapAlgorithm, undefined, 32), 32);
  const wrapped = wrapKey(KEY_WRAPS[ID_AES256_WRAP]!, kek, key);
  const publicKey = childrenOf(readNode(ephemeral.publicKey.export({ type: 'spki', format: 'der' })))[1]!;
  return encode(
    KEY_AGREEMENT_RECIPIENT,
    encodeSmallInteger(3),
    encode(TAG.context0, encode(ORIGINATOR_KEY, encode(TAG.sequence, encodeOid(ID_EC_PUBLIC_KEY)), encodingOf(publicKey))),
    encode(TAG.sequence, encodeOid(ID_ECDH_SHA256_KDF), wrapAlgorithm),
    encode(TAG.sequence, encode(TAG.sequence, encode(TAG.sequence, certificate.issuer, certificate.serial), encode(TAG.octetString, wrapped))),
  );
}

/** ECC-CMS-SharedInfo (RFC 5753 §7.2): the wrap algorithm, the user keying material if any, and the key's length in bits. */
function sharedInfo(wrapAlgorithm: Buffer, ukm: Buffer | undefined, keyLength: number): Buffer {
  const bits = Buffer.alloc(4);
  bits.writeUInt32BE(keyLength * 8);
  return encode(TAG.sequence, wrapAlgorithm, ...(ukm ? [encode(TAG.context0, encode(TAG.octetString, ukm))] : []), encode(TAG.context2, encode(TAG.octetString, bits)));
}

/** The ANSI X9.63 KDF (SEC 1 §3.6.1): Hash(Z ‖ counter ‖ SharedInfo) for counter 1, 2, … cut to `length` bytes. */
export function x963Kdf(hash: string, secret: Buffer, info: Buffer, length: number): Buffer {
  const blocks: Buffer[] = [];
  const counter = Buffer.alloc(4);
  for (let i = 1, total = 0; total < length; i++) {
    counter.writeUInt32BE(i);
    const block = createHash(hash).update(secret).update(counter).update(info).digest();
    blocks.push(block);
    total += block.length;
  }
  return Buffer.concat(blocks).subarray(0, length);
}

function wrapKey(wrap: { name: string; iv: Buffer | null }, kek: Buffer, key: Buffer): Buffer {
  const cipher = createCipheriv(wrap.name, kek, wrap.iv);
  return Buffer.concat([cipher.update(key), cipher.final()]);
}

/** `data` encrypted for the recipient's certificate, whole. */
export async function encryptFor(data: Uint8Array, recipientCert: CertificateInput): Promise<Buffer> {
  return collect(encryptStream([data], recipientCert));
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

/** One recipient of an envelope: the key it holds the content key for, and how. */
type Recipient =
  | { kind: 'transport'; issuerAndSerial?: Buffer; algorithm: BerNode; encryptedKey: Buffer }
  | {
      kind: 'agreement';
      issuerAndSerial?: Buffer;
      /** OriginatorPublicKey (the sender's ephemeral key); undefined when the originator is named by certificate (static-static ECDH). */
      originator: BerNode | undefined;
      ukm?: Buffer;
      algorithm: BerNode;
      encryptedKey: Buffer;
    };

/** What comes before the encrypted content: who can open it and with what, and where the content starts. */
interface EnvelopeHead {
  recipients: Recipient[];
  /** Recipients of other kinds (a key-encryption key, a password, another). */
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
  const recipientInfos = inComplete(() => berChildrenOf(expectBer(node, TAG.set, 'recipientInfos')));
  const content = readHeader(bytes, node.end);
  if (content.tag !== TAG.sequence) throw new DerError('ожидался EncryptedContentInfo');
  const contentType = readBerNode(bytes, content.contentStart);
  const algorithm = expectBer(readBerNode(bytes, contentType.end), TAG.sequence, 'алгоритм шифрования');
  const [cipherOid, iv] = inComplete(() => berChildrenOf(algorithm));
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
    if (recipient.tag === TAG.sequence) {
      const [, rid, keyAlgorithm, encryptedKey] = inComplete(() => berChildrenOf(recipient));
      if (!rid || !keyAlgorithm || encryptedKey?.tag !== TAG.octetString) throw new DerError('неполное KeyTransRecipientInfo');
      head.recipients.push({ kind: 'transport', ...(rid.tag === TAG.sequence && { issuerAndSerial: berContentsOf(rid) }), algorithm: keyAlgorithm, encryptedKey: berContentsOf(encryptedKey) });
    } else if (recipient.tag === KEY_AGREEMENT_RECIPIENT) head.recipients.push(...inComplete(() => keyAgreementRecipients(recipient)));
    else head.otherRecipients = true;
    if (head.recipients.length > MAX_RECIPIENTS) throw new CmsError(`зашифрованное сообщение не разбирается: больше ${MAX_RECIPIENTS} получателей`);
  }
  return head;
}

/**
 * Reads inside a node already read whole: a part that runs past its end is damage, not input still
 * to come (which DerTruncatedError would mean, and more of the source would be read for nothing).
 */
function inComplete<T>(read: () => T): T {
  try {
    return read();
  } catch (e) {
    if (e instanceof DerTruncatedError) throw new DerError('часть длиннее целого');
    throw e;
  }
}

/** The value of an OCTET STRING read as BER: primitive, or constructed of pieces (nested). */
function octetStringValue(node: BerNode, depth = 0): Buffer {
  if (node.tag === TAG.octetString) return berContentsOf(node);
  if (node.tag !== OCTET_STRING_CONSTRUCTED || depth > 8) throw new DerError('ожидалась строка октетов');
  return Buffer.concat(berChildrenOf(node).map((piece) => octetStringValue(piece, depth + 1)));
}

/** The recipients of a KeyAgreeRecipientInfo: one per RecipientEncryptedKey, sharing its originator and algorithm. */
function keyAgreementRecipients(info: BerNode): Recipient[] {
  const fields = berChildrenOf(info).slice(1); // after the version
  const originator = berChildrenOf(expectBer(fields.shift(), TAG.context0, 'отправитель KeyAgreeRecipientInfo'))[0];
  const ukmField = fields[0]?.tag === TAG.context1 ? berChildrenOf(fields.shift()!)[0] : undefined;
  const ukm = ukmField ? octetStringValue(ukmField) : undefined;
  const algorithm = expectBer(fields[0], TAG.sequence, 'алгоритм согласования ключа');
  const entries = berChildrenOf(expectBer(fields[1], TAG.sequence, 'RecipientEncryptedKeys'));
  if (entries.length > MAX_RECIPIENTS) throw new CmsError(`зашифрованное сообщение не разбирается: больше ${MAX_RECIPIENTS} получателей`);
  return entries.map((entry) => {
    const [rid, encryptedKey] = berChildrenOf(expectBer(entry, TAG.sequence, 'RecipientEncryptedKey'));
    if (!rid || encryptedKey?.tag !== TAG.octetString) throw new DerError('неполное RecipientEncryptedKey');
    if (rid.tag !== TAG.sequence && rid.tag !== RECIPIENT_KEY_ID) throw new DerError('неизвестный вид получателя в RecipientEncryptedKey');
    return {
      kind: 'agreement' as const,
      ...(rid.tag === TAG.sequence && { issuerAndSerial: berContentsOf(rid) }),
      originator: originator?.tag === ORIGINATOR_KEY ? originator : undefined,
      ...(ukm && { ukm }),
      algorithm,
      encryptedKey: berContentsOf(encryptedKey),
    };
  });
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

/** The decipher of the content for one of our keys (tried in turn: keys are rotated). */
function contentDecipher(head: EnvelopeHead, keys: OurKey[]): Decipher {
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
  if (head.recipients.length === 0 && head.otherRecipients) {
    throw new CmsError('сообщение зашифровано для получателя по общему ключу или паролю — принимаются только получатели по сертификату');
  }
  throw new CmsError('сообщение зашифровано не для нашего сертификата');
}

function decipherFor(head: EnvelopeHead, recipient: Recipient, keyPem: string): Decipher {
  const algorithm = CONTENT_CIPHERS[head.cipherOid];
  if (!algorithm) throw new CmsError(`алгоритм шифрования содержимого ${head.cipherOid} не поддерживается`);
  if (head.iv.length !== algorithm.ivLength) throw new CmsError('неверный вектор инициализации шифра');
  const key = recipient.kind === 'transport' ? transportedKey(recipient, keyPem) : agreedKey(recipient, keyPem);
  if (key.length !== algorithm.keyLength) throw new CmsError('не удалось расшифровать: ключ содержимого неверной длины');
  return createDecipheriv(algorithm.name, key, head.iv);
}

function transportedKey(recipient: Extract<Recipient, { kind: 'transport' }>, keyPem: string): Buffer {
  const oaepHash = oaepHashOf(recipient.algorithm);
  try {
    return privateDecrypt({ key: privateKeyOf(keyPem), padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash }, recipient.encryptedKey);
  } catch {
    throw new CmsError('не удалось расшифровать: ключ содержимого не открывается нашим ключом');
  }
}

/** The content key of a key-agreement recipient: ECDH of our key with the sender's ephemeral one, the X9.63 KDF, AES key unwrap. */
function agreedKey(recipient: Extract<Recipient, { kind: 'agreement' }>, keyPem: string): Buffer {
  const [schemeOid, wrap] = berChildrenOf(recipient.algorithm);
  const scheme = oidOf(expectBer(schemeOid, TAG.oid, 'алгоритм согласования ключа'));
  const hash = AGREEMENT_KDF_HASHES[scheme];
  if (!hash) throw new CmsError(`алгоритм согласования ключа ${scheme} не поддерживается (принимается ECDH с KDF X9.63)`);
  const [wrapOidNode, wrapParameters] = berChildrenOf(expectBer(wrap, TAG.sequence, 'алгоритм обёртки ключа'));
  const wrapOid = oidOf(expectBer(wrapOidNode, TAG.oid, 'алгоритм обёртки ключа'));
  const keyWrap = KEY_WRAPS[wrapOid];
  if (!keyWrap) throw new CmsError(`алгоритм обёртки ключа ${wrapOid} не поддерживается (принимаются AES key wrap и CMS 3DES wrap)`);
  // The KDF hashes the wrap algorithm as DER, as the sender's library re-encodes it, whatever BER it was sent in.
  const wrapAlgorithm = encode(TAG.sequence, encodeOid(wrapOid), ...(wrapParameters ? [wrapParameters.tag === TAG.null ? encode(TAG.null) : encodingOf(wrapParameters)] : []));
  if (!recipient.originator) throw new CmsError('ключ согласован с сертификатом отправителя (static-static ECDH) — принимается только эфемерный ключ отправителя');
  const ours = privateKeyOf(keyPem);
  if (ours.asymmetricKeyType !== 'ec') throw new CmsError('ключ содержимого согласован по ECDH, а наш ключ не EC');
  const curve = ours.asymmetricKeyDetails?.namedCurve;
  if (!curve || !EC_CURVES.has(curve)) throw new CmsError(`ключ содержимого согласован на кривой ${curve ?? '(не именованной)'}, которая не принимается`);
  let secret: Buffer;
  try {
    secret = diffieHellman({ privateKey: ours, publicKey: originatorPublicKey(recipient.originator, ours) });
  } catch (e) {
    throw e instanceof CmsError ? e : new CmsError(`не удалось расшифровать: открытый ключ отправителя не подходит к нашему (${(e as Error).message})`);
  }
  const kek = x963Kdf(hash, secret, sharedInfo(wrapAlgorithm, recipient.ukm, keyWrap.keyLength), keyWrap.keyLength);
  try {
    const decipher = createDecipheriv(keyWrap.name, kek, keyWrap.iv);
    return Buffer.concat([decipher.update(recipient.encryptedKey), decipher.final()]);
  } catch {
    throw new CmsError('не удалось расшифровать: ключ содержимого не открывается нашим ключом');
  }
}

/** The sender's ephemeral public key; its algorithm's parameters, when absent or NULL, are our key's curve (RFC 5753 §3.1.1). */
function originatorPublicKey(originator: BerNode, ours: KeyObject): KeyObject {
  const [algorithm, publicKey] = berChildrenOf(originator);
  const [algorithmOid, parameters] = berChildrenOf(expectBer(algorithm, TAG.sequence, 'алгоритм ключа отправителя'));
  if (oidOf(expectBer(algorithmOid, TAG.oid, 'алгоритм ключа отправителя')) !== ID_EC_PUBLIC_KEY) throw new CmsError('ключ отправителя не EC (id-ecPublicKey)');
  const point = berContentsOf(expectBer(publicKey, TAG.bitString, 'открытый ключ отправителя'));
  const ourAlgorithm = childrenOf(readNode(createPublicKey(ours).export({ type: 'spki', format: 'der' })))[0]!;
  const spkiAlgorithm = parameters && parameters.tag !== TAG.null ? encodingOf(algorithm!) : encodingOf(ourAlgorithm);
  try {
    return createPublicKey({ key: encode(TAG.sequence, spkiAlgorithm, encode(TAG.bitString, point)), format: 'der', type: 'spki' });
  } catch (e) {
    throw new CmsError(`открытый ключ отправителя не читается: ${(e as Error).message}`);
  }
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
  let decipher: Decipher;
  try {
    decipher = contentDecipher(head, keys);
  } catch (e) {
    throw e instanceof DerError ? new CmsError(`зашифрованное сообщение не разбирается: ${e.message}`) : e;
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

export async function collect(source: Source): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of source) chunks.push(Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength));
  return Buffer.concat(chunks);
}
