// Outgoing documents: registering one of ours for external addressees, reading it back to build
// passports, and tracking each addressee's send status.
import { newGuid } from '../../codec/guid';
import { Prisma, type CardAddressee, type Official, type Organization, type PrismaClient, type SendStatus } from '../../prisma/client';
import { putBlob } from '../../registry/blobs';
import type { AddresseeStatus, OutgoingAddressee, OutgoingDocument } from '../adapter';
import { findParticipantBySevIndex, findSelfOrganization } from '../directory';
import { fromDbDate, today } from './dates';
import { EdmsError } from './errors';
import { allocateNumber, DEFAULT_JOURNALS, findActiveJournal } from './journals';
import { createTask, type TaskInput } from './events';
import { uuidFromKey } from './keys';
import { cardTaskList } from './task-list';
import { inTransaction, lockAddressee } from './tx';

export interface OutgoingOptions {
  /** The journal our outgoing documents are registered in; DEFAULT_JOURNALS.outgoing by default. */
  outgoingJournalCode?: string;
}

export interface OutgoingCardInput {
  /** Вид документа, e.g. «Письмо». */
  kind?: string;
  annotation: string;
  signer?: { name: string; post?: string };
  writer?: string;
  files: { name: string; content: Buffer; mediaType?: string }[];
  /** The addressees' SEV indexes in the participant directory. */
  addresseeSevIndexes: string[];
  /** Resolutions sent with the document; their executors may be in the addressees' organizations. */
  tasks?: TaskInput[];
  /** The same key creates the card once; a repeated call returns it. */
  idempotencyKey?: string;
}

export interface CreatedOutgoingCard {
  cardId: string;
  regNumber: string;
  regDate: string;
  documentUid: string;
  addressees: OutgoingAddressee[];
}

/** Registers one of our documents in the outgoing journal, with its files and external addressees. */
export async function createOutgoingCard(db: PrismaClient, options: OutgoingOptions, input: OutgoingCardInput): Promise<CreatedOutgoingCard> {
  const keyedId = input.idempotencyKey === undefined ? undefined : cardIdForKey(input.idempotencyKey);
  if (keyedId && (await db.registrationCard.count({ where: { id: keyedId } }))) return createdCard(db, keyedId);

  const annotation = input.annotation.trim();
  if (!annotation) throw new EdmsError('invalidInput', 'an outgoing document needs an annotation (краткое содержание)');
  const addressees = await externalAddressees(db, input.addresseeSevIndexes);
  // Blobs are content-addressed and idempotent, so they are stored before the transaction.
  const blobs = await Promise.all(input.files.map((file) => putBlob(db, file.content)));
  const journalCode = options.outgoingJournalCode ?? DEFAULT_JOURNALS.outgoing.code;

  let cardId: string;
  try {
    cardId = await inTransaction(db, async (tx) => {
      const journal = await findActiveJournal(tx, journalCode, 'outgoing');
      if (!journal) throw new EdmsError('noJournal', `no active outgoing journal "${journalCode}"`);
      const card = await tx.registrationCard.create({
        data: {
          ...(keyedId && { id: keyedId }),
          direction: 'outgoing',
          status: 'registered',
          registeredAt: new Date(),
          ...(await allocateNumber(tx, journal, today())),
          documentUid: newGuid(),
          kind: input.kind ?? null,
          annotation,
          signerName: input.signer?.name ?? null,
          signerPost: input.signer?.post ?? null,
          writerName: input.writer ?? null,
          files: {
            create: input.files.map((file, i) => {
              const blob = blobs[i]!;
              return { name: file.name, size: blob.size, sha256: blob.sha256, storagePath: blob.sha256, mediaType: file.mediaType ?? null };
            }),
          },
          addressees: { create: addressees.map((organization) => ({ organizationId: organization.id, name: organization.shortName })) },
        },
        select: { id: true },
      });
      for (const task of input.tasks ?? []) await createTask(tx, card.id, task);
      return card.id;
    });
  } catch (e) {
    // A concurrent call with the same key created the card first (and its number went back).
    const createdConcurrently = keyedId && e instanceof Prisma.PrismaClientKnownRequestError && e.code === 'P2002';
    if (!createdConcurrently) throw e;
    cardId = keyedId;
  }
  return createdCard(db, cardId);
}

/** The card id an idempotency key stands for. */
function cardIdForKey(key: string): string {
  return uuidFromKey(`outgoing-card\n${key}`);
}

async function externalAddressees(db: PrismaClient, sevIndexes: string[]): Promise<Organization[]> {
  const indexes = [...new Set(sevIndexes.map((index) => index.trim()))];
  if (indexes.length === 0) throw new EdmsError('invalidInput', 'an outgoing document needs at least one addressee');
  const found = await Promise.all(indexes.map((index) => findParticipantBySevIndex(db, index)));
  const unknown = indexes.filter((_, i) => !found[i]);
  if (unknown.length > 0) throw new EdmsError('unknownAddressee', `no participant with SEV index ${unknown.map((i) => `"${i}"`).join(', ')} in the directory`);
  const organizations = found as Organization[];
  const self = organizations.find((organization) => organization.isSelf);
  if (self) throw new EdmsError('invalidInput', `"${self.sevIndex}" is this organization's own SEV index, not an external addressee`);
  return organizations;
}

async function createdCard(db: PrismaClient, cardId: string): Promise<CreatedOutgoingCard> {
  const { regNumber, regDate, documentUid, addressees } = await getOutgoingDocument(db, cardId);
  return { cardId, regNumber, regDate, documentUid, addressees };
}

export async function getOutgoingDocument(db: PrismaClient, cardId: string): Promise<OutgoingDocument> {
  const card = await db.registrationCard.findUnique({
    where: { id: cardId },
    include: {
      files: { where: { executionReportId: null }, include: { signatures: { orderBy: { createdAt: 'asc' } } }, orderBy: [{ createdAt: 'asc' }, { id: 'asc' }] },
      addressees: { include: { organization: true, official: true }, orderBy: [{ createdAt: 'asc' }, { id: 'asc' }] },
      linksFrom: { include: { toCard: { select: { senderDocumentId: true, senderRegNumber: true, senderRegDate: true, documentUid: true } } }, orderBy: [{ createdAt: 'asc' }, { id: 'asc' }] },
    },
  });
  if (!card) throw new EdmsError('unknownCard', `card ${cardId} does not exist`);
  const self = await findSelfOrganization(db);
  if (!self) throw new EdmsError('invalidInput', 'the participant directory has no entry for this organization');
  const tasks = await cardTaskList(db, card.id, self);
  if (card.direction !== 'outgoing' || card.status !== 'registered' || !card.documentUid) {
    throw new EdmsError('wrongCardState', `card ${cardId} is not a registered outgoing document`);
  }
  return {
    cardId: card.id,
    regNumber: card.regNumber ?? '',
    regDate: fromDbDate(card.regDate) ?? '',
    documentUid: card.documentUid,
    versionUid: card.versionUid ?? undefined,
    kind: card.kind ?? undefined,
    annotation: card.annotation ?? undefined,
    consists: card.consists ?? undefined,
    note: card.note ?? undefined,
    signer: card.signerName ? { name: card.signerName, post: card.signerPost ?? undefined } : undefined,
    writer: card.writerName ?? undefined,
    files: card.files.map((file) => ({
      name: file.name,
      sha256: file.sha256,
      size: file.size,
      mediaType: file.mediaType ?? undefined,
      signatures: file.signatures.map(({ sha256, size }) => ({ sha256, size })),
    })),
    addressees: card.addressees.flatMap((addressee) => (addressee.organization ? [outgoingAddressee(addressee, addressee.organization, addressee.official)] : [])),
    ...(tasks.length > 0 && { tasks }),
    // An answer names the document it answers by the id its sender gave it (Link@DocumentID).
    ...(card.linksFrom.some((link) => link.toCard?.senderDocumentId) && {
      links: card.linksFrom.flatMap((link) =>
        link.toCard?.senderDocumentId
          ? [{ type: link.type, documentId: link.toCard.senderDocumentId, documentUid: link.toCard.documentUid ?? undefined, number: link.toCard.senderRegNumber ?? undefined, date: fromDbDate(link.toCard.senderRegDate) }]
          : [],
      ),
    }),
  };
}

function outgoingAddressee(addressee: CardAddressee, organization: Organization, official: Official | null): OutgoingAddressee {
  return {
    addresseeId: addressee.id,
    organizationId: organization.id,
    sevIndex: organization.sevIndex,
    name: addressee.name,
    mailboxAddress: organization.mailboxAddress ?? undefined,
    officialName: official?.fullName ?? undefined,
    officialPost: official?.post ?? undefined,
  };
}

/** The statuses an addressee may reach a status from: a late or repeated event never undoes a later one. */
const REACHABLE_FROM: Record<AddresseeStatus, SendStatus[]> = {
  pending: [],
  // A refused document may be sent again.
  sent: ['pending', 'failed', 'refused'],
  // A follow-up that failed does not undo the document's own delivery.
  failed: ['pending'],
  received: ['pending', 'sent', 'failed'],
  refused: ['pending', 'sent', 'failed', 'received'],
  // The addressee's number is its last word, even after a refusal of an earlier send.
  registered: ['pending', 'sent', 'failed', 'received', 'refused'],
};

export function advanceSendStatus(current: SendStatus, next: AddresseeStatus): SendStatus {
  return REACHABLE_FROM[next].includes(current) ? next : current;
}

/** The status as the adapter reports it; internal addressees are never sent anything. */
export function addresseeStatus(status: SendStatus): AddresseeStatus {
  return status === 'notApplicable' ? 'pending' : status;
}

export async function recordSend(
  db: PrismaClient,
  addresseeId: string,
  outcome: { status: 'sent'; messageId: string; at: string } | { status: 'failed'; reason: string },
): Promise<void> {
  await inTransaction(db, async (tx) => {
    await lockAddressee(tx, addresseeId);
    const addressee = await tx.cardAddressee.findUnique({ where: { id: addresseeId } });
    if (!addressee) throw new EdmsError('unknownCard', `addressee ${addresseeId} does not exist`);
    // Reports echo the MessageID as ReturnID; the registry row is how they find this addressee.
    const message =
      outcome.status === 'sent'
        ? await tx.message.findUnique({ where: { direction_messageId: { direction: 'outgoing', messageId: outcome.messageId } }, select: { id: true } })
        : null;
    // Recording the same send again (a retried activity) must not undo what reports said since.
    const repeated = message !== null && message.id === addressee.lastMessageId;
    const sendStatus = repeated ? addressee.sendStatus : advanceSendStatus(addressee.sendStatus, outcome.status);
    const statusChange = sendStatus === addressee.sendStatus ? {} : { sendStatus, statusChangedAt: new Date() };
    if (outcome.status === 'sent') {
      await tx.cardAddressee.update({
        where: { id: addresseeId },
        data: { ...statusChange, sentAt: new Date(outcome.at), ...(message && { lastMessageId: message.id }) },
      });
    } else if (sendStatus !== addressee.sendStatus) {
      await tx.cardAddressee.update({ where: { id: addresseeId }, data: statusChange });
      await tx.eventLog.create({
        data: {
          level: 'error',
          kind: 'edms.addressee.sendFailed',
          message: `Документ не отправлен адресату «${addressee.name}»: ${outcome.reason}`,
          documentId: addressee.cardId,
          details: { addresseeId, reason: outcome.reason },
        },
      });
    }
  });
}
