// Activities are built by one factory from their dependencies (configuration, the organization,
// its database, EDMS adapter and mail sender), so the worker wires them once and tests can wire
// them against their own services. Workflows import the result by type only.
import type { ActivityDeps } from './deps';
import { createIncomingActivities } from './incoming';
import { createOutgoingActivities } from './outgoing';

export type { ActivityDeps, ExchangeRules } from './deps';

export function createActivities(deps: ActivityDeps) {
  return {
    ...createIncomingActivities(deps),
    ...createOutgoingActivities(deps),
  };
}

export type SevActivities = ReturnType<typeof createActivities>;
