// One received message, from verification to its one recorded end state: a MainDoc is registered
// (automatically or by a person), answered with Reception and Registration reports and linked; an
// AddToDoc or Editing updates the existing card; a report is stored on our outgoing card and
// passed to that document's outbound workflow.
import {
  allHandlersFinished,
  ApplicationFailure,
  condition,
  continueAsNew,
  getExternalWorkflowHandle,
  isCancellation,
  log,
  patched,
  setCurrentDetails,
  setHandler,
  sleep,
  workflowInfo,
} from '@temporalio/workflow';
import {
  cardEventSignal,
  inboundStateQuery,
  isCardEventKind,
  reportDecision,
  manualDecisionSignal,
  manualRegisterUpdate,
  manualRejectUpdate,
  reportReceivedSignal,
  type InboundMessageInput,
  type InboundOutcome,
  type InboundStage,
  type InboundState,
  type ManualDecision,
  type CardEventSignal,
  type ReportKind,
  type ReportPolicy,
  FailureCode,
} from './definitions';
import { continueAsNewAfter, eventsPerReport, followUpWait } from './options';
import { setStatus, step } from './steps';
import { clip, plain } from './ui-text';
import type { DuplicateCandidate, RegistrationOutcome } from '../edms/adapter';


export async function inboundMessageWorkflow(input: InboundMessageInput): Promise<InboundState> {
  const state: InboundState = input.resume?.state ?? { stage: 'verifying', details: 'Проверка пакета', reportsSent: [] };
  let decision: ManualDecision | undefined;
  // The correspondent's order and our refusals, known once the package is verified.
  let policy: ReportPolicy | undefined = input.resume?.policy;
  // EDMS events about the registered document, in the order they were signalled.
  const events: CardEventSignal[] = [...(input.resume?.pendingEvents ?? [])];

  setHandler(inboundStateQuery, () => state);
  setHandler(cardEventSignal, (event) => {
    if (typeof event?.eventId !== 'string' || !isCardEventKind(event.kind)) {
      log.warn('card event signal ignored: expected {"eventId":…,"kind":"Forwarding"|…}', { signal: event });
      return;
    }
    events.push(event);
    (state.events ??= emptyCounts()).received += 1;
  });
  setHandler(manualDecisionSignal, (d) => {
    if (state.stage !== 'manual' || decision) return;
    // Typed by hand in the Web UI's signal form: anything but a well-formed decision is ignored.
    if (isValidDecision(d)) decision = d;
    else log.warn('manual decision signal ignored: expected {"action":"register","by":…} or {"action":"reject","reason":…,"by":…}', { signal: d });
  });
  // A decision has settled when the document is registered (or the exchange ended), or when it
  // waits for a person again (the registration asked for could not be made, e.g. a number taken).
  const decisionSettled = () => state.stage === 'done' || state.stage === 'following' || (state.stage === 'manual' && decision === undefined);
  const validateManual = (_args: unknown) => {
    if (state.stage !== 'manual') throw new Error(`Документ не ожидает ручной регистрации (этап: ${state.stage})`);
    if (decision) throw new Error('Решение по ручной регистрации уже принято');
  };
  setHandler(
    manualRegisterUpdate,
    async (args) => {
      decision = { action: 'register', ...args };
      await condition(decisionSettled);
      return state;
    },
    { validator: validateManual },
  );
  setHandler(
    manualRejectUpdate,
    async (args) => {
      decision = { action: 'reject', ...args };
      await condition(decisionSettled);
      return state;
    },
    {
      validator: (args) => {
        validateManual(args);
        if (!args.reason?.trim()) throw new Error('Укажите причину отказа');
      },
    },
  );

  const moveTo = (stage: InboundStage, details: string) => {
    state.stage = stage;
    state.details = details;
    setCurrentDetails(clip(plain(details), 'details'));
  };
  const finish = (outcome: InboundOutcome, details: string) => {
    state.outcome = outcome;
    moveTo('done', details);
    setStatus(outcome);
    return state;
  };

  if (input.resume) await followEvents(input.resume.stopAt);
  else await handleMessage();
  // A person's update returns the outcome it led to; let it answer before the workflow ends.
  await condition(allHandlersFinished);
  return state;

  async function handleMessage(): Promise<InboundState> {
    // Verify: passport, sender, resources, hashes; and look for business duplicates.
    const verified = await step('Проверка пакета: паспорт, отправитель, вложения, хэши, дубликаты', 'verifyIncomingMessage', {
      messageRowId: input.messageRowId,
    });
    if (!verified.ok) {
      state.reason = verified.reason;
      if (verified.action === 'quarantine') return finish('quarantined', `В карантине: ${verified.reason}`);
      await sendReport('Failure', { failure: { code: verified.failureCode, text: verified.reason } });
      return finish('refused', `Отказ: ${verified.reason}`);
    }
    state.kind = verified.kind;
    state.sender = verified.sender;
    state.document = verified.document;
    policy = verified.policy;

    switch (verified.kind) {
      case 'MainDoc':
        return handleMainDocument(verified.duplicates, verified.duplicateAction);
      case 'AddToDoc':
      case 'Editing':
        return handleFollowUp(verified.kind);
      case 'Report':
        return handleReport();
      default: {
        const reason = `сообщение вида ${verified.kind} пока не обрабатывается`;
        await step('Отметка: карантин', 'markIncomingMessage', { messageRowId: input.messageRowId, status: 'quarantined', reason });
        return finish('quarantined', `В карантине: ${reason}`);
      }
    }
  }

  async function handleMainDocument(
    duplicates: DuplicateCandidate[],
    duplicateAction: 'manual' | 'refuse',
  ): Promise<InboundState> {
    await sendReport('Reception');

    // A duplicate found at verification, or at registration (under the EDMS's lock per document).
    const found = duplicates[0];
    let outcome: RegistrationOutcome;
    if (found) {
      outcome = { status: 'duplicate', cardId: '', original: found };
    } else {
      moveTo('registering', 'Автоматическая регистрация');
      outcome = await step('Регистрация в журнале входящих', 'registerIncomingDocument', { messageRowId: input.messageRowId });
    }

    if (outcome.status === 'duplicate') {
      const { original } = outcome;
      const reason = `Документ уже получен: № ${original.regNumber ?? '—'} от ${original.regDate ?? '—'}`;
      if (duplicateAction === 'refuse') {
        state.reason = reason;
        await step('Отметка: повторный документ', 'markIncomingMessage', { messageRowId: input.messageRowId, status: 'duplicate', reason });
        await sendReport('Failure', { failure: { code: FailureCode.duplicate, text: reason } });
        return finish('duplicate', `Повторный документ, отказ: ${reason}`);
      }
      outcome = await step('Передача на ручную регистрацию', 'requireManualRegistration', {
        messageRowId: input.messageRowId,
        reason: `Возможный дубликат. ${reason}`,
      });
    }

    while (outcome.status !== 'registered') {
      const made = await waitForManualDecision(outcome.status === 'manualRequired' ? outcome.reason : 'Возможный дубликат');
      if (made.action === 'reject') {
        await step('Отказ в регистрации (решение человека)', 'rejectIncomingDocument', { messageRowId: input.messageRowId, reason: made.reason, by: made.by });
        state.reason = made.reason;
        await sendReport('Failure', { failure: { code: FailureCode.rejectedByPerson, text: made.reason } });
        return finish('refused', `Отклонён вручную (${made.by}): ${made.reason}`);
      }
      moveTo('registering', `Регистрация вручную (${made.by})`);
      outcome = await step('Регистрация вручную', 'registerIncomingDocument', {
        messageRowId: input.messageRowId,
        manual: { regNumber: made.regNumber, regDate: made.regDate, journalCode: made.journalCode, registeredBy: made.by },
      });
    }

    state.registration = { cardId: outcome.cardId, number: outcome.regNumber, date: outcome.regDate };
    setStatus('registered');
    moveTo('reporting', `Зарегистрирован № ${outcome.regNumber} от ${outcome.regDate}; доклад корреспонденту`);
    await sendReport('Registration', { registration: state.registration });
    // Histories recorded before reports on EDMS events ended here.
    if (policy && patched('reports-on-edms-events')) {
      const stopAt = new Date(workflowInfo().startTime.getTime() + policy.stopDayCount * DAY_MS).toISOString();
      return followEvents(stopAt);
    }
    return finish('registered', `Зарегистрирован № ${outcome.regNumber} от ${outcome.regDate}`);
  }

  /**
   * The registered document's story: each EDMS event becomes a report if the correspondent ordered
   * it and our rules allow it, until the subscription's StopDayCount has passed. Continues as new
   * before the history grows long, carrying the state as plain JSON.
   */
  async function followEvents(stopAt: string): Promise<InboundState> {
    state.reportsUntil = stopAt;
    state.events ??= emptyCounts();
    state.outcome = 'registered';
    const registered = state.registration ? `Зарегистрирован № ${state.registration.number} от ${state.registration.date}` : 'Зарегистрирован';
    const until = `доклады до ${stopAt.slice(0, 10)}`;
    moveTo('following', `${registered}; ${until}`);
    for (;;) {
      if (events.length === 0) {
        const remaining = Date.parse(stopAt) - Date.now();
        if (remaining <= 0) break;
        const timer = { summary: `Ожидание событий СЭД по документу; ${until}` };
        if (!(await condition(() => events.length > 0, remaining, timer))) break;
      }
      await takeEvents();
      moveTo('following', `${registered}; ${until}; последнее: ${state.events.last ?? '—'}`);
      const info = workflowInfo();
      if (info.continueAsNewSuggested || info.historyLength >= continueAsNewAfter) {
        await condition(allHandlersFinished);
        state.run = (state.run ?? 1) + 1;
        return continueAsNew<typeof inboundMessageWorkflow>({
          ...input,
          resume: { state, policy: policy!, stopAt, pendingEvents: events.splice(0) },
        });
      }
    }
    // Events that came as the subscription ended are recorded as too late.
    const late = events.splice(0).map((e) => e.eventId);
    if (late.length > 0) await step('События после окончания срока докладов', 'settleCardEvents', { eventIds: late, outcome: 'subscriptionEnded' });
    return finish('registered', `${registered}; срок докладов истёк (${stopAt.slice(0, 10)})`);
  }

  /** Reports pending events in the order they happened: one report per run of events of one kind. */
  async function takeEvents(): Promise<void> {
    const counts = (state.events ??= emptyCounts());
    while (events.length > 0) {
      const kind = events[0]!.kind;
      // A resolution or an execution report goes alone, with the TaskList as it stood after it.
      const batch = kind === 'Consideration' || kind === 'Report' ? 1 : eventsPerReport;
      let n = 1;
      while (n < events.length && n < batch && events[n]!.kind === kind) n++;
      const eventIds = events.splice(0, n).map((e) => e.eventId);
      const verdict = reportDecision(policy, kind);
      if (verdict === 'send') {
        const sent = await step(`Доклад корреспонденту: ${reportNames[kind]} (${eventIds.length})`, 'reportCardEvents', {
          messageRowId: input.messageRowId,
          workflowId: workflowInfo().workflowId,
          eventIds,
        });
        counts.reported += sent.reported;
        if (!sent.delivered) state.reportsUndelivered = [...(state.reportsUndelivered ?? []).slice(-49), `${kind}: ${sent.reason ?? ''}`];
      } else {
        const settled = await step(`${reportNames[kind]}: ${verdict === 'refused' ? 'доклад запрещён правилом' : 'корреспондент не заказывал'}`, 'settleCardEvents', {
          eventIds,
          outcome: verdict,
        });
        if (verdict === 'refused') counts.refused += settled;
        else counts.notOrdered += settled;
      }
      counts.last = `${reportNames[kind]}: ${verdict === 'send' ? 'доклад отправлен' : verdict === 'refused' ? 'запрещён правилом' : 'не заказан'}`;
    }
  }

  async function handleFollowUp(kind: 'AddToDoc' | 'Editing'): Promise<InboundState> {
    await sendReport('Reception');
    moveTo('applying', kind === 'Editing' ? 'Исправление карточки' : 'Досылка к документу');
    let applied = await step('Изменение карточки документа', 'applyFollowUpMessage', { messageRowId: input.messageRowId });
    // The main document may be on its way (sent together, or waiting for a person): wait for it a while.
    for (let attempt = 1; applied.status === 'noMainDocument' && attempt <= followUpWait.attempts; attempt++) {
      moveTo('applying', `Основной документ ещё не получен; повтор ${attempt} из ${followUpWait.attempts}`);
      await sleep(followUpWait.interval, { summary: 'Ожидание основного документа' });
      applied = await step('Изменение карточки документа', 'applyFollowUpMessage', { messageRowId: input.messageRowId });
    }
    if (applied.status === 'noMainDocument') {
      state.reason = applied.reason;
      await step('Отметка: отказ', 'markIncomingMessage', {
        messageRowId: input.messageRowId,
        status: 'refused',
        reason: applied.reason,
        failureCode: FailureCode.noMainDocument,
      });
      await sendReport('Failure', { failure: { code: FailureCode.noMainDocument, text: applied.reason } });
      return finish('refused', `Отказ: ${applied.reason}`);
    }
    return finish('applied', `Добавлено к документу № ${applied.regNumber ?? '—'}`);
  }

  async function handleReport(): Promise<InboundState> {
    moveTo('applying', 'Доклад: сохранение в карточке исходящего документа');
    const applied = await step('Доклад в карточку исходящего документа', 'applyIncomingReport', { messageRowId: input.messageRowId });
    if (!applied.matched) {
      state.reason = applied.reason;
      return finish('reportUnmatched', `Доклад не сопоставлен: ${applied.reason}`);
    }
    try {
      await getExternalWorkflowHandle(applied.outboundWorkflowId).signal(reportReceivedSignal, applied.report);
    } catch (e) {
      // The outbound exchange may have ended already; the report is stored on the card all the same.
      if (isCancellation(e)) throw e;
    }
    return finish('reportStored', `Доклад сохранён: ${applied.report.summaries.join('; ')}`);
  }

  async function waitForManualDecision(reason: string): Promise<ManualDecision> {
    state.manual = state.manual ?? { reason, since: new Date().toISOString(), reminders: 0 };
    state.manual.reason = reason;
    moveTo('manual', `Ждёт ручной регистрации: ${reason}`);
    setStatus('manual');
    decision = undefined;
    const reminderAfterMs = input.manualReminderMinutes * 60_000;
    const timer = { summary: `Ожидание ручной регистрации; напоминание через ${input.manualReminderMinutes} мин.` };
    while (!(await condition(() => decision !== undefined, reminderAfterMs, timer))) {
      state.manual.reminders += 1;
      await step('Напоминание о ручной регистрации', 'remindManualRegistration', {
        messageRowId: input.messageRowId,
        workflowId: workflowInfo().workflowId,
        reason,
        waitingSince: state.manual.since,
        reminders: state.manual.reminders,
      });
    }
    const made = decision as ManualDecision | undefined;
    if (!made) throw ApplicationFailure.nonRetryable('manual decision lost', 'InternalError');
    return made;
  }

  async function sendReport(
    event: 'Reception' | 'Registration' | 'Failure',
    extra: { registration?: { cardId: string; number: string; date: string }; failure?: { code: number; text?: string } } = {},
  ): Promise<void> {
    // A refusal (Failure) is always told; the rest only as ordered and allowed.
    const verdict = event === 'Failure' ? 'send' : reportDecision(policy, event);
    if (verdict !== 'send') {
      state.reportsWithheld = [...(state.reportsWithheld ?? []), `${event}: ${verdict === 'refused' ? 'запрещён правилом' : 'не заказан'}`];
      return;
    }
    const prior = state.details;
    state.details = `${prior}; отправка доклада ${event}`;
    const sent = await step(`Доклад корреспонденту: ${reportNames[event]}`, 'sendReportToCorrespondent', {
      messageRowId: input.messageRowId,
      workflowId: workflowInfo().workflowId,
      event,
      ...extra,
    });
    if (sent.delivered) state.reportsSent.push(event);
    else state.reportsUndelivered = [...(state.reportsUndelivered ?? []), `${event}: ${sent.reason}`];
    state.details = prior;
  }
}

function isValidDecision(d: unknown): d is ManualDecision {
  if (typeof d !== 'object' || d === null) return false;
  const { action, by, reason } = d as Record<string, unknown>;
  if (typeof by !== 'string' || !by.trim()) return false;
  return action === 'register' || (action === 'reject' && typeof reason === 'string' && reason.trim() !== '');
}

const reportNames: Record<ReportKind | 'Failure', string> = {
  Reception: 'получен',
  Registration: 'зарегистрирован',
  Failure: 'отказ',
  Forwarding: 'передан на рассмотрение',
  Consideration: 'резолюция',
  Report: 'отчёт об исполнении',
  Redirection: 'перенаправлен',
  Answer: 'ответ',
};

const DAY_MS = 24 * 60 * 60 * 1000;

function emptyCounts(): NonNullable<InboundState['events']> {
  return { received: 0, reported: 0, notOrdered: 0, refused: 0 };
}
