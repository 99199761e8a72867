// 2. The bare engine: N workflows of three trivial activities each, on the same Temporal server
// and the same worker settings as SEV (a child process, like `sev worker`), started all at once.
import { randomBytes } from 'node:crypto';
import type { Client } from '@temporalio/client';
import { cpuSnapshot, cpuSpent, perUnit } from './cpu';
import { startChild } from './process';
import { latencies, withConcurrency, type Latencies } from './stats';
import { listWorkflows, waitClosed } from './temporal';

export interface EngineResult {
  n: number;
  seconds: number;
  perSecond: number;
  latency: Latencies;
  peakRss: number;
  historyEvents: number;
  /** CPU seconds per workflow by part of the stack (this process, the engine's worker, the Temporal server…). */
  cpu: Record<string, number>;
}

export async function benchEngine(client: Client, n: number, log: (line: string) => void): Promise<EngineResult> {
  const taskQueue = `bench-engine-${randomBytes(3).toString('hex')}`;
  const worker = await startChild(['--import', 'tsx', 'bench/engine-worker.ts', taskQueue], {}, 'engine ready', 'engine worker');
  try {
    const cpuBefore = cpuSnapshot();
    const started = Date.now();
    const startedAt = new Map<string, number>();
    await withConcurrency(
      Array.from({ length: n }, (_, i) => `bench-engine/${taskQueue}/${i}`),
      16,
      async (workflowId) => {
        startedAt.set(workflowId, Date.now());
        await client.workflow.start('threeStepsWorkflow', { workflowId, taskQueue, args: [workflowId] });
      },
    );
    const query = `TaskQueue = "${taskQueue}"`;
    await waitClosed(client, query, n, 30 * 60_000, (done) => log(`  движок: завершено ${done} из ${n}`));
    const cpu = perUnit(cpuSpent(cpuBefore, cpuSnapshot()), n);
    const closed = await listWorkflows(client, query);
    const end = Math.max(...closed.map((w) => w.closeTime?.getTime() ?? 0));
    const seconds = (end - started) / 1000;
    return {
      n,
      seconds,
      perSecond: n / seconds,
      latency: latencies(closed.map((w) => (w.closeTime?.getTime() ?? end) - (startedAt.get(w.workflowId) ?? started))),
      peakRss: worker.peakRss(),
      historyEvents: closed.reduce((s, w) => s + w.historyLength, 0) / closed.length,
      cpu,
    };
  } finally {
    await worker.stop();
  }
}
