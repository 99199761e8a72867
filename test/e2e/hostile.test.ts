// Hostile mail against the real intake and workflows: every case of test/support/hostile-packages.ts
// goes to B's mailbox as a real mail, all at once; then each case is checked on its own: the state
// the message ended in and why, where the mail went, what B answered and to whom, and that nothing
// was registered that should not be. At the end a valid package must still be registered.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { WorkflowFailedError, WorkflowNotFoundError } from '@temporalio/client';
import { newGuid } from '../../codec';
import { readPackage } from '../../exchange/package';
import type { MessageRow as Message } from '../../prisma/client';
import { getBlob } from '../../registry/blobs';
import { keyStoreFor } from '../../security/organization-keys';
import { startOutboundExchanges } from '../../workers/outbound';
import { inboundWorkflowId } from '../../workflows/definitions';
import { listMailbox, sendRawMessage, withMailbox } from '../stack/mail-helpers';
import { eventually, startTestExchange, type TestExchange, type TestOrganization } from '../support/exchange';
import {
  HOSTILE_LIMITS,
  MARKER_DOMAIN,
  fileContent,
  hostileCorpus,
  mailMessageIdOf,
  validPackage,
  type CorpusContext,
  type HostileCase,
} from '../support/hostile-packages';

let ex: TestExchange;
let A: TestOrganization;
let B: TestOrganization;
let C: TestOrganization;
let ctx: CorpusContext;
let started = 0;

const corpus = hostileCorpus();
const FOLDERS = ['INBOX', 'Processed', 'Quarantine'] as const;
/** A case may take this long to settle: they were all sent at once, to one intake. */
const SETTLE_MS = 100_000;

before(async () => {
  started = Date.now();
  ex = await startTestExchange('hos', { count: 3, rules: { acceptUnsigned: ['*'], limits: HOSTILE_LIMITS } });
  [A, B, C] = ex.orgs as [TestOrganization, TestOrganization, TestOrganization];
  const [sentByB, registeredFromA] = await Promise.all([sendDocumentFromBToA(), registerPackageFromA()]);
  const bKey = await keyStoreFor(ex.config, B.org).current();
  assert.ok(bKey, 'B has a key');
  ctx = { a: A.org, b: B.org, c: C.org, sentByB, registeredFromA, bCertPem: bKey.certPem };
  const mails = await Promise.all(corpus.map(async (c) => ({ c, raw: await c.build(ctx) })));
  // A few SMTP sessions at a time, as several correspondents would send.
  await inBatches(mails, 6, ({ c, raw }) => sendRawMessage(ex.config, { from: c.envelopeFrom?.(ctx) ?? A.org.mailbox.address, to: B.org.mailbox.address }, raw));
  console.log(`hostile corpus: ${corpus.length} mails sent in ${((Date.now() - started) / 1000).toFixed(1)} s after start`);
});

after(async () => {
  await ex?.stop();
  console.log(`hostile corpus: ${((Date.now() - started) / 1000).toFixed(1)} s in all`);
});

async function inBatches<T>(items: T[], size: number, work: (item: T) => Promise<void>): Promise<void> {
  for (let i = 0; i < items.length; i += size) await Promise.all(items.slice(i, i + size).map(work));
}

/** A real document of B's to A, whose MessageID a forged report from C then answers. */
async function sendDocumentFromBToA(): Promise<CorpusContext['sentByB']> {
  const annotation = 'Ответ администрации Б о сроках';
  const card = await B.edms.createOutgoingCard({
    kind: 'Письмо',
    annotation,
    signer: { name: 'Петров П.П.', post: 'Глава администрации' },
    files: [{ name: 'Ответ.txt', content: Buffer.from('Сроки согласованы.') }],
    addresseeSevIndexes: [A.org.sevIndex],
  });
  await startOutboundExchanges(ex.client, B.org, { ...card, annotation });
  const sent = await eventually('B sends its document to A', async () => {
    const row = await B.db.message.findFirst({ where: { direction: 'outgoing', kind: 'MainDoc', cardId: card.cardId, status: 'sent' } });
    return row?.messageId ?? undefined;
  });
  return { messageId: sent, documentUid: card.documentUid, regNumber: card.regNumber, regDate: card.regDate };
}

/** A package from A that B registers: a later mail reuses its MessageID with other content. */
async function registerPackageFromA(): Promise<string> {
  const pkg = validPackage({ a: A.org, b: B.org }, `hos-original-${newGuid().slice(0, 8)}`);
  await sendRawMessage(ex.config, { from: A.org.mailbox.address, to: B.org.mailbox.address }, pkg.raw);
  await eventually('B registers the original package', async () =>
    (await B.db.registrationCard.findFirst({ where: { direction: 'incoming', documentUid: pkg.documentUid, status: 'registered' } })) ?? undefined,
  );
  return pkg.messageId;
}

// ---------------------------------------------------------------------------------------------
// Finding what became of a case

const blobs = new Map<string, Buffer>();

async function storedMail(sha256: string): Promise<Buffer> {
  const cached = blobs.get(sha256);
  if (cached) return cached;
  const content = await getBlob(B.db, sha256);
  blobs.set(sha256, content);
  return content;
}

/** B's registry row of the case's mail: by its Message-ID, or by content when the intake could not name it. */
async function incomingRow(c: HostileCase): Promise<Message | undefined> {
  const named = await B.db.message.findFirst({ where: { direction: 'incoming', mailMessageId: mailMessageIdOf(c.marker) } });
  if (named) return named;
  const unnamed = await B.db.message.findMany({
    where: { direction: 'incoming', status: 'quarantined', OR: [{ mailMessageId: null }, { NOT: { mailMessageId: { endsWith: `@${MARKER_DOMAIN}>` } } }] },
  });
  for (const row of unnamed) {
    if (row.rawSha256 && (await storedMail(row.rawSha256)).includes(c.marker)) return row;
  }
  return undefined;
}

const SETTLED = ['registered', 'manual', 'applied', 'refused', 'quarantined', 'duplicate'];

/** The row once it has reached a state it stays in. */
function settledRow(c: HostileCase): Promise<Message> {
  return eventually(`${c.name}: B records the mail in a final state`, async () => {
    const row = await incomingRow(c);
    return row && SETTLED.includes(row.status) ? row : undefined;
  }, SETTLE_MS);
}

/** The folders of B's mailbox that hold the case's mail. */
async function foldersOf(c: HostileCase): Promise<string[]> {
  const found: string[] = [];
  for (const folder of FOLDERS) {
    const holds = await withMailbox(ex.config, B.org, folder, async (client) => {
      if (client.mailbox === false || client.mailbox.exists === 0) return false;
      const mails = await client.fetchAll('1:*', { uid: true, envelope: true });
      if (mails.some((m) => m.envelope?.messageId === mailMessageIdOf(c.marker))) return true;
      // A mail without a Message-ID of its own got one from the mail server: look into the mail.
      const unnamed = mails.filter((m) => !m.envelope?.messageId?.endsWith(`@${MARKER_DOMAIN}>`)).map((m) => m.uid);
      if (unnamed.length === 0) return false;
      const sources = await client.fetchAll(unnamed.join(','), { uid: true, source: true }, { uid: true });
      return sources.some((m) => m.source?.includes(c.marker));
    });
    if (holds) found.push(folder);
  }
  return found;
}

async function assertMailIn(c: HostileCase, folder: 'Processed' | 'Quarantine'): Promise<void> {
  // The intake moves a mail right after it recorded it.
  const folders = await eventually(`${c.name}: the mail leaves INBOX`, async () => {
    const where = await foldersOf(c);
    return where.length > 0 && !where.includes('INBOX') ? where : undefined;
  }, 30_000).catch(async () => foldersOf(c));
  assert.deepEqual(folders, [folder], `${c.name}: the mail is in ${folder} only (it is in ${folders.join(', ') || 'no folder'})`);
}

/** Waits for the case's inbound workflow to end, if one was started; returns whether there was one. */
async function inboundWorkflowEnded(c: HostileCase): Promise<boolean> {
  if (!c.messageId) return false;
  const handle = ex.client.workflow.getHandle(inboundWorkflowId(B.org.id, c.messageId));
  try {
    await handle.describe();
  } catch (e) {
    if (e instanceof WorkflowNotFoundError) return false;
    throw e;
  }
  try {
    await handle.result();
  } catch (e) {
    if (!(e instanceof WorkflowFailedError)) throw e;
    assert.fail(`${c.name}: the inbound workflow failed instead of ending the exchange: ${causes(e).join(' ← ')}`);
  }
  return true;
}

/** The messages of an error and of its causes, outermost first. */
function causes(error: unknown): string[] {
  const messages: string[] = [];
  for (let e = error; e instanceof Error; e = e.cause) messages.push(e.message);
  return messages;
}

async function reportsAnswering(messageId: string) {
  return B.db.message.findMany({ where: { direction: 'outgoing', returnId: messageId }, include: { peerOrganization: true } });
}

async function assertNothingRegistered(c: HostileCase): Promise<void> {
  if (!c.documentUid) return;
  const cards = await B.db.registrationCard.findMany({ where: { direction: 'incoming', documentUid: c.documentUid } });
  assert.deepEqual(cards.map((card) => `${card.status} ${card.regNumber ?? ''}`), [], `${c.name}: no card at B for its document`);
}

async function assertNoAnswer(c: HostileCase): Promise<void> {
  if (!c.messageId) return;
  const answers = await reportsAnswering(c.messageId);
  assert.deepEqual(answers.map((m) => `${m.kind} → ${m.peerSevIndex}`), [], `${c.name}: B answers nobody`);
}

async function assertNoLeak(c: HostileCase, row: Message): Promise<void> {
  if (!c.mustNotLeak) return;
  assert.doesNotMatch(row.reason ?? '', c.mustNotLeak, `${c.name}: the reason shows nothing an entity pointed at`);
  const leaked = await B.db.registrationCard.findMany({ where: { direction: 'incoming' }, select: { annotation: true } });
  assert.ok(!leaked.some((card) => c.mustNotLeak!.test(card.annotation ?? '')), `${c.name}: no card shows what an entity pointed at`);
}

// ---------------------------------------------------------------------------------------------
// One test per case

async function checkCase(c: HostileCase): Promise<void> {
  const expected = c.expect;
  switch (expected.outcome) {
    case 'rejectedAtIntake': {
      const row = await settledRow(c);
      assert.equal(row.status, 'quarantined', `${c.name}: quarantined (reason: ${row.reason})`);
      assert.match(row.reason ?? '', expected.reason);
      assert.equal(row.messageId, null, `${c.name}: recorded under no MessageID`);
      assert.equal(await inboundWorkflowEnded(c), false, `${c.name}: no inbound workflow started`);
      await assertMailIn(c, 'Quarantine');
      await assertNoAnswer(c);
      await assertNothingRegistered(c);
      await assertNoLeak(c, row);
      return;
    }
    case 'quarantined': {
      const row = await settledRow(c);
      assert.equal(row.status, 'quarantined', `${c.name}: quarantined (reason: ${row.reason})`);
      assert.match(row.reason ?? '', expected.reason);
      assert.equal(row.messageId, c.messageId);
      await inboundWorkflowEnded(c);
      assert.equal((await incomingRow(c))?.status, 'quarantined', `${c.name}: still quarantined once its workflow ended`);
      await assertMailIn(c, 'Processed');
      await assertNoAnswer(c);
      await assertNothingRegistered(c);
      return;
    }
    case 'refused': {
      const row = await settledRow(c);
      assert.equal(row.status, 'refused', `${c.name}: refused (reason: ${row.reason})`);
      assert.match(row.reason ?? '', expected.reason);
      assert.equal(row.failureCode, expected.failureCode, `${c.name}: failure code`);
      assert.equal(await inboundWorkflowEnded(c), true, `${c.name}: handled by its inbound workflow`);
      const answers = await eventually(`${c.name}: B sends its Failure report`, async () => {
        const all = await reportsAnswering(c.messageId!);
        return all.some((m) => m.status === 'sent') ? all : undefined;
      }, 30_000);
      assert.deepEqual(answers.map((m) => `${m.kind} ${m.status} → ${m.peerSevIndex}`), [`Failure sent → ${A.org.sevIndex}`], `${c.name}: one Failure report, to A`);
      const failure = answers[0]!;
      const sent = await readPackage(await getBlob(B.db, failure.rawSha256!));
      if (!sent.ok || sent.passport.message.kind !== 'Report') assert.fail(`${c.name}: the report B sent is not a readable Report`);
      const report = sent.passport.message;
      assert.equal(report.notification.failure?.code, expected.failureCode, `${c.name}: Failure@Code in the report`);
      assert.equal(report.header.returnId, c.messageId);
      await eventually(`${c.name}: the Failure report reaches A`, async () =>
        (await A.db.message.findFirst({ where: { direction: 'incoming', messageId: failure.messageId } })) ?? undefined,
      30_000);
      await assertMailIn(c, 'Processed');
      await assertNothingRegistered(c);
      return;
    }
    case 'registered': {
      const row = await settledRow(c);
      assert.equal(row.status, 'registered', `${c.name}: registered (reason: ${row.reason})`);
      const cards = await B.db.registrationCard.findMany({ where: { direction: 'incoming', documentUid: c.documentUid! }, include: { files: true } });
      assert.equal(cards.length, 1, `${c.name}: one card for the document`);
      const card = cards[0]!;
      assert.equal(card.status, 'registered');
      assert.equal(row.cardId, card.id);
      assert.deepEqual(
        card.files.map((f) => ({ name: f.name, sha256: f.sha256, size: f.size })).sort((x, y) => x.name.localeCompare(y.name)),
        [...expected.files].sort((x, y) => x.name.localeCompare(y.name)),
        `${c.name}: the card holds exactly the passport's files, under safe decoded names, byte for byte`,
      );
      const answers = await eventually(`${c.name}: B confirms reception to A`, async () => {
        const all = await reportsAnswering(c.messageId!);
        return all.some((m) => m.kind === 'Reception' && m.status === 'sent') ? all : undefined;
      }, 30_000);
      assert.ok(answers.every((m) => m.kind !== 'Failure' && m.peerSevIndex === A.org.sevIndex), `${c.name}: no refusal, and every report to A`);
      await assertMailIn(c, 'Processed');
      return;
    }
  }
}

for (const c of corpus) {
  const what = c.expect.outcome === 'refused' ? `refused with Failure ${c.expect.failureCode}` : c.expect.outcome;
  test(`${c.group} / ${c.name}: ${what}`, { timeout: SETTLE_MS + 60_000 }, () => checkCase(c));
}

// ---------------------------------------------------------------------------------------------
// The corpus as a whole

test('the package whose MessageID was reused stays registered once, and its sender is not refused', async () => {
  const rows = await B.db.message.findMany({ where: { direction: 'incoming', messageId: ctx.registeredFromA } });
  assert.deepEqual(rows.map((r) => r.status), ['registered']);
  const cards = await B.db.registrationCard.findMany({ where: { direction: 'incoming', id: rows[0]!.cardId ?? undefined } });
  assert.equal(cards.length, 1);
  const answers = await reportsAnswering(ctx.registeredFromA);
  assert.ok(answers.length > 0 && answers.every((m) => m.kind !== 'Failure'), `reports: ${answers.map((m) => m.kind).join(', ')}`);
});

test('B answered only A, and only about packages that were refused or accepted', async () => {
  const answered = new Set([
    ctx.registeredFromA,
    ...corpus.filter((c) => c.expect.outcome === 'refused' || c.expect.outcome === 'registered').map((c) => c.messageId!),
  ]);
  const reports = await B.db.message.findMany({ where: { direction: 'outgoing', kind: { in: ['Reception', 'Failure', 'Report'] } } });
  const stray = reports.filter((m) => !answered.has(m.returnId ?? '') || m.peerSevIndex !== A.org.sevIndex);
  assert.deepEqual(stray.map((m) => `${m.kind} about ${m.returnId} → ${m.peerSevIndex}`), []);
  // C, the only other participant, got nothing at all from B.
  for (const folder of FOLDERS) assert.deepEqual(await listMailbox(ex.config, C.org, folder), [], `C/${folder} is empty`);
});

test('every mail left the INBOX, and nothing but the accepted documents was registered', async () => {
  assert.deepEqual((await listMailbox(ex.config, B.org, 'INBOX')).map((m) => m.subject), []);
  const accepted = corpus.filter((c) => c.expect.outcome === 'registered').map((c) => c.documentUid!);
  const cards = await B.db.registrationCard.findMany({ where: { direction: 'incoming' } });
  const unexpected = cards.filter((card) => !accepted.includes(card.documentUid ?? ''));
  // The original package of the reused MessageID is the one other card.
  assert.equal(unexpected.length, 1, `cards besides the accepted cases: ${unexpected.map((card) => card.annotation).join('; ')}`);
  assert.equal(cards.length, accepted.length + 1);
  const stuck = await B.db.message.findMany({ where: { direction: 'incoming', status: { in: ['received', 'stored', 'verified'] } } });
  assert.deepEqual(stuck.map((m) => `${m.status} ${m.messageId ?? m.mailMessageId}`), [], 'no message left half-way');
});

test('no archive was ever expanded: nothing stored at B is larger than the largest mail', async () => {
  const largest = await B.db.blob.aggregate({ _max: { size: true } });
  assert.ok((largest._max.size ?? 0) <= HOSTILE_LIMITS.maxMessageBytes, `largest stored blob: ${largest._max.size} bytes`);
});

test('after the whole corpus the worker still registers a valid package from A', { timeout: 90_000 }, async () => {
  const pkg = validPackage({ a: A.org, b: B.org }, `hos-after-${newGuid().slice(0, 8)}`, [{ uniqueName: 'Письмо после проверки.pdf', content: fileContent('after') }]);
  const sentAt = Date.now();
  await sendRawMessage(ex.config, { from: A.org.mailbox.address, to: B.org.mailbox.address }, pkg.raw);
  const card = await eventually('B registers the valid package', async () =>
    (await B.db.registrationCard.findFirst({ where: { direction: 'incoming', documentUid: pkg.documentUid, status: 'registered' } })) ?? undefined,
  60_000);
  assert.match(card.regNumber ?? '', /^Вх-\d+$/);
  console.log(`hostile corpus: the valid package after the corpus registered in ${((Date.now() - sentAt) / 1000).toFixed(1)} s`);
});
