// One chaos run: its own stack, SEV's worker as a child process, documents A → B at a steady rate,
// faults on a seeded schedule meanwhile, then a bounded wait until everything settled and the
// outcome counts. Used by `npm run chaos` (chaos/index.ts) and test/chaos/chaos.test.ts.
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Client } from '@temporalio/client';
import { createBuiltinEdms } from '../edms/builtin';
import { createPrismaClient } from '../prisma/client';
import { connectClient } from '../workers/temporal';
import { startOutboundExchanges } from '../workers/outbound';
import { stopChaosCluster, type ChaosCluster } from './cluster';
import { injectFault, planFaults, seededRandom, type FaultKind, type InjectedFault } from './faults';
import { isOff, measureOutcome, runningCount, settled, type OutcomeRow, type SentDocument, type Side } from './outcome';
import { chaosConfig, chaosStackDown, chaosStackUp, newRunId, runDir } from './stack';
import { WorkerProcess, type UnexpectedExit } from './worker-process';

export interface ChaosOptions {
  exchanges: number;
  /** Pause between two documents. */
  intervalMs: number;
  faults: Record<FaultKind, number>;
  /** How long Postfix and Dovecot stay down. */
  outageMs: number;
  seed: number;
  /** How long to wait, after the last document, for everything to settle. */
  settleTimeoutMs: number;
  /** Worker processes serving both organizations at once (default 1): replicas of the same SEV. */
  replicas?: number;
  /** Stop the chaos PostgreSQL cluster at the end (default: true). */
  stopCluster?: boolean;
  log?: (line: string) => void;
}

export interface ChaosResult {
  runId: string;
  seed: number;
  dir: string;
  faults: InjectedFault[];
  outcome: OutcomeRow[];
  unexpectedExits: UnexpectedExit[];
  settled: boolean;
  settleMs: number;
  totalMs: number;
  workerProcesses: number;
  ok: boolean;
}

/** Retries `work` through the faults (PostgreSQL or Temporal away for a while); gives up after `timeoutMs`. */
async function persist<T>(what: string, work: () => Promise<T>, log: (line: string) => void, timeoutMs = 5 * 60_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (let attempt = 1; ; attempt++) {
    try {
      return await work();
    } catch (e) {
      if (Date.now() > deadline) throw e;
      if (attempt === 1 || attempt % 10 === 0) {
        const error = e as Error & { code?: string };
        const text = [error.name, error.code, error.message.trim().split('\n')[0]].filter(Boolean).join(': ');
        log(`  (${what}: ${text}; retrying)`);
      }
      await sleep(Math.min(5000, 500 * attempt));
    }
  }
}

export async function runChaos(options: ChaosOptions): Promise<ChaosResult> {
  const log = options.log ?? console.log;
  const runId = newRunId();
  const config = chaosConfig(runId);
  const dir = runDir(config, runId);
  const configFile = path.join(dir, 'sev.json');
  const replicas = options.replicas ?? 1;
  // worker.log for the one worker of a usual run; worker-1.log, worker-2.log… for replicas.
  const logFiles = Array.from({ length: replicas }, (_, i) => path.join(dir, replicas === 1 ? 'worker.log' : `worker-${i + 1}.log`));
  const logFile = logFiles.join(', ');
  writeFileSync(configFile, JSON.stringify(config, null, 2));
  for (const file of logFiles) writeFileSync(file, '');
  const began = Date.now();
  const since = () => `+${Math.round((Date.now() - began) / 1000)}s`;
  const say = (line: string) => log(`[${since()}] ${line}`);
  say(`chaos run ${runId}, seed ${options.seed}: ${options.exchanges} exchanges${replicas > 1 ? `, ${replicas} worker replicas` : ''}; state ${config.stateDir}; worker log ${logFile}`);

  const workers = logFiles.map((file, i) => new WorkerProcess(configFile, file, (line) => say(`!! ${replicas > 1 ? `replica ${i + 1}: ` : ''}${line}`)));
  let cluster: ChaosCluster | undefined;
  let client: Client | undefined;
  const sides: Side[] = [];
  try {
    cluster = await chaosStackUp(config, (line) => say(`  ${line}`));
    const [orgA, orgB] = config.organizations as [typeof config.organizations[0], typeof config.organizations[0]];
    for (const org of [orgA!, orgB!]) sides.push({ org, db: createPrismaClient(org.databaseUrl) });
    const [A, B] = sides as [Side, Side];
    client = await connectClient(config.temporal);
    const edmsA = createBuiltinEdms(A.db);

    // The worker prepares each organization's directory and journals, which cards need.
    // One after the other, as an operator adds replicas: the first makes the keys.
    for (const [i, worker] of workers.entries()) {
      await worker.start();
      say(`worker process #1${replicas > 1 ? ` of replica ${i + 1}` : ''} ready (pid ${worker.pid})`);
    }

    const windowMs = options.exchanges * options.intervalMs;
    const random = seededRandom(options.seed);
    const plan = planFaults(options.faults, windowMs, random);
    say(`plan: ${plan.map((f) => `${f.kind}@+${Math.round(f.atMs / 1000)}s`).join(', ')}`);

    const documents: SentDocument[] = [];
    const sendStarted = Date.now();
    const sending = (async () => {
      for (let i = 1; i <= options.exchanges; i++) {
        const due = sendStarted + (i - 1) * options.intervalMs;
        if (due > Date.now()) await sleep(due - Date.now());
        const annotation = `Хаос ${runId}: письмо ${i}`;
        const card = await persist(`card ${i}`, () =>
          edmsA.createOutgoingCard({
            kind: 'Письмо',
            annotation,
            signer: { name: 'Иванов И.И.', post: 'Министр' },
            files: [{ name: `Письмо ${i}.txt`, content: Buffer.from(`${annotation}: текст письма`) }],
            addresseeSevIndexes: [B.org.sevIndex],
            idempotencyKey: `chaos-${runId}-${i}`,
          }), say);
        await persist(`start exchange ${i}`, () => startOutboundExchanges(client!, A.org, { ...card, annotation }), say);
        documents.push({ cardId: card.cardId, documentUid: card.documentUid, regNumber: card.regNumber });
        if (i % 25 === 0 || i === options.exchanges) say(`sent ${i}/${options.exchanges}`);
      }
    })();

    const faults: InjectedFault[] = [];
    const injecting = (async () => {
      for (const fault of plan) {
        const due = sendStarted + fault.atMs;
        if (due > Date.now()) await sleep(due - Date.now());
        const startedMs = Date.now() - sendStarted;
        say(`FAULT ${fault.kind}…`);
        const inFlight = async () => (await runningCount(client!, A.org.taskQueue)) + (await runningCount(client!, B.org.taskQueue));
        const done = await injectFault(fault, { config, cluster: cluster!, workers, outageMs: options.outageMs, log: say, inFlight, random }, startedMs);
        faults.push(done);
        say(`FAULT ${fault.kind} done in ${(done.durationMs / 1000).toFixed(1)} s: ${done.detail}${done.error ? ` — ERROR ${done.error}` : ''}`);
      }
    })();
    await Promise.all([sending, injecting]);

    say(`all ${documents.length} documents sent, ${faults.length} faults injected; waiting for everything to settle (at most ${Math.round(options.settleTimeoutMs / 60_000)} min)`);
    const settleBegan = Date.now();
    let isSettled = false;
    let lastNote = 0;
    while (Date.now() - settleBegan < options.settleTimeoutMs) {
      isSettled = await settled(config, client, A, B, documents).catch(() => false);
      if (isSettled) break;
      if (Date.now() - lastNote > 30_000) {
        lastNote = Date.now();
        const registered = await B.db.registrationCard.count({ where: { direction: 'incoming' } }).catch(() => -1);
        const reports = await A.db.documentReport.count({ where: { event: 'Registration' } }).catch(() => -1);
        say(`  settling: B registered ${registered}/${documents.length}, A Registration reports ${reports}/${documents.length}`);
      }
      await sleep(3000);
    }
    const settleMs = Date.now() - settleBegan;
    say(isSettled ? `settled after ${Math.round(settleMs / 1000)} s` : `NOT settled after ${Math.round(settleMs / 1000)} s — measuring anyway`);

    // Visibility lags a little behind the workflows' ends: give it a moment before counting.
    await sleep(3000);
    const outcome = await measureOutcome(config, client, A, B, documents);
    const unexpectedExits = workers.flatMap((w) => w.unexpectedExits);
    outcome.push({ what: 'worker exits not caused by the chaos tool', expected: 0, actual: unexpectedExits.length });
    outcome.push({ what: 'faults that failed to inject or recover', expected: 0, actual: faults.filter((f) => f.error).length });
    const ok = isSettled && !outcome.some(isOff);
    return {
      runId,
      seed: options.seed,
      dir,
      faults,
      outcome,
      unexpectedExits,
      settled: isSettled,
      settleMs,
      totalMs: Date.now() - began,
      workerProcesses: workers.reduce((n, w) => n + w.processCount, 0),
      ok,
    };
  } finally {
    for (const worker of workers) await worker.stop().catch((e: Error) => say(`stopping worker: ${e.message}`));
    await client?.connection.close().catch(() => undefined);
    for (const side of sides) await side.db.$disconnect().catch(() => undefined);
    await chaosStackDown(config, (line) => say(`  ${line}`)).catch((e: Error) => say(`stack down: ${e.message}`));
    if (cluster && options.stopCluster !== false) {
      await stopChaosCluster(cluster).catch((e: Error) => say(`stopping cluster: ${e.message}`));
      say(`PostgreSQL cluster ${cluster.version}/${cluster.name} stopped`);
    }
  }
}
