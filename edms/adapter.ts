// The one interface between SEV and an EDMS (СЭД). The built-in EDMS (edms/builtin) implements it
// over the organization's database; an HTTP adapter for other EDMS will implement the same
// interface later. Workflows and activities depend on this interface only, never on an
// implementation. Every method is idempotent: a retried activity calls it again with the same
// key and gets the same answer without a second effect.
import type { DocInfoMessage, ReportMessage, Task } from '../codec/types';

/** A stored attachment of a received package, by content: `sha256` is also its key in the blob store. */
export interface StoredResource {
  /** Resource@UID in the passport. */
  uid: string;
  /** Resource@UniqueName: the attachment's file name. */
  name: string;
  sha256: string;
  size: number;
}

/** A received, verified passport with its stored attachments, as the EDMS receives it. */
export interface IncomingPackage {
  /** The message registry row of the incoming message (Message.id). */
  messageRowId: string;
  /** The sender in our participant directory (Organization.id). */
  senderOrganizationId: string;
  message: DocInfoMessage;
  /** Every resource of the package except the passport itself, by Resource@UID. */
  resources: StoredResource[];
  /** The passport XML in the blob store. */
  passportSha256: string;
}

export type RegistrationOutcome =
  | { status: 'registered'; cardId: string; regNumber: string; regDate: string }
  /** Automatic registration must not or cannot happen; a person registers it (ручная регистрация). */
  | { status: 'manualRequired'; reason: string; cardId: string }
  /** The same document is registered already (found at registration time, under a lock per document). */
  | { status: 'duplicate'; cardId: string; original: DuplicateCandidate };

export interface ManualRegistration {
  /** The number a person gave; empty to let the journal assign one. */
  regNumber?: string;
  /** YYYY-MM-DD; today when absent. */
  regDate?: string;
  journalCode?: string;
  registeredBy: string;
}

export interface DuplicateCandidate {
  cardId: string;
  regNumber?: string;
  regDate?: string;
  /** How it matched: same UID and VersionUID, or the same sender, number, date and file hashes. */
  match: 'uid' | 'requisites';
}

export type LinkOutcome =
  | { status: 'linked'; cardId: string; links: { type: 'answerTo' | 'followUp' | 'related'; toCardId: string }[] }
  | { status: 'nothingToLink'; cardId: string };

export type FollowUpOutcome =
  /** AddToDoc / Editing applied to the card of the main document. */
  | { status: 'applied'; cardId: string; regNumber?: string; regDate?: string }
  /** The main document is not (yet) known here. */
  | { status: 'noMainDocument'; reason: string };

/** What the outbound side needs of an outgoing card to build a passport for one addressee. */
export interface OutgoingDocument {
  cardId: string;
  regNumber: string;
  regDate: string;
  documentUid: string;
  versionUid?: string;
  kind?: string;
  annotation?: string;
  consists?: string;
  note?: string;
  signer?: { name: string; post?: string };
  writer?: string;
  files: { name: string; sha256: string; size: number; mediaType?: string; signatures: { sha256: string; size: number }[] }[];
  tasks?: Task[];
  addressees: OutgoingAddressee[];
  /** Documents of the addressee's this one refers to (an answer to a received document). */
  links?: { type: 'answerTo' | 'followUp' | 'related'; documentId: string; documentUid?: string; number?: string; date?: string }[];
}

export interface OutgoingAddressee {
  /** CardAddressee.id */
  addresseeId: string;
  organizationId: string;
  sevIndex: string;
  name: string;
  /** Where to send; absent when the directory has no mailbox for the participant. */
  mailboxAddress?: string;
  officialName?: string;
  officialPost?: string;
}

export type AddresseeStatus = 'pending' | 'sent' | 'received' | 'registered' | 'refused' | 'failed';

/** A received report (доклад) about one of our outgoing documents, to be shown on its card. */
export interface IncomingReport {
  messageRowId: string;
  /** The card and addressee the report is about, as the outbound exchange knows them. */
  cardId: string;
  addresseeId: string;
  message: ReportMessage;
  /** The report XML as received, kept on the card. */
  xml: string;
}

export interface ReportOnCard {
  /** The addressee's status after the report. */
  status: AddresseeStatus;
  addresseeRegNumber?: string;
  addresseeRegDate?: string;
  failure?: { code: number; text?: string };
  /** The events in words, in order, as shown on the card. */
  summaries: string[];
}

/** An event of a registered card after registration (forwarded, a task, a report, sent on, answered). */
export interface CardEventRecord {
  id: string;
  cardId: string;
  kind: 'Forwarding' | 'Consideration' | 'Report' | 'Redirection' | 'Answer' | 'Editing';
  /** ISO instant */
  occurredAt: string;
  data: Record<string, unknown>;
  summary: string;
  /** Null until SEV has decided what to tell the correspondent. */
  outcome: CardEventOutcome | null;
  /** The report that told it, once reported. */
  reportMessageId?: string | null;
}

export type CardEventOutcome = 'reported' | 'notOrdered' | 'refused' | 'subscriptionEnded' | 'noCorrespondent';

export interface EdmsAdapter {
  /** Events of cards by id, oldest first. */
  getCardEvents(eventIds: string[]): Promise<CardEventRecord[]>;
  /** Records what became of events not settled yet; settled ones keep their outcome. Returns how many of
   *  them have this outcome now, settled by this call or an earlier one (a repeated step answers the same). */
  settleCardEvents(eventIds: string[], outcome: CardEventOutcome, reportMessageId?: string): Promise<number>;
  /** The card's current tasks, as a passport's TaskList. */
  getTaskList(cardId: string): Promise<Task[]>;
  /** Registers a received MainDoc (automatically, or with a person's data). Idempotent per messageRowId. */
  registerIncoming(pkg: IncomingPackage, manual?: ManualRegistration): Promise<RegistrationOutcome>;
  /** Refuses a document that waited for manual registration; its card (if any) is cancelled. */
  rejectIncoming(messageRowId: string, reason: string, rejectedBy: string): Promise<void>;
  /** Cards that hold the same document: same UID+VersionUID, else same sender + number + date + file hashes. */
  findDuplicates(pkg: IncomingPackage): Promise<DuplicateCandidate[]>;
  /** Links a registered card to cards we already have (an answer to our outgoing document, …). */
  linkIncoming(cardId: string, pkg: IncomingPackage): Promise<LinkOutcome>;
  /** Applies AddToDoc (new files, tasks, reports) or Editing (a corrected card) to the existing card. */
  applyFollowUp(pkg: IncomingPackage): Promise<FollowUpOutcome>;
  /** The card as it is to be sent. */
  getOutgoingDocument(cardId: string): Promise<OutgoingDocument>;
  /** Records that the package for an addressee went out (MessageID) or failed for good. */
  recordSend(addresseeId: string, outcome: { status: 'sent'; messageId: string; at: string } | { status: 'failed'; reason: string }): Promise<void>;
  /** Stores a report on the outgoing card, in order, and updates the addressee's status. Idempotent per messageRowId. */
  attachReport(report: IncomingReport): Promise<ReportOnCard>;
}
