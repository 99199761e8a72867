// Everything a client, a worker and a workflow must agree on: workflow ids, the inputs and the
// state of each workflow, and its signals, queries and updates. Defined once, with typed arguments.
import { defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow';

// ---------------------------------------------------------------------------------------------
// Workflow ids: business ids an operator can type into the Temporal Web UI search.

/** One inbound workflow per received message: a second start with the same MessageID is refused. */
export function inboundWorkflowId(organizationId: string, messageId: string): string {
  return `sev/${organizationId}/in/${messageId}`;
}

/** One outbound workflow per (document, addressee). */
export function outboundWorkflowId(organizationId: string, documentUid: string, addresseeSevIndex: string): string {
  return `sev/${organizationId}/out/${documentUid}/${addresseeSevIndex}`;
}

// ---------------------------------------------------------------------------------------------
// Inbound

export interface InboundMessageInput {
  organizationId: string;
  /** Message registry row of the stored raw mail. */
  messageRowId: string;
  /** Header@MessageID. */
  messageId: string;
  /** Minutes a document may wait for manual registration before a reminder (the organization's rule). */
  manualReminderMinutes: number;
  /** Set by continue-as-new: the registered document's story goes on with this state. */
  resume?: InboundResume;
}

/** What a registered document's workflow carries into its next run: plain JSON, bounded in size. */
export interface InboundResume {
  state: InboundState;
  policy: ReportPolicy;
  /** ISO instant after which no more reports are sent (the subscription's StopDayCount). */
  stopAt: string;
  /** Events signalled but not handled yet. */
  pendingEvents: CardEventSignal[];
}

/** The reports SEV may send about a received document: Failure is always sent and not listed. */
export const REPORT_KINDS = ['Reception', 'Registration', 'Forwarding', 'Consideration', 'Report', 'Redirection', 'Answer'] as const;
export type ReportKind = (typeof REPORT_KINDS)[number];
/** Events at the addressee after registration, produced by the EDMS. */
export type CardEventKind = Exclude<ReportKind, 'Reception' | 'Registration'>;
export const CARD_EVENT_KINDS: readonly CardEventKind[] = ['Forwarding', 'Consideration', 'Report', 'Redirection', 'Answer'];

export function isCardEventKind(kind: unknown): kind is CardEventKind {
  return (CARD_EVENT_KINDS as readonly unknown[]).includes(kind);
}

/**
 * Which reports go to the correspondent of one document: those it ordered (its Subscriptions, or
 * our defaults when the passport has none) minus those our rules refuse — a refusal wins.
 */
export interface ReportPolicy {
  ordered: ReportKind[];
  refused: ReportKind[];
  /** Reports go on for this many days after the document was received. */
  stopDayCount: number;
  /** Where `ordered` came from. */
  source: 'passport' | 'defaults';
}

export type ReportDecision = 'send' | 'notOrdered' | 'refused';

export function reportDecision(policy: ReportPolicy | undefined, kind: ReportKind): ReportDecision {
  if (!policy) return 'send';
  if (policy.refused.includes(kind)) return 'refused';
  return policy.ordered.includes(kind) ? 'send' : 'notOrdered';
}

/** An event at our EDMS about a received document (forwarded, a task, a report, redirected, answered). */
export interface CardEventSignal {
  eventId: string;
  kind: CardEventKind;
}

export type InboundStage =
  | 'verifying'
  | 'registering'
  | 'manual'
  | 'linking'
  | 'reporting'
  | 'applying'
  /** Registered: reports on the EDMS's events until the subscription ends. */
  | 'following'
  | 'done';

export type InboundOutcome =
  | 'registered'
  | 'applied'
  | 'refused'
  | 'quarantined'
  | 'duplicate'
  | 'reportStored'
  | 'reportUnmatched';

export interface InboundState {
  stage: InboundStage;
  /** Russian, one line: what the workflow does or waits for now. */
  details: string;
  kind?: string;
  sender?: string;
  document?: { uid?: string; number?: string; date?: string };
  registration?: { cardId: string; number: string; date: string };
  manual?: { reason: string; since: string; reminders: number };
  outcome?: InboundOutcome;
  reason?: string;
  /** Reports sent to the correspondent, in order (Reception, Registration, Failure…). */
  reportsSent: string[];
  /** Reports not sent: not ordered by the correspondent, or refused by our rules. */
  reportsWithheld?: string[];
  /** After registration: the EDMS events of the document and what became of them. */
  events?: { received: number; reported: number; notOrdered: number; refused: number; last?: string };
  /** Reports are sent until then (ISO instant). */
  reportsUntil?: string;
  /** Runs of this workflow so far (continue-as-new). */
  run?: number;
  /** Reports the correspondent's mail server refused for good, with the reason. */
  reportsUndelivered?: string[];
}

export interface ManualRegisterArgs {
  regNumber?: string;
  regDate?: string;
  journalCode?: string;
  by: string;
}

export interface ManualRejectArgs {
  reason: string;
  by: string;
}

export type ManualDecision = ({ action: 'register' } & ManualRegisterArgs) | ({ action: 'reject' } & ManualRejectArgs);

export const inboundStateQuery = defineQuery<InboundState>('state');
/** For the Web UI's signal form: {"action":"register","regNumber":"…","by":"…"} or {"action":"reject","reason":"…","by":"…"}. */
export const manualDecisionSignal = defineSignal<[ManualDecision]>('manualDecision');
/** For the CLI and the HTTP API: completes manual registration and returns the resulting state. */
export const manualRegisterUpdate = defineUpdate<InboundState, [ManualRegisterArgs]>('manualRegister');
export const manualRejectUpdate = defineUpdate<InboundState, [ManualRejectArgs]>('manualReject');
/** Sent by the EDMS (API, CLI, event sweep) when something happens to a registered document. */
export const cardEventSignal = defineSignal<[CardEventSignal]>('cardEvent');

// ---------------------------------------------------------------------------------------------
// Outbound

export interface OutboundDocumentInput {
  organizationId: string;
  cardId: string;
  addresseeId: string;
  documentUid: string;
  regNumber: string;
  regDate: string;
  addresseeSevIndex: string;
  addresseeName: string;
  /** Days after sending during which the addressee's reports are taken (our order's StopDayCount). */
  reportDays?: number;
  /** Set by continue-as-new: the exchange goes on with this state. */
  resume?: { state: OutboundState; reportsUntil: string; pending?: ReportReceived[]; arrived?: string[] };
}

/** A follow-up about a document already sent to this addressee: new tasks, reports, files (AddToDoc) or corrections (Editing). */
export interface FollowUpInput {
  organizationId: string;
  cardId: string;
  addresseeId: string;
  documentUid: string;
  addresseeSevIndex: string;
  addresseeName: string;
  kind: 'AddToDoc' | 'Editing';
  /** The card change that prompted it (CardEvent id): one follow-up per change and addressee. */
  changeId: string;
  /** In Russian, for the Web UI: what changed. */
  what: string;
}

export function followUpWorkflowId(organizationId: string, documentUid: string, addresseeSevIndex: string, changeId: string): string {
  return `${outboundWorkflowId(organizationId, documentUid, addresseeSevIndex)}/${changeId}`;
}

export type OutboundStatus = 'preparing' | 'sent' | 'received' | 'registered' | 'refused' | 'failed';

export interface OutboundState {
  status: OutboundStatus;
  details: string;
  messageId?: string;
  addressee: string;
  addresseeRegistration?: { number?: string; date?: string };
  refusal?: { code: number; text?: string };
  /** Reports received from the addressee, in words, in order (the latest 200; the card keeps all). */
  reports: string[];
  /** How many reports came in all. */
  reportCount?: number;
  /** The addressee's latest event, in words, and when the addressee reported it. */
  lastEvent?: string;
  lastEventAt?: string;
  /** The exchange takes reports until then (ISO instant): the StopDayCount we ordered. */
  reportsUntil?: string;
  run?: number;
}

/** Sent by the inbound workflow of a report, after the report is stored on the card. */
export interface ReportReceived {
  status: OutboundStatus;
  summaries: string[];
  /** Header@Time of the report: reports may arrive out of the order they were written in. */
  reportedAt?: string;
  addresseeRegNumber?: string;
  addresseeRegDate?: string;
  failure?: { code: number; text?: string };
}

export const outboundStateQuery = defineQuery<OutboundState>('state');
/** Sent by the inbound workflow of a report that came after this exchange had moved on. */
export const reportReceivedSignal = defineSignal<[ReportReceived]>('reportReceived');
/** Sent by the intake: a report about this exchange is stored in the registry; verify and apply it here. */
export const reportArrivedSignal = defineSignal<[{ messageRowId: string }]>('reportArrived');

/** Failure@Code values SEV sends in refusals (documented in docs/OPERATIONS.md). */
export const FailureCode = {
  invalidPassport: 1,
  missingResource: 2,
  hashMismatch: 3,
  noMainDocument: 20,
  duplicate: 40,
  rejectedByPerson: 50,
} as const;
