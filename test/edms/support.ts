// Shared by the EDMS tests: a fresh, migrated database per test file with the directory of the two
// default organizations and the default journals, and passports built with the codec's types.
import { randomBytes } from 'node:crypto';
import type { Contact, DeloFile, DocInfoMessage, Document, MessageHeader, Resource, Subscriptions, Task } from '../../codec/types';
import { buildMessage } from '../../codec/build';
import { newGuid } from '../../codec/guid';
import { createBuiltinEdms, type BuiltinEdms, type BuiltinEdmsOptions } from '../../edms/builtin';
import type { IncomingPackage, StoredResource } from '../../edms/adapter';
import { syncDirectoryFromConfig } from '../../edms/directory';
import { createPrismaClient, type Organization, type PrismaClient } from '../../prisma/client';
import { dropDatabase } from '../../prisma/database';
import { migrateDatabase } from '../../prisma/migrate';
import { putBlob } from '../../registry/blobs';
import { loadConfig, type SevConfig } from '../../workers/config';

export const config: SevConfig = loadConfig({});
const { adminUrl } = config.postgres;

export interface TestDatabase {
  db: PrismaClient;
  edms: BuiltinEdms;
  /** This organization (org-a) and the peer that sends to it (org-b). */
  self: Organization;
  peer: Organization;
  drop(): Promise<void>;
}

/** A migrated database of its own, with the directory synced from the default configuration as org-a. */
export async function createTestDatabase(purpose: string, options?: BuiltinEdmsOptions): Promise<TestDatabase> {
  const url = new URL(adminUrl);
  url.pathname = `/sev_test_${purpose}_${randomBytes(4).toString('hex')}`;
  const databaseUrl = url.toString();
  await migrateDatabase(adminUrl, databaseUrl);
  const db = createPrismaClient(databaseUrl);
  const { self, peers } = await syncDirectoryFromConfig(db, config, 'org-a');
  const edms = createBuiltinEdms(db, options);
  await edms.ensureJournals();
  return {
    db,
    edms,
    self,
    peer: peers[0]!,
    async drop() {
      await db.$disconnect();
      await dropDatabase(adminUrl, databaseUrl);
    },
  };
}

export function contactOf(organization: Organization, person?: { fio: string; post?: string }): Contact {
  return {
    organization: { uid: organization.sevIndex, shortName: organization.shortName, fullName: organization.fullName },
    ...(person && { officialPerson: person }),
  };
}

export interface FileContent {
  name: string;
  content: string;
  /** Detached signature bytes, when the file is signed. */
  signature?: string;
}

/** What a test passport is made of; everything but `files` is optional. */
export interface PassportSpec {
  kind?: DocInfoMessage['kind'];
  sender: Organization;
  recipient: Organization;
  document?: Partial<Document>;
  files?: FileContent[];
  tasks?: Task[];
  subscriptions?: Subscriptions;
  /** More Document elements (linked documents). */
  otherDocuments?: Document[];
}

/**
 * Stores the files (and signatures) in the blob store, records the incoming message in the
 * registry, and returns the package as the EDMS receives it.
 */
export async function receivePackage(db: PrismaClient, spec: PassportSpec): Promise<IncomingPackage> {
  const resources: Resource[] = [];
  const stored: StoredResource[] = [];
  const store = async (name: string, content: string) => {
    const uid = String(resources.length + 1);
    const blob = await putBlob(db, Buffer.from(content, 'utf8'));
    resources.push({ uid, uniqueName: name });
    stored.push({ uid, name, ...blob });
    return Number(uid);
  };
  const files: DeloFile[] = [];
  for (const file of spec.files ?? []) {
    const resourceId = await store(file.name, file.content);
    const signatures = file.signature === undefined ? undefined : [{ resourceId: await store(`${file.name}.sig`, file.signature), date: '2026-11-26T10:00:00+03:00', kindId: 1 }];
    const extension = file.name.split('.').pop() ?? '';
    files.push({ uid: newGuid(), resourceId, size: Buffer.byteLength(file.content), description: file.name, extension, ...(signatures && { signatures }) });
  }
  const document: Document = {
    uid: newGuid(),
    versionUid: newGuid(),
    documentId: String(Math.floor(Math.random() * 1e9)),
    type: 'Created',
    mainDocument: true,
    registrationInfo: { number: '01-15/204', date: '2026-11-26' },
    annotation: 'О проведении совещания',
    ...(files.length > 0 && { files }),
    ...spec.document,
  };
  const kind = spec.kind ?? 'MainDoc';
  const header: MessageHeader<typeof kind> = {
    messageType: kind,
    messageId: newGuid(),
    returnId: newGuid(),
    version: '1.0',
    time: '2026-11-27T12:00:00+03:00',
    resourceId: 0,
    sender: { contact: contactOf(spec.sender), edms: { uid: newGuid(), name: 'СЭВ' } },
    recipient: { contacts: [contactOf(spec.recipient)] },
    resources: [{ uid: '0', uniqueName: 'DocInfo.xml' }, ...resources],
  };
  const message = {
    kind,
    header,
    documents: [document, ...(spec.otherDocuments ?? [])],
    ...(spec.tasks && { tasks: spec.tasks }),
    ...(spec.subscriptions && { subscriptions: spec.subscriptions }),
  } as DocInfoMessage;
  const passport = await putBlob(db, Buffer.from(buildMessage(message), 'utf8'));
  const row = await db.message.create({
    data: { direction: 'incoming', messageId: header.messageId, kind, status: 'verified', peerOrganizationId: spec.sender.id, peerSevIndex: spec.sender.sevIndex },
  });
  return { messageRowId: row.id, senderOrganizationId: spec.sender.id, message, resources: stored, passportSha256: passport.sha256 };
}

/** The main document of a package (the tests build it first). */
export function mainOf(pkg: IncomingPackage): Document {
  return pkg.message.documents[0]!;
}
