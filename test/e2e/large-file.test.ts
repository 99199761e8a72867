// A large document over the real stack: the mail (above 1 MB) is streamed from IMAP into B's blob
// store in chunks, read there by the streaming parser, and registered; the file B keeps is A's file
// byte for byte, signed by A, and the steps worked from the package's manifest (read once from the
// raw mail for a message recorded before manifests were kept).
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import type { ActivityDeps } from '../../activities/deps';
import { loadPackage } from '../../activities/incoming';
import { BLOB_CHUNK_BYTES, getBlob, putBlob } from '../../registry/blobs';
import type { PackageManifest } from '../../registry/packages';
import { sendRandomFile, startTestExchange, type TestExchange, type TestOrganization } from '../support/exchange';

let ex: TestExchange;
let A: TestOrganization;
let B: TestOrganization;

before(async () => {
  ex = await startTestExchange('big');
  [A, B] = ex.orgs as [TestOrganization, TestOrganization];
});

after(async () => {
  await ex?.stop();
});

test('a 6 MB document goes A → B in chunks and arrives whole, registered once, with A’s signature', { timeout: 180_000 }, async () => {
  const { content, sha256, sent, state } = await sendRandomFile(ex, A, B, { annotation: 'Большой документ (потоковая передача)', fileName: 'Схема размещения.bin', size: 6 * 1024 * 1024 });
  assert.ok(state.addresseeRegistration?.number, 'A knows B’s registration number');

  // At A: the package mail is stored in chunks, with the file inside as base64 (≈ 4/3 of it).
  const outgoing = await A.db.message.findFirstOrThrow({ where: { direction: 'outgoing', kind: 'MainDoc', cardId: sent.cardId } });
  assert.ok(outgoing.rawSize! > content.length, 'the mail carries the whole file');
  const outgoingBlob = await A.db.blob.findUniqueOrThrow({ where: { sha256: outgoing.rawSha256! } });
  assert.equal(outgoingBlob.content.byteLength, BLOB_CHUNK_BYTES, 'only the first chunk sits in the blob row');
  assert.equal(await A.db.blobChunk.count({ where: { chunksId: outgoingBlob.chunksId! } }), Math.ceil(outgoing.rawSize! / BLOB_CHUNK_BYTES) - 1);

  // At B: one card, its file is A's file byte for byte, with A's signature kept.
  const cards = await B.db.registrationCard.findMany({ where: { direction: 'incoming', documentUid: sent.documentUid }, include: { files: { include: { signatures: true } } } });
  assert.equal(cards.length, 1);
  const [card] = cards;
  assert.equal(card!.status, 'registered');
  assert.equal(card!.files.length, 1);
  const file = card!.files[0]!;
  assert.equal(file.sha256, sha256);
  assert.equal(file.size, content.length);
  assert.ok((await getBlob(B.db, file.sha256)).equals(content), 'the stored file is A’s file');
  assert.equal(file.signatures.length, 1, 'A’s signature of the file, checked from a streamed digest');

  // B read the package once, at the intake: its manifest names the file by the same SHA-256.
  const received = await B.db.message.findFirstOrThrow({ where: { direction: 'incoming', kind: 'MainDoc', cardId: card!.id }, omit: { package: false } });
  const manifest = received.package as unknown as PackageManifest;
  assert.equal(manifest.passport.name, 'DocInfo.xml');
  assert.ok(manifest.attachments.some((a) => a.sha256 === sha256 && a.size === content.length));
  assert.ok(received.rawSize! > 1024 * 1024, 'a mail above 1 MB, so streamed from IMAP rather than fetched whole');

  // A message recorded before manifests were kept (an upgrade with exchanges in flight): its
  // package is read once from the raw mail, streamed from the store, and the manifest kept.
  const rawCopy = Buffer.concat([await getBlob(B.db, received.rawSha256!), Buffer.from('\r\n')]);
  const copyBlob = await putBlob(B.db, rawCopy);
  const legacy = await B.db.message.create({
    data: { direction: 'incoming', messageId: randomBytes(16).toString('hex'), kind: 'MainDoc', status: 'stored', rawSha256: copyBlob.sha256, rawSize: copyBlob.size },
  });
  const deps = { db: B.db, organization: B.org } as unknown as ActivityDeps;
  const { pkg } = await loadPackage(deps, legacy.id);
  assert.deepEqual(pkg.attachments, manifest.attachments);
  assert.equal(pkg.passport.sha256, manifest.passport.sha256);
  const kept = (await B.db.message.findUniqueOrThrow({ where: { id: legacy.id }, omit: { package: false } })).package as unknown as PackageManifest;
  assert.deepEqual(kept.attachments, manifest.attachments, 'the manifest is kept for the next steps');
});
