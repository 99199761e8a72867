// Child processes the benchmark measures: started with a readiness line on stdout, sampled for
// resident memory (VmRSS, and the kernel's high-water mark VmHWM) every 200 ms from /proc.
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { projectRoot } from '../workers/config';

export interface MeasuredChild {
  pid: number;
  /** Peak RSS seen by the sampler since start or the last `resetPeak()`, bytes. */
  peakRss(): number;
  /** Current RSS, bytes. */
  rss(): number;
  /** The kernel's VmHWM (peak RSS over the whole life of the process), bytes. */
  hwm(): number;
  resetPeak(): void;
  /** SIGTERM, then SIGKILL after `graceMs`; resolves when the process has exited. */
  stop(graceMs?: number): Promise<void>;
}

function procStatus(pid: number, field: 'VmRSS' | 'VmHWM'): number {
  try {
    const match = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return match ? Number(match[1]) * 1024 : 0;
  } catch {
    return 0;
  }
}

/** Starts `node <args>` in the project root and resolves once a stdout line contains `ready`. */
export async function startChild(args: string[], env: Record<string, string>, ready: string, label: string, timeoutMs = 120_000): Promise<MeasuredChild> {
  const child: ChildProcess = spawn(process.execPath, args, {
    cwd: projectRoot,
    env: { ...process.env, SEV_LOG_LEVEL: 'warn', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const tail: string[] = [];
  const keep = (chunk: Buffer) => {
    tail.push(chunk.toString());
    if (tail.length > 40) tail.shift();
  };
  child.stderr!.on('data', keep);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${label}: not ready in ${timeoutMs} ms\n${tail.join('')}`)), timeoutMs);
    child.stdout!.on('data', (chunk: Buffer) => {
      keep(chunk);
      if (chunk.toString().includes(ready)) {
        clearTimeout(timer);
        resolve();
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`${label} exited with ${code} before it was ready\n${tail.join('')}`));
    });
  });
  const pid = child.pid!;
  let peak = procStatus(pid, 'VmRSS');
  const sampler = setInterval(() => {
    peak = Math.max(peak, procStatus(pid, 'VmRSS'));
  }, 200);
  return {
    pid,
    peakRss: () => Math.max(peak, procStatus(pid, 'VmRSS')),
    rss: () => procStatus(pid, 'VmRSS'),
    hwm: () => procStatus(pid, 'VmHWM'),
    resetPeak: () => {
      peak = procStatus(pid, 'VmRSS');
    },
    async stop(graceMs = 15_000) {
      clearInterval(sampler);
      if (child.exitCode !== null) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
      await exited;
      clearTimeout(timer);
    },
  };
}

/** The environment docs/OPERATIONS.md gives a worker process. */
export const WORKER_ENV = { MALLOC_ARENA_MAX: '2', MALLOC_MMAP_THRESHOLD_: '65536', NODE_OPTIONS: '--max-semi-space-size=2' };

/**
 * SEV's own worker process (`sev worker`), for the given organizations of the bench config, run as
 * docs/OPERATIONS.md says to run it: with MALLOC_ARENA_MAX=2 (glibc then keeps two malloc arenas
 * instead of one per thread; ≈50 MB less resident memory under load), MALLOC_MMAP_THRESHOLD_=65536
 * (buffers of 64 KB and more go back to the system when freed instead of staying in the heap) and
 * NODE_OPTIONS=--max-semi-space-size=2 (V8's young generation of 4 MB instead of 32).
 */
export function startSevWorker(configFile: string, orgIds?: string[]): Promise<MeasuredChild> {
  const args = ['workers/sev.mjs', 'worker', ...(orgIds?.length ? ['--org', ...orgIds] : [])];
  return startChild(args, { SEV_CONFIG: configFile, ...WORKER_ENV }, 'СЭВ работает', 'sev worker');
}

/**
 * One `sev worker` per organization, as each organization runs its own SEV; measured as one: its
 * RSS figures are those of the largest process (each organization's worker is what a deployment
 * sizes), and it stops when all have stopped.
 */
export async function startSevWorkers(configFile: string, orgIds: string[]): Promise<MeasuredChild> {
  const children = await Promise.all(orgIds.map((id) => startSevWorker(configFile, [id])));
  const largest = (pick: (c: MeasuredChild) => number) => Math.max(...children.map(pick));
  return {
    pid: children[0]!.pid,
    peakRss: () => largest((c) => c.peakRss()),
    rss: () => largest((c) => c.rss()),
    hwm: () => largest((c) => c.hwm()),
    resetPeak: () => children.forEach((c) => c.resetPeak()),
    stop: async (graceMs) => {
      await Promise.all(children.map((c) => c.stop(graceMs)));
    },
  };
}
