// One registered document sent to one external addressee: build the passport and the package,
// send it once (a deterministic MessageID and Message-ID make a retry the same mail), then follow
// the addressee's reports until it has registered or refused the document.
import { allHandlersFinished, condition, continueAsNew, patched, setCurrentDetails, setHandler, sleep, workflowInfo } from '@temporalio/workflow';
import {
  outboundStateQuery,
  reportArrivedSignal,
  reportReceivedSignal,
  type OutboundDocumentInput,
  type OutboundState,
  type OutboundStatus,
  type ReportReceived,
} from './definitions';
import { continueAsNewAfter, reportWaitLimit } from './options';
import { leanExchange, setStatus, step } from './steps';
import { clip, plain } from './ui-text';

const DAY_MS = 24 * 60 * 60 * 1000;
const MAX_REPORTS_IN_STATE = 200;

/** Later statuses never go back to earlier ones, whatever order reports arrive in. */
const statusRank: Record<OutboundStatus, number> = { preparing: 0, sent: 1, received: 2, registered: 3, refused: 3, failed: 3 };

export async function outboundDocumentWorkflow(input: OutboundDocumentInput): Promise<OutboundState> {
  const state: OutboundState = input.resume?.state ?? { status: 'preparing', details: 'Подготовка пакета', addressee: input.addresseeName, reports: [] };
  const pending: ReportReceived[] = [...(input.resume?.pending ?? [])];
  // Report messages the intake handed over; the intake may hand one over twice after a crash.
  const arrived: string[] = [...(input.resume?.arrived ?? [])];
  const handedOver = new Set<string>();

  setHandler(outboundStateQuery, () => state);
  setHandler(reportReceivedSignal, (report) => {
    pending.push(report);
  });
  setHandler(reportArrivedSignal, ({ messageRowId }) => {
    if (handedOver.has(messageRowId)) return;
    handedOver.add(messageRowId);
    arrived.push(messageRowId);
  });

  const show = (status: OutboundStatus, details: string) => {
    if (statusRank[status] >= statusRank[state.status]) {
      state.status = status;
      setStatus(status);
    }
    state.details = details;
    setCurrentDetails(clip(plain(details), 'details'));
  };

  if (input.resume) return followReports(input.resume.reportsUntil);

  const prepared = await step(`Паспорт и пакет для адресата ${input.addresseeName}`, 'prepareOutgoingPackage', {
    cardId: input.cardId,
    addresseeId: input.addresseeId,
    documentUid: input.documentUid,
  });
  state.messageId = prepared.messageId;

  const sent = await step(`Отправка пакета по почте: ${prepared.to}`, 'sendOutgoingMessage', {
    messageRowId: prepared.messageRowId,
    addresseeId: input.addresseeId,
  });
  if (!sent.ok) {
    show('failed', `Не отправлен: ${sent.reason}`);
    return state;
  }
  show('sent', `Отправлен ${input.addresseeName}; ждём доклада о получении`);

  // Follow the reports until the addressee registered or refused the document.
  const final = () => state.status === 'registered' || state.status === 'refused';
  const reportsWaiting = () => pending.length > 0 || arrived.length > 0;
  const waitSummary = `Ожидание доклада адресата (не дольше ${reportWaitLimit})`;
  const noReport = () => show(state.status, `Нет доклада от адресата за ${reportWaitLimit}; обмен завершён без ответа`);
  if (leanExchange()) {
    // One timer for the whole wait, however many reports come before the last one.
    let expired = false;
    void sleep(reportWaitLimit, { summary: waitSummary }).then(
      () => {
        expired = true;
      },
      () => undefined,
    );
    while (!final()) {
      await condition(() => reportsWaiting() || expired);
      if (!reportsWaiting()) {
        noReport();
        break;
      }
      await takeReports();
    }
  } else {
    while (!final()) {
      if (!(await condition(reportsWaiting, reportWaitLimit, { summary: waitSummary }))) {
        noReport();
        break;
      }
      await takeReports();
    }
  }
  // Reports handed over while the last one was applied are applied too: none is left unrecorded.
  await takeReports();
  // Histories recorded before the exchange followed the addressee's later events ended here.
  if (state.status === 'registered' && input.reportDays !== undefined && patched('reports-until-stop-day')) {
    return followReports(new Date(workflowInfo().startTime.getTime() + input.reportDays * DAY_MS).toISOString());
  }
  await condition(allHandlersFinished);
  return state;

  /** After registration: the addressee's reports on its events (forwarded, resolutions, answers…) until our order ends. */
  async function followReports(reportsUntil: string): Promise<OutboundState> {
    state.reportsUntil = reportsUntil;
    show(state.status, `${state.details}; доклады до ${reportsUntil.slice(0, 10)}`);
    for (;;) {
      if (!reportsWaiting()) {
        const remaining = Date.parse(reportsUntil) - Date.now();
        if (remaining <= 0) break;
        if (!(await condition(reportsWaiting, remaining, { summary: `Ожидание докладов адресата до ${reportsUntil.slice(0, 10)}` }))) break;
      }
      await takeReports();
      const info = workflowInfo();
      if (info.continueAsNewSuggested || info.historyLength >= continueAsNewAfter) {
        await condition(allHandlersFinished);
        state.run = (state.run ?? 1) + 1;
        // Reports handed over while it continues go with it.
        return continueAsNew<typeof outboundDocumentWorkflow>({ ...input, resume: { state, reportsUntil, pending: pending.splice(0), arrived: arrived.splice(0) } });
      }
    }
    show(state.status, `${state.details}; срок докладов истёк`);
    await condition(allHandlersFinished);
    return state;
  }

  async function takeReports(): Promise<void> {
    while (reportsWaiting()) {
      for (const report of pending.splice(0)) applyReport(report);
      for (const messageRowId of arrived.splice(0)) {
        const accepted = await step('Доклад адресата: проверка и запись в карточку', 'acceptReport', { messageRowId });
        if (accepted.matched) applyReport(accepted.report);
      }
    }
  }

  function applyReport(report: ReportReceived): void {
    state.reports.push(...report.summaries);
    // The card keeps every report; the state keeps the latest ones, so it stays small.
    if (state.reports.length > MAX_REPORTS_IN_STATE) state.reports.splice(0, state.reports.length - MAX_REPORTS_IN_STATE);
    state.reportCount = (state.reportCount ?? 0) + report.summaries.length;
    const later = !state.lastEventAt || !report.reportedAt || Date.parse(report.reportedAt) >= Date.parse(state.lastEventAt);
    if (report.summaries.length > 0 && later) {
      state.lastEvent = report.summaries[report.summaries.length - 1];
      if (report.reportedAt) state.lastEventAt = report.reportedAt;
    }
    if (report.addresseeRegNumber) state.addresseeRegistration = { number: report.addresseeRegNumber, date: report.addresseeRegDate };
    if (report.failure) state.refusal = report.failure;
    const waiting =
      report.status === 'received'
        ? 'получен адресатом; ждём регистрации'
        : report.status === 'registered'
          ? `зарегистрирован адресатом № ${report.addresseeRegNumber ?? '—'} от ${report.addresseeRegDate ?? '—'}`
          : report.status === 'refused'
            ? `отказ адресата: ${report.failure?.text ?? report.failure?.code ?? ''}`
            : (state.lastEvent ?? report.summaries.join('; '));
    show(report.status, `${input.addresseeName}: ${waiting}`);
  }
}
