// Timeouts and retry profiles of every activity, in one place.
import type { ActivityOptions } from '@temporalio/workflow';

const nonRetryableErrorTypes = ['InvalidInput', 'PermanentSmtpError', 'InvalidPackage', 'NotFound'];

export const activityOptions = {
  /** Database, XML and SMTP steps: seconds each; retried with backoff while a service is down, and
   *  after a minute when the worker running one died. */
  standard: {
    startToCloseTimeout: '1 minute',
    retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '1 minute', nonRetryableErrorTypes },
  },
} satisfies Record<string, ActivityOptions>;


/** How long an outbound exchange waits for the addressee's next report before it ends without one. */
export const reportWaitLimit = '30 days';

/** How long a follow-up (AddToDoc, Editing) waits for its main document before it is refused. */
export const followUpWait = { attempts: 10, interval: '1 minute' } as const;
