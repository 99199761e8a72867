// Reading Temporal for figures: closed workflows of a query with their start and close times,
// and the history length of a workflow.
import type { Client } from '@temporalio/client';
import { sleep } from './stats';

/** Polls the visibility store until `n` workflows of `query` are closed; calls `progress` on each change. */
export async function waitClosed(client: Client, query: string, n: number, timeoutMs: number, progress?: (done: number) => void): Promise<number> {
  const deadline = Date.now() + timeoutMs;
  let last = -1;
  for (;;) {
    const { count } = await client.workflow.count(`${query} AND ExecutionStatus != "Running"`);
    if (count !== last) progress?.(count);
    last = count;
    if (count >= n) return count;
    if (Date.now() > deadline) return count;
    await sleep(500);
  }
}

export interface ClosedWorkflow {
  workflowId: string;
  status: string;
  startTime: Date;
  closeTime?: Date;
  historyLength: number;
}

export async function listWorkflows(client: Client, query: string): Promise<ClosedWorkflow[]> {
  const out: ClosedWorkflow[] = [];
  for await (const w of client.workflow.list({ query })) {
    out.push({ workflowId: w.workflowId, status: w.status.name, startTime: w.startTime, closeTime: w.closeTime, historyLength: w.historyLength });
  }
  return out;
}

/** History events of one workflow (0 when it does not exist). */
export async function historyLength(client: Client, workflowId: string): Promise<number> {
  try {
    const d = await client.workflow.getHandle(workflowId).describe();
    return d.historyLength;
  } catch {
    return 0;
  }
}

/** Task queues only the bench uses (each run adds its own suffix): the organizations', the engine's, the skeleton's. */
const BENCH_TASK_QUEUE = /^(sev-bench-|bench-engine-|bench-skeleton-)/;

/**
 * Terminates workflows an interrupted bench run left running (its workers are gone, so nothing
 * would ever finish them): they would stay "Running" in the Web UI and be polled by nobody.
 * Returns how many.
 */
export async function terminateLeftovers(client: Client): Promise<number> {
  let n = 0;
  for await (const w of client.workflow.list({ query: 'ExecutionStatus = "Running"' })) {
    if (!BENCH_TASK_QUEUE.test(w.taskQueue)) continue;
    await client.workflow
      .getHandle(w.workflowId, w.runId)
      .terminate('остался от прерванного замера')
      .then(() => n++)
      .catch(() => undefined); // closed in the meantime
  }
  return n;
}
