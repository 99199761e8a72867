// Keys and certificates of the configured organizations: the key store of each, created with a
// self-signed certificate when empty (the local stack and tests; a real deployment imports the
// certificate its authority issued with `sev keys import`), and the certificates the participant
// directory trusts for each participant.
import type { PrismaClient } from '../prisma/client';
import { keysDirFor, type OrganizationConfig, type SevConfig } from '../workers/config';
import { describeCertificate, generateKeyPair, KeyStore, type KeyPair } from './keys';

export function keyStoreFor(config: SevConfig, org: OrganizationConfig): KeyStore {
  return new KeyStore(keysDirFor(config, org));
}

/** The organization's current key, generated (self-signed, one year) when its store is empty. */
export async function ensureOrganizationKey(config: SevConfig, org: OrganizationConfig): Promise<{ pair: KeyPair; created: boolean }> {
  return keyStoreFor(config, org).ensureCurrent(() => generateKeyPair({ organization: org.name, sevIndex: org.sevIndex }));
}

/**
 * Trusts a certificate for a participant of the directory (by SEV index): signatures made with it
 * are accepted as that participant's, and packages to it are encrypted for it. Idempotent.
 */
export async function trustCertificate(db: PrismaClient, sevIndex: string, certPem: string): Promise<{ fingerprint: string; notAfter: Date; added: boolean }> {
  const organization = await db.organization.findUnique({ where: { sevIndex } });
  if (!organization) throw new Error(`в справочнике нет участника с индексом СЭВ «${sevIndex}»`);
  const info = describeCertificate(certPem);
  const known = await db.certificate.findUnique({ where: { fingerprint: info.fingerprint } });
  if (known) return { fingerprint: info.fingerprint, notAfter: info.notAfter, added: false };
  await db.certificate.create({
    data: {
      organizationId: organization.id,
      pem: certPem,
      fingerprint: info.fingerprint,
      subject: info.subject,
      issuer: info.issuer,
      serialNumber: info.serialNumber,
      validFrom: info.notBefore,
      validTo: info.notAfter,
    },
  });
  return { fingerprint: info.fingerprint, notAfter: info.notAfter, added: true };
}

/** Certificates of the configured organizations whose key stores are on this machine, trusted in `db`'s directory. */
export async function trustConfiguredCertificates(config: SevConfig, db: PrismaClient): Promise<number> {
  let added = 0;
  for (const org of config.organizations) {
    for (const pair of await keyStoreFor(config, org).all().catch(() => [])) {
      if ((await trustCertificate(db, org.sevIndex, pair.certPem)).added) added++;
    }
  }
  return added;
}

// Every package is signed and every received one verified: the current key and the participants'
// certificates are read once a minute, not for each package. A rotated key or a newly trusted
// certificate is in use within a minute (an empty answer is never kept).
const CACHE_MS = 60_000;
const keyCache = new Map<string, { at: number; pair: KeyPair }>();
const certificateCache = new WeakMap<PrismaClient, Map<string, { at: number; pems: string[] }>>();

/** The organization's current key pair, read from its key store at most once a minute. */
export async function currentKey(config: SevConfig, org: OrganizationConfig): Promise<KeyPair | undefined> {
  const store = keyStoreFor(config, org);
  const cached = keyCache.get(store.dir);
  if (cached && Date.now() - cached.at < CACHE_MS) return cached.pair;
  const pair = await store.current();
  if (pair) keyCache.set(store.dir, { at: Date.now(), pair });
  return pair;
}

/** The certificates the directory trusts for a participant now: not revoked, within their validity. */
export async function participantCertificates(db: PrismaClient, organizationId: string): Promise<string[]> {
  const cache = certificateCache.get(db) ?? new Map<string, { at: number; pems: string[] }>();
  certificateCache.set(db, cache);
  const cached = cache.get(organizationId);
  if (cached && Date.now() - cached.at < CACHE_MS) return cached.pems;
  const pems = await readParticipantCertificates(db, organizationId);
  if (pems.length > 0) cache.set(organizationId, { at: Date.now(), pems });
  return pems;
}

async function readParticipantCertificates(db: PrismaClient, organizationId: string, at = new Date()): Promise<string[]> {
  const rows = await db.certificate.findMany({
    where: { organizationId, revokedAt: null, validFrom: { lte: at }, validTo: { gte: at } },
    orderBy: { validFrom: 'desc' },
    select: { pem: true },
  });
  return rows.map((row) => row.pem);
}
