// The event and error log: what happened, for operators, with the ids it concerns.
import type { ActivityDeps } from './deps';

export async function logEvent(
  deps: Pick<ActivityDeps, 'db'>,
  level: 'info' | 'warn' | 'error',
  kind: string,
  message: string,
  ids: { workflowId?: string; messageId?: string; documentId?: string } = {},
  details?: Record<string, unknown>,
): Promise<void> {
  await deps.db.eventLog.create({ data: { level, kind, message, ...ids, ...(details ? { details: details as object } : {}) } });
}
