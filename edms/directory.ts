// The participant directory (справочник участников): the organizations SEV exchanges with, and
// this one. The configured organizations are the directory's seed, so that two SEVs on one machine
// know each other without any SyncInfo.
import type { Organization, PrismaClient, TransactionClient } from '../prisma/client';
import type { SevConfig } from '../workers/config';

/** A client or an open transaction: the look-ups run inside the EDMS's own transactions too. */
export type DirectoryDb = PrismaClient | TransactionClient;

export interface SyncedDirectory {
  self: Organization;
  peers: Organization[];
}

/**
 * Upserts every configured organization (keyed by SEV index): `selfId` as this organization, the
 * rest as peers. The configuration wins over what the directory held for them; repeating it
 * changes nothing.
 */
export async function syncDirectoryFromConfig(db: PrismaClient, config: SevConfig, selfId: string): Promise<SyncedDirectory> {
  const selfConfig = config.organizations.find((o) => o.id === selfId);
  if (!selfConfig) throw new Error(`organization "${selfId}" is not configured`);
  return db.$transaction(async (tx) => {
    // At most one row may be this organization: release the flag before another row takes it.
    await tx.organization.updateMany({ where: { isSelf: true, sevIndex: { not: selfConfig.sevIndex } }, data: { isSelf: false } });
    const rows: Organization[] = [];
    for (const org of config.organizations) {
      const data = {
        fullName: org.name,
        shortName: org.shortName,
        // Passports name an organization by Organization@UID; a configured one is known by its index.
        uid: org.sevIndex,
        mailboxAddress: org.mailbox.address,
        isSelf: org.id === selfId,
      };
      rows.push(await tx.organization.upsert({ where: { sevIndex: org.sevIndex }, create: { sevIndex: org.sevIndex, ...data }, update: data }));
    }
    const self = rows.find((row) => row.isSelf)!;
    return { self, peers: rows.filter((row) => !row.isSelf) };
  });
}

export async function findSelfOrganization(db: DirectoryDb): Promise<Organization | null> {
  return db.organization.findFirst({ where: { isSelf: true } });
}

export async function findParticipantBySevIndex(db: DirectoryDb, sevIndex: string): Promise<Organization | null> {
  return db.organization.findUnique({ where: { sevIndex } });
}

/** The participant whose SEV receives mail at `address` (addresses compare case-insensitively). */
export async function findParticipantByMailbox(db: DirectoryDb, address: string): Promise<Organization | null> {
  return (await findSender(db, undefined, address)).byMailbox;
}

/**
 * The participant a passport names by Organization@UID: its published UID, or else its SEV index
 * (what SEVs configured here write). GUIDs differ in letter case between EDMS, so case is ignored.
 */
export async function findParticipantByUid(db: DirectoryDb, uid: string): Promise<Organization | null> {
  return (await findSender(db, uid, undefined)).byUid;
}

/**
 * Who a received message claims to be (by `uid`, as findParticipantByUid) and who owns the mailbox it
 * came from (as findParticipantByMailbox): both from one read of the directory.
 */
export async function findSender(db: DirectoryDb, uid: string | undefined, mailbox: string | undefined): Promise<{ byUid: Organization | null; byMailbox: Organization | null }> {
  const value = uid?.trim() ?? '';
  const address = mailbox?.trim() ?? '';
  const where = [
    ...(value ? [{ uid: { equals: value, mode: 'insensitive' as const } }, { sevIndex: value }] : []),
    ...(address ? [{ mailboxAddress: { equals: address, mode: 'insensitive' as const } }] : []),
  ];
  if (where.length === 0) return { byUid: null, byMailbox: null };
  const candidates = await db.organization.findMany({ where: { OR: where }, orderBy: { createdAt: 'asc' } });
  const byUid = value
    ? (candidates.find((o) => o.uid?.toLowerCase() === value.toLowerCase()) ?? candidates.find((o) => o.sevIndex === value) ?? null)
    : null;
  const byMailbox = address ? (candidates.find((o) => o.mailboxAddress?.toLowerCase() === address.toLowerCase()) ?? null) : null;
  return { byUid, byMailbox };
}
