// The bare engine's workflow: three trivial activities in sequence, nothing else.
import { proxyActivities } from '@temporalio/workflow';
import type * as activities from './engine-activities';

const { step } = proxyActivities<typeof activities>({ startToCloseTimeout: '30 seconds' });

export async function threeStepsWorkflow(id: string): Promise<string> {
  await step(id, 1);
  await step(id, 2);
  return step(id, 3);
}
