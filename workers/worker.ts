// The SEV worker process: one Temporal worker per organization this process serves, all sharing
// one workflow bundle. Stateless apart from Temporal and PostgreSQL, so more of these processes
// (on more machines) simply poll the same task queues.
import path from 'node:path';
import { bundleWorkflowCode, Worker, type NativeConnection, type WorkflowBundleWithSourceMap } from '@temporalio/worker';
import { projectRoot, temporalFor, type OrganizationConfig, type SevConfig } from './config';
import { connectWorker } from './temporal';
import { createActivities } from '../activities';

export const workflowsPath = path.join(projectRoot, 'workflows', 'index.ts');

let bundle: Promise<WorkflowBundleWithSourceMap> | undefined;

/** Bundles the workflow code once per process (a few seconds), whatever the number of organizations. */
export function workflowBundle(): Promise<WorkflowBundleWithSourceMap> {
  bundle ??= bundleWorkflowCode({ workflowsPath, logger: quietBundlerLogger });
  return bundle;
}

const quietBundlerLogger = {
  log() {},
  trace() {},
  debug() {},
  info() {},
  warn(message: string, meta?: unknown) {
    console.warn(message, meta ?? '');
  },
  error(message: string, meta?: unknown) {
    console.error(message, meta ?? '');
  },
};

export interface RunningWorkers {
  /** Resolves when every worker has stopped; rejects with the first worker's fatal error. */
  done: Promise<void>;
  shutdown(): void;
}

/** Creates and runs the workers of the given organizations until `shutdown()`. */
export async function startWorkers(config: SevConfig, organizations: OrganizationConfig[]): Promise<RunningWorkers> {
  const workflowBundleCode = await workflowBundle();
  const workers: Worker[] = [];
  const connections: NativeConnection[] = [];
  try {
    for (const org of organizations) {
      const connection = await connectWorker(temporalFor(config, org));
      connections.push(connection);
      workers.push(
        await Worker.create({
          connection,
          namespace: temporalFor(config, org).namespace,
          taskQueue: org.taskQueue,
          workflowBundle: workflowBundleCode,
          activities: createActivities({ config, organization: org }),
          identity: `sev-worker:${org.id}@${process.pid}`,
        }),
      );
    }
  } catch (e) {
    await Promise.allSettled(connections.map((c) => c.close()));
    throw e;
  }
  const done = Promise.all(workers.map((w) => w.run())).then(
    async () => {
      await Promise.allSettled(connections.map((c) => c.close()));
    },
    async (e) => {
      for (const w of workers) if (w.getState() === 'RUNNING') w.shutdown();
      await Promise.allSettled(connections.map((c) => c.close()));
      throw e;
    },
  );
  return {
    done,
    shutdown() {
      for (const w of workers) if (w.getState() === 'RUNNING') w.shutdown();
    },
  };
}
