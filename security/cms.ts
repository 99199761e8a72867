// CMS (PKCS #7) as the exchange uses it: a detached SignedData over a passport or a file (a .sig
// resource); the EnvelopedData that encrypts a whole package is ./enveloped. No cryptography of
// our own: signatures are made and checked with node:crypto over DER framed by ./der (every
// package carries two or three, so they must be cheap: ≈0.1 ms to check instead of ≈4 ms through
// pkijs); a signature in a form that path does not take (BER, RSA-PSS, no signed attributes, a
// signer named by key identifier) goes through pkijs over WebCrypto.
// A signature is trusted when it verifies and its signer certificate is one the participant
// directory holds for the sender.
import { createHash, createPrivateKey, createPublicKey, sign as signWith, verify as verifyWith, webcrypto, type KeyObject } from 'node:crypto';
import * as pkijs from 'pkijs';
import { childrenOf, contentsOf, DerError, encode, encodeOid, encodeSetOf, encodeSmallInteger, encodeUtcTime, encodingOf, expectTag, oidOf, readNode, TAG, timeOf, type Node } from './der';

const engine = new pkijs.CryptoEngine({ name: 'node', crypto: webcrypto as never });
pkijs.setEngine('node', engine);

export const ID_DATA = '1.2.840.113549.1.7.1';
const ID_SIGNED_DATA = '1.2.840.113549.1.7.2';
export const ID_ENVELOPED_DATA = '1.2.840.113549.1.7.3';
const ID_CONTENT_TYPE = '1.2.840.113549.1.9.3';
const ID_MESSAGE_DIGEST = '1.2.840.113549.1.9.4';
const ID_SIGNING_TIME = '1.2.840.113549.1.9.5';

export class CmsError extends Error {
  override name = 'CmsError';
}

/** A certificate in PEM or DER. */
export type CertificateInput = string | Uint8Array;

export function certificateDer(input: CertificateInput): Buffer {
  if (typeof input !== 'string') return Buffer.from(input);
  const body = input.replace(/-----(BEGIN|END) CERTIFICATE-----/g, '').replace(/\s+/g, '');
  if (!body) throw new CmsError('empty certificate');
  return Buffer.from(body, 'base64');
}

/** SHA-256 of the DER certificate, lower-case hex: how the directory names a certificate. */
export function certificateFingerprint(input: CertificateInput): string {
  return createHash('sha256').update(certificateDer(input)).digest('hex');
}

// Parsing a certificate or importing a key costs milliseconds, and every package is signed and
// verified: both are kept, by their PEM (certificates and keys never change under one PEM).
const MEMO_LIMIT = 256;
const certificates = new Map<string, pkijs.Certificate>();

function memo<V>(map: Map<string, V>, key: string, make: () => V): V {
  let value = map.get(key);
  if (value === undefined) {
    if (map.size >= MEMO_LIMIT) map.clear();
    value = make();
    map.set(key, value);
  }
  return value;
}

export function parseCertificate(input: CertificateInput): pkijs.Certificate {
  const parse = () => {
    try {
      return pkijs.Certificate.fromBER(toArrayBuffer(certificateDer(input)));
    } catch (e) {
      throw new CmsError(`not a certificate: ${(e as Error).message}`);
    }
  };
  return typeof input === 'string' ? memo(certificates, input, parse) : parse();
}

export function toArrayBuffer(data: Uint8Array): ArrayBuffer {
  return data.buffer.slice(data.byteOffset, data.byteOffset + data.byteLength) as ArrayBuffer;
}

export function pkcs8Der(keyPem: string): Buffer {
  return Buffer.from(keyPem.replace(/-----(BEGIN|END) PRIVATE KEY-----/g, '').replace(/\s+/g, ''), 'base64');
}

/** The content a signature is about: its bytes, or (for a large file streamed from the store) its SHA-256. */
export type SignedContent = Uint8Array | { sha256: Buffer };

/** What signing and checking need of a certificate, read once per PEM. */
export interface CertificateFacts {
  der: Buffer;
  fingerprint: string;
  /** The issuer Name and the serialNumber INTEGER, whole encodings: how a SignerInfo names its signer. */
  issuer: Buffer;
  serial: Buffer;
  publicKey: KeyObject;
  notBefore: Date;
  notAfter: Date;
}

const certificateFacts = new Map<string, CertificateFacts>();
const privateKeys = new Map<string, KeyObject>();

/** The private key of a PEM, imported once. */
export const privateKeyOf = (keyPem: string): KeyObject => memo(privateKeys, keyPem, () => createPrivateKey(keyPem));

export function readCertificateFacts(input: CertificateInput): CertificateFacts {
  const make = (): CertificateFacts => {
    const der = certificateDer(input);
    try {
      const tbs = childrenOf(expectTag(childrenOf(expectTag(readNode(der), TAG.sequence, 'сертификат'))[0], TAG.sequence, 'tbsCertificate'));
      const fields = tbs[0]?.tag === TAG.context0 ? tbs.slice(1) : tbs;
      const [serial, , issuer, validity, , spki] = fields;
      const [notBefore, notAfter] = childrenOf(expectTag(validity, TAG.sequence, 'срок действия'));
      return {
        der,
        fingerprint: createHash('sha256').update(der).digest('hex'),
        issuer: encodingOf(expectTag(issuer, TAG.sequence, 'издатель')),
        serial: encodingOf(expectTag(serial, TAG.integer, 'серийный номер')),
        publicKey: createPublicKey({ key: encodingOf(expectTag(spki, TAG.sequence, 'открытый ключ')), format: 'der', type: 'spki' }),
        notBefore: timeOf(notBefore!),
        notAfter: timeOf(notAfter!),
      };
    } catch (e) {
      throw new CmsError(`not a certificate: ${(e as Error).message}`);
    }
  };
  return typeof input === 'string' ? memo(certificateFacts, input, make) : make();
}

export const ID_RSA = '1.2.840.113549.1.1.1';
export const ID_SHA256 = '2.16.840.1.101.3.4.2.1';
export const ID_EC_PUBLIC_KEY = '1.2.840.10045.2.1';
const ID_ECDSA_SHA256 = '1.2.840.10045.4.3.2';

/** A detached CMS SignedData (DER) of the content with the key and its certificate (included in the signature). */
export async function signDetached(signed: SignedContent, keyPem: string, certPem: string): Promise<Buffer> {
  const certificate = readCertificateFacts(certPem);
  const key = privateKeyOf(keyPem);
  const digest = signed instanceof Uint8Array ? createHash('sha256').update(signed).digest() : signed.sha256;
  const attribute = (type: string, value: Buffer) => encode(TAG.sequence, encodeOid(type), encode(TAG.set, value));
  const attributes = encodeSetOf([
    attribute(ID_CONTENT_TYPE, encodeOid(ID_DATA)),
    attribute(ID_SIGNING_TIME, encodeUtcTime(new Date())),
    attribute(ID_MESSAGE_DIGEST, encode(TAG.octetString, digest)),
  ]);
  // With signed attributes the signature covers them (as a SET), and the digest in them, not the data itself.
  const signature = signWith('sha256', attributes, key);
  const algorithm = (oid: string, withNull: boolean) => encode(TAG.sequence, encodeOid(oid), ...(withNull ? [encode(TAG.null)] : []));
  const signatureAlgorithm = key.asymmetricKeyType === 'ec' ? algorithm(ID_ECDSA_SHA256, false) : algorithm(ID_RSA, true);
  const signerInfo = encode(
    TAG.sequence,
    encodeSmallInteger(1),
    encode(TAG.sequence, certificate.issuer, certificate.serial),
    algorithm(ID_SHA256, false),
    Buffer.concat([Buffer.from([TAG.context0]), attributes.subarray(1)]),
    signatureAlgorithm,
    encode(TAG.octetString, signature),
  );
  const signedData = encode(
    TAG.sequence,
    encodeSmallInteger(1),
    encode(TAG.set, algorithm(ID_SHA256, false)),
    encode(TAG.sequence, encodeOid(ID_DATA)),
    encode(TAG.context0, certificate.der),
    encode(TAG.set, signerInfo),
  );
  return encode(TAG.sequence, encodeOid(ID_SIGNED_DATA), encode(TAG.context0, signedData));
}

export type VerifyResult =
  | { ok: true; signerFingerprint: string; signingTime?: Date }
  /** malformed: not a signature; invalid: does not verify; untrusted: verifies, but with a certificate not trusted for the sender. */
  | { ok: false; code: 'malformed' | 'invalid' | 'untrusted'; reason: string };

/** The content a signature is checked against: its bytes, or a way to hash it as it streams (node:crypto algorithm names). */
export type VerifiedContent = Uint8Array | ((algorithm: string) => Promise<Buffer>);

export const DIGEST_ALGORITHMS: Record<string, { node: string; webcrypto: string }> = {
  '1.3.14.3.2.26': { node: 'sha1', webcrypto: 'sha-1' },
  '2.16.840.1.101.3.4.2.1': { node: 'sha256', webcrypto: 'sha-256' },
  '2.16.840.1.101.3.4.2.2': { node: 'sha384', webcrypto: 'sha-384' },
  '2.16.840.1.101.3.4.2.3': { node: 'sha512', webcrypto: 'sha-512' },
};

/**
 * Checks a detached signature of the content: it must parse, verify, and be made with one of the
 * trusted certificates (those the directory holds for the sender, each valid at signing time).
 * Never throws on bad input: the reason says what is wrong, in Russian.
 */
export async function verifyDetached(content: VerifiedContent, signature: Uint8Array, trusted: CertificateInput[]): Promise<VerifyResult> {
  return (await verifyWithNodeCrypto(content, Buffer.from(signature.buffer, signature.byteOffset, signature.byteLength), trusted)) ?? verifyWithPkijs(content, signature, trusted);
}

const UNTRUSTED: VerifyResult = { ok: false, code: 'untrusted', reason: 'подпись сделана сертификатом, которого нет в справочнике для этого участника' };

/** Signature algorithms checked with node:crypto (RSA PKCS #1 v1.5 and ECDSA; the hash is the SignerInfo's digest algorithm). */
const NODE_SIGNATURE_ALGORITHMS = new Set([
  ID_RSA,
  '1.2.840.113549.1.1.5', // sha1WithRSAEncryption
  '1.2.840.113549.1.1.11', // sha256WithRSAEncryption
  '1.2.840.113549.1.1.12', // sha384WithRSAEncryption
  '1.2.840.113549.1.1.13', // sha512WithRSAEncryption
  ID_EC_PUBLIC_KEY,
  '1.2.840.10045.4.1', // ecdsa-with-SHA1
  ID_ECDSA_SHA256,
  '1.2.840.10045.4.3.3', // ecdsa-with-SHA384
  '1.2.840.10045.4.3.4', // ecdsa-with-SHA512
]);

/**
 * The common form, checked with node:crypto: DER, one signer named by issuer and serial number,
 * signed attributes with the data's digest, RSA or ECDSA. Undefined for any other form (pkijs
 * then decides, including what is not a signature at all).
 */
async function verifyWithNodeCrypto(content: VerifiedContent, signature: Buffer, trusted: CertificateInput[]): Promise<VerifyResult | undefined> {
  let signerInfo: Node[];
  try {
    const info = childrenOf(expectTag(readNode(signature), TAG.sequence, 'ContentInfo'));
    if (info.length !== 2 || oidOf(info[0]!) !== ID_SIGNED_DATA) return undefined;
    const fields = childrenOf(expectTag(childrenOf(expectTag(info[1], TAG.context0, '[0]'))[0], TAG.sequence, 'SignedData'));
    const signerInfos = childrenOf(expectTag(fields[fields.length - 1], TAG.set, 'signerInfos'));
    if (signerInfos.length !== 1) return undefined;
    signerInfo = childrenOf(expectTag(signerInfos[0], TAG.sequence, 'SignerInfo'));
  } catch (e) {
    if (e instanceof DerError) return undefined;
    throw e;
  }
  const [, sid, digestAlgorithm, signedAttrs, signatureAlgorithm, signatureValue] = signerInfo;
  if (sid?.tag !== TAG.sequence || signedAttrs?.tag !== TAG.context0 || signatureValue?.tag !== TAG.octetString || !digestAlgorithm || !signatureAlgorithm) return undefined;
  let digestOid: string, signatureOid: string, issuer: Buffer, serial: Buffer;
  const attributes = new Map<string, Node[]>();
  try {
    digestOid = oidOf(childrenOf(digestAlgorithm)[0]!);
    signatureOid = oidOf(childrenOf(signatureAlgorithm)[0]!);
    const [issuerNode, serialNode] = childrenOf(sid);
    issuer = encodingOf(expectTag(issuerNode, TAG.sequence, 'издатель'));
    serial = encodingOf(expectTag(serialNode, TAG.integer, 'серийный номер'));
    for (const attribute of childrenOf(signedAttrs)) {
      const [type, values] = childrenOf(expectTag(attribute, TAG.sequence, 'атрибут'));
      attributes.set(oidOf(type!), childrenOf(expectTag(values, TAG.set, 'значения атрибута')));
    }
  } catch (e) {
    if (e instanceof DerError) return undefined;
    throw e;
  }
  const algorithm = DIGEST_ALGORITHMS[digestOid];
  const digestValues = attributes.get(ID_MESSAGE_DIGEST);
  if (!algorithm || !NODE_SIGNATURE_ALGORITHMS.has(signatureOid) || digestValues?.length !== 1 || digestValues[0]!.tag !== TAG.octetString) return undefined;

  // Only the directory's certificates are considered, whatever the signature carries inside.
  const candidates = trusted.map(readCertificateFacts).filter((c) => c.issuer.equals(issuer) && c.serial.equals(serial));
  if (candidates.length === 0) return UNTRUSTED;
  const digest = content instanceof Uint8Array ? createHash(algorithm.node).update(content).digest() : await content(algorithm.node);
  if (!contentsOf(digestValues[0]!).equals(digest)) return { ok: false, code: 'invalid', reason: 'подпись не верна: хэш данных не совпадает с подписанным' };
  // The signature covers the signed attributes encoded as a SET (their [0] tag is implicit).
  const signedBytes = Buffer.from(encodingOf(signedAttrs));
  signedBytes[0] = TAG.set;
  const signer = candidates.find((c) => verifyWith(algorithm.node, signedBytes, c.publicKey, contentsOf(signatureValue)));
  if (!signer) return { ok: false, code: 'invalid', reason: 'подпись не верна' };
  let signingTime: Date | undefined;
  const time = attributes.get(ID_SIGNING_TIME)?.[0];
  if (time) {
    try {
      signingTime = timeOf(time);
    } catch {
      return { ok: false, code: 'malformed', reason: 'время подписи не разбирается' };
    }
  }
  const at = signingTime ?? new Date();
  if (at < signer.notBefore || at > signer.notAfter) return { ok: false, code: 'untrusted', reason: 'сертификат подписанта не действовал в момент подписи' };
  return { ok: true, signerFingerprint: signer.fingerprint, ...(signingTime && { signingTime }) };
}

async function verifyWithPkijs(content: VerifiedContent, signature: Uint8Array, trusted: CertificateInput[]): Promise<VerifyResult> {
  let signedData: pkijs.SignedData;
  try {
    const info = pkijs.ContentInfo.fromBER(toArrayBuffer(Buffer.from(signature)));
    if (info.contentType !== ID_SIGNED_DATA) return { ok: false, code: 'malformed', reason: 'файл подписи не является подписью CMS' };
    signedData = new pkijs.SignedData({ schema: info.content });
  } catch (e) {
    return { ok: false, code: 'malformed', reason: `файл подписи не разбирается: ${(e as Error).message}` };
  }
  if (signedData.signerInfos.length !== 1) return { ok: false, code: 'malformed', reason: `в подписи ${signedData.signerInfos.length} подписантов, ожидался один` };
  const trustedCerts = trusted.map((pem) => ({ certificate: parseCertificate(pem), fingerprint: certificateFingerprint(pem) }));
  // Only the directory's certificates are offered: the signer must be one of them, whatever
  // certificate the signature carries inside (one could name the same issuer and serial).
  signedData.certificates = trustedCerts.map((t) => t.certificate);
  let data: ArrayBuffer;
  let crypto: pkijs.ICryptoEngine = engine;
  if (content instanceof Uint8Array) {
    data = toArrayBuffer(content);
  } else {
    // A streamed file: its digest is computed here, with the signature's algorithm, and handed to
    // pkijs in place of hashing the data (the only digest of `data` it takes; all others pass through).
    const algorithm = DIGEST_ALGORITHMS[signedData.signerInfos[0]!.digestAlgorithm.algorithmId];
    if (!algorithm) return { ok: false, code: 'malformed', reason: `алгоритм хэширования подписи ${signedData.signerInfos[0]!.digestAlgorithm.algorithmId} не поддерживается` };
    const digest = await content(algorithm.node);
    data = new ArrayBuffer(1);
    const placeholder = data;
    crypto = new Proxy(engine, {
      get(target, property, receiver) {
        if (property !== 'digest') return Reflect.get(target, property, receiver) as unknown;
        return (...args: Parameters<typeof target.digest>) => {
          const input = args[1];
          return ArrayBuffer.isView(input) && input.buffer === placeholder ? Promise.resolve(toArrayBuffer(digest)) : target.digest(...args);
        };
      },
    });
  }
  let result: pkijs.SignedDataVerifyResult;
  try {
    result = await signedData.verify({ signer: 0, data, extendedMode: true, checkChain: false }, crypto);
  } catch (e) {
    const failed = e as { message?: string; signatureVerified?: boolean | null };
    // A signer not found among the certificates is one we do not know; anything else is a bad signature.
    if (/unable to find signer certificate/i.test(failed.message ?? '')) return UNTRUSTED;
    return { ok: false, code: 'invalid', reason: `подпись не верна${failed.message ? `: ${failed.message}` : ''}` };
  }
  if (!result.signatureVerified || !result.signerCertificate) return { ok: false, code: 'invalid', reason: 'подпись не верна' };
  const signer = trustedCerts.find((t) => t.certificate === result.signerCertificate);
  if (!signer) return UNTRUSTED;
  const signerFingerprint = signer.fingerprint;
  const signingTime = signingTimeOf(signedData);
  const at = signingTime ?? new Date();
  if (at < signer.certificate.notBefore.value || at > signer.certificate.notAfter.value) return { ok: false, code: 'untrusted', reason: 'сертификат подписанта не действовал в момент подписи' };
  return { ok: true, signerFingerprint, ...(signingTime && { signingTime }) };
}

function signingTimeOf(signedData: pkijs.SignedData): Date | undefined {
  const attribute = signedData.signerInfos[0]?.signedAttrs?.attributes.find((a) => a.type === ID_SIGNING_TIME);
  const value = attribute?.values[0] as { toDate?: () => Date } | undefined;
  return value?.toDate?.();
}
