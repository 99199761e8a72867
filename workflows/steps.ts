// Running an activity as a named step: every activity call carries a Russian summary, so the
// Temporal Web UI reads as the document's story.
import { proxyActivities, type ActivityFunctionWithOptions } from '@temporalio/workflow';
import type { SevActivities } from '../activities';
import { activityOptions } from './options';

const act = proxyActivities<SevActivities>(activityOptions.standard);

export function step<K extends keyof SevActivities>(
  summary: string,
  name: K,
  ...args: Parameters<SevActivities[K]>
): Promise<Awaited<ReturnType<SevActivities[K]>>> {
  const activity = act[name] as unknown as ActivityFunctionWithOptions<SevActivities[K]>;
  return activity.executeWithOptions({ ...activityOptions.standard, summary }, args);
}
