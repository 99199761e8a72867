// The demo story: organization A registers an outgoing letter with two files and a resolution for
// one of B's officials and sends it to B; B's SEV receives and registers it with the task; B's
// clerk forwards it to the head, the executor reports; A shows B's reports and the execution
// report on its task. Printed in Russian, with links into the Temporal Web UI. `npm run demo`
// stops after the story; `npm start` keeps SEV running.
import { createBuiltinEdms } from '../edms/builtin';
import { createPrismaClient } from '../prisma/client';
import { migrateAll } from '../prisma/migrate';
import { stackUp } from '../stack';
import { inboundWorkflowId, outboundStateQuery, type OutboundState } from '../workflows/definitions';
import { temporalFor, type OrganizationConfig, type SevConfig } from './config';
import { sendDocument } from './send';
import { performCardAction } from './card-events';
import type { Client } from '@temporalio/client';
import { connectClient } from './temporal';
import { startWorkers, type RunningWorkers } from './worker';

export class DemoFailed extends Error {
  override name = 'DemoFailed';
}

const say = (line = '') => console.log(line);

function workflowLink(config: SevConfig, org: OrganizationConfig, workflowId: string): string {
  const t = temporalFor(config, org);
  return `${t.uiUrl}/namespaces/${t.namespace}/workflows/${encodeURIComponent(workflowId)}`;
}

/** Brings everything up, starts the workers and plays the story; returns the running workers. */
export async function runDemo(config: SevConfig, options: { timeoutMs?: number } = {}): Promise<RunningWorkers> {
  const [A, B] = config.organizations;
  if (!A || !B) throw new DemoFailed('для демонстрации нужны две организации в конфигурации');

  say('== Локальный стенд: Temporal, PostgreSQL, Postfix, Dovecot');
  await stackUp(config, (line) => say(`   ${line}`));
  await migrateAll(config);
  say(`== Запускаю СЭВ организаций: ${config.organizations.map((o) => o.shortName).join(', ')}`);
  const workers = await startWorkers(config, config.organizations);
  try {
    await playStory(config, A, B, options.timeoutMs ?? 120_000);
    return workers;
  } catch (e) {
    workers.shutdown();
    await workers.done.catch(() => {});
    throw e;
  }
}

async function playStory(config: SevConfig, A: OrganizationConfig, B: OrganizationConfig, timeoutMs: number): Promise<void> {
  say();
  say(`1. «${A.shortName}» регистрирует исходящее письмо с двумя файлами и отправляет его в «${B.shortName}».`);
  const sent = await sendDocument(config, A, {
    kind: 'Письмо',
    annotation: 'О проведении совещания по переходу на электронный документооборот',
    signer: { name: 'Петров П.П.', post: 'Заместитель министра' },
    files: [
      { name: 'Письмо о совещании.pdf', content: Buffer.from(`%PDF-1.4\n% Письмо о совещании ${new Date().toISOString()}\n`) },
      { name: 'Приложение №1 — повестка.txt', content: Buffer.from('1. Открытие.\n2. Порядок обмена через СЭВ.\n3. Разное.\n') },
    ],
    addresseeSevIndexes: [B.sevIndex],
    tasks: [{ text: 'Обеспечить участие представителя в совещании', executors: [{ name: EXECUTOR, organization: B.sevIndex, responsible: true }] }],
  });
  say(`   Исходящий № ${sent.regNumber} от ${sent.regDate}, UID ${sent.documentUid}; резолюция для исполнителя в «${B.shortName}»: ${EXECUTOR}.`);
  const workflowId = sent.workflowIds[0]!;
  say(`   Отправка в Temporal: ${workflowLink(config, A, workflowId)}`);

  const client = await connectClient(temporalFor(config, A));
  try {
    const handle = client.workflow.getHandle(workflowId);
    const seen = new Set<string>();
    const deadline = Date.now() + timeoutMs;
    let state: OutboundState | undefined;
    let step = 2;
    while (Date.now() < deadline) {
      state = await handle.query(outboundStateQuery);
      if (state.status === 'sent' && !seen.has('sent')) {
        seen.add('sent');
        say(`${step++}. Пакет отправлен по почте: паспорт DocInfo.xml и файлы (MessageID ${state.messageId}).`);
        say(`   Приём у «${B.shortName}»: ${workflowLink(config, B, inboundWorkflowId(B.id, state.messageId!))}`);
      }
      if ((state.status === 'received' || state.status === 'registered') && !seen.has('received')) {
        seen.add('received');
        say(`${step++}. «${B.shortName}» получил документ: доклад о получении пришёл в «${A.shortName}».`);
      }
      if (state.status === 'registered') {
        say(`${step++}. «${B.shortName}» зарегистрировал документ под № ${state.addresseeRegistration?.number} от ${state.addresseeRegistration?.date} вместе с резолюцией.`);
        step = await playEventsAtB(config, client, B, A, sent.documentUid, sent.cardId, step, deadline);
        say(`${step++}. Доклады в карточке исходящего у «${A.shortName}», по порядку:`);
        for (const line of await reportTimeline(A, sent.cardId)) say(`   • ${line}`);
        say();
        say(`Готово. Все обмены: ${temporalFor(config, A).uiUrl}/namespaces/${temporalFor(config, A).namespace}/workflows`);
        say(`Карточка у отправителя: npx sev card show --org ${A.id} ${sent.cardId}`);
        return;
      }
      if (state.status === 'refused' || state.status === 'failed') throw new DemoFailed(`обмен не удался: ${state.details}`);
      await new Promise((r) => setTimeout(r, 250));
    }
    throw new DemoFailed(`за ${timeoutMs / 1000} с не дождались регистрации у адресата; последнее состояние: ${state?.details ?? 'нет'}`);
  } finally {
    await client.connection.close();
  }
}

const EXECUTOR = 'Сидоров С.С.';

/** At B: the clerk forwards the document, the executor reports; A gets both reports and the report on its task. */
async function playEventsAtB(config: SevConfig, client: Client, B: OrganizationConfig, A: OrganizationConfig, documentUid: string, cardAtA: string, step: number, deadline: number): Promise<number> {
  const dbB = createPrismaClient(B.databaseUrl);
  const dbA = createPrismaClient(A.databaseUrl);
  try {
    const card = await dbB.registrationCard.findFirstOrThrow({ where: { direction: 'incoming', documentUid }, include: { tasks: true } });
    const task = card.tasks[0];
    if (!task) throw new DemoFailed('резолюция не дошла до адресата');
    const forwarded = await performCardAction(B, client, dbB, card.id, { type: 'forward', to: 'Козлов К.К.', post: 'Глава администрации' }, 'Секретарь', `demo-forward-${card.id}`);
    say(`${step++}. В «${B.shortName}» документ передан на рассмотрение: ${forwarded.event.summary.replace(/^Передан на рассмотрение: /, '')}.`);
    say(`   Процесс документа у «${B.shortName}»: ${workflowLink(config, B, forwarded.workflowIds[0] ?? '')}`);
    await performCardAction(B, client, dbB, card.id, { type: 'reportExecution', task: task.uid, executor: EXECUTOR, text: 'Участие подтверждено, представитель назначен', status: 'Исполнено' }, EXECUTOR, `demo-report-${card.id}`);
    say(`${step++}. Исполнитель ${EXECUTOR} отчитался об исполнении резолюции.`);
    while (Date.now() < deadline) {
      const reports = await dbA.executionReport.findMany({ where: { executor: { task: { cardId: cardAtA } } }, include: { executor: true } });
      const timeline = await dbA.documentReport.findMany({ where: { cardId: cardAtA, event: { in: ['Forwarding', 'Report'] } }, select: { event: true } });
      if (reports.length > 0 && new Set(timeline.map((r) => r.event)).size === 2) {
        for (const r of reports) say(`${step++}. В карточке «${A.shortName}» у резолюции — отчёт исполнителя ${r.executor.name} (${B.shortName}): ${r.statusText ?? ''} — ${r.text ?? ''}.`);
        return step;
      }
      await new Promise((r) => setTimeout(r, 250));
    }
    throw new DemoFailed('отчёт об исполнении не дошёл до отправителя');
  } finally {
    await dbA.$disconnect();
    await dbB.$disconnect();
  }
}

async function reportTimeline(org: OrganizationConfig, cardId: string): Promise<string[]> {
  const db = createPrismaClient(org.databaseUrl);
  try {
    const card = await createBuiltinEdms(db).getCard(cardId);
    return card.addressees.flatMap((a) => a.reports.map((r) => `${a.name}: ${r.summary}`));
  } finally {
    await db.$disconnect();
  }
}
