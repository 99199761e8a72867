// The SEV worker process: for each organization it serves, a Temporal worker on the
// organization's task queue and the intake of its mailbox; all share one workflow bundle and one
// SMTP transporter. Stateless apart from Temporal and PostgreSQL, so more of these processes (on
// more machines) simply poll the same task queues.
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { DefaultLogger, Runtime, Worker, type NativeConnection, type WorkflowBundleOption } from '@temporalio/worker';
import { Client } from '@temporalio/client';
import { setFlagsFromString } from 'node:v8';
import { createActivities } from '../activities';
import { createBuiltinEdms } from '../edms/builtin';
import { syncDirectoryFromConfig } from '../edms/directory';
import { startIntake, type Intake } from '../exchange/intake';
import { createMailSender, type MailSender } from '../exchange/smtp';
import { createPrismaClient, type PrismaClient } from '../prisma/client';
import { removeOrphanChunks } from '../registry/blobs';
import { projectRoot, temporalFor, type OrganizationConfig, type SevConfig } from './config';
import { startCardEventSweep } from './card-events';
import { daysLeft } from '../security/keys';
import { ensureOrganizationKey, trustConfiguredCertificates } from '../security/organization-keys';
import { createIntakeHandler } from './intake';
import { currentLogLevel, logger } from './log';
import { connectWorker } from './temporal';

export const workflowsPath = path.join(projectRoot, 'workflows', 'index.ts');
const execFileAsync = promisify(execFile);

let bundle: Promise<WorkflowBundleOption> | undefined;

/**
 * The workflow bundle, built once per version of the workflow code in a child process and kept in
 * the system's temporary folder: a worker starts in a moment and carries no bundler in memory.
 */
export function workflowBundle(): Promise<WorkflowBundleOption> {
  bundle ??= (async () => {
    const hash = createHash('sha256');
    for (const file of workflowSources()) hash.update(file).update(readFileSync(file));
    hash.update(readFileSync(path.join(projectRoot, 'package-lock.json')));
    const codePath = path.join(tmpdir(), `sev-workflows-${hash.digest('hex').slice(0, 16)}.js`);
    if (!existsSync(codePath)) {
      await execFileAsync(process.execPath, ['--import', 'tsx', path.join(projectRoot, 'workers', 'bundle-workflows.ts'), workflowsPath, codePath], {
        cwd: projectRoot,
        maxBuffer: 16 * 1024 * 1024,
      });
    }
    return { codePath };
  })();
  return bundle;
}

/** Every file of workflows/ and the modules it imports types from: a change to any makes a new bundle. */
function workflowSources(): string[] {
  const dirs = ['workflows', 'activities', 'edms', 'codec'].map((d) => path.join(projectRoot, d));
  const files: string[] = [];
  const walk = (dir: string) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) walk(full);
      else if (entry.name.endsWith('.ts')) files.push(full);
    }
  };
  dirs.forEach(walk);
  return files.sort();
}

/**
 * V8's heap grows far past what is live when memory is plentiful (a worker reached 370 MB of heap
 * for 100–150 MB live). A smaller growing factor keeps it near the working set (50 % by default:
 * at 15 % a busy worker ran a full collection every second or so, and its worker threads spent a
 * quarter of its CPU marking; 100 % cost 60 MB more at full load); set before the
 * workflow thread's isolate is made, so that one follows it too. So does a young generation of
 * 2 MB semi-spaces instead of 16 (32 MB less per isolate, at a few percent of CPU): the main
 * thread's is fixed when the process starts, so the worker is run with
 * NODE_OPTIONS=--max-semi-space-size=2 (docs/OPERATIONS.md); the workflow thread's is set here
 * unless the operator chose another size.
 */
export function tuneHeap(config: SevConfig): void {
  if (config.worker.heapGrowingPercent > 0) setFlagsFromString(`--heap-growing-percent=${config.worker.heapGrowingPercent}`);
  const chosen = [...process.execArgv, process.env.NODE_OPTIONS ?? ''].some((arg) => arg.includes('--max-semi-space-size'));
  if (!chosen) setFlagsFromString(`--max-semi-space-size=${WORKFLOW_THREAD_SEMI_SPACE_MB}`);
}

const WORKFLOW_THREAD_SEMI_SPACE_MB = 2;

let runtimeInstalled = false;

/** The Temporal SDK's own log lines follow SEV's log level; installed once, before any connection. */
function installRuntime(): void {
  if (runtimeInstalled) return;
  runtimeInstalled = true;
  const level = currentLogLevel() === 'debug' ? 'DEBUG' : currentLogLevel() === 'info' ? 'INFO' : currentLogLevel() === 'warn' ? 'WARN' : 'ERROR';
  Runtime.install({ logger: new DefaultLogger(level) });
}

export interface WorkerOptions {
  /** Run the mailbox intake too (default true). */
  intake?: boolean;
  /** The intake's safety-net sweep interval. */
  sweepIntervalMs?: number;
  /** How often EDMS events left undecided (a lost signal) are signalled again. */
  cardEventSweepMs?: number;
}

export interface RunningWorkers {
  /** Resolves when every worker has stopped; rejects with the first worker's fatal error. */
  done: Promise<void>;
  shutdown(): void;
  /** Sweep every mailbox now (tests, `sev` commands that just sent mail). */
  kickIntake(): void;
}

/** Creates and runs the workers and mailbox intakes of the given organizations until `shutdown()`. */
export async function startWorkers(config: SevConfig, organizations: OrganizationConfig[], options: WorkerOptions = {}): Promise<RunningWorkers> {
  installRuntime();
  tuneHeap(config);
  const workflowBundleCode = await workflowBundle();
  const mail = createMailSender(config);
  const resources: { close(): Promise<unknown> | void }[] = [{ close: () => mail.close() }];
  const workers: Worker[] = [];
  const intakes: Intake[] = [];
  try {
    await mail.verify();
    for (const org of organizations) {
      const temporal = temporalFor(config, org);
      const db = createPrismaClient(org.databaseUrl);
      resources.push({ close: () => db.$disconnect() });
      const edms = await prepareOrganization(config, org, db);
      resources.push(startOrphanChunkCleanup(org, db));
      const connection: NativeConnection = await connectWorker(temporal);
      resources.push(connection);
      workers.push(
        await Worker.create({
          connection,
          namespace: temporal.namespace,
          taskQueue: org.taskQueue,
          workflowBundle: workflowBundleCode,
          activities: createActivities({ config, organization: org, db, edms, mail }),
          identity: `sev-worker:${org.id}@${process.pid}`,
          ...workerLimits(config),
        }),
      );
      if (options.intake !== false) {
        // The worker's own connection serves the client too: no second (JavaScript gRPC) connection.
        const client = new Client({ connection, namespace: temporal.namespace });
        intakes.push(startOrganizationIntake(config, org, db, client, mail, options));
        const sweep = startCardEventSweep(org, client, db, options.cardEventSweepMs);
        resources.push({ close: () => sweep.stop() });
      }
    }
  } catch (e) {
    await Promise.allSettled(intakes.map((i) => i.stop()));
    await closeAll(resources);
    throw e;
  }
  const stopAll = () => {
    for (const w of workers) if (w.getState() === 'RUNNING') w.shutdown();
    return Promise.allSettled(intakes.map((i) => i.stop()));
  };
  const done = Promise.all(workers.map((w) => w.run())).then(
    async () => {
      await stopAll();
      await closeAll(resources);
    },
    async (e) => {
      await stopAll();
      await closeAll(resources);
      throw e;
    },
  );
  return {
    done,
    shutdown() {
      void stopAll();
    },
    kickIntake() {
      for (const i of intakes) i.kick();
    },
  };
}

/**
 * How much a Temporal worker takes on at once, from configuration. Each cached workflow holds its
 * state in memory; exchanges wait for reports for days, so a bounded cache keeps a worker's memory
 * flat while thousands of them wait. Steps running at once are bounded too: on a small machine
 * more only adds memory, not throughput.
 */
export function workerLimits(config: SevConfig) {
  const limits = config.worker;
  return {
    maxCachedWorkflows: limits.cachedWorkflows,
    maxConcurrentWorkflowTaskExecutions: Math.min(limits.concurrentWorkflowTasks, limits.cachedWorkflows),
    maxConcurrentActivityTaskExecutions: limits.concurrentActivities,
    maxConcurrentLocalActivityExecutions: limits.concurrentActivities,
  };
}

/** The organization's directory (itself and its peers from configuration) and its journals. */
async function prepareOrganization(config: SevConfig, org: OrganizationConfig, db: PrismaClient) {
  await syncDirectoryFromConfig(db, config, org.id);
  await prepareKeys(config, org, db);
  const edms = createBuiltinEdms(db);
  await edms.ensureJournals();
  return edms;
}

/** The organization's signing key (made when missing), the configured participants' certificates, a warning before expiry. */
async function prepareKeys(config: SevConfig, org: OrganizationConfig, db: PrismaClient): Promise<void> {
  const log = logger({ org: org.id, component: 'keys' });
  const { pair, created } = await ensureOrganizationKey(config, org);
  if (created) log.warn('Создан самоподписанный сертификат организации; для реальной работы импортируйте выданный: sev keys import', { fingerprint: pair.fingerprint });
  await trustConfiguredCertificates(config, db);
  const left = daysLeft(pair);
  if (left <= CERTIFICATE_WARNING_DAYS) {
    const message = left < 0 ? `Сертификат организации истёк ${-left} дн. назад: подписи не будут приняты` : `Сертификат организации истекает через ${left} дн.: выполните sev keys rotate`;
    log.warn(message, { fingerprint: pair.fingerprint, notAfter: pair.notAfter.toISOString() });
    await db.eventLog.create({ data: { level: left < 0 ? 'error' : 'warn', kind: 'keys.expiring', message, details: { fingerprint: pair.fingerprint } } });
  }
}

const CERTIFICATE_WARNING_DAYS = 30;
const ORPHAN_CLEANUP_MS = 6 * 3600 * 1000;

/** Removes, now and every few hours, chunks of blob writes that a crash cut off. */
function startOrphanChunkCleanup(org: OrganizationConfig, db: PrismaClient): { close(): void } {
  const log = logger({ org: org.id, component: 'blobs' });
  const run = () =>
    removeOrphanChunks(db).then(
      (removed) => removed > 0 && log.info('removed chunks of unfinished blob writes', { removed }),
      (error: unknown) => log.warn('orphan chunk cleanup failed', { error }),
    );
  void run();
  const timer = setInterval(run, ORPHAN_CLEANUP_MS).unref();
  return { close: () => clearInterval(timer) };
}

function startOrganizationIntake(config: SevConfig, org: OrganizationConfig, db: PrismaClient, client: Client, mail: MailSender, options: WorkerOptions): Intake {
  const log = logger({ org: org.id, component: 'intake' });
  return startIntake({
    config,
    mailbox: org.mailbox,
    handle: createIntakeHandler({ config, organization: org, db, client, mail }),
    sweepIntervalMs: options.sweepIntervalMs,
    log: (level, msg, fields) => log[level](msg, fields),
  });
}

async function closeAll(resources: { close(): Promise<unknown> | void }[]): Promise<void> {
  await Promise.allSettled(resources.reverse().map((r) => r.close()));
}
