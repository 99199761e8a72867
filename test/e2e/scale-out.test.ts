// Scaling out is starting more workers: two `sev worker` processes serve the same organizations
// at once (both read both mailboxes, both poll both task queues), and one of them is killed
// halfway. Every document is still registered exactly once, A holds each report exactly once,
// nothing is quarantined or left in an INBOX, and both processes did the work.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { WorkerProcess } from '../../chaos/worker-process';
import { sendDocument } from '../../workers/send';
import { listMailbox } from '../stack/mail-helpers';
import { registeredAtA, startTestExchange, type TestExchange, type TestOrganization } from '../support/exchange';

const DOCUMENTS = 30;
let ex: TestExchange;
let A: TestOrganization;
let B: TestOrganization;
let dir: string;
const workers: WorkerProcess[] = [];

before(async () => {
  ex = await startTestExchange('sco', { workers: false });
  [A, B] = ex.orgs as [TestOrganization, TestOrganization];
  dir = await mkdtemp(path.join(tmpdir(), 'sev-scale-out-'));
  const configFile = path.join(dir, 'sev.json');
  await writeFile(configFile, JSON.stringify(ex.config, null, 2));
  // One after the other, as an operator adds a replica: the first makes the keys, the second finds them.
  for (const n of [1, 2]) {
    const logFile = path.join(dir, `worker-${n}.log`);
    await writeFile(logFile, '');
    const worker = new WorkerProcess(configFile, logFile);
    await worker.start();
    workers.push(worker);
  }
});

after(async () => {
  for (const worker of workers) await worker.stop();
  await ex?.stop();
  await rm(dir, { recursive: true, force: true });
});

test('two worker processes serve the same organizations; one is killed halfway; every document is registered once and every report held once', { timeout: 240_000 }, async (t) => {
  const pids = workers.map((w) => w.pid!);
  const sent: { workflowId: string; documentUid: string }[] = [];
  for (let i = 0; i < DOCUMENTS; i++) {
    const doc = await sendDocument(ex.config, A.org, {
      annotation: `Документ ${i + 1} (два обработчика)`,
      // The first few large enough to be streamed from IMAP rather than fetched whole.
      files: [i < 3 ? { name: `Схема-${i + 1}.bin`, content: randomBytes(1_500_000) } : { name: `Письмо-${i + 1}.txt`, content: Buffer.from(`Текст письма ${i + 1}`) }],
      addresseeSevIndexes: [B.org.sevIndex],
    });
    sent.push({ workflowId: doc.workflowIds[0]!, documentUid: doc.documentUid });
    if (i === DOCUMENTS / 2) assert.ok(await workers[0]!.kill(), 'the first worker process is killed with exchanges in flight');
  }

  // Each exchange reaches 'registered' at A (it then follows B's later reports: it stays open).
  for (const s of sent) await registeredAtA(ex, s.workflowId, `${s.workflowId} registered by B, the report held by A`, 180_000);

  // B: each document one registered card.
  const cards = await B.db.registrationCard.findMany({ where: { direction: 'incoming' }, select: { documentUid: true, status: true } });
  assert.equal(cards.length, DOCUMENTS, 'one incoming card per document');
  assert.deepEqual(new Set(cards.map((c) => c.documentUid)), new Set(sent.map((s) => s.documentUid)));
  assert.ok(cards.every((c) => c.status === 'registered'));

  // A: Reception and Registration once each per document.
  const reports = await A.db.documentReport.findMany({ select: { event: true, card: { select: { documentUid: true } } } });
  for (const s of sent) {
    const mine = reports.filter((r) => r.card.documentUid === s.documentUid).map((r) => r.event).sort();
    assert.deepEqual(mine, ['Reception', 'Registration'].sort(), `reports on ${s.documentUid}`);
  }
  for (const side of [A, B]) {
    assert.equal(await side.db.message.count({ where: { status: 'quarantined' } }), 0, `nothing quarantined at ${side.org.id}`);
    assert.equal((await listMailbox(ex.config, side.org)).length, 0, `${side.org.id}'s INBOX is empty`);
  }

  // Neither process logged an error: a mail the other intake took first is not one.
  for (const [n, worker] of workers.entries()) {
    const errors = worker.logTail(100_000).split('\n').filter((line) => line.includes('"level":"error"'));
    assert.deepEqual(errors, [], `worker process ${n + 1} logged errors`);
  }
  const logs = workers.map((w) => w.logTail(100_000)).join('\n');
  const count = (msg: string) => logs.split(`"msg":"${msg}"`).length - 1;
  t.diagnostic(`mails read by both intakes (not answered again): ${count('mail read again')}; repeats answered as new deliveries: ${count('transport duplicate')}`);

  // Both processes ran workflow tasks (a task's identity is `sev-worker:<org>@<pid>`).
  const identities = new Set<string>();
  for (const s of sent) {
    const history = await ex.client.workflow.getHandle(s.workflowId).fetchHistory();
    for (const e of history.events ?? []) if (e.workflowTaskStartedEventAttributes?.identity) identities.add(e.workflowTaskStartedEventAttributes.identity.split('@').at(-1)!);
  }
  for (const pid of pids) assert.ok(identities.has(String(pid)), `worker process ${pid} ran workflow tasks (seen: ${[...identities].join(', ')})`);
});
