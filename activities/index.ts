// Activities are built by one factory from their dependencies (configuration, organization,
// later the database and mail clients), so the worker wires them once and tests can wire them
// against their own services. Workflows import the result by type only.
import type { OrganizationConfig, SevConfig } from '../workers/config';

export interface ActivityDeps {
  config: SevConfig;
  organization: OrganizationConfig;
}

export function createActivities(deps: ActivityDeps) {
  void deps;
  return {};
}

export type SevActivities = ReturnType<typeof createActivities>;
