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
}

export type InboundStage =
  | 'verifying'
  | 'registering'
  | 'manual'
  | 'linking'
  | 'reporting'
  | 'applying'
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
}

export type OutboundStatus = 'preparing' | 'sent' | 'received' | 'registered' | 'refused' | 'failed';

export interface OutboundState {
  status: OutboundStatus;
  details: string;
  messageId?: string;
  addressee: string;
  addresseeRegistration?: { number?: string; date?: string };
  refusal?: { code: number; text?: string };
  /** Reports received from the addressee, in words, in order. */
  reports: string[];
}

/** Sent by the inbound workflow of a report, after the report is stored on the card. */
export interface ReportReceived {
  status: OutboundStatus;
  summaries: string[];
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
