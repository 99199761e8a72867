// Activities are built by one factory from their dependencies (configuration, the organization,
// its database, EDMS adapter and mail sender), so the worker wires them once and tests can wire
// them against their own services. Workflows import the result by type only.
import { ApplicationFailure } from '@temporalio/activity';
import { EdmsError } from '../edms/builtin/errors';
import type { ActivityDeps } from './deps';
import { createIncomingActivities } from './incoming';
import { createOutgoingActivities } from './outgoing';

export type { ActivityDeps, ExchangeRules } from './deps';

export function createActivities(deps: ActivityDeps) {
  return nonRetryableEdmsErrors({
    ...createIncomingActivities(deps),
    ...createOutgoingActivities(deps),
  });
}

/** An EdmsError says the input cannot be handled as it is: retrying would only repeat it. */
function nonRetryableEdmsErrors<T extends Record<string, (...args: never[]) => Promise<unknown>>>(activities: T): T {
  const wrapped: Record<string, unknown> = {};
  for (const [name, fn] of Object.entries(activities)) {
    wrapped[name] = async (...args: never[]) => {
      try {
        return await fn(...args);
      } catch (e) {
        if (e instanceof EdmsError) throw ApplicationFailure.nonRetryable(e.message, `EdmsError.${e.code}`);
        throw e;
      }
    };
  }
  return wrapped as T;
}

export type SevActivities = ReturnType<typeof createActivities>;
