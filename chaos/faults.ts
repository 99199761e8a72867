// The faults and their schedule: a seeded random plan (kind and moment of each fault), carried out
// one fault at a time while documents are being sent.
import { setTimeout as sleep } from 'node:timers/promises';
import { ensureMail, stopMail } from '../stack/mail';
import { ensureTemporal, stopTemporal } from '../stack/temporal';
import type { SevConfig } from '../workers/config';
import { restartChaosCluster, type ChaosCluster } from './cluster';
import type { WorkerProcess } from './worker-process';

export type FaultKind = 'worker-sigkill' | 'temporal-restart' | 'mail-outage' | 'postgres-restart';

export const faultNames: Record<FaultKind, string> = {
  'worker-sigkill': 'SIGKILL SEV worker (then start it again)',
  'temporal-restart': 'restart Temporal dev server',
  'mail-outage': 'stop Postfix + Dovecot, start again',
  'postgres-restart': 'restart PostgreSQL cluster',
};

export interface PlannedFault {
  kind: FaultKind;
  /** Milliseconds after the first document is sent. */
  atMs: number;
}

export interface InjectedFault extends PlannedFault {
  startedMs: number;
  durationMs: number;
  detail: string;
  error?: string;
}

/** mulberry32: a small seeded PRNG, so that a schedule can be played again from its seed. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Spreads the faults over the window: one per equal slot, at a random moment in it, kinds shuffled. */
export function planFaults(counts: Record<FaultKind, number>, windowMs: number, random: () => number): PlannedFault[] {
  const kinds = (Object.keys(counts) as FaultKind[]).flatMap((kind) => Array.from({ length: counts[kind] }, () => kind));
  for (let i = kinds.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [kinds[i], kinds[j]] = [kinds[j]!, kinds[i]!];
  }
  const slot = windowMs / Math.max(1, kinds.length);
  return kinds.map((kind, i) => ({ kind, atMs: Math.round(i * slot + random() * slot * 0.8) }));
}

export interface FaultTargets {
  config: SevConfig;
  cluster: ChaosCluster;
  /** The worker processes (replicas of the same SEV); a kill takes one of them. */
  workers: WorkerProcess[];
  outageMs: number;
  log: (line: string) => void;
  /** Exchanges running at this moment (for the report: a kill that lands mid-exchange). */
  inFlight?: () => Promise<number>;
  /** The seeded random source, for the exact moment of a kill. */
  random?: () => number;
}

/** Carries out one fault and returns when the system has been given back what was taken. */
export async function injectFault(fault: PlannedFault, t: FaultTargets, startedMs: number): Promise<InjectedFault> {
  const began = Date.now();
  const quiet = (line: string) => t.log(`  ${line}`);
  let detail = '';
  let error: string | undefined;
  try {
    switch (fault.kind) {
      case 'worker-sigkill': {
        // A kill between two exchanges tests nothing: wait (a bounded while) until one runs.
        let running = await t.inFlight?.().catch(() => undefined);
        const deadline = Date.now() + 15_000;
        while (running === 0 && Date.now() < deadline) {
          await sleep(100);
          running = await t.inFlight?.().catch(() => undefined);
        }
        await sleep(Math.round((t.random?.() ?? Math.random()) * 400));
        // One replica of several, chosen by the seed; with one, that one (the seed's sequence unchanged).
        const replica = t.workers.length > 1 ? Math.floor((t.random?.() ?? Math.random()) * t.workers.length) : 0;
        const worker = t.workers[replica]!;
        const pid = await worker.kill();
        detail = `killed ${t.workers.length > 1 ? `replica ${replica + 1}, ` : ''}pid ${pid ?? '—'}${running === undefined ? '' : ` with ${running} exchanges running`}`;
        await worker.start();
        detail += `, process #${worker.processCount} ready`;
        break;
      }
      case 'temporal-restart': {
        await stopTemporal(t.config, quiet); // SIGTERM to the pid in <stateDir>/temporal/temporal.pid
        await ensureTemporal(t.config, quiet); // same state file: every workflow survives
        detail = 'stopped by pid file, started on the same state file';
        break;
      }
      case 'mail-outage': {
        await stopMail(t.config, quiet);
        await sleep(t.outageMs);
        await ensureMail(t.config, quiet);
        detail = `down ${Math.round(t.outageMs / 1000)} s`;
        break;
      }
      case 'postgres-restart': {
        await restartChaosCluster(t.cluster);
        detail = `pg_ctlcluster ${t.cluster.version} ${t.cluster.name} restart`;
        break;
      }
    }
  } catch (e) {
    error = (e as Error).message;
  }
  return { ...fault, startedMs, durationMs: Date.now() - began, detail, ...(error ? { error } : {}) };
}
