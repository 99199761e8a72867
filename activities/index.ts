// Activities are built by one factory from their dependencies (configuration, the organization,
// its database, EDMS adapter and mail sender), so the worker wires them once and tests can wire
// them against their own services. Workflows import the result by type only.
import { ApplicationFailure } from '@temporalio/activity';
import { EdmsError } from '../edms/builtin/errors';
import { Prisma } from '../prisma/client';
import { BlobNotFoundError } from '../registry/blobs';
import type { ActivityDeps } from './deps';
import { createIncomingActivities } from './incoming';
import { createOutgoingActivities } from './outgoing';

export type { ActivityDeps, ExchangeRules } from './deps';

export function createActivities(deps: ActivityDeps) {
  return classifyErrors({
    ...createIncomingActivities(deps),
    ...createOutgoingActivities(deps),
  });
}

/**
 * Errors that say the input cannot be handled as it is (the EDMS refuses it, a record or stored
 * bytes it names do not exist) fail at once: retrying would only repeat them. Everything else
 * (a database or mail server away) is retried with backoff.
 */
function classifyErrors<T extends Record<string, (...args: never[]) => Promise<unknown>>>(activities: T): T {
  const wrapped: Record<string, unknown> = {};
  for (const [name, fn] of Object.entries(activities)) {
    wrapped[name] = async (...args: never[]) => {
      try {
        return await fn(...args);
      } catch (e) {
        if (e instanceof EdmsError) throw ApplicationFailure.nonRetryable(e.message, `EdmsError.${e.code}`);
        if (e instanceof BlobNotFoundError) throw ApplicationFailure.nonRetryable(e.message, 'NotFound');
        if (e instanceof Prisma.PrismaClientKnownRequestError && e.code === 'P2025') throw ApplicationFailure.nonRetryable(e.message, 'NotFound');
        throw e;
      }
    };
  }
  return wrapped as T;
}

export type SevActivities = ReturnType<typeof createActivities>;
