// The built-in EDMS: registration cards, journals, tasks and reports kept in the organization's
// own database. It implements EdmsAdapter for SEV's workflows and adds what the rest of SEV needs
// of an EDMS it owns: default journals, creating outgoing documents, and views of cards.
import type { PrismaClient, RegistrationJournal } from '../../prisma/client';
import type { EdmsAdapter } from '../adapter';
import { applyFollowUp, findDuplicates, linkIncoming, registerIncoming, rejectIncoming, type IncomingOptions } from './incoming';
import { ensureJournals } from './journals';
import { createOutgoingCard, getOutgoingDocument, recordSend, type CreatedOutgoingCard, type OutgoingCardInput, type OutgoingOptions } from './outgoing';
import { attachReport } from './reports';
import { getCardEvents, settleCardEvents } from './events';
import { cardTaskList } from './task-list';
import { findSelfOrganization } from '../directory';
import { EdmsError } from './errors';
import { getCard, listCards, type CardListItem, type CardView } from './views';

export { DEFAULT_JOURNALS } from './journals';
export { EdmsError, type EdmsErrorCode } from './errors';
export { EDMS_TIME_ZONE } from './dates';
export type { CardListItem, CardView, CreatedOutgoingCard, OutgoingCardInput };

export type BuiltinEdmsOptions = IncomingOptions & OutgoingOptions;

export interface BuiltinEdmsExtras {
  /** Creates the default journals («Входящие» Вх-N, «Исходящие» Исх-N, numbered by year) unless they exist. */
  ensureJournals(): Promise<RegistrationJournal[]>;
  /** Registers one of our documents for external addressees; idempotent per idempotencyKey. */
  createOutgoingCard(input: OutgoingCardInput): Promise<CreatedOutgoingCard>;
  getCard(cardId: string): Promise<CardView>;
  listCards(query?: { direction?: 'incoming' | 'outgoing'; limit?: number }): Promise<CardListItem[]>;
}

export type BuiltinEdms = EdmsAdapter & BuiltinEdmsExtras;

export function createBuiltinEdms(db: PrismaClient, options: BuiltinEdmsOptions = {}): BuiltinEdms {
  return {
    getCardEvents: (eventIds) => getCardEvents(db, eventIds),
    settleCardEvents: (eventIds, outcome, reportMessageId) => settleCardEvents(db, eventIds, outcome, reportMessageId),
    getTaskList: async (cardId) => {
      const self = await findSelfOrganization(db);
      if (!self) throw new EdmsError('invalidInput', 'the participant directory has no entry for this organization');
      return cardTaskList(db, cardId, self);
    },
    registerIncoming: (pkg, manual) => registerIncoming(db, options, pkg, manual),
    rejectIncoming: (messageRowId, reason, rejectedBy) => rejectIncoming(db, messageRowId, reason, rejectedBy),
    findDuplicates: (pkg) => findDuplicates(db, pkg),
    linkIncoming: (cardId, pkg) => linkIncoming(db, cardId, pkg),
    applyFollowUp: (pkg) => applyFollowUp(db, pkg),
    getOutgoingDocument: (cardId) => getOutgoingDocument(db, cardId),
    recordSend: (addresseeId, outcome) => recordSend(db, addresseeId, outcome),
    attachReport: (report) => attachReport(db, report),
    ensureJournals: () => ensureJournals(db),
    createOutgoingCard: (input) => createOutgoingCard(db, options, input),
    getCard: (cardId) => getCard(db, cardId),
    listCards: (query) => listCards(db, query),
  };
}
