// The bare engine's worker process: one Temporal worker with the same settings SEV's worker uses
// (Worker.create defaults, one bundled workflow file, the same connection), on its own task queue.
// Prints «engine ready» once it polls; SIGTERM shuts it down.
import path from 'node:path';
import { bundleWorkflowCode, DefaultLogger, NativeConnection, Runtime, Worker } from '@temporalio/worker';
import { loadConfig, projectRoot } from '../workers/config';
import * as activities from './engine-activities';

async function main(): Promise<void> {
  const taskQueue = process.argv[2];
  if (!taskQueue) throw new Error('usage: engine-worker.ts <task queue>');
  Runtime.install({ logger: new DefaultLogger('WARN') });
  const config = loadConfig();
  const workflowBundle = await bundleWorkflowCode({ workflowsPath: path.join(projectRoot, 'bench', 'engine-workflows.ts'), logger: { log() {}, trace() {}, debug() {}, info() {}, warn() {}, error: console.error } });
  const connection = await NativeConnection.connect({ address: config.temporal.address });
  try {
    const worker = await Worker.create({ connection, namespace: config.temporal.namespace, taskQueue, workflowBundle, activities, identity: `bench-engine@${process.pid}` });
    process.once('SIGTERM', () => worker.shutdown());
    process.once('SIGINT', () => worker.shutdown());
    const running = worker.run();
    console.log('engine ready');
    await running;
  } finally {
    await connection.close();
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
