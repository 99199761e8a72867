// A received package as the intake read it: the raw mail streamed through the MIME parser, every
// file and the passport put in the blob store, and a manifest (files by SHA-256, mail headers)
// kept on the message row. The exchange's steps read the manifest and the passport, never the raw
// mail again, so no step holds a file and none parses MIME.
import { parseMessage } from '../codec';
import { readPackage, rootOf, type PackageFile, type PackageLimits, type PackageReadResult, type PartStore, type ReadPackage } from '../exchange/package';
import type { Message, Prisma, PrismaClient } from '../prisma/client';
import { blobChunks, getBlob, putBlob, putBlobStream } from './blobs';

export interface PackageManifest {
  passport: PackageFile;
  attachments: PackageFile[];
  mailMessageId?: string;
  from?: string;
  to: string[];
  subject: string;
  /** ISO 8601. */
  date?: string;
}

/** Files of a package go to the blob store as they are decoded. */
export function blobPartStore(db: PrismaClient): PartStore {
  return { put: (content, maxBytes) => putBlobStream(db, content, maxBytes) };
}

/** Reads a mail as a package into the blob store: its files, and its passport once it reads. */
export async function readIntoStore(db: PrismaClient, raw: Buffer | AsyncIterable<Uint8Array>, limits: PackageLimits): Promise<PackageReadResult> {
  const pkg = await readPackage(raw, limits, blobPartStore(db));
  if (pkg.ok) await putBlob(db, pkg.passport.content);
  return pkg;
}

export function manifestOf(pkg: ReadPackage): PackageManifest {
  const { name, size, sha256 } = pkg.passport;
  return {
    passport: { name, size, sha256 },
    attachments: pkg.attachments.map((a) => ({ name: a.name, size: a.size, sha256: a.sha256 })),
    ...(pkg.mailMessageId !== undefined && { mailMessageId: pkg.mailMessageId }),
    ...(pkg.from !== undefined && { from: pkg.from }),
    to: pkg.to,
    subject: pkg.subject,
    ...(pkg.date && { date: pkg.date.toISOString() }),
  };
}

/**
 * The manifest of a recorded message. A message recorded before manifests were kept (an upgrade
 * with exchanges in flight) has its raw mail read once, and the manifest kept. Undefined when the
 * stored mail does not read as a package.
 */
export async function manifestOfMessage(db: PrismaClient, row: Pick<Message, 'id' | 'rawSha256'>, limits: PackageLimits): Promise<PackageManifest | undefined> {
  const stored = await db.message.findUnique({ where: { id: row.id }, select: { package: true } });
  if (stored?.package) return stored.package as unknown as PackageManifest;
  if (!row.rawSha256) return undefined;
  const read = await readIntoStore(db, blobChunks(db, row.rawSha256), limits);
  if (!read.ok) return undefined;
  const manifest = manifestOf(read);
  await db.message.update({ where: { id: row.id }, data: { package: manifest as unknown as Prisma.InputJsonObject } });
  return manifest;
}

/** The package a manifest describes, its passport read from the store and parsed. */
export async function packageOf(db: PrismaClient, manifest: PackageManifest): Promise<ReadPackage> {
  const content = await getBlob(db, manifest.passport.sha256);
  const message = parseMessage(content);
  return {
    ok: true,
    mailMessageId: manifest.mailMessageId,
    from: manifest.from,
    to: manifest.to,
    subject: manifest.subject,
    date: manifest.date ? new Date(manifest.date) : undefined,
    passport: { ...manifest.passport, content, root: rootOf(message), message },
    attachments: manifest.attachments,
  };
}

/** Whether two reads are the same package: the same passport and files under the same names. */
export function samePackage(a: PackageManifest, b: PackageManifest): boolean {
  const digest = (m: PackageManifest) => [m.passport, ...m.attachments].map((part) => `${part.name}:${part.sha256}`).join('\n');
  return digest(a) === digest(b);
}
