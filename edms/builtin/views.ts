// Cards as people see them (the web console, the CLI): JSON-plain views, dates as text, absent
// values as null.
import type { CardEventOutcome, CardLinkType, CardStatus, ControlState, Direction, PrismaClient, ReportEvent, SendStatus, TaskStatus } from '../../prisma/client';
import { fromDbDate } from './dates';
import { EdmsError } from './errors';

export interface CardView {
  id: string;
  direction: Direction;
  status: CardStatus;
  kind: string | null;
  annotation: string | null;
  consists: string | null;
  note: string | null;
  journal: string | null;
  regNumber: string | null;
  /** YYYY-MM-DD */
  regDate: string | null;
  /** ISO instant */
  registeredAt: string | null;
  documentUid: string | null;
  versionUid: string | null;
  senderDocumentId: string | null;
  /** Корреспондент of an incoming card, with its number and date for the document. */
  sender: { name: string; sevIndex: string } | null;
  senderRegNumber: string | null;
  senderRegDate: string | null;
  signer: { name: string | null; post: string | null } | null;
  writer: string | null;
  control: { state: ControlState; deadline: string | null };
  reportSubscriptions: unknown;
  files: { id: string; name: string; size: number; sha256: string; mediaType: string | null; signatures: number; executionReportId: string | null }[];
  tasks: TaskView[];
  addressees: AddresseeView[];
  links: { type: CardLinkType; toCardId: string | null; targetDocumentUid: string | null; targetDocumentId: string | null; description: string | null }[];
  /** What happened to the card after registration, and what the correspondent was told (latest 500). */
  events: { id: string; kind: ReportEvent; summary: string; occurredAt: string; actor: string | null; outcome: CardEventOutcome | null; reportMessageId: string | null }[];
}

export interface TaskView {
  id: string;
  uid: string;
  parentId: string | null;
  number: string | null;
  text: string | null;
  author: string | null;
  deadline: string | null;
  controlState: ControlState;
  controller: string | null;
  status: TaskStatus;
  executors: {
    name: string;
    post: string | null;
    /** SEV index of an executor's organization other than ours. */
    organization: string | null;
    responsible: boolean;
    reports: { text: string | null; status: string | null; reportedAt: string; files: string[] }[];
  }[];
}

export interface AddresseeView {
  id: string;
  name: string;
  sevIndex: string | null;
  sendStatus: SendStatus;
  sentAt: string | null;
  statusChangedAt: string | null;
  addresseeRegNumber: string | null;
  addresseeRegDate: string | null;
  /** The reports (доклады) received from the addressee, in the order the addressee wrote them. */
  reports: ReportView[];
}

export interface ReportView {
  event: ReportEvent;
  summary: string;
  failureCode: number | null;
  eventAt: string | null;
  receivedAt: string;
}

// Rows made in one transaction share createdAt; the time-ordered id breaks the tie.
const byCreation = [{ createdAt: 'asc' as const }, { id: 'asc' as const }];

export async function getCard(db: PrismaClient, cardId: string): Promise<CardView> {
  const card = await db.registrationCard.findUnique({
    where: { id: cardId },
    include: {
      journal: true,
      senderOrganization: true,
      files: { include: { _count: { select: { signatures: true } } }, orderBy: byCreation },
      tasks: {
        include: { executors: { include: { organization: true, reports: { include: { files: true }, orderBy: { reportedAt: 'asc' } } }, orderBy: byCreation } },
        orderBy: byCreation,
      },
      addressees: {
        // A report's events share receivedAt; the message row's time-ordered id keeps reports apart.
        include: { organization: true, reports: { orderBy: [{ reportedAt: { sort: 'asc', nulls: 'last' } }, { eventAt: { sort: 'asc', nulls: 'last' } }, { receivedAt: 'asc' }, { messageId: 'asc' }, { eventIndex: 'asc' }] } },
        orderBy: byCreation,
      },
      linksFrom: { orderBy: byCreation },
      events: { orderBy: [{ occurredAt: 'desc' }, { id: 'desc' }], take: 500 },
    },
  });
  if (!card) throw new EdmsError('unknownCard', `card ${cardId} does not exist`);
  return {
    id: card.id,
    direction: card.direction,
    status: card.status,
    kind: card.kind,
    annotation: card.annotation,
    consists: card.consists,
    note: card.note,
    journal: card.journal?.name ?? null,
    regNumber: card.regNumber,
    regDate: dateText(card.regDate),
    registeredAt: card.registeredAt?.toISOString() ?? null,
    documentUid: card.documentUid,
    versionUid: card.versionUid,
    senderDocumentId: card.senderDocumentId,
    sender: card.senderOrganization && { name: card.senderOrganization.shortName, sevIndex: card.senderOrganization.sevIndex },
    senderRegNumber: card.senderRegNumber,
    senderRegDate: dateText(card.senderRegDate),
    signer: card.signerName || card.signerPost ? { name: card.signerName, post: card.signerPost } : null,
    writer: card.writerName,
    control: { state: card.controlState, deadline: dateText(card.controlDeadline) },
    reportSubscriptions: card.reportSubscriptions,
    files: card.files.map((file) => ({
      id: file.id,
      name: file.name,
      size: file.size,
      sha256: file.sha256,
      mediaType: file.mediaType,
      signatures: file._count.signatures,
      executionReportId: file.executionReportId,
    })),
    tasks: card.tasks.map((task) => ({
      id: task.id,
      uid: task.uid,
      parentId: task.parentId,
      number: task.number,
      text: task.text,
      author: task.authorName,
      deadline: dateText(task.deadline),
      controlState: task.controlState,
      controller: task.controllerName,
      status: task.status,
      executors: task.executors.map((executor) => ({
        name: executor.name,
        post: executor.post,
        organization: executor.organization?.sevIndex ?? null,
        responsible: executor.isResponsible,
        reports: executor.reports.map((report) => ({
          text: report.text,
          status: report.statusText,
          reportedAt: report.reportedAt.toISOString(),
          files: report.files.map((file) => file.name),
        })),
      })),
    })),
    addressees: card.addressees.map((addressee) => ({
      id: addressee.id,
      name: addressee.name,
      sevIndex: addressee.organization?.sevIndex ?? null,
      sendStatus: addressee.sendStatus,
      sentAt: addressee.sentAt?.toISOString() ?? null,
      statusChangedAt: addressee.statusChangedAt?.toISOString() ?? null,
      addresseeRegNumber: addressee.addresseeRegNumber,
      addresseeRegDate: dateText(addressee.addresseeRegDate),
      reports: addressee.reports.map((report) => ({
        event: report.event,
        summary: report.summary,
        failureCode: report.failureCode,
        eventAt: report.eventAt?.toISOString() ?? null,
        receivedAt: report.receivedAt.toISOString(),
      })),
    })),
    links: card.linksFrom.map(({ type, toCardId, targetDocumentUid, targetDocumentId, description }) => ({
      type,
      toCardId,
      targetDocumentUid,
      targetDocumentId,
      description,
    })),
    events: card.events.reverse().map((event) => ({
      id: event.id,
      kind: event.kind,
      summary: event.summary,
      occurredAt: event.occurredAt.toISOString(),
      actor: event.actor,
      outcome: event.outcome,
      reportMessageId: event.reportMessageId,
    })),
  };
}

export interface CardListItem {
  id: string;
  direction: Direction;
  status: CardStatus;
  kind: string | null;
  annotation: string | null;
  regNumber: string | null;
  regDate: string | null;
  /** The sender of an incoming card, the addressees of an outgoing one. */
  correspondents: string[];
  createdAt: string;
}

/** The newest cards first. */
export async function listCards(db: PrismaClient, query: { direction?: Direction; limit?: number } = {}): Promise<CardListItem[]> {
  const cards = await db.registrationCard.findMany({
    where: query.direction ? { direction: query.direction } : {},
    include: { senderOrganization: { select: { shortName: true } }, addressees: { select: { name: true }, orderBy: byCreation } },
    orderBy: [{ createdAt: 'desc' }, { id: 'desc' }],
    take: Math.min(Math.max(query.limit ?? 50, 1), 500),
  });
  return cards.map((card) => ({
    id: card.id,
    direction: card.direction,
    status: card.status,
    kind: card.kind,
    annotation: card.annotation,
    regNumber: card.regNumber,
    regDate: dateText(card.regDate),
    correspondents: card.direction === 'incoming' ? [card.senderOrganization?.shortName ?? ''].filter(Boolean) : card.addressees.map((a) => a.name),
    createdAt: card.createdAt.toISOString(),
  }));
}

function dateText(value: Date | null): string | null {
  return fromDbDate(value) ?? null;
}
