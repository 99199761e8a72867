// Manual registration (ручная регистрация) from the operator's console: list the inbound
// workflows waiting for a person, and complete one of them by registering or rejecting it. The
// decision goes to the workflow as an update, so the CLI learns the outcome (or why the workflow
// refused the decision) in the same call.
import { WorkflowNotFoundError, WorkflowUpdateFailedError, type Client, type WorkflowHandle } from '@temporalio/client';
import { temporalFor, type OrganizationConfig, type SevConfig } from './config';
import { connectClient } from './temporal';
import { CliError } from './commands/context';
import {
  inboundStateQuery,
  inboundWorkflowId,
  manualRegisterUpdate,
  manualRejectUpdate,
  type InboundState,
  type ManualRegisterArgs,
  type ManualRejectArgs,
} from '../workflows/definitions';

export interface WaitingDocument {
  workflowId: string;
  organizationId: string;
  state?: InboundState;
  /** Why the state could not be read (the workflow may have just finished). */
  queryError?: string;
}

async function withClient<T>(config: SevConfig, org: OrganizationConfig, work: (client: Client) => Promise<T>): Promise<T> {
  const client = await connectClient(temporalFor(config, org));
  try {
    return await work(client);
  } finally {
    await client.connection.close();
  }
}

/** The visibility query for the inbound workflows of `organizationId` that wait for a person. */
export function waitingQuery(organizationId: string): string {
  // Values are typed by an operator (--org): quotes would break the query, so refuse them.
  if (/['"\\]/.test(organizationId)) throw new CliError(`недопустимый идентификатор организации: ${organizationId}`, 2);
  return `SevStatus = 'manual' AND ExecutionStatus = 'Running' AND SevOrganization = '${organizationId}'`;
}

/** Inbound workflows waiting for manual registration, for each organization given. */
export async function listWaiting(config: SevConfig, orgs: OrganizationConfig[]): Promise<WaitingDocument[]> {
  const found: WaitingDocument[] = [];
  // One organization at a time: each may have its own Temporal namespace or cluster.
  for (const org of orgs) {
    await withClient(config, org, async (client) => {
      for await (const execution of client.workflow.list({ query: waitingQuery(org.id) })) {
        const item: WaitingDocument = { workflowId: execution.workflowId, organizationId: org.id };
        try {
          item.state = await client.workflow.getHandle(execution.workflowId).query(inboundStateQuery);
        } catch (e) {
          item.queryError = (e as Error).message;
        }
        found.push(item);
      }
    });
  }
  return found;
}

export function formatWaiting(items: WaitingDocument[]): string {
  if (items.length === 0) return 'Нет документов, ожидающих ручной регистрации.';
  const lines = [`Ожидают ручной регистрации: ${items.length}`];
  for (const item of items) {
    lines.push('', `${item.workflowId}  (организация ${item.organizationId})`);
    if (!item.state) {
      lines.push(`  состояние недоступно: ${item.queryError ?? 'нет ответа'}`);
      continue;
    }
    const { sender, document: doc, manual } = item.state;
    lines.push(`  отправитель: ${sender ?? '—'}`);
    lines.push(`  документ: № ${doc?.number ?? '—'} от ${doc?.date ?? '—'}${doc?.uid ? ` (UID ${doc.uid})` : ''}`);
    lines.push(`  причина: ${manual?.reason ?? item.state.details}`);
    if (manual) lines.push(`  ждёт с: ${manual.since}${manual.reminders ? `, напоминаний: ${manual.reminders}` : ''}`);
  }
  return lines.join('\n');
}

/** A full workflow id is used as is; anything else is taken for the message's MessageID. */
export function resolveWorkflowId(org: OrganizationConfig, workflowIdOrMessageId: string): string {
  const value = workflowIdOrMessageId.trim();
  return value.startsWith('sev/') ? value : inboundWorkflowId(org.id, value);
}

/** Registers the waiting document by hand; the update answers with the outcome (registered, or why not). */
export async function registerManually(config: SevConfig, org: OrganizationConfig, workflowId: string, args: ManualRegisterArgs): Promise<InboundState> {
  return withClient(config, org, async (client) => {
    const handle = client.workflow.getHandle(workflowId);
    return handle.executeUpdate(manualRegisterUpdate, { args: [args] }).catch((e: unknown) => explain(e, handle));
  });
}

export async function rejectManually(config: SevConfig, org: OrganizationConfig, workflowId: string, args: ManualRejectArgs): Promise<InboundState> {
  return withClient(config, org, async (client) => {
    const handle = client.workflow.getHandle(workflowId);
    return handle.executeUpdate(manualRejectUpdate, { args: [args] }).catch((e: unknown) => explain(e, handle));
  });
}

/** Turns what Temporal throws into a message an operator can act on. */
async function explain(e: unknown, handle: WorkflowHandle): Promise<never> {
  const workflowId = handle.workflowId;
  if (e instanceof WorkflowUpdateFailedError) {
    // The workflow's validator says why in Russian (not waiting, already decided, no reason given).
    throw new CliError(`процесс ${workflowId} не принял решение: ${e.cause?.message ?? e.message}`);
  }
  if (e instanceof WorkflowNotFoundError) {
    // The server answers "not found" for an update to a finished workflow too: tell the two apart.
    const status = await handle.describe().then(
      (d) => d.status.name,
      () => undefined,
    );
    if (status) throw new CliError(`процесс ${workflowId} уже завершён (${status}): документ не ожидает ручной регистрации`);
    throw new CliError(`процесс ${workflowId} не найден: проверьте MessageID и --org`);
  }
  throw e;
}
