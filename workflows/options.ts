// Timeouts and retry profiles of every activity, in one place.
import type { ActivityOptions, LocalActivityOptions } from '@temporalio/workflow';

const nonRetryableErrorTypes = ['InvalidInput', 'PermanentSmtpError', 'InvalidPackage', 'NotFound'];

const retry = { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '1 minute', nonRetryableErrorTypes };

export const activityOptions = {
  /** Mail steps: seconds each; retried with backoff while the mail server is away, and after a
   *  minute when the worker running one died. */
  standard: { startToCloseTimeout: '1 minute', retry } satisfies ActivityOptions,
  /** Database and XML steps, run in the worker's workflow task: retried the same way; a killed
   *  worker's step runs again when the workflow task is retried elsewhere. */
  local: { startToCloseTimeout: '1 minute', retry } satisfies LocalActivityOptions,
};


/** How long an outbound exchange waits for the addressee's next report before it ends without one. */
export const reportWaitLimit = '30 days';

/** How long a follow-up (AddToDoc, Editing) waits for its main document before it is refused. */
export const followUpWait = { attempts: 10, interval: '1 minute' } as const;

/** A long-lived workflow continues as new once its history has this many events (Temporal's limit is 51,200). */
export const continueAsNewAfter = 2_000;

/** At most this many events of one kind go in one report. */
export const eventsPerReport = 100;
