// Crash recovery end to end: the SEV worker process (`sev worker`, Temporal workers and mailbox
// intakes of both organizations) is killed with SIGKILL in the middle of several exchanges and
// started again. "Nothing lost" (docs: DOMAIN.md) means every document still ends registered at B
// exactly once, A holds exactly one report of each kind, and no mail stays in an INBOX.
// A kill may land in any phase (an activity, a workflow task, a mail between storing and moving);
// that is the point, so nothing here depends on where it landed or on how long recovery takes.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, openSync, readFileSync, writeSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { startOutboundExchanges } from '../../workers/outbound';
import { inboundWorkflowId, outboundStateQuery, type OutboundState } from '../../workflows/definitions';
import { SevStatus } from '../../workflows/search-attributes';
import { listMailbox } from '../stack/mail-helpers';
import { eventually, startTestExchange, type TestExchange, type TestOrganization } from '../support/exchange';

const projectRoot = path.resolve(import.meta.dirname, '../..');
const DOCUMENTS = 5;
/**
 * Activities have a 2-minute start-to-close timeout and no heartbeat: an activity that was running
 * in the killed process is retried only after that timeout, once per kill. Generous on purpose.
 */
const RECOVERY_TIMEOUT_MS = 8 * 60_000;
const READY_LINE = 'СЭВ работает';

let ex: TestExchange;
let A: TestOrganization;
let B: TestOrganization;
let dir: string;
let logFile: string;
let configFile: string;
let worker: ChildProcess | undefined;
let workerCount = 0;
let failed = false;

/** The worker process log so far (all processes, one after another), its last lines. */
function logTail(lines = 80): string {
  try {
    return readFileSync(logFile, 'utf8').split('\n').slice(-lines).join('\n');
  } catch {
    return '(no log)';
  }
}

function appendLog(line: string): void {
  const fd = openSync(logFile, 'a');
  try {
    writeSync(fd, `${line}\n`);
  } finally {
    closeSync(fd);
  }
}

function exited(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => child.once('exit', () => resolve()));
}

/** Starts `sev worker` with the test organizations and waits until it says it runs. */
async function startWorker(): Promise<ChildProcess> {
  assert.equal(worker, undefined, 'one worker process at a time');
  workerCount += 1;
  appendLog(`===== test: starting worker process #${workerCount} at ${new Date().toISOString()} =====`);
  const offset = readFileSync(logFile).length;
  const fd = openSync(logFile, 'a');
  const child = spawn(process.execPath, ['workers/sev.mjs', 'worker'], {
    cwd: projectRoot,
    env: { ...process.env, SEV_CONFIG: configFile },
    stdio: ['ignore', fd, fd],
  });
  closeSync(fd);
  worker = child;
  await eventually(
    `worker process #${workerCount} to start («${READY_LINE}»)`,
    async () => {
      if (child.exitCode !== null || child.signalCode !== null) {
        throw new Error(`worker process #${workerCount} exited (${child.exitCode ?? child.signalCode}) before it was ready`);
      }
      return readFileSync(logFile).subarray(offset).toString('utf8').includes(READY_LINE) ? true : undefined;
    },
    120_000,
  );
  return child;
}

/** SIGKILL: no shutdown, no cleanup; whatever was in flight stays half done. */
async function killWorker(why: string): Promise<void> {
  const child = worker;
  assert.ok(child, 'a worker process to kill');
  appendLog(`===== test: SIGKILL worker process #${workerCount} (pid ${child.pid}): ${why} at ${new Date().toISOString()} =====`);
  child.kill('SIGKILL');
  await exited(child);
  worker = undefined;
}

async function stopWorker(): Promise<void> {
  const child = worker;
  if (!child) return;
  worker = undefined;
  child.kill('SIGTERM');
  const stopped = await Promise.race([exited(child).then(() => true), sleep(15_000).then(() => false)]);
  if (!stopped) {
    child.kill('SIGKILL');
    await exited(child);
  }
}

async function outboundState(workflowId: string): Promise<OutboundState> {
  return ex.client.workflow.getHandle(workflowId).query(outboundStateQuery);
}

/** Where every exchange stands, for the log and the failure message. */
async function snapshot(workflowIds: string[]): Promise<string> {
  // The server's view, not a query: a query waits for a live worker (and for a dead one's sticky queue).
  const statuses = await Promise.all(
    workflowIds.map((id) =>
      ex.client.workflow
        .getHandle(id)
        .describe()
        .then((d) => `${d.status.name}/${String(d.typedSearchAttributes.get(SevStatus) ?? '?')}`)
        .catch((e: Error) => `? (${e.message})`),
    ),
  );
  const count = (rows: { status: string; _count: number }[]) => rows.map((r) => `${r.status} ${r._count}`).join(', ') || 'none';
  const [bIncoming, bOutgoing, aIncoming, aReports] = await Promise.all([
    B.db.message.groupBy({ by: ['status'], where: { direction: 'incoming' }, _count: true }),
    B.db.message.groupBy({ by: ['status'], where: { direction: 'outgoing' }, _count: true }),
    A.db.message.groupBy({ by: ['status'], where: { direction: 'incoming' }, _count: true }),
    A.db.documentReport.count(),
  ]);
  return `outbound: ${statuses.join(', ')}; B in: ${count(bIncoming)}; B out: ${count(bOutgoing)}; A in: ${count(aIncoming)}; A reports: ${aReports}`;
}

before(async () => {
  // StopDayCount 0: each exchange ends at registration, so "idle" below means done.
  ex = await startTestExchange('crash', { workers: false, rules: { reportOrder: { stopDayCount: 0 } } });
  [A, B] = ex.orgs as [TestOrganization, TestOrganization];
  dir = await mkdtemp(path.join(tmpdir(), 'sev-crash-'));
  logFile = path.join(dir, 'worker.log');
  configFile = path.join(dir, 'sev.json');
  await writeFile(logFile, '');
  await writeFile(configFile, JSON.stringify(ex.config));
});

after(async () => {
  await stopWorker();
  await ex?.stop();
  if (dir && !failed) await rm(dir, { recursive: true, force: true });
});

test('killing the worker process (SIGKILL) in the middle of an exchange and starting it again completes the exchange with exactly one registration and one report of each kind', async (t) => {
  const workflowIds: string[] = [];
  try {
    // The worker also prepares each organization's directory and journals, which cards need.
    await startWorker();

    const cards = [];
    for (let i = 1; i <= DOCUMENTS; i++) {
      const annotation = `Письмо ${i} о проверке восстановления после сбоя`;
      const card = await A.edms.createOutgoingCard({
        kind: 'Письмо',
        annotation,
        signer: { name: 'Иванов И.И.', post: 'Министр' },
        files: [{ name: `Письмо ${i}.txt`, content: Buffer.from(`${annotation}: текст письма`) }],
        addresseeSevIndexes: [B.org.sevIndex],
      });
      const [workflowId] = await startOutboundExchanges(ex.client, A.org, { ...card, annotation });
      assert.ok(workflowId);
      cards.push(card);
      workflowIds.push(workflowId);
    }

    // Kill 1: as soon as the first package has gone to B; the others are somewhere on their way.
    await eventually(
      'the first package sent',
      async () => {
        const state = await outboundState(workflowIds[0]!);
        return state.status !== 'preparing' ? state : undefined;
      },
      RECOVERY_TIMEOUT_MS,
    );
    await killWorker('the first outbound workflow reports sent');
    t.diagnostic(`kill 1: ${await snapshot(workflowIds)}`);
    await startWorker();

    // Kill 2: as soon as B has taken in a package: B verifies, registers and answers meanwhile.
    await eventually(
      'B to take in a package',
      async () => ((await B.db.message.count({ where: { direction: 'incoming' } })) > 0 ? true : undefined),
      RECOVERY_TIMEOUT_MS,
    );
    await killWorker('B is taking in and registering');
    t.diagnostic(`kill 2: ${await snapshot(workflowIds)}`);
    await startWorker();

    // Kill 3: as soon as A has taken in a report: A stores reports and signals its exchanges meanwhile.
    await eventually(
      'A to take in a report',
      async () => ((await A.db.message.count({ where: { direction: 'incoming' } })) > 0 ? true : undefined),
      RECOVERY_TIMEOUT_MS,
    );
    await killWorker('A is taking in reports');
    t.diagnostic(`kill 3: ${await snapshot(workflowIds)}`);
    await startWorker();

    // Every exchange ends registered, however long the interrupted activities take to time out.
    const states = new Map<string, OutboundState>();
    await eventually(
      'every outbound workflow registered',
      async () => {
        for (const id of workflowIds) {
          if (states.has(id)) continue;
          const state = await outboundState(id);
          if (state.status !== 'registered') return undefined;
          states.set(id, state);
        }
        return true;
      },
      RECOVERY_TIMEOUT_MS,
    );
    t.diagnostic(`all registered: ${await snapshot(workflowIds)}`);

    // An exchange ends on the Registration report; a Reception that lost the race (its activity was
    // in the killed process) may still be on its way. Wait until both sides have nothing left to do.
    await eventually(
      'both organizations idle: no running workflow, empty INBOXes',
      async () => {
        for (const o of [A, B]) {
          const running = await ex.client.workflow.count(`TaskQueue = '${o.org.taskQueue}' AND ExecutionStatus = 'Running'`);
          if (running.count > 0) return undefined;
          if ((await listMailbox(ex.config, o.org)).length > 0) return undefined;
        }
        return true;
      },
      RECOVERY_TIMEOUT_MS,
    );
    t.diagnostic(`all done: ${await snapshot(workflowIds)}`);

    const incomingMessageIds: string[] = [];
    for (const [i, card] of cards.entries()) {
      const state = states.get(workflowIds[i]!)!;
      assert.ok(state.messageId, `the outbound workflow of ${card.regNumber} knows its MessageID`);
      incomingMessageIds.push(state.messageId);

      // B registered the document once.
      const atB = await B.db.registrationCard.findMany({ where: { direction: 'incoming', documentUid: card.documentUid } });
      assert.equal(atB.length, 1, `B has one incoming card for ${card.regNumber}, got ${atB.length}`);
      assert.equal(atB[0]!.status, 'registered');
      assert.equal(state.addresseeRegistration?.number, atB[0]!.regNumber);

      // A holds each report once.
      const reports = await A.db.documentReport.groupBy({ by: ['event'], where: { cardId: card.cardId }, _count: true });
      assert.deepEqual(
        Object.fromEntries(reports.map((r) => [r.event, r._count])),
        { Reception: 1, Registration: 1 },
        `A's reports on ${card.regNumber}`,
      );
      const addressee = await A.db.cardAddressee.findFirstOrThrow({ where: { cardId: card.cardId } });
      assert.equal(addressee.sendStatus, 'registered');
      assert.equal(addressee.addresseeRegNumber, atB[0]!.regNumber);
    }

    // B's registry: one MainDoc per document, and for each one Reception and one Registration report, sent.
    const received = await B.db.message.findMany({ where: { direction: 'incoming' } });
    assert.deepEqual(
      received.map((m) => [m.kind, m.status, m.messageId]).sort(),
      incomingMessageIds.map((id) => ['MainDoc', 'registered', id]).sort(),
      "B's incoming registry: each package once, registered",
    );
    const answered = await B.db.message.findMany({ where: { direction: 'outgoing' } });
    for (const messageId of incomingMessageIds) {
      const answers = answered.filter((m) => m.returnId === messageId).map((m) => `${m.kind}:${m.status}`).sort();
      assert.deepEqual(answers, ['Reception:sent', 'Report:sent'], `B's reports on message ${messageId}`);
    }
    assert.equal(answered.length, 2 * DOCUMENTS, "B's outgoing registry holds only those reports");
    // A's registry: each of B's reports recorded once, applied.
    const reportsAtA = await A.db.message.findMany({ where: { direction: 'incoming' } });
    assert.deepEqual(
      reportsAtA.map((m) => m.messageId).sort(),
      answered.map((m) => m.messageId).sort(),
      "A's incoming registry: each report of B once",
    );
    assert.ok(reportsAtA.every((m) => m.status === 'applied'), `A applied every report: ${reportsAtA.map((m) => m.status).join(', ')}`);

    // One inbound workflow per MainDoc at B; at A a report is handed to its running outbound
    // exchange, or (when that exchange had ended) gets an inbound workflow of its own.
    const inboundIds = async (org: TestOrganization) => {
      const ids: string[] = [];
      for await (const w of ex.client.workflow.list({ query: `TaskQueue = '${org.org.taskQueue}' AND WorkflowId STARTS_WITH 'sev/${org.org.id}/in/'` })) ids.push(w.workflowId);
      return ids.sort();
    };
    const expectedAtB = incomingMessageIds.map((id) => inboundWorkflowId(B.org.id, id)).sort();
    const expectedAtA = answered.map((m) => inboundWorkflowId(A.org.id, m.messageId!)).sort();
    await eventually('the inbound workflows in visibility', async () => {
      const [atB, atA] = await Promise.all([inboundIds(B), inboundIds(A)]);
      assert.deepEqual(atB, expectedAtB, "B's inbound workflows: one per MainDoc");
      assert.ok(
        atA.every((id) => expectedAtA.includes(id)),
        `A's inbound workflows are for B's reports only: ${atA.join(', ')}`,
      );
      return true;
    });

    const log = readFileSync(logFile, 'utf8');
    t.diagnostic(`worker processes: ${workerCount}; transport duplicates seen: ${log.split('transport duplicate').length - 1}`);

    // Every mail left the INBOX (repeats after a kill included) once it was handled.
    await eventually(
      'both INBOXes empty',
      async () => {
        const [atA, atB] = await Promise.all([listMailbox(ex.config, A.org), listMailbox(ex.config, B.org)]);
        if (atA.length + atB.length === 0) return true;
        throw new Error(`left in INBOX: A ${atA.map((m) => m.subject).join(' | ') || '—'}; B ${atB.map((m) => m.subject).join(' | ') || '—'}`);
      },
      120_000,
    );
  } catch (e) {
    failed = true;
    const where = await snapshot(workflowIds).catch((s: Error) => `(no snapshot: ${s.message})`);
    const error = e as Error;
    error.message = `${error.message}\n--- ${where}\n--- worker log ${logFile}, last lines:\n${logTail()}`;
    throw error;
  }
});
