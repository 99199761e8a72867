// One registered document sent to one external addressee: build the passport and the package,
// send it once (a deterministic MessageID and Message-ID make a retry the same mail), then follow
// the addressee's reports until it has registered or refused the document.
import { allHandlersFinished, condition, setCurrentDetails, setHandler, upsertSearchAttributes } from '@temporalio/workflow';
import {
  outboundStateQuery,
  reportArrivedSignal,
  reportReceivedSignal,
  type OutboundDocumentInput,
  type OutboundState,
  type OutboundStatus,
  type ReportReceived,
} from './definitions';
import { reportWaitLimit } from './options';
import { step } from './steps';
import { clip, plain } from './ui-text';
import { SevStatus } from './search-attributes';

/** Later statuses never go back to earlier ones, whatever order reports arrive in. */
const statusRank: Record<OutboundStatus, number> = { preparing: 0, sent: 1, received: 2, registered: 3, refused: 3, failed: 3 };

export async function outboundDocumentWorkflow(input: OutboundDocumentInput): Promise<OutboundState> {
  const state: OutboundState = { status: 'preparing', details: 'Подготовка пакета', addressee: input.addresseeName, reports: [] };
  const pending: ReportReceived[] = [];
  // Report messages the intake handed over; the intake may hand one over twice after a crash.
  const arrived: string[] = [];
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
      upsertSearchAttributes([{ key: SevStatus, value: status }]);
    }
    state.details = details;
    setCurrentDetails(clip(plain(details), 'details'));
  };

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
  while (!final()) {
    if (!(await condition(reportsWaiting, reportWaitLimit, { summary: `Ожидание доклада адресата (не дольше ${reportWaitLimit})` }))) {
      show(state.status, `Нет доклада от адресата за ${reportWaitLimit}; обмен завершён без ответа`);
      break;
    }
    await takeReports();
  }
  // Reports handed over while the last one was applied are applied too: none is left unrecorded.
  await takeReports();
  await condition(allHandlersFinished);
  return state;

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
    if (report.addresseeRegNumber) state.addresseeRegistration = { number: report.addresseeRegNumber, date: report.addresseeRegDate };
    if (report.failure) state.refusal = report.failure;
    const waiting =
      report.status === 'received'
        ? 'получен адресатом; ждём регистрации'
        : report.status === 'registered'
          ? `зарегистрирован адресатом № ${report.addresseeRegNumber ?? '—'} от ${report.addresseeRegDate ?? '—'}`
          : report.status === 'refused'
            ? `отказ адресата: ${report.failure?.text ?? report.failure?.code ?? ''}`
            : report.summaries.join('; ');
    show(report.status, `${input.addresseeName}: ${waiting}`);
  }
}
