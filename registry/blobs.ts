// The blob store: content-addressed bytes in PostgreSQL (raw MIME, passports, files). Storing is
// idempotent: the same bytes get the same key and are kept once. Large content is written and read
// a chunk at a time (`putBlobStream`, `blobStream`), so a 100 MB file costs a process a chunk's
// memory, not the file's; small content stays one row.
import { createHash, randomUUID } from 'node:crypto';
import { Readable } from 'node:stream';
import { poolOf, type PrismaClient } from '../prisma/client';

/** Bytes per row: the first chunk sits in the blob's row, the others in blob_chunks. Its hex text (2 × 60 KB) stays under V8's 128 KB large-object threshold. */
export const BLOB_CHUNK_BYTES = 60 * 1024;
/** Chunks written by a write that never finished (a crash) are removed after this long. */
const ORPHAN_CHUNK_AGE_MS = 24 * 3600 * 1000;

export function sha256Hex(data: Uint8Array): string {
  return createHash('sha256').update(data).digest('hex');
}

export interface BlobRef {
  sha256: string;
  size: number;
}

export class BlobNotFoundError extends Error {
  override name = 'BlobNotFoundError';
}

/** The content is larger than the caller allows; nothing of it is kept. */
export class BlobTooLargeError extends Error {
  override name = 'BlobTooLargeError';
  constructor(readonly limit: number) {
    super(`больше ${limit} байт`);
  }
}

export async function putBlob(db: PrismaClient, data: Uint8Array): Promise<BlobRef> {
  return putBlobStream(db, [data]);
}

// Bytes go to and from PostgreSQL through the pool under Prisma, as Buffers (Prisma would pass
// them through strings and copies). PostgreSQL returns bytea as hex text (node-postgres has no
// binary results); chunks are small enough that the text of one stays below V8's large-object
// size, so its garbage goes with the next minor collection instead of piling up until a full one.
// The hot statements are named: each connection parses them once (the names are not of the form
// Prisma's statements get, `sev_<n>`, on the same connections).

/**
 * Stores content as it arrives, hashing it on the way; at most `maxBytes` (BlobTooLargeError
 * beyond, with what was written removed). The blob row is written last, so a reader never sees a
 * blob whose chunks are not all there.
 */
export async function putBlobStream(db: PrismaClient, source: AsyncIterable<Uint8Array> | Iterable<Uint8Array>, maxBytes = Infinity): Promise<BlobRef> {
  const pool = poolOf(db);
  const hash = createHash('sha256');
  const pending: Buffer[] = [];
  let pendingBytes = 0;
  let size = 0;
  let first: Buffer | undefined;
  let chunksId: string | undefined;
  let seq = 0;
  const flush = async (chunk: Buffer) => {
    if (!first) {
      first = chunk;
      return;
    }
    chunksId ??= randomUUID();
    await pool.query({ name: 'blob_chunk_insert', text: 'INSERT INTO blob_chunks (chunks_id, seq, data) VALUES ($1, $2, $3)', values: [chunksId, ++seq, chunk] });
  };
  try {
    for await (const piece of source) {
      size += piece.byteLength;
      if (size > maxBytes) throw new BlobTooLargeError(maxBytes);
      hash.update(piece);
      pending.push(Buffer.from(piece.buffer, piece.byteOffset, piece.byteLength));
      pendingBytes += piece.byteLength;
      while (pendingBytes >= BLOB_CHUNK_BYTES) {
        const all = Buffer.concat(pending, pendingBytes);
        await flush(Buffer.from(all.subarray(0, BLOB_CHUNK_BYTES)));
        pending.length = 0;
        pendingBytes = all.byteLength - BLOB_CHUNK_BYTES;
        if (pendingBytes > 0) pending.push(all.subarray(BLOB_CHUNK_BYTES));
      }
    }
    if (pendingBytes > 0 || !first) await flush(Buffer.concat(pending, pendingBytes));
  } catch (e) {
    if (chunksId) await pool.query('DELETE FROM blob_chunks WHERE chunks_id = $1', [chunksId]);
    throw e;
  }
  const sha256 = hash.digest('hex');
  const inserted = await pool.query({ name: 'blob_insert', text: 'INSERT INTO blobs (sha256, size, content, chunks_id) VALUES ($1, $2, $3, $4) ON CONFLICT (sha256) DO NOTHING', values: [sha256, size, first ?? Buffer.alloc(0), chunksId ?? null] });
  // The same content was stored before: this copy's chunks are not needed.
  if (inserted.rowCount === 0 && chunksId) await pool.query('DELETE FROM blob_chunks WHERE chunks_id = $1', [chunksId]);
  return { sha256, size };
}

/** The whole content: for what is small by nature (passports, signatures, reports). */
export async function getBlob(db: PrismaClient, sha256: string): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const chunk of blobChunks(db, sha256)) parts.push(chunk);
  return Buffer.concat(parts);
}

/** The content a chunk at a time, in order; checks that all of it is there. */
export async function* blobChunks(db: PrismaClient, sha256: string): AsyncGenerator<Buffer> {
  const pool = poolOf(db);
  const { rows } = await pool.query<{ content: Buffer; chunks_id: string | null; size: number }>({ name: 'blob_select', text: 'SELECT content, chunks_id, size FROM blobs WHERE sha256 = $1', values: [sha256] });
  const row = rows[0];
  if (!row) throw new BlobNotFoundError(`blob ${sha256} is not in the store`);
  let read = row.content.byteLength;
  yield row.content;
  if (row.chunks_id) {
    for (let seq = 1; read < row.size; seq++) {
      const chunk = await pool.query<{ data: Buffer }>({ name: 'blob_chunk_select', text: 'SELECT data FROM blob_chunks WHERE chunks_id = $1 AND seq = $2', values: [row.chunks_id, seq] });
      const data = chunk.rows[0]?.data;
      if (!data) break;
      read += data.byteLength;
      yield data;
    }
  }
  if (read !== row.size) throw new BlobNotFoundError(`blob ${sha256} is incomplete in the store: ${read} of ${row.size} bytes`);
}

/** The first chunk of the content (where a mail's headers are). */
export async function blobHead(db: PrismaClient, sha256: string): Promise<Buffer> {
  const { rows } = await poolOf(db).query<{ content: Buffer }>('SELECT content FROM blobs WHERE sha256 = $1', [sha256]);
  if (!rows[0]) throw new BlobNotFoundError(`blob ${sha256} is not in the store`);
  return rows[0].content;
}

/** A readable stream of the content (for nodemailer, SMTP). */
export function blobStream(db: PrismaClient, sha256: string): Readable {
  return Readable.from(blobChunks(db, sha256), { objectMode: false });
}

/** A digest of the content, computed as it streams (`algorithm` as node:crypto names it). */
export async function blobDigest(db: PrismaClient, sha256: string, algorithm: string): Promise<Buffer> {
  const hash = createHash(algorithm);
  for await (const chunk of blobChunks(db, sha256)) hash.update(chunk);
  return hash.digest();
}

/** Removes chunks left by writes that never finished; returns how many. */
export async function removeOrphanChunks(db: PrismaClient): Promise<number> {
  const before = new Date(Date.now() - ORPHAN_CHUNK_AGE_MS);
  return db.$executeRaw`DELETE FROM blob_chunks c WHERE c.created_at < ${before} AND NOT EXISTS (SELECT 1 FROM blobs b WHERE b.chunks_id = c.chunks_id)`;
}
