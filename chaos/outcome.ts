// "Nothing lost", counted: after the run, per document and per exchange, what A and B hold, what
// is left in the mailboxes and in which state Temporal holds every workflow. The same checks as
// test/e2e/crash.test.ts, as counts (expected vs actual) rather than assertions, so a long run
// reports everything that is off at once.
import type { Client } from '@temporalio/client';
import type { PrismaClient } from '../prisma/client';
import { listMailbox } from '../stack/mailboxes';
import type { OrganizationConfig, SevConfig } from '../workers/config';

export interface OutcomeRow {
  what: string;
  /** null: a figure shown for information, not checked. */
  expected: number | null;
  actual: number;
}

export function isOff(row: OutcomeRow): boolean {
  return row.expected !== null && row.expected !== row.actual;
}

export interface Side {
  org: OrganizationConfig;
  db: PrismaClient;
}

export interface SentDocument {
  cardId: string;
  documentUid: string;
  regNumber: string;
}

/** Workflow counts by execution status on a task queue, for workflow ids starting with `prefix`. */
export async function workflowStatuses(client: Client, taskQueue: string, prefix: string): Promise<Record<string, number>> {
  const counts: Record<string, number> = {};
  for await (const w of client.workflow.list({ query: `TaskQueue = '${taskQueue}' AND WorkflowId STARTS_WITH '${prefix}'` })) {
    counts[w.status.name] = (counts[w.status.name] ?? 0) + 1;
  }
  return counts;
}

export async function runningCount(client: Client, taskQueue: string): Promise<number> {
  return (await client.workflow.count(`TaskQueue = '${taskQueue}' AND ExecutionStatus = 'Running'`)).count;
}

export async function inboxCount(config: SevConfig, org: OrganizationConfig): Promise<number> {
  return (await listMailbox(config, org)).length;
}

/** True when the run has settled: nothing running, both INBOXes empty, every document registered with its reports at A. */
export async function settled(config: SevConfig, client: Client, A: Side, B: Side, documents: SentDocument[]): Promise<boolean> {
  for (const side of [A, B]) {
    if ((await runningCount(client, side.org.taskQueue)) > 0) return false;
    if ((await inboxCount(config, side.org)) > 0) return false;
  }
  const registered = await B.db.registrationCard.count({ where: { direction: 'incoming', status: 'registered' } });
  const reports = await A.db.documentReport.count({ where: { event: 'Registration' } });
  return registered >= documents.length && reports >= documents.length;
}

const finalIncoming = new Set(['registered', 'manual', 'applied', 'refused', 'quarantined', 'duplicate']);
const finalOutgoing = new Set(['sent', 'failed']);

export async function measureOutcome(config: SevConfig, client: Client, A: Side, B: Side, documents: SentDocument[]): Promise<OutcomeRow[]> {
  const n = documents.length;
  const uids = documents.map((d) => d.documentUid);
  const cardsAtB = await B.db.registrationCard.groupBy({ by: ['documentUid'], where: { direction: 'incoming', documentUid: { in: uids }, status: 'registered' }, _count: true });
  const perUid = new Map(cardsAtB.map((c) => [c.documentUid, c._count]));
  const anyCardAtB = await B.db.registrationCard.count({ where: { direction: 'incoming' } });
  const reports = await A.db.documentReport.groupBy({ by: ['cardId', 'event'], where: { cardId: { in: documents.map((d) => d.cardId) } }, _count: true });
  const reportCount = (cardId: string, event: string) => reports.find((r) => r.cardId === cardId && r.event === event)?._count ?? 0;
  const addressees = await A.db.cardAddressee.groupBy({ by: ['sendStatus'], where: { cardId: { in: documents.map((d) => d.cardId) } }, _count: true });

  const [bIn, bOut, aIn] = await Promise.all([
    B.db.message.findMany({ where: { direction: 'incoming' }, select: { status: true } }),
    B.db.message.findMany({ where: { direction: 'outgoing' }, select: { status: true, kind: true } }),
    A.db.message.findMany({ where: { direction: 'incoming' }, select: { status: true } }),
  ]);
  const [outbound, inboundB, inboundA] = await Promise.all([
    workflowStatuses(client, A.org.taskQueue, `sev/${A.org.id}/out/`),
    workflowStatuses(client, B.org.taskQueue, `sev/${B.org.id}/in/`),
    workflowStatuses(client, A.org.taskQueue, `sev/${A.org.id}/in/`),
  ]);
  const otherStates = (counts: Record<string, number>) => Object.entries(counts).filter(([s]) => s !== 'COMPLETED').reduce((sum, [, c]) => sum + c, 0);
  const everyA = await workflowStatuses(client, A.org.taskQueue, 'sev/');
  const everyB = await workflowStatuses(client, B.org.taskQueue, 'sev/');
  const [inboxA, inboxB] = await Promise.all([inboxCount(config, A.org), inboxCount(config, B.org)]);

  return [
    { what: 'documents sent by A', expected: n, actual: n },
    { what: 'documents registered exactly once at B', expected: n, actual: uids.filter((u) => perUid.get(u) === 1).length },
    { what: 'documents registered more than once at B', expected: 0, actual: uids.filter((u) => (perUid.get(u) ?? 0) > 1).length },
    { what: 'documents not registered at B', expected: 0, actual: uids.filter((u) => !perUid.has(u)).length },
    { what: 'incoming cards at B (any status)', expected: n, actual: anyCardAtB },
    { what: 'Registration report held exactly once by A', expected: n, actual: documents.filter((d) => reportCount(d.cardId, 'Registration') === 1).length },
    { what: 'Reception report held exactly once by A', expected: n, actual: documents.filter((d) => reportCount(d.cardId, 'Reception') === 1).length },
    { what: 'reports held by A in all', expected: 2 * n, actual: reports.reduce((s, r) => s + r._count, 0) },
    { what: "A's addressees with status registered", expected: n, actual: addressees.find((a) => a.sendStatus === 'registered')?._count ?? 0 },
    { what: 'mails left in INBOX (A + B)', expected: 0, actual: inboxA + inboxB },
    { what: 'outbound workflows completed (A)', expected: n, actual: outbound.COMPLETED ?? 0 },
    { what: 'inbound workflows completed at B (documents)', expected: n, actual: inboundB.COMPLETED ?? 0 },
    // A report reaches a running outbound exchange by signal; only a late one gets its own workflow.
    { what: 'inbound workflows at A (late reports; info)', expected: null, actual: Object.values(inboundA).reduce((s, c) => s + c, 0) },
    { what: 'workflows in another state (running, failed, …)', expected: 0, actual: otherStates(everyA) + otherStates(everyB) },
    { what: 'B registry: incoming rows registered', expected: n, actual: bIn.filter((m) => m.status === 'registered').length },
    { what: 'B registry: outgoing reports sent', expected: 2 * n, actual: bOut.filter((m) => m.status === 'sent').length },
    { what: 'B registry: rows not in a final state', expected: 0, actual: bIn.filter((m) => !finalIncoming.has(m.status)).length + bOut.filter((m) => !finalOutgoing.has(m.status)).length },
    { what: 'A registry: incoming reports applied', expected: 2 * n, actual: aIn.filter((m) => m.status === 'applied').length },
    { what: 'mails quarantined (A + B)', expected: 0, actual: [...aIn, ...bIn].filter((m) => m.status === 'quarantined').length },
  ];
}
