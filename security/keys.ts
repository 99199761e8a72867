// The organization's keys and certificates: a key store of files in a folder only the SEV user may
// read (the folder 0700, keys 0600), one key (RSA when SEV makes it, RSA or EC when imported) and
// X.509 certificate per generation, the newest one current; older ones stay for decrypting what was
// sent to them. Keys are never logged.
import { createPrivateKey, createPublicKey, generateKeyPair as generateRsa, randomBytes, webcrypto, X509Certificate } from 'node:crypto';
import { chmod, mkdir, open, readdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import * as asn1js from 'asn1js';
import * as pkijs from 'pkijs';
import { certificateFingerprint } from './cms';

export interface KeyPair {
  keyPem: string;
  certPem: string;
  fingerprint: string;
  subject: string;
  notBefore: Date;
  notAfter: Date;
}

export class KeyStoreError extends Error {
  override name = 'KeyStoreError';
}

const CURRENT = 'current';
/** Held while a process makes the store's first key. */
const MAKING_LOCK = '.making-key.lock';
const STALE_LOCK_MS = 60_000;
const ID_COMMON_NAME = '2.5.4.3';
const ID_ORGANIZATION = '2.5.4.10';

/** A self-signed certificate and its RSA key, for an organization without a certificate authority of its own (or tests). */
export async function generateKeyPair(subject: { organization: string; sevIndex: string }, days = 365): Promise<KeyPair> {
  const { privateKey } = await promisify(generateRsa)('rsa', { modulusLength: 2048 });
  const keyPem = privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
  const pkcs8 = privateKey.export({ type: 'pkcs8', format: 'der' });
  const signingKey = await webcrypto.subtle.importKey('pkcs8', pkcs8, { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256' }, true, ['sign']);
  const spki = createPublicKey(privateKey).export({ type: 'spki', format: 'der' });

  const certificate = new pkijs.Certificate();
  certificate.version = 2;
  certificate.serialNumber = new asn1js.Integer({ valueHex: certificateSerial(randomBytes(16)) });
  const name = () =>
    new pkijs.RelativeDistinguishedNames({
      typesAndValues: [
        new pkijs.AttributeTypeAndValue({ type: ID_ORGANIZATION, value: new asn1js.Utf8String({ value: subject.organization }) }),
        new pkijs.AttributeTypeAndValue({ type: ID_COMMON_NAME, value: new asn1js.Utf8String({ value: subject.sevIndex }) }),
      ],
    });
  certificate.issuer = name();
  certificate.subject = name();
  const notBefore = new Date(Math.floor(Date.now() / 1000) * 1000 - 60_000);
  const notAfter = new Date(notBefore.getTime() + days * 86_400_000);
  certificate.notBefore.value = notBefore;
  certificate.notAfter.value = notAfter;
  certificate.subjectPublicKeyInfo = pkijs.PublicKeyInfo.fromBER(spki.buffer.slice(spki.byteOffset, spki.byteOffset + spki.byteLength) as ArrayBuffer);
  certificate.extensions = [
    new pkijs.Extension({ extnID: '2.5.29.19', critical: true, extnValue: new pkijs.BasicConstraints({ cA: false }).toSchema().toBER(false) }),
    // digitalSignature, nonRepudiation, keyEncipherment
    new pkijs.Extension({ extnID: '2.5.29.15', critical: true, extnValue: new asn1js.BitString({ valueHex: new Uint8Array([0xe0]).buffer, unusedBits: 5 }).toBER(false) }),
  ];
  await certificate.sign(signingKey as never, 'SHA-256');
  const der = Buffer.from(certificate.toSchema(true).toBER(false));
  const certPem = `-----BEGIN CERTIFICATE-----\n${der.toString('base64').replace(/(.{64})/g, '$1\n').trim()}\n-----END CERTIFICATE-----\n`;
  const info = describeCertificate(certPem);
  return { keyPem, certPem, fingerprint: info.fingerprint, subject: info.subject, notBefore: info.notBefore, notAfter: info.notAfter };
}

/** A serial number from random bytes that DER writes as given: positive and minimal, its first byte 0x40–0x7f. */
export function certificateSerial(random: Buffer): Buffer {
  const serial = Buffer.from(random);
  serial[0] = (serial[0]! & 0x3f) | 0x40;
  return serial;
}

/** What a certificate says about itself. */
export function describeCertificate(certPem: string): { subject: string; issuer: string; serialNumber: string; notBefore: Date; notAfter: Date; fingerprint: string } {
  const certificate = new X509Certificate(certPem);
  return {
    subject: certificate.subject.replace(/\n/g, ', '),
    issuer: certificate.issuer.replace(/\n/g, ', '),
    serialNumber: certificate.serialNumber,
    notBefore: new Date(certificate.validFrom),
    notAfter: new Date(certificate.validTo),
    fingerprint: certificateFingerprint(certPem),
  };
}

/** Checks that a key and a certificate belong together. */
export async function keyMatchesCertificate(keyPem: string, certPem: string): Promise<boolean> {
  try {
    return new X509Certificate(certPem).checkPrivateKey(createPrivateKey(keyPem));
  } catch {
    return false;
  }
}

/** One organization's key store. */
export class KeyStore {
  constructor(readonly dir: string) {}

  private async ensureDir(): Promise<void> {
    await mkdir(this.dir, { recursive: true, mode: 0o700 });
    await chmod(this.dir, 0o700);
  }

  /** Saves a key pair and makes it current; the key file is readable by its owner only. */
  async add(pair: { keyPem: string; certPem: string }): Promise<KeyPair> {
    if (!(await keyMatchesCertificate(pair.keyPem, pair.certPem))) throw new KeyStoreError('ключ не соответствует сертификату');
    await this.ensureDir();
    const info = describeCertificate(pair.certPem);
    const base = path.join(this.dir, info.fingerprint.slice(0, 16));
    await writeFile(`${base}.key.pem`, pair.keyPem, { mode: 0o600 });
    await chmod(`${base}.key.pem`, 0o600);
    await writeFile(`${base}.cert.pem`, pair.certPem, { mode: 0o644 });
    // The pointer is replaced in one step, so a reader sees the old or the new key, never half.
    const pointer = path.join(this.dir, `${CURRENT}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
    await writeFile(pointer, info.fingerprint.slice(0, 16));
    await rename(pointer, path.join(this.dir, CURRENT));
    return { ...pair, fingerprint: info.fingerprint, subject: info.subject, notBefore: info.notBefore, notAfter: info.notAfter };
  }

  /**
   * The current key pair, or one `make` makes when the store is empty. Workers starting at once on
   * an empty store make one key between them: the first takes a lock file, the others wait for its
   * key (a lock older than a minute, left by a process that died, is taken over).
   */
  async ensureCurrent(make: () => Promise<{ keyPem: string; certPem: string }>): Promise<{ pair: KeyPair; created: boolean }> {
    const existing = await this.current();
    if (existing) return { pair: existing, created: false };
    await this.ensureDir();
    const lock = path.join(this.dir, MAKING_LOCK);
    for (const deadline = Date.now() + 2 * STALE_LOCK_MS; ; ) {
      const handle = await open(lock, 'wx').catch((e: NodeJS.ErrnoException) => {
        if (e.code === 'EEXIST') return undefined;
        throw e;
      });
      if (handle) {
        try {
          const made = await this.current(); // by the one that held the lock before us
          return made ? { pair: made, created: false } : { pair: await this.add(await make()), created: true };
        } finally {
          await handle.close();
          await rm(lock, { force: true });
        }
      }
      const made = await this.current();
      if (made) return { pair: made, created: false };
      const since = await stat(lock).then((s) => Date.now() - s.mtimeMs, () => 0);
      if (since > STALE_LOCK_MS) await rm(lock, { force: true });
      if (Date.now() > deadline) throw new KeyStoreError(`ключ организации не появился за ${(2 * STALE_LOCK_MS) / 1000} с: файл ${lock} держит другой процесс`);
      await sleep(100);
    }
  }

  /** The current key pair, or undefined when the store is empty. */
  async current(): Promise<KeyPair | undefined> {
    let id: string;
    try {
      id = (await readFile(path.join(this.dir, CURRENT), 'utf8')).trim();
    } catch {
      return undefined;
    }
    return this.read(id);
  }

  /** Every key pair, the current one first, then newest first. */
  async all(): Promise<(KeyPair & { current: boolean })[]> {
    let names: string[];
    try {
      names = await readdir(this.dir);
    } catch {
      return [];
    }
    const current = (await this.current())?.fingerprint;
    const pairs = await Promise.all(names.filter((n) => n.endsWith('.cert.pem')).map((n) => this.read(n.replace(/\.cert\.pem$/, ''))));
    return pairs
      .map((p) => ({ ...p, current: p.fingerprint === current }))
      .sort((a, b) => Number(b.current) - Number(a.current) || b.notBefore.getTime() - a.notBefore.getTime());
  }

  private async read(id: string): Promise<KeyPair> {
    const base = path.join(this.dir, id);
    const keyFile = `${base}.key.pem`;
    const mode = (await stat(keyFile)).mode & 0o777;
    if (mode & 0o077) throw new KeyStoreError(`файл ключа ${keyFile} доступен не только владельцу (права ${mode.toString(8)}); выполните chmod 600`);
    const [keyPem, certPem] = await Promise.all([readFile(keyFile, 'utf8'), readFile(`${base}.cert.pem`, 'utf8')]);
    const info = describeCertificate(certPem);
    return { keyPem, certPem, fingerprint: info.fingerprint, subject: info.subject, notBefore: info.notBefore, notAfter: info.notAfter };
  }
}

/** Days until the certificate expires (negative when it has). */
export function daysLeft(pair: Pick<KeyPair, 'notAfter'>, now = new Date()): number {
  return Math.floor((pair.notAfter.getTime() - now.getTime()) / 86_400_000);
}
