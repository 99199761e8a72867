// Running an activity as a named step: every call carries a Russian summary, so the Temporal Web
// UI reads as the document's story. A step runs first as a local activity, in the workflow task
// and recorded as one marker: a whole exchange then costs the server a few workflow tasks and no
// activity tasks at all. A step that still fails after a few quick attempts (the mail server or
// the database is away) becomes a regular activity, which the server retries with backoff however
// long the outage lasts and which the Web UI shows as pending, with its last error and attempt.
import {
  ActivityFailure,
  ApplicationFailure,
  isCancellation,
  patched,
  proxyActivities,
  proxyLocalActivities,
  upsertSearchAttributes,
  workflowInfo,
  type ActivityFunctionWithOptions,
  type LocalActivityFunctionWithOptions,
} from '@temporalio/workflow';
import type { SevActivities } from '../activities';
import { activityOptions, nonRetryableErrorTypes } from './options';
import { SevStatus } from './search-attributes';

const act = proxyActivities<SevActivities>(activityOptions.standard);
const local = proxyLocalActivities<SevActivities>(activityOptions.local);

/** Histories recorded before steps ran local-first: mail steps were regular activities, local steps retried locally for ever. */
const REMOTE = new Set<keyof SevActivities>(['sendOutgoingMessage', 'sendReportToCorrespondent', 'reportCardEvents']);

/**
 * True where the workflow runs as today (local-first steps, status written only when it changes,
 * one timer for a wait); false while replaying a history recorded before, so it replays unchanged.
 */
export function leanExchange(): boolean {
  return patched('local-first-steps');
}

export async function step<K extends keyof SevActivities>(
  summary: string,
  name: K,
  ...args: Parameters<SevActivities[K]>
): Promise<Awaited<ReturnType<SevActivities[K]>>> {
  type Result = Awaited<ReturnType<SevActivities[K]>>;
  const regular = () => (act[name] as unknown as ActivityFunctionWithOptions<SevActivities[K]>).executeWithOptions({ ...activityOptions.standard, summary }, args) as Promise<Result>;
  const localStep = local[name] as unknown as LocalActivityFunctionWithOptions<SevActivities[K]>;
  if (!leanExchange()) {
    return REMOTE.has(name) ? regular() : (localStep.executeWithOptions({ ...activityOptions.local, summary }, args) as Promise<Result>);
  }
  try {
    return (await localStep.executeWithOptions({ ...activityOptions.localFirst, summary }, args)) as Result;
  } catch (e) {
    if (!worthRetrying(e)) throw e;
    return regular();
  }
}

/**
 * A step that failed for a passing reason (its quick attempts ran out, or it timed out): not bad
 * input (a non-retryable failure, or one of the types never retried), not a cancellation. A local
 * activity's failure may come as the activity's own error, without the ActivityFailure around it.
 */
function worthRetrying(e: unknown): boolean {
  if (isCancellation(e)) return false;
  const cause = e instanceof ActivityFailure ? e.cause : e;
  return !(cause instanceof ApplicationFailure && (cause.nonRetryable || nonRetryableErrorTypes.includes(cause.type ?? '')));
}

/** The exchange's status for operators' searches; written only when it changes (each write is a server round of its own). */
export function setStatus(value: string): void {
  if (leanExchange() && workflowInfo().typedSearchAttributes.get(SevStatus) === value) return;
  upsertSearchAttributes([{ key: SevStatus, value }]);
}
