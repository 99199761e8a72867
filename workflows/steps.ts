// Running an activity as a named step: every call carries a Russian summary, so the Temporal Web
// UI reads as the document's story. Steps that only touch SEV's own database run as local
// activities (in the workflow task, recorded as one marker): an exchange then costs the server
// a fraction of the history events and round trips. Steps that talk to the mail server stay
// regular activities, retried by the server however long the outage.
import { proxyActivities, proxyLocalActivities, type ActivityFunctionWithOptions, type LocalActivityFunctionWithOptions } from '@temporalio/workflow';
import type { SevActivities } from '../activities';
import { activityOptions } from './options';

const act = proxyActivities<SevActivities>(activityOptions.standard);
const local = proxyLocalActivities<SevActivities>(activityOptions.local);

/** Activities that talk to the outside (SMTP); every other step is local. */
const REMOTE = new Set<keyof SevActivities>(['sendOutgoingMessage', 'sendReportToCorrespondent', 'reportCardEvents']);

export function step<K extends keyof SevActivities>(
  summary: string,
  name: K,
  ...args: Parameters<SevActivities[K]>
): Promise<Awaited<ReturnType<SevActivities[K]>>> {
  if (REMOTE.has(name)) {
    const activity = act[name] as unknown as ActivityFunctionWithOptions<SevActivities[K]>;
    return activity.executeWithOptions({ ...activityOptions.standard, summary }, args);
  }
  const activity = local[name] as unknown as LocalActivityFunctionWithOptions<SevActivities[K]>;
  return activity.executeWithOptions({ ...activityOptions.local, summary }, args);
}
