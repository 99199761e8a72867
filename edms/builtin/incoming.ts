// Incoming documents: registration (automatic or by a person), refusal, duplicate search, links
// to cards we have, and follow-ups (AddToDoc, Editing). Each operation on a message first locks
// the message's registry row, and Message.cardId records the card it produced: a repeated call
// finds that card instead of making another.
import { normalizeGuid } from '../../codec/guid';
import type { DocInfoMessage, Link } from '../../codec/types';
import type { CardLinkType, Direction, Prisma, PrismaClient, RegistrationCard } from '../../prisma/client';
import type {
  DuplicateCandidate,
  FollowUpOutcome,
  IncomingPackage,
  LinkOutcome,
  ManualRegistration,
  RegistrationOutcome,
} from '../adapter';
import { fromDbDate, readableDate, toDbDate, today } from './dates';
import { EdmsError } from './errors';
import { allocateNumber, DEFAULT_JOURNALS, findActiveJournal } from './journals';
import {
  addresseeInputs,
  cardDeloFiles,
  fileInputs,
  mainDocument,
  packageFileHashes,
  passportAttributes,
  registrationProblems,
} from './passport';
import { saveTasks } from './tasks';
import { inTransaction, lockCard, lockMessage, type Tx } from './tx';

export interface IncomingOptions {
  /** The journal incoming documents are registered in; DEFAULT_JOURNALS.incoming by default. */
  incomingJournalCode?: string;
  /** The organization's own rule for documents a person must register: a reason in Russian, or undefined. */
  manualByRule?: (pkg: IncomingPackage) => string | undefined;
}

export async function registerIncoming(
  db: PrismaClient,
  options: IncomingOptions,
  pkg: IncomingPackage,
  manual?: ManualRegistration,
): Promise<RegistrationOutcome> {
  expectKind(pkg.message, ['MainDoc']);
  return inTransaction(db, async (tx) => {
    const { cardId } = await lockMessage(tx, pkg.messageRowId);
    const card = cardId ? await tx.registrationCard.findUniqueOrThrow({ where: { id: cardId } }) : await createIncomingCard(tx, pkg);
    switch (card.status) {
      case 'registered':
        return registeredOutcome(card);
      case 'cancelled':
        throw new EdmsError('wrongCardState', `the card of message ${pkg.messageRowId} was rejected; it cannot be registered`);
      case 'draft':
        return manual ? registerManually(tx, options, card.id, manual) : registerAutomatically(tx, options, card.id, pkg);
    }
  });
}

/** A draft card with everything the passport says, bound to the message that brought it. */
async function createIncomingCard(tx: Tx, pkg: IncomingPackage): Promise<RegistrationCard> {
  const card = await tx.registrationCard.create({
    data: {
      direction: 'incoming',
      ...passportAttributes(pkg.message),
      senderOrganizationId: pkg.senderOrganizationId,
      passportStorageKey: pkg.passportSha256,
      passportSha256: pkg.passportSha256,
      files: { create: fileInputs(pkg, cardDeloFiles(pkg.message)) },
      addressees: { create: await addresseeInputs(tx, mainDocument(pkg.message)) },
    },
  });
  await saveTasks(tx, card.id, pkg);
  await tx.message.update({ where: { id: pkg.messageRowId }, data: { cardId: card.id } });
  return card;
}

async function registerAutomatically(tx: Tx, options: IncomingOptions, cardId: string, pkg: IncomingPackage): Promise<RegistrationOutcome> {
  // Two messages with the same document can be registered at the same moment (a correspondent's
  // re-send after downtime): one at a time per document, and the second sees the first card.
  await lockDocumentIdentity(tx, pkg);
  const [original] = await duplicatesOf(tx, pkg, cardId);
  if (original) return { status: 'duplicate', cardId, original };
  const journalCode = incomingJournalCode(options);
  const journal = await findActiveJournal(tx, journalCode, 'incoming');
  const reasons = [...registrationProblems(pkg.message)];
  if (!journal) reasons.push(`нет действующего журнала входящих документов «${journalCode}»`);
  const ruleReason = options.manualByRule?.(pkg);
  if (ruleReason) reasons.push(ruleReason);
  if (reasons.length > 0 || !journal) return { status: 'manualRequired', reason: asSentence(reasons), cardId };
  return register(tx, cardId, await allocateNumber(tx, journal, today()));
}

/** A person's registration: their number and date, or the journal's next number when they gave none. */
async function registerManually(tx: Tx, options: IncomingOptions, cardId: string, manual: ManualRegistration): Promise<RegistrationOutcome> {
  const regDate = manual.regDate ?? today();
  const regDbDate = toDbDate(regDate);
  if (!regDbDate) throw new EdmsError('invalidInput', `registration date "${regDate}" is not a YYYY-MM-DD date`);
  const journalCode = manual.journalCode ?? incomingJournalCode(options);
  const journal = await findActiveJournal(tx, journalCode, 'incoming');
  const regNumber = manual.regNumber?.trim();
  let registration: CardRegistration;
  if (regNumber) {
    // The person's number needs no journal, unless they named one.
    if (!journal && manual.journalCode) throw new EdmsError('noJournal', `no active incoming journal "${journalCode}"`);
    registration = { journalId: journal?.id ?? null, regNumber, regDate: regDbDate };
  } else {
    if (!journal) throw new EdmsError('noJournal', `no active incoming journal "${journalCode}" to give the number`);
    registration = await allocateNumber(tx, journal, regDate);
  }
  const outcome = await register(tx, cardId, registration);
  await tx.eventLog.create({
    data: {
      level: 'info',
      kind: 'edms.card.registeredManually',
      message: `Документ зарегистрирован вручную под № ${outcome.regNumber} от ${readableDate(outcome.regDate)}`,
      documentId: cardId,
      details: { registeredBy: manual.registeredBy, regNumber: outcome.regNumber, regDate: outcome.regDate },
    },
  });
  return outcome;
}

type CardRegistration = Pick<Prisma.RegistrationCardUncheckedUpdateInput, 'journalId' | 'regNumber' | 'regDate' | 'regYear' | 'regSequence'>;

async function register(tx: Tx, cardId: string, registration: CardRegistration) {
  const card = await tx.registrationCard.update({ where: { id: cardId }, data: { ...registration, status: 'registered', registeredAt: new Date() } });
  return registeredOutcome(card);
}

function registeredOutcome(card: RegistrationCard) {
  return { status: 'registered' as const, cardId: card.id, regNumber: card.regNumber ?? '', regDate: fromDbDate(card.regDate) ?? '' };
}

export async function rejectIncoming(db: PrismaClient, messageRowId: string, reason: string, rejectedBy: string): Promise<void> {
  await inTransaction(db, async (tx) => {
    const { cardId } = await lockMessage(tx, messageRowId);
    if (!cardId) return;
    const card = await tx.registrationCard.findUniqueOrThrow({ where: { id: cardId }, select: { status: true } });
    if (card.status === 'cancelled') return;
    if (card.status === 'registered') throw new EdmsError('wrongCardState', `card ${cardId} is registered; only a document waiting for registration can be rejected`);
    await tx.registrationCard.update({ where: { id: cardId }, data: { status: 'cancelled' } });
    await tx.eventLog.create({
      data: { level: 'info', kind: 'edms.card.rejected', message: `Документ отклонён: ${reason}`, documentId: cardId, details: { rejectedBy, reason, messageRowId } },
    });
  });
}

export async function findDuplicates(db: PrismaClient, pkg: IncomingPackage): Promise<DuplicateCandidate[]> {
  const own = await db.message.findUnique({ where: { id: pkg.messageRowId }, select: { cardId: true } });
  return duplicatesOf(db, pkg, own?.cardId ?? undefined);
}

/** What identifies the document for duplicates: its UID and version, else sender, number and date. */
function documentIdentity(pkg: IncomingPackage): string {
  const document = mainDocument(pkg.message);
  return document.uid
    ? `uid:${document.uid}:${document.versionUid ?? ''}`
    : `requisites:${pkg.senderOrganizationId}:${document.registrationInfo.number.trim()}:${document.registrationInfo.date}`;
}

async function lockDocumentIdentity(tx: Tx, pkg: IncomingPackage): Promise<void> {
  await tx.$executeRaw`SELECT pg_advisory_xact_lock(hashtextextended(${documentIdentity(pkg)}, 0))`;
}

async function duplicatesOf(db: Tx, pkg: IncomingPackage, ownCardId: string | undefined): Promise<DuplicateCandidate[]> {
  const document = mainDocument(pkg.message);
  const otherIncomingCards = {
    direction: 'incoming',
    status: { not: 'cancelled' },
    ...(ownCardId && { id: { not: ownCardId } }),
  } satisfies Prisma.RegistrationCardWhereInput;
  const orderBy = { createdAt: 'asc' } as const;

  // A new VersionUID is a new version of the document, not a duplicate of the old one.
  if (document.uid) {
    const cards = await db.registrationCard.findMany({ where: { ...otherIncomingCards, documentUid: document.uid, versionUid: document.versionUid ?? null }, orderBy });
    return cards.map((card) => duplicateCandidate(card, 'uid'));
  }
  const senderRegNumber = document.registrationInfo.number.trim();
  const senderRegDate = toDbDate(document.registrationInfo.date);
  if (!senderRegNumber || !senderRegDate) return [];
  const cards = await db.registrationCard.findMany({
    where: { ...otherIncomingCards, senderOrganizationId: pkg.senderOrganizationId, senderRegNumber, senderRegDate },
    include: { files: { select: { sha256: true } } },
    orderBy,
  });
  // Every file of the package is on the card (follow-ups may have added more since).
  const hashes = packageFileHashes(pkg);
  return cards
    .filter((card) => {
      const onCard = new Set(card.files.map((file) => file.sha256));
      return hashes.every((hash) => onCard.has(hash));
    })
    .map((card) => duplicateCandidate(card, 'requisites'));
}

function duplicateCandidate(card: RegistrationCard, match: DuplicateCandidate['match']): DuplicateCandidate {
  return { cardId: card.id, regNumber: card.regNumber ?? undefined, regDate: fromDbDate(card.regDate), match };
}

/**
 * Links the card to the cards its passport's Document/Links refer to, by the referred document's
 * UID (from the passport's other Document elements) or by our own card id. A link to one of our
 * outgoing documents makes the card an answer to it. Links to documents we do not have are kept
 * with the sender's ids, for when they arrive.
 */
export async function linkIncoming(db: PrismaClient, cardId: string, pkg: IncomingPackage): Promise<LinkOutcome> {
  return inTransaction(db, async (tx) => {
    const links: { type: CardLinkType; toCardId: string }[] = [];
    for (const link of mainDocument(pkg.message).links ?? []) {
      const uid = referredUid(pkg.message, link);
      const target = await linkTarget(tx, cardId, uid, link.documentId);
      const type = linkType(link, target?.direction);
      const description = link.description ?? link.linkType.name;
      if (target) {
        await tx.cardLink.upsert({
          where: { fromCardId_toCardId_type: { fromCardId: cardId, toCardId: target.id, type } },
          create: { fromCardId: cardId, toCardId: target.id, type, description },
          update: {},
        });
        links.push({ type, toCardId: target.id });
      } else {
        const unresolved = { fromCardId: cardId, toCardId: null, type, targetDocumentId: link.documentId ?? null, targetDocumentUid: uid ?? null };
        const known = await tx.cardLink.findFirst({ where: unresolved, select: { id: true } });
        if (!known) await tx.cardLink.create({ data: { ...unresolved, description } });
      }
    }
    return links.length > 0 ? { status: 'linked', cardId, links } : { status: 'nothingToLink', cardId };
  });
}

/** The UID of the document a link refers to: the linked Document element's, or the link's own id when it is a GUID. */
function referredUid(message: DocInfoMessage, link: Link): string | undefined {
  const main = mainDocument(message);
  const referred = message.documents.find((d) => d !== main && d.documentId === link.documentId);
  return referred?.uid ?? (link.documentId ? normalizeGuid(link.documentId) : undefined);
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

async function linkTarget(tx: Tx, cardId: string, uid: string | undefined, documentId: string | undefined): Promise<RegistrationCard | null> {
  // Our outgoing passports name our card by its id in Document@DocumentID.
  const ownCardId = documentId && UUID.test(documentId) ? documentId : undefined;
  const refersTo = [...(uid ? [{ documentUid: uid }] : []), ...(ownCardId ? [{ id: ownCardId }] : [])];
  if (refersTo.length === 0) return null;
  const cards = await tx.registrationCard.findMany({
    where: { id: { not: cardId }, status: { not: 'cancelled' }, OR: refersTo },
    orderBy: { createdAt: 'asc' },
  });
  // Our own document is what an incoming one answers; an earlier incoming copy comes second.
  return cards.find((card) => card.direction === 'outgoing') ?? cards[0] ?? null;
}

function linkType(link: Link, targetDirection: Direction | undefined): CardLinkType {
  if (targetDirection === 'outgoing' || /ответ/i.test(link.linkType.name)) return 'answerTo';
  if (/исполн|повтор/i.test(link.linkType.name)) return 'followUp';
  return 'related';
}

/**
 * Applies a досылка (AddToDoc: new files, tasks, execution reports) or a corrected card (Editing)
 * to the card of the main document, without registering it again.
 */
export async function applyFollowUp(db: PrismaClient, pkg: IncomingPackage): Promise<FollowUpOutcome> {
  expectKind(pkg.message, ['AddToDoc', 'Editing']);
  return inTransaction(db, async (tx) => {
    const { cardId } = await lockMessage(tx, pkg.messageRowId);
    if (cardId) return appliedOutcome(await tx.registrationCard.findUniqueOrThrow({ where: { id: cardId } }));
    const card = await findMainCard(tx, pkg);
    if (!card) return { status: 'noMainDocument', reason: mainDocumentNotFound(pkg.message) };
    await lockCard(tx, card.id);
    if (pkg.message.kind === 'Editing') {
      await tx.registrationCard.update({
        where: { id: card.id },
        data: { ...passportAttributes(pkg.message), passportStorageKey: pkg.passportSha256, passportSha256: pkg.passportSha256 },
      });
    }
    await addNewFiles(tx, card.id, pkg);
    await saveTasks(tx, card.id, pkg);
    await tx.message.update({ where: { id: pkg.messageRowId }, data: { cardId: card.id } });
    return appliedOutcome(card);
  });
}

function appliedOutcome(card: RegistrationCard): FollowUpOutcome {
  return { status: 'applied', cardId: card.id, regNumber: card.regNumber ?? undefined, regDate: fromDbDate(card.regDate) };
}

async function findMainCard(tx: Tx, pkg: IncomingPackage): Promise<RegistrationCard | null> {
  const document = mainDocument(pkg.message);
  // Without a UID the sender's own card id is what stays the same between its messages.
  const sameDocument = document.uid ? { documentUid: document.uid } : { senderDocumentId: document.documentId };
  const candidates: Prisma.RegistrationCardWhereInput[] = [{ direction: 'incoming', senderOrganizationId: pkg.senderOrganizationId, ...sameDocument }];
  // An addressee of our document sends the execution reports of our tasks on it by AddToDoc.
  if (pkg.message.kind === 'AddToDoc' && document.uid) {
    candidates.push({ direction: 'outgoing', documentUid: document.uid, addressees: { some: { organizationId: pkg.senderOrganizationId } } });
  }
  return tx.registrationCard.findFirst({ where: { status: { not: 'cancelled' }, OR: candidates }, orderBy: { createdAt: 'desc' } });
}

function mainDocumentNotFound(message: DocInfoMessage): string {
  const { uid, registrationInfo } = mainDocument(message);
  const which = uid ? `UID ${uid}` : `№ ${registrationInfo.number} от ${readableDate(registrationInfo.date)}`;
  return `Основной документ (${which}) от этого отправителя не найден`;
}

/** Files of the passport the card does not hold yet (a follow-up repeats the ones already sent). */
async function addNewFiles(tx: Tx, cardId: string, pkg: IncomingPackage): Promise<void> {
  const known = await tx.documentFile.findMany({ where: { cardId }, select: { uid: true, sha256: true } });
  const knownUids = new Set(known.map((file) => file.uid));
  const knownHashes = new Set(known.map((file) => file.sha256));
  for (const file of fileInputs(pkg, cardDeloFiles(pkg.message))) {
    if ((file.uid && knownUids.has(file.uid)) || knownHashes.has(file.sha256)) continue;
    await tx.documentFile.create({ data: { ...file, cardId } });
  }
}

function incomingJournalCode(options: IncomingOptions): string {
  return options.incomingJournalCode ?? DEFAULT_JOURNALS.incoming.code;
}

function expectKind(message: DocInfoMessage, kinds: DocInfoMessage['kind'][]): void {
  if (!kinds.includes(message.kind)) throw new EdmsError('wrongMessageKind', `expected ${kinds.join(' or ')}, got ${message.kind}`);
}

/** Reasons joined into one sentence for the person who will register the document. */
function asSentence(reasons: string[]): string {
  const text = reasons.join('; ');
  return `${text.charAt(0).toUpperCase()}${text.slice(1)}.`;
}

