// The bare engine's worker process: one Temporal worker, made as SEV's is (one bundled workflow file,
// the same connection) but with Worker.create's default limits, not SEV's: with SEV's 16 activity
// and 32 workflow-task slots a burst of 500 trivial workflows ran at 25 to 42 a second from run to
// run for the same CPU, a reference too unsteady to compare with.
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
