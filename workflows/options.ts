// Timeouts and retry profiles of every activity, in one place.
import type { ActivityOptions, LocalActivityOptions } from '@temporalio/workflow';

export const nonRetryableErrorTypes = ['InvalidInput', 'PermanentSmtpError', 'InvalidPackage', 'NotFound'];

const retry = { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '1 minute', nonRetryableErrorTypes };

export const activityOptions = {
  /** A step that failed its quick local attempts (the mail server or the database is away): a
   *  regular activity, retried by the server with backoff however long the outage, and after a
   *  minute when the worker running it died; the Web UI shows it pending with its last error. */
  standard: { startToCloseTimeout: '1 minute', retry } satisfies ActivityOptions,
  /** Histories recorded before steps ran local-first: database and XML steps as local activities
   *  retried locally for ever (workflows/steps.ts replays them so). */
  local: { startToCloseTimeout: '1 minute', retry } satisfies LocalActivityOptions,
  /** Every step's first try, in the workflow task: three quick attempts (about three seconds),
   *  then the step goes to the server as a regular activity (`standard`). A killed worker's
   *  steps run again when the workflow task is retried elsewhere: every step is safe to repeat. */
  localFirst: { startToCloseTimeout: '1 minute', retry: { ...retry, maximumAttempts: 3 } } satisfies LocalActivityOptions,
};


/** How long an outbound exchange waits for the addressee's next report before it ends without one. */
export const reportWaitLimit = '30 days';

/** How long a follow-up (AddToDoc, Editing) waits for its main document before it is refused. */
export const followUpWait = { attempts: 10, interval: '1 minute' } as const;

/** A long-lived workflow continues as new once its history has this many events (Temporal's limit is 51,200). */
export const continueAsNewAfter = 2_000;

/** At most this many events of one kind go in one report. */
export const eventsPerReport = 100;
