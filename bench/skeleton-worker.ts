// A worker process of the exchange's skeleton (bench/skeleton-workflows.ts), one per organization
// as SEV runs: a Temporal worker with SEV's worker settings and the organization's mailbox intake
// (exchange/intake.ts, as SEV's), whose handler only starts B's workflow or signals A's. Prints
// «skeleton ready» once it polls; SIGTERM shuts it down.
import { Client, WorkflowExecutionAlreadyStartedError, WorkflowNotFoundError } from '@temporalio/client';
import { bundleWorkflowCode, DefaultLogger, Runtime, Worker } from '@temporalio/worker';
import { buffer } from 'node:stream/consumers';
import path from 'node:path';
import { startIntake } from '../exchange/intake';
import { createMailSender } from '../exchange/smtp';
import { loadConfig, projectRoot } from '../workers/config';
import { connectWorker } from '../workers/temporal';
import { tuneHeap, workerLimits } from '../workers/worker';
import { createSkeletonActivities, readSkeletonHeader, skeletonWorkflowIds } from './skeleton-activities';

async function main(): Promise<void> {
  const [orgId, fileBytesArg] = process.argv.slice(2);
  const config = loadConfig();
  const org = config.organizations.find((o) => o.id === orgId);
  if (!org || !fileBytesArg) throw new Error('usage: skeleton-worker.ts <organization id in SEV_CONFIG> <file bytes>');
  Runtime.install({ logger: new DefaultLogger('WARN') });
  tuneHeap(config);
  const mail = createMailSender(config);
  await mail.verify();
  const connection = await connectWorker(config.temporal);
  const client = new Client({ connection, namespace: config.temporal.namespace });
  const silent = { log() {}, trace() {}, debug() {}, info() {}, warn() {}, error: console.error };
  const workflowBundle = await bundleWorkflowCode({ workflowsPath: path.join(projectRoot, 'bench', 'skeleton-workflows.ts'), logger: silent });
  const worker = await Worker.create({
    connection,
    namespace: config.temporal.namespace,
    taskQueue: org.taskQueue,
    workflowBundle,
    activities: createSkeletonActivities(mail, org.mailbox.address, Number(fileBytesArg)),
    identity: `bench-skeleton:${org.id}@${process.pid}`,
    ...workerLimits(config),
  });
  const intake = startIntake({
    config,
    mailbox: org.mailbox,
    handle: async (received) => {
      const mailHead = readSkeletonHeader(Buffer.isBuffer(received) ? received : await buffer(received));
      if (!mailHead) return 'Quarantine';
      if (mailHead.kind === 'document') {
        try {
          await client.workflow.start('skeletonInboundWorkflow', {
            workflowId: skeletonWorkflowIds.inbound(mailHead.id),
            taskQueue: org.taskQueue,
            args: [mailHead.id, mailHead.from],
            workflowIdReusePolicy: 'REJECT_DUPLICATE',
          });
        } catch (e) {
          if (!(e instanceof WorkflowExecutionAlreadyStartedError)) throw e;
        }
      } else {
        try {
          await client.workflow.getHandle(skeletonWorkflowIds.outbound(mailHead.id)).signal('skeletonReport');
        } catch (e) {
          // A report of an exchange not of this run (left from a killed one) leaves the INBOX.
          if (e instanceof WorkflowNotFoundError) return 'Quarantine';
          throw e;
        }
      }
      return 'Processed';
    },
  });
  const stop = () => {
    worker.shutdown();
    void intake.stop();
  };
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
  const running = worker.run();
  console.log('skeleton ready');
  try {
    await running;
    await intake.stop();
  } finally {
    mail.close();
    await connection.close();
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
