// What people do with a registered card in the built-in EDMS after registration: forward it inside
// the organization, give, edit or delete a resolution, report on a task, send the document on,
// answer it, add a file, correct the card. Each action is saved together with a CardEvent row in
// one transaction; SEV then tells the correspondent (a report about a received document) or the
// addressees (a follow-up about one of ours). The same idempotency key makes the same action once.
import { z } from 'zod';
import { newGuid } from '../../codec/guid';
import { Prisma, type CardEvent, type PrismaClient, type RegistrationCard, type ReportEvent } from '../../prisma/client';
import { putBlob } from '../../registry/blobs';
import type { CardEventOutcome, CardEventRecord } from '../adapter';
import { findParticipantBySevIndex, findSelfOrganization } from '../directory';
import { readableDate, toDbDate, today } from './dates';
import { EdmsError } from './errors';
import { allocateNumber, DEFAULT_JOURNALS, findActiveJournal } from './journals';
import { cardTaskList, taskIdOf } from './task-list';
import { uuidFromKey } from './keys';
import { inTransaction, lockCard, type Tx } from './tx';

const executorInput = z.object({
  name: z.string().trim().min(1),
  post: z.string().trim().min(1).optional(),
  /** SEV index of the executor's organization when it is not ours: an external executor. */
  organization: z.string().trim().min(1).optional(),
  responsible: z.boolean().default(false),
});
export type ExecutorInput = z.input<typeof executorInput>;

/** Every action, as the CLI and the HTTP API accept it. */
export const cardActionSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('forward'), to: z.string().trim().min(1), post: z.string().trim().min(1).optional(), department: z.string().trim().min(1).optional() }),
  z.object({
    type: z.literal('addTask'),
    text: z.string().trim().min(1),
    executors: z.array(executorInput).min(1),
    deadline: z.iso.date().optional(),
    author: z.string().trim().min(1).optional(),
  }),
  z.object({ type: z.literal('editTask'), task: z.string().trim().min(1), text: z.string().trim().min(1).optional(), deadline: z.iso.date().optional() }),
  z.object({ type: z.literal('deleteTask'), task: z.string().trim().min(1) }),
  z.object({
    type: z.literal('reportExecution'),
    task: z.string().trim().min(1),
    executor: z.string().trim().min(1),
    text: z.string().trim().min(1),
    status: z.string().trim().min(1).optional(),
  }),
  z.object({ type: z.literal('redirect'), to: z.string().trim().min(1), delivery: z.string().trim().min(1).default('СЭВ') }),
  z.object({ type: z.literal('answer'), annotation: z.string().trim().min(1), kind: z.string().trim().min(1).default('Письмо') }),
  z.object({ type: z.literal('addFile'), name: z.string().trim().min(1), contentBase64: z.string() }),
  z.object({ type: z.literal('edit'), annotation: z.string().trim().min(1).optional(), note: z.string().trim().min(1).optional() }),
]);
export type CardAction = z.input<typeof cardActionSchema>;

/** What the event means for the exchange: a report to the correspondent, or a follow-up to our addressees. */
export interface RecordedCardEvent {
  eventId: string;
  cardId: string;
  kind: ReportEvent;
  summary: string;
  direction: 'incoming' | 'outgoing';
  /** For a received document: its workflow, which decides the report. */
  inboundWorkflowId?: string;
  /** For one of ours: the follow-up it needs (AddToDoc or Editing), if any. */
  followUp?: 'AddToDoc' | 'Editing';
  /** An answer card, registered and to be sent to the correspondent. */
  answerCardId?: string;
  /** True when the same idempotency key had recorded it before. */
  repeated: boolean;
}

/** Applies one action to a registered card and records its event. */
export async function applyCardAction(db: PrismaClient, cardId: string, input: CardAction, actor: string, idempotencyKey?: string): Promise<RecordedCardEvent> {
  const parsed = cardActionSchema.safeParse(input);
  if (!parsed.success) throw new EdmsError('invalidInput', `неверное действие с карточкой: ${parsed.error.issues.map((i) => `${i.path.join('.') || 'действие'}: ${i.message}`).join('; ')}`);
  const action = parsed.data;
  const eventId = idempotencyKey ? uuidFromKey(`card-event\n${cardId}\n${idempotencyKey}`) : undefined;
  if (eventId) {
    const known = await db.cardEvent.findUnique({ where: { id: eventId } });
    if (known) return describeEvent(db, known, true);
  }
  const blob = action.type === 'addFile' ? await putBlob(db, Buffer.from(action.contentBase64, 'base64')) : undefined;
  try {
    const event = await inTransaction(db, async (tx) => {
      const card = await tx.registrationCard.findUnique({ where: { id: cardId } });
      if (!card) throw new EdmsError('unknownCard', `карточки ${cardId} нет`);
      await lockCard(tx, cardId);
      if (card.status !== 'registered') throw new EdmsError('wrongCardState', 'документ ещё не зарегистрирован (или отклонён): действия с ним недоступны');
      const made = await perform(tx, card, action, blob);
      // A resolution or a report travels with the TaskList as it stood right after it.
      const self = made.kind === 'Consideration' || made.kind === 'Report' ? await findSelfOrganization(tx) : null;
      const data = self ? { ...made.data, tasks: (await cardTaskList(tx, cardId, self)) as unknown as Prisma.InputJsonArray } : made.data;
      return tx.cardEvent.create({ data: { ...(eventId && { id: eventId }), cardId, kind: made.kind, data, summary: made.summary, actor } });
    });
    return describeEvent(db, event, false);
  } catch (e) {
    if (eventId && e instanceof Prisma.PrismaClientKnownRequestError && e.code === 'P2002') {
      return describeEvent(db, await db.cardEvent.findUniqueOrThrow({ where: { id: eventId } }), true);
    }
    throw e;
  }
}

interface Performed {
  kind: ReportEvent;
  data: Prisma.InputJsonObject;
  summary: string;
}

async function perform(tx: Tx, card: RegistrationCard, action: z.output<typeof cardActionSchema>, blob?: { sha256: string; size: number }): Promise<Performed> {
  const now = new Date().toISOString();
  switch (action.type) {
    case 'forward': {
      const to = { name: action.to, ...(action.post && { post: action.post }), ...(action.department && { department: action.department }) };
      return { kind: 'Forwarding', data: { to, date: now }, summary: `Передан на рассмотрение: ${action.to}${action.post ? `, ${action.post}` : ''}` };
    }
    case 'addTask': {
      const task = await createTask(tx, card.id, action);
      const names = action.executors.map((e) => e.name).join(', ');
      return { kind: 'Consideration', data: { change: 'created', taskId: taskIdOf(task), taskUid: task.uid }, summary: `Резолюция «${action.text}», исполнители: ${names}` };
    }
    case 'editTask': {
      const task = await findTask(tx, card.id, action.task);
      if (!action.text && !action.deadline) throw new EdmsError('invalidInput', 'укажите новый текст или срок поручения');
      await tx.task.update({
        where: { id: task.id },
        data: { ...(action.text && { text: action.text }), ...(action.deadline && { deadline: toDbDate(action.deadline), controlState: 'UnderControl' }) },
      });
      const what = [action.text && `текст «${action.text}»`, action.deadline && `срок ${readableDate(action.deadline)}`].filter(Boolean).join(', ');
      return { kind: 'Consideration', data: { change: 'edited', taskId: taskIdOf(task), taskUid: task.uid }, summary: `Резолюция изменена: ${what}` };
    }
    case 'deleteTask': {
      const task = await findTask(tx, card.id, action.task);
      await tx.task.update({ where: { id: task.id }, data: { status: 'cancelled' } });
      return { kind: 'Consideration', data: { change: 'deleted', taskId: taskIdOf(task), taskUid: task.uid }, summary: `Резолюция удалена: «${task.text ?? taskIdOf(task)}»` };
    }
    case 'reportExecution': {
      const task = await findTask(tx, card.id, action.task);
      const executors = await tx.taskExecutor.findMany({ where: { taskId: task.id }, orderBy: [{ createdAt: 'asc' }, { id: 'asc' }] });
      const executor = executors.find((e) => e.name === action.executor || e.uid === action.executor || e.id === action.executor);
      if (!executor) throw new EdmsError('invalidInput', `у поручения нет исполнителя «${action.executor}» (есть: ${executors.map((e) => e.name).join(', ') || 'никого'})`);
      await tx.executionReport.create({ data: { executorId: executor.id, text: action.text, statusText: action.status ?? null, reportedAt: new Date(now) } });
      await tx.taskExecutor.update({ where: { id: executor.id }, data: { status: action.status && /исполн|выполн/i.test(action.status) ? 'completed' : 'inProgress' } });
      return {
        kind: 'Report',
        data: { taskId: taskIdOf(task), taskUid: task.uid, executor: executor.name },
        summary: `Отчёт об исполнении: ${executor.name}${action.status ? ` — ${action.status}` : ''} — ${action.text}`,
      };
    }
    case 'redirect': {
      const participant = await findParticipantBySevIndex(tx, action.to);
      const to = participant ? { name: participant.shortName, sevIndex: participant.sevIndex, uid: participant.uid ?? participant.sevIndex } : { name: action.to };
      return { kind: 'Redirection', data: { to, delivery: action.delivery, date: now }, summary: `Перенаправлен: ${to.name} (${action.delivery})` };
    }
    case 'answer': {
      if (card.direction !== 'incoming' || !card.senderOrganizationId) throw new EdmsError('invalidInput', 'ответ готовится на полученный документ');
      const journal = await findActiveJournal(tx, DEFAULT_JOURNALS.outgoing.code, 'outgoing');
      if (!journal) throw new EdmsError('noJournal', 'нет действующего журнала исходящих документов');
      const sender = await tx.organization.findUniqueOrThrow({ where: { id: card.senderOrganizationId } });
      const answer = await tx.registrationCard.create({
        data: {
          direction: 'outgoing',
          status: 'registered',
          registeredAt: new Date(),
          ...(await allocateNumber(tx, journal, today())),
          documentUid: newGuid(),
          kind: action.kind,
          annotation: action.annotation,
          addressees: { create: [{ organizationId: sender.id, name: sender.shortName }] },
          linksFrom: { create: [{ toCardId: card.id, type: 'answerTo', description: 'Ответ на' }] },
        },
      });
      return {
        kind: 'Answer',
        data: { answerCardId: answer.id, documentUid: answer.documentUid, number: answer.regNumber, date: readableIso(answer.regDate), kind: action.kind, sentAt: now },
        summary: `Направлен ответ № ${answer.regNumber} от ${readableDate(readableIso(answer.regDate))}: ${action.annotation}`,
      };
    }
    case 'addFile': {
      if (!blob) throw new EdmsError('invalidInput', 'нет содержимого файла');
      await tx.documentFile.create({ data: { cardId: card.id, name: action.name, size: blob.size, sha256: blob.sha256, storagePath: blob.sha256 } });
      return { kind: 'Editing', data: { change: 'file', name: action.name, sha256: blob.sha256 }, summary: `Добавлен файл «${action.name}»` };
    }
    case 'edit': {
      if (!action.annotation && !action.note) throw new EdmsError('invalidInput', 'укажите новое краткое содержание или примечание');
      await tx.registrationCard.update({ where: { id: card.id }, data: { ...(action.annotation && { annotation: action.annotation }), ...(action.note && { note: action.note }) } });
      return { kind: 'Editing', data: { change: 'card', ...(action.annotation && { annotation: action.annotation }), ...(action.note && { note: action.note }) }, summary: 'Карточка исправлена' };
    }
  }
}

export interface TaskInput {
  text: string;
  executors: ExecutorInput[];
  /** YYYY-MM-DD: the task is under control until then. */
  deadline?: string;
  author?: string;
}

/** A resolution with its executors; an executor of another organization reports back by доклад. */
export async function createTask(tx: Tx, cardId: string, input: TaskInput) {
  const task = await tx.task.create({
    data: {
      cardId,
      uid: newGuid(),
      type: 'Resolution',
      text: input.text,
      authorName: input.author ?? null,
      signDate: input.author ? toDbDate(today()) : null,
      deadline: toDbDate(input.deadline) ?? null,
      controlState: input.deadline ? 'UnderControl' : 'NoControl',
    },
  });
  for (const raw of input.executors) {
    const executor = executorInput.parse(raw);
    const organization = executor.organization ? await externalOrganization(tx, executor.organization) : null;
    await tx.taskExecutor.create({
      data: { taskId: task.id, uid: newGuid(), name: executor.name, post: executor.post ?? null, organizationId: organization?.id ?? null, isResponsible: executor.responsible },
    });
  }
  return task;
}

function readableIso(date: Date | null): string {
  return (date ?? new Date()).toISOString().slice(0, 10);
}

/** A task of the card by its row id, UID or TaskID. */
async function findTask(tx: Tx, cardId: string, ref: string) {
  const task = await tx.task.findFirst({
    where: { cardId, status: { not: 'cancelled' }, OR: [{ uid: ref }, { sourceTaskId: ref }, ...(UUID.test(ref) ? [{ id: ref }] : [])] },
  });
  if (!task) throw new EdmsError('invalidInput', `на карточке нет действующего поручения «${ref}»`);
  return task;
}

async function externalOrganization(tx: Tx, sevIndex: string) {
  const organization = await findParticipantBySevIndex(tx, sevIndex);
  if (!organization) throw new EdmsError('unknownAddressee', `в справочнике нет участника с индексом СЭВ «${sevIndex}»`);
  return organization.isSelf ? null : organization;
}

/** How an event travels on: its card's direction, and the workflow or follow-up it needs. */
export async function describeCardEvent(db: PrismaClient, eventId: string): Promise<RecordedCardEvent> {
  return describeEvent(db, await db.cardEvent.findUniqueOrThrow({ where: { id: eventId } }), true);
}

async function describeEvent(db: PrismaClient, event: CardEvent, repeated: boolean): Promise<RecordedCardEvent> {
  const card = await db.registrationCard.findUniqueOrThrow({ where: { id: event.cardId }, select: { direction: true } });
  const data = event.data as { answerCardId?: string; change?: string };
  const base = { eventId: event.id, cardId: event.cardId, kind: event.kind, summary: event.summary, direction: card.direction, repeated };
  if (card.direction === 'incoming') {
    return { ...base, inboundWorkflowId: await inboundWorkflowOfCard(db, event.cardId), ...(data.answerCardId && { answerCardId: data.answerCardId }) };
  }
  // Our own document: new tasks, reports and files go as AddToDoc, corrections of the card as Editing.
  const followUp = event.kind === 'Editing' && data.change === 'card' ? 'Editing' : event.kind === 'Forwarding' || event.kind === 'Redirection' ? undefined : 'AddToDoc';
  return { ...base, ...(followUp && { followUp }) };
}

/** The workflow of the message that registered a received card, when SEV received it. */
export async function inboundWorkflowOfCard(db: PrismaClient | Tx, cardId: string): Promise<string | undefined> {
  const message = await db.message.findFirst({
    where: { cardId, direction: 'incoming', kind: 'MainDoc', status: 'registered' },
    orderBy: { createdAt: 'asc' },
    select: { workflowId: true },
  });
  return message?.workflowId ?? undefined;
}

/** Events recorded but not decided yet, oldest first: the sweep signals them again. */
export async function undecidedCardEvents(db: PrismaClient, olderThan: Date, limit = 500) {
  return db.cardEvent.findMany({
    where: { outcome: null, createdAt: { lt: olderThan } },
    orderBy: [{ createdAt: 'asc' }, { id: 'asc' }],
    take: limit,
    select: { id: true, kind: true, cardId: true },
  });
}

export async function getCardEvents(db: PrismaClient, eventIds: string[]): Promise<CardEventRecord[]> {
  const rows = await db.cardEvent.findMany({ where: { id: { in: eventIds } }, orderBy: [{ occurredAt: 'asc' }, { id: 'asc' }] });
  return rows.map((row) => ({
    id: row.id,
    cardId: row.cardId,
    kind: row.kind as CardEventRecord['kind'],
    occurredAt: row.occurredAt.toISOString(),
    data: row.data as Record<string, unknown>,
    summary: row.summary,
    outcome: row.outcome,
    reportMessageId: row.reportMessageId,
  }));
}

/** Settles events not settled yet; an event keeps the first outcome it got. Returns how many have this outcome now. */
export async function settleCardEvents(db: PrismaClient, eventIds: string[], outcome: CardEventOutcome, reportMessageId?: string): Promise<number> {
  const { count } = await db.cardEvent.updateMany({
    where: { id: { in: eventIds }, outcome: null },
    data: { outcome, handledAt: new Date(), ...(reportMessageId && { reportMessageId }) },
  });
  if (count === eventIds.length) return count;
  // Some were settled before: by an earlier run of the same step (its workflow task was retried), or otherwise.
  return db.cardEvent.count({ where: { id: { in: eventIds }, outcome, ...(reportMessageId && { reportMessageId }) } });
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
