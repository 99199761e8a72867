// The exchange's skeleton (bench/skeleton-workflows.ts): N exchanges of two workflows and three
// mails each on the same Temporal server, mail servers, mailbox intake and worker settings as SEV,
// with none of SEV's own work. What it reaches is the ceiling of an exchange on these components
// with these settings on this machine; the gap to SEV's figure is what SEV's own work costs.
import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Client } from '@temporalio/client';
import type { OrganizationConfig } from '../workers/config';
import { cpuSnapshot, cpuSpent, perUnit } from './cpu';
import type { EngineResult } from './engine';
import { startChild, WORKER_ENV, type MeasuredChild } from './process';
import { skeletonWorkflowIds } from './skeleton-activities';
import { latencies, withConcurrency } from './stats';
import { listWorkflows, waitClosed } from './temporal';

/** The engine's figures, per skeleton exchange (two workflows) instead of per workflow. */
export interface SkeletonResult extends EngineResult {
  /** Exchanges whose A workflow completed (both reports signalled to it). */
  completed: number;
}

/** Runs `n` skeleton exchanges from `a` to `b` (mailboxes of their own), all started at once. */
export async function benchSkeleton(client: Client, a: OrganizationConfig, b: OrganizationConfig, n: number, fileBytes: number, log: (line: string) => void): Promise<SkeletonResult> {
  const run = randomBytes(3).toString('hex');
  const orgs = [a, b].map((org) => ({ ...org, taskQueue: `bench-skeleton-${org.id}-${run}` }));
  const configFile = path.join(os.tmpdir(), `sev-bench-skeleton-${run}.json`);
  writeFileSync(configFile, JSON.stringify({ organizations: orgs }, null, 2));
  const workers: MeasuredChild[] = [];
  try {
    for (const org of orgs) {
      workers.push(await startChild(['--import', 'tsx', 'bench/skeleton-worker.ts', org.id, String(fileBytes)], { SEV_CONFIG: configFile, ...WORKER_ENV }, 'skeleton ready', `skeleton worker ${org.id}`));
    }
    const [sa, sb] = orgs as [OrganizationConfig, OrganizationConfig];
    const cpuBefore = cpuSnapshot();
    const started = Date.now();
    const startedAt = new Map<string, number>();
    await withConcurrency(
      Array.from({ length: n }, (_, i) => `${run}-${i}`),
      8,
      async (id) => {
        const workflowId = skeletonWorkflowIds.outbound(id);
        startedAt.set(workflowId, Date.now());
        await client.workflow.start('skeletonOutboundWorkflow', { workflowId, taskQueue: sa.taskQueue, args: [id, sb.mailbox.address] });
      },
    );
    const outbound = `TaskQueue = "${sa.taskQueue}"`;
    let lastPrint = 0;
    await waitClosed(client, outbound, n, 30 * 60_000, (done) => {
      if (Date.now() - lastPrint > 5000 || done === n) {
        lastPrint = Date.now();
        log(`  скелет: завершено ${done} из ${n}`);
      }
    });
    const both = `(TaskQueue = "${sa.taskQueue}" OR TaskQueue = "${sb.taskQueue}")`;
    for (let i = 0; i < 60 && (await client.workflow.count(`${both} AND ExecutionStatus = "Running"`)).count > 0; i++) await new Promise((r) => setTimeout(r, 500));
    const cpu = perUnit(cpuSpent(cpuBefore, cpuSnapshot()), n);
    const closedOut = await listWorkflows(client, outbound);
    const closedIn = await listWorkflows(client, `TaskQueue = "${sb.taskQueue}"`);
    const end = Math.max(...closedOut.map((w) => w.closeTime?.getTime() ?? 0));
    const seconds = (end - started) / 1000;
    return {
      n,
      completed: closedOut.filter((w) => w.status === 'COMPLETED').length,
      seconds,
      perSecond: n / seconds,
      latency: latencies(closedOut.map((w) => (w.closeTime?.getTime() ?? end) - (startedAt.get(w.workflowId) ?? started))),
      peakRss: Math.max(...workers.map((w) => w.peakRss())),
      historyEvents: [...closedOut, ...closedIn].reduce((s, w) => s + w.historyLength, 0) / n,
      cpu,
    };
  } finally {
    await Promise.all(workers.map((w) => w.stop()));
  }
}
