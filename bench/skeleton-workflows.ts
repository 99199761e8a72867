// The exchange's skeleton: what an exchange is made of with nothing of SEV's own work in it. A's
// workflow mails a document to B and waits for two reports; B's intake starts B's workflow, which
// mails the two reports back; A's intake signals each to A's workflow. Two workflows, three mails,
// steps as local activities (as SEV runs them); no database, no XML, no signatures.
import { condition, defineSignal, proxyLocalActivities, setHandler } from '@temporalio/workflow';
import type { SkeletonActivities } from './skeleton-activities';

const { sendSkeletonMail } = proxyLocalActivities<SkeletonActivities>({ startToCloseTimeout: '1 minute' });

export const skeletonReportSignal = defineSignal('skeletonReport');

export async function skeletonOutboundWorkflow(id: string, to: string): Promise<void> {
  let reports = 0;
  setHandler(skeletonReportSignal, () => void reports++);
  await sendSkeletonMail({ kind: 'document', id, to });
  await condition(() => reports >= 2);
}

export async function skeletonInboundWorkflow(id: string, replyTo: string): Promise<void> {
  await sendSkeletonMail({ kind: 'receipt', id, to: replyTo });
  await sendSkeletonMail({ kind: 'registration', id, to: replyTo });
}
