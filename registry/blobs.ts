// The blob store: content-addressed bytes in PostgreSQL (raw MIME, passports, files). Storing is
// idempotent: the same bytes get the same key and are written once.
import { createHash } from 'node:crypto';
import type { PrismaClient } from '../prisma/client';

export function sha256Hex(data: Uint8Array): string {
  return createHash('sha256').update(data).digest('hex');
}

export interface BlobRef {
  sha256: string;
  size: number;
}

export async function putBlob(db: PrismaClient, data: Uint8Array): Promise<BlobRef> {
  const sha256 = sha256Hex(data);
  await db.blob.upsert({
    where: { sha256 },
    create: { sha256, size: data.byteLength, content: new Uint8Array(data) },
    update: {},
    select: { sha256: true },
  });
  return { sha256, size: data.byteLength };
}

export class BlobNotFoundError extends Error {
  override name = 'BlobNotFoundError';
}

export async function getBlob(db: PrismaClient, sha256: string): Promise<Buffer> {
  const row = await db.blob.findUnique({ where: { sha256 }, select: { content: true } });
  if (!row) throw new BlobNotFoundError(`blob ${sha256} is not in the store`);
  return Buffer.from(row.content);
}
