// Bundles the workflow code in a process of its own and prints the bundle's path: webpack's
// memory then never stays in a worker. Run by workers/worker.ts; not a command for operators.
import { writeFileSync, renameSync } from 'node:fs';
import { bundleWorkflowCode } from '@temporalio/worker';

const [workflowsPath, outPath] = process.argv.slice(2);
if (!workflowsPath || !outPath) {
  console.error('usage: bundle-workflows <workflowsPath> <outPath>');
  process.exit(2);
}
const silent = { log() {}, trace() {}, debug() {}, info() {}, warn: console.warn, error: console.error };
const { code } = await bundleWorkflowCode({ workflowsPath, logger: silent });
// Written whole, then renamed: a worker never reads half a bundle.
writeFileSync(`${outPath}.${process.pid}`, code);
renameSync(`${outPath}.${process.pid}`, outPath);
