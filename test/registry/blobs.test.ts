// The blob store against the real PostgreSQL: content in chunks, streamed in and out, kept once,
// limits that leave nothing behind, and chunks of a write that never finished removed.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { Readable } from 'node:stream';
import {
  BLOB_CHUNK_BYTES,
  blobDigest,
  blobHead,
  BlobNotFoundError,
  blobStream,
  BlobTooLargeError,
  getBlob,
  putBlob,
  putBlobStream,
  removeOrphanChunks,
} from '../../registry/blobs';
import { createTestDatabase, type TestDatabase } from '../edms/support';

let t: TestDatabase;
before(async () => {
  t = await createTestDatabase('blobs');
});
after(async () => {
  await t.drop();
});

const sha256 = (data: Buffer) => createHash('sha256').update(data).digest('hex');

/** The content in pieces of uneven sizes, the way a network stream delivers it. */
function unevenly(data: Buffer): Readable {
  const pieces: Buffer[] = [];
  for (let at = 0, i = 0; at < data.length; i++) {
    const size = [1, 70_000, 4096, 300_000, 13][i % 5]!;
    pieces.push(data.subarray(at, at + size));
    at += size;
  }
  return Readable.from(pieces);
}

test('small content is one row; large content is chunked and reads back byte for byte, whole or streamed', async () => {
  const small = randomBytes(1000);
  const large = randomBytes(3 * BLOB_CHUNK_BYTES + 12_345);
  const smallRef = await putBlob(t.db, small);
  const largeRef = await putBlobStream(t.db, unevenly(large));
  assert.deepEqual(smallRef, { sha256: sha256(small), size: small.length });
  assert.deepEqual(largeRef, { sha256: sha256(large), size: large.length });

  const row = await t.db.blob.findUniqueOrThrow({ where: { sha256: largeRef.sha256 } });
  assert.equal(row.content.byteLength, BLOB_CHUNK_BYTES, 'the first chunk sits in the blob row');
  assert.equal(await t.db.blobChunk.count({ where: { chunksId: row.chunksId! } }), 3, 'the rest in three chunk rows');
  assert.equal((await t.db.blob.findUniqueOrThrow({ where: { sha256: smallRef.sha256 } })).chunksId, null);

  assert.ok((await getBlob(t.db, largeRef.sha256)).equals(large));
  const streamed: Buffer[] = [];
  for await (const chunk of blobStream(t.db, largeRef.sha256)) streamed.push(chunk as Buffer);
  assert.ok(Buffer.concat(streamed).equals(large));
  assert.ok(streamed.every((c) => c.length <= BLOB_CHUNK_BYTES), 'streamed a chunk at a time');
  assert.equal((await blobDigest(t.db, largeRef.sha256, 'sha256')).toString('hex'), largeRef.sha256);
  assert.ok((await blobHead(t.db, largeRef.sha256)).equals(large.subarray(0, BLOB_CHUNK_BYTES)));
  assert.ok((await getBlob(t.db, smallRef.sha256)).equals(small));
});

test('the same content stored twice is kept once, with no chunks left over', async () => {
  const content = randomBytes(2 * BLOB_CHUNK_BYTES + 1);
  const chunksBefore = await t.db.blobChunk.count();
  await Promise.all([putBlobStream(t.db, unevenly(content)), putBlobStream(t.db, unevenly(content)), putBlob(t.db, content)]);
  assert.equal(await t.db.blob.count({ where: { sha256: sha256(content) } }), 1);
  assert.equal((await t.db.blobChunk.count()) - chunksBefore, 2, 'the chunks of one copy only');
  assert.ok((await getBlob(t.db, sha256(content))).equals(content));
});

test('content beyond the limit is refused and nothing of it stays', async () => {
  const content = randomBytes(3 * BLOB_CHUNK_BYTES);
  const chunksBefore = await t.db.blobChunk.count();
  await assert.rejects(putBlobStream(t.db, unevenly(content), 2 * BLOB_CHUNK_BYTES), BlobTooLargeError);
  assert.equal(await t.db.blob.count({ where: { sha256: sha256(content) } }), 0);
  assert.equal(await t.db.blobChunk.count(), chunksBefore);
});

test('a source that fails mid-way leaves nothing; an unknown or incomplete blob is an error, not short content', async () => {
  const chunksBefore = await t.db.blobChunk.count();
  async function* failing() {
    yield randomBytes(BLOB_CHUNK_BYTES * 2);
    throw new Error('соединение оборвано');
  }
  await assert.rejects(putBlobStream(t.db, failing()), /соединение оборвано/);
  assert.equal(await t.db.blobChunk.count(), chunksBefore);

  await assert.rejects(getBlob(t.db, 'f'.repeat(64)), BlobNotFoundError);
  const content = randomBytes(2 * BLOB_CHUNK_BYTES + 5);
  const ref = await putBlob(t.db, content);
  const { chunksId } = await t.db.blob.findUniqueOrThrow({ where: { sha256: ref.sha256 } });
  await t.db.blobChunk.delete({ where: { chunksId_seq: { chunksId: chunksId!, seq: 2 } } });
  await assert.rejects(getBlob(t.db, ref.sha256), /incomplete/);
});

test('chunks no blob names (a write cut off by a crash) are removed once a day old, not before', async () => {
  const orphan = randomUUID();
  await t.db.blobChunk.create({ data: { chunksId: orphan, seq: 1, data: new Uint8Array(10), createdAt: new Date(Date.now() - 2 * 24 * 3600 * 1000) } });
  const fresh = randomUUID();
  await t.db.blobChunk.create({ data: { chunksId: fresh, seq: 1, data: new Uint8Array(10) } });
  const kept = await putBlob(t.db, randomBytes(BLOB_CHUNK_BYTES + 1));
  const keptChunks = (await t.db.blob.findUniqueOrThrow({ where: { sha256: kept.sha256 } })).chunksId!;
  await t.db.blobChunk.updateMany({ where: { chunksId: keptChunks }, data: { createdAt: new Date(Date.now() - 2 * 24 * 3600 * 1000) } });

  assert.equal(await removeOrphanChunks(t.db), 1);
  assert.equal(await t.db.blobChunk.count({ where: { chunksId: orphan } }), 0);
  assert.equal(await t.db.blobChunk.count({ where: { chunksId: fresh } }), 1, 'a write may still be going on');
  assert.equal(await t.db.blobChunk.count({ where: { chunksId: keptChunks } }), 1, 'chunks of a stored blob stay');
});
