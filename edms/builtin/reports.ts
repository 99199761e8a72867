// Reports (доклады) about our outgoing documents: each event is kept on the card in words, and the
// addressee's status follows the events (received, registered with its number, refused).
import { reportEvents, summarizeContact, type ContactSummary, type ReportEvent } from '../../codec/summary';
import type { ReportMessage, Task } from '../../codec/types';
import type { CardAddressee, PrismaClient } from '../../prisma/client';
import type { AddresseeStatus, IncomingReport, ReportOnCard } from '../adapter';
import { fromDbDate, readableDate, readableDateTime, toDbDate, toInstant } from './dates';
import { EdmsError } from './errors';
import { addresseeStatus, advanceSendStatus } from './outgoing';
import { saveReportedExecution } from './tasks';
import { inTransaction, lockAddressee } from './tx';

/** Stores the report's events on the card (once per message and event) and moves the addressee on. */
export async function attachReport(db: PrismaClient, report: IncomingReport): Promise<ReportOnCard> {
  const events = reportEvents(report.message);
  return inTransaction(db, async (tx) => {
    await lockAddressee(tx, report.addresseeId);
    const addressee = await tx.cardAddressee.findUnique({ where: { id: report.addresseeId } });
    if (!addressee || addressee.cardId !== report.cardId) {
      throw new EdmsError('unknownCard', `card ${report.cardId} has no addressee ${report.addresseeId}`);
    }
    await tx.documentReport.createMany({
      data: events.map((event, eventIndex) => ({
        cardId: report.cardId,
        addresseeId: report.addresseeId,
        messageId: report.messageRowId,
        eventIndex,
        event: event.event,
        failureCode: event.event === 'Failure' ? event.code : null,
        eventAt: toInstant(eventTime(event) ?? report.message.header.time) ?? null,
        reportedAt: toInstant(report.message.header.time) ?? null,
        summary: summarizeEvent(event, report.message),
        xml: report.xml,
        returnId: report.message.header.returnId,
      })),
      skipDuplicates: true,
    });
    const updated = await tx.cardAddressee.update({ where: { id: addressee.id }, data: addresseeAfter(addressee, events) });
    // Our executors at the addressee report on our tasks: their reports go on the tasks too.
    if (events.some((event) => event.event === 'Report') && report.message.tasks?.length) {
      await saveReportedExecution(tx, report.cardId, addressee.organizationId, report.message.tasks, report.messageRowId);
    }
    const stored = await tx.documentReport.findMany({ where: { messageId: report.messageRowId }, orderBy: { eventIndex: 'asc' }, select: { summary: true } });
    const failure = events.find((event) => event.event === 'Failure');
    return {
      status: addresseeStatus(updated.sendStatus),
      addresseeRegNumber: updated.addresseeRegNumber ?? undefined,
      addresseeRegDate: fromDbDate(updated.addresseeRegDate),
      failure: failure && { code: failure.code, text: failure.text },
      summaries: stored.map((row) => row.summary),
    };
  });
}

/** The addressee's fields after the events; applying the same events again changes nothing. */
function addresseeAfter(addressee: CardAddressee, events: ReportEvent[]) {
  const sendStatus = events.reduce((status, event) => {
    const next = STATUS_OF_EVENT[event.event];
    return next ? advanceSendStatus(status, next) : status;
  }, addressee.sendStatus);
  const registration = events.find((event) => event.event === 'Registration');
  return {
    ...(sendStatus !== addressee.sendStatus && { sendStatus, statusChangedAt: new Date() }),
    ...(registration?.number && { addresseeRegNumber: registration.number }),
    ...(registration?.date && { addresseeRegDate: toDbDate(registration.date) }),
  };
}

const STATUS_OF_EVENT: Partial<Record<ReportEvent['event'], AddresseeStatus>> = {
  Reception: 'received',
  Registration: 'registered',
  Failure: 'refused',
};

function eventTime(event: ReportEvent): string | undefined {
  switch (event.event) {
    case 'Reception':
      return event.date;
    case 'Registration':
      return event.systemDate ?? event.date;
    case 'Forwarding':
    case 'Redirection':
    case 'Answer':
    case 'Direction':
      return event.date;
    default:
      return undefined;
  }
}

/** The event in words, as a person reads it on the card. */
export function summarizeEvent(event: ReportEvent, report: ReportMessage): string {
  switch (event.event) {
    case 'Reception':
      return `Получен адресатом ${at(event.date)}`;
    case 'Failure':
      return `Отказ (код ${event.code})${event.text ? `: ${event.text}` : ''}`;
    case 'Registration':
      return `Зарегистрирован адресатом${event.number ? ` под № ${event.number}` : ''}${event.date ? ` от ${readableDate(event.date)}` : ''}`;
    case 'Forwarding':
      return `Передан на рассмотрение: ${who(event.to)}, ${at(event.date)}`;
    case 'Consideration': {
      const task = taskOf(report, event.taskId, event.initialTaskUid);
      // A task named but absent from the addressee's current TaskList was deleted (docs/OPERATIONS.md).
      if (!task && (event.taskId || event.initialTaskUid)) return `Резолюция снята адресатом (поручение ${event.taskId ?? event.initialTaskUid})`;
      const executors = (task?.executors ?? []).map((executor) => who(summarizeContact(executor.contact)));
      return `Резолюция${task?.text ? `: «${task.text}»` : ''}${executors.length ? ` (исполнители: ${executors.join('; ')})` : ''}`;
    }
    case 'Report': {
      const reported = (taskOf(report, event.taskId)?.executors ?? []).filter((executor) => executor.text || executor.status);
      const texts = reported.map((executor) => [executor.contact.officialPerson?.fio, executor.status?.name, executor.text].filter(Boolean).join(' — '));
      return texts.length ? `Отчёт об исполнении: ${texts.join('; ')}` : 'Получен отчёт об исполнении';
    }
    case 'Redirection':
      return `Перенаправлен (${event.type}): ${typeof event.to === 'string' ? event.to : who(event.to)}, ${at(event.date)}`;
    case 'Answer':
      return `Направлен ответ${event.number ? ` № ${event.number}` : ''}${event.registrationDate ? ` от ${readableDate(event.registrationDate)}` : ''}, ${at(event.date)}`;
    case 'Direction':
      return `Направлен на ${event.visaSign === 'Visa' ? 'визирование' : 'подпись'}: ${who(event.to)}, ${at(event.date)}`;
    case 'SignInformation':
      return 'Получены сведения о подписании документа';
    case 'Editing':
      return 'Карточка документа изменена адресатом';
    case 'ProjectRegistration':
      return 'Зарегистрирован проект документа';
  }
}

function taskOf(report: ReportMessage, taskId?: string, taskUid?: string): Task | undefined {
  return report.tasks?.find((task) => (taskId !== undefined && task.taskId === taskId) || (taskUid !== undefined && task.uid === taskUid));
}

function who(contact: ContactSummary): string {
  return contact.person ? `${contact.person} (${contact.organization})` : contact.organization;
}

/** A time as the addressee wrote it, in Moscow time; text that is no time is shown as written. */
function at(dateTime: string): string {
  const instant = toInstant(dateTime);
  return instant ? readableDateTime(instant) : dateTime;
}
