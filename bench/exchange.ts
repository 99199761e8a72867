// 3. SEV end to end: N documents from A to B, each done when A holds B's Registration report —
// the moment A's outbound workflow completes ('registered' ends it). SEV's workers (both
// organizations, with their mailbox intakes) run in a child process, `sev worker`, as in
// production; this process plays the EDMS: createOutgoingCard + startOutboundExchanges.
import { randomBytes } from 'node:crypto';
import type { Client } from '@temporalio/client';
import { createBuiltinEdms, type BuiltinEdms } from '../edms/builtin';
import { syncDirectoryFromConfig } from '../edms/directory';
import { createPrismaClient, type PrismaClient } from '../prisma/client';
import { startOutboundExchanges } from '../workers/outbound';
import type { OrganizationConfig, SevConfig } from '../workers/config';
import { cpuSnapshot, cpuSpent, perUnit } from './cpu';
import { countRows, rowsAdded, queryOne, type RowCounts } from './database';
import type { MeasuredChild } from './process';
import { latencies, sleep, withConcurrency, type Latencies } from './stats';
import { listWorkflows, waitClosed } from './temporal';

export interface Sender {
  a: OrganizationConfig;
  b: OrganizationConfig;
  db: PrismaClient;
  edms: BuiltinEdms;
  client: Client;
  close(): Promise<void>;
}

export async function openSender(config: SevConfig, a: OrganizationConfig, b: OrganizationConfig, client: Client): Promise<Sender> {
  const db = createPrismaClient(a.databaseUrl);
  await syncDirectoryFromConfig(db, config, a.id);
  const edms = createBuiltinEdms(db);
  await edms.ensureJournals();
  return { a, b, db, edms, client, close: () => db.$disconnect() };
}

interface Submitted {
  workflowId: string;
  at: number;
}

/** Registers one outgoing card with one file of `bytes` random bytes and starts its exchange. */
async function submit(s: Sender, i: number, bytes: number): Promise<Submitted> {
  const content = randomBytes(bytes);
  const at = Date.now();
  const annotation = `Нагрузочный документ ${i + 1}`;
  const card = await s.edms.createOutgoingCard({ kind: 'Письмо', annotation, files: [{ name: `Документ ${i + 1}.pdf`, content }], addresseeSevIndexes: [s.b.sevIndex] });
  const [workflowId] = await startOutboundExchanges(s.client, s.a, { ...card, annotation });
  return { workflowId: workflowId!, at };
}

export interface WorkflowKindFigures {
  side: 'A' | 'B';
  type: string;
  perExchange: number;
  meanEvents: number;
}

export interface ExchangeResult {
  label: string;
  n: number;
  fileBytes: number;
  seconds: number;
  perSecond: number;
  latency: Latencies;
  peakRss: number;
  rssBefore: number;
  registered: number;
  workflows: WorkflowKindFigures[];
  eventsPerExchange: number;
  rowsPerExchange: { a: number; b: number; byTable: RowCounts };
  /** CPU seconds per exchange by part of the stack (each organization's worker, Temporal, PostgreSQL, mail, this process). */
  cpu: Record<string, number>;
}

export interface Load {
  kind: 'full' | 'steady';
  n: number;
  /** Exchanges a second for 'steady'. */
  perSecond?: number;
}

export async function benchExchange(config: SevConfig, s: Sender, worker: MeasuredChild, label: string, fileBytes: number, load: Load, log: (line: string) => void): Promise<ExchangeResult> {
  const before = { a: await countRows(s.a.databaseUrl), b: await countRows(s.b.databaseUrl) };
  const phaseStart = new Date(Date.now() - 1000).toISOString();
  worker.resetPeak();
  const rssBefore = worker.rss();
  const cpuBefore = cpuSnapshot();
  const submitted: Submitted[] = [];
  const indexes = Array.from({ length: load.n }, (_, i) => i);
  const submitting =
    load.kind === 'full'
      ? withConcurrency(indexes, 8, async (i) => {
          submitted.push(await submit(s, i, fileBytes));
        })
      : Promise.all(
          indexes.map(async (i) => {
            await sleep((i * 1000) / load.perSecond!);
            submitted.push(await submit(s, i, fileBytes));
          }),
        );
  const outbound = `TaskQueue = "${s.a.taskQueue}" AND WorkflowType = "outboundDocumentWorkflow" AND StartTime >= "${phaseStart}"`;
  let lastPrint = 0;
  const waiting = waitClosed(s.client, outbound, load.n, 60 * 60_000, (done) => {
    if (Date.now() - lastPrint > 5000 || done === load.n) {
      lastPrint = Date.now();
      log(`  ${label}: зарегистрировано ${done} из ${load.n}, память обработчика ${(worker.rss() / 2 ** 20).toFixed(0)} МБ`);
    }
  });
  await submitting;
  await waiting;
  const peakRss = worker.peakRss();

  // Every workflow of the exchanges (the report workflows at A end just after the outbound one).
  const both = `(TaskQueue = "${s.a.taskQueue}" OR TaskQueue = "${s.b.taskQueue}") AND StartTime >= "${phaseStart}"`;
  for (let i = 0; i < 60 && (await s.client.workflow.count(`${both} AND ExecutionStatus = "Running"`)).count > 0; i++) await sleep(500);
  const cpu = perUnit(cpuSpent(cpuBefore, cpuSnapshot()), load.n);
  const outboundClosed = await listWorkflows(s.client, outbound);
  const byId = new Map(outboundClosed.map((w) => [w.workflowId, w]));
  const ms = submitted.map((x) => (byId.get(x.workflowId)?.closeTime?.getTime() ?? Number.NaN) - x.at);
  const first = Math.min(...submitted.map((x) => x.at));
  const last = Math.max(...outboundClosed.map((w) => w.closeTime?.getTime() ?? 0));

  const workflows: WorkflowKindFigures[] = [];
  let events = 0;
  for (const [side, org] of [['A', s.a], ['B', s.b]] as const) {
    const all = await listWorkflowsWithType(s.client, `TaskQueue = "${org.taskQueue}" AND StartTime >= "${phaseStart}"`);
    const types = [...new Set(all.map((w) => w.type))].sort();
    for (const type of types) {
      const of = all.filter((w) => w.type === type);
      const total = of.reduce((sum, w) => sum + w.historyLength, 0);
      events += total;
      workflows.push({ side, type, perExchange: of.length / load.n, meanEvents: total / of.length });
    }
  }
  const registered = Number(
    (await queryOne<{ n: string }>(s.a.databaseUrl, `SELECT count(*) AS n FROM card_addressees WHERE send_status = 'registered' AND created_at >= '${phaseStart}'`)).n,
  );
  const after = { a: await countRows(s.a.databaseUrl), b: await countRows(s.b.databaseUrl) };
  const addedA = rowsAdded(before.a, after.a);
  const addedB = rowsAdded(before.b, after.b);
  const sum = (r: RowCounts) => Object.values(r).reduce((x, y) => x + y, 0);
  const byTable: RowCounts = {};
  for (const [t, n] of Object.entries(addedA)) byTable[`A.${t}`] = n / load.n;
  for (const [t, n] of Object.entries(addedB)) byTable[`B.${t}`] = n / load.n;
  return {
    label,
    n: load.n,
    fileBytes,
    seconds: (last - first) / 1000,
    perSecond: load.n / ((last - first) / 1000),
    latency: latencies(ms.filter(Number.isFinite)),
    peakRss,
    rssBefore,
    registered,
    workflows,
    eventsPerExchange: events / load.n,
    rowsPerExchange: { a: sum(addedA) / load.n, b: sum(addedB) / load.n, byTable },
    cpu,
  };
}

async function listWorkflowsWithType(client: Client, query: string) {
  const out: { type: string; historyLength: number }[] = [];
  for await (const w of client.workflow.list({ query })) out.push({ type: w.type, historyLength: w.historyLength });
  return out;
}
