// Tasks across organizations and follow-ups, over the real stack. A sends a document with a
// resolution whose executors are one of B's officials and one of A's own; B registers it with the
// task; B's executor reports and A shows the report on its task beside its own executor's report;
// A's own report, a new file and a corrected card go to B as AddToDoc and Editing, which update
// B's card without registering the document again.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { performCardAction } from '../../workers/card-events';
import { cardText, sendDocument } from '../../workers/send';
import { eventually, registeredAtA, startTestExchange, type TestExchange, type TestOrganization } from '../support/exchange';

let ex: TestExchange;
let A: TestOrganization;
let B: TestOrganization;

before(async () => {
  ex = await startTestExchange('res');
  [A, B] = ex.orgs as [TestOrganization, TestOrganization];
});

after(async () => {
  await ex?.stop();
});

const executorReports = async (org: TestOrganization, cardId: string) => {
  const card = await org.edms.getCard(cardId);
  return card.tasks.flatMap((task) => task.executors.flatMap((e) => e.reports.map((r) => ({ task: task.text, executor: e.name, organization: e.organization, text: r.text, status: r.status }))));
};

test('a resolution with executors at B: their report comes back to A and shows on the task beside A’s own', async () => {
  const sent = await sendDocument(ex.config, A.org, {
    kind: 'Поручение',
    annotation: 'О подготовке сводного отчёта',
    files: [{ name: 'Поручение.txt', content: Buffer.from('Подготовить сводный отчёт.') }],
    addresseeSevIndexes: [B.org.sevIndex],
    tasks: [
      {
        text: 'Подготовить сводный отчёт за квартал',
        deadline: '2026-12-25',
        executors: [
          { name: 'Петров П. П.', organization: B.org.sevIndex, responsible: true },
          { name: 'Иванова И. И.', responsible: false },
        ],
      },
    ],
  });
  await registeredAtA(ex, sent.workflowIds[0]!, 'B registered the document');

  // B registered the document with A's task and both executors.
  const incoming = await B.db.registrationCard.findFirstOrThrow({ where: { direction: 'incoming', documentUid: sent.documentUid } });
  const atB = await B.edms.getCard(incoming.id);
  assert.equal(atB.tasks.length, 1);
  const [task] = atB.tasks;
  assert.equal(task!.text, 'Подготовить сводный отчёт за квартал');
  assert.equal(task!.deadline, '2026-12-25');
  assert.deepEqual(task!.executors.map((e) => [e.name, e.organization, e.responsible]), [
    ['Петров П. П.', null, true],
    ['Иванова И. И.', A.org.sevIndex, false],
  ]);
  const taskAtA = await A.db.task.findFirstOrThrow({ where: { cardId: sent.cardId } });
  assert.equal(task!.uid, taskAtA.uid, 'the task keeps its UID across organizations');

  // B's executor reports: the report goes back to A as an execution report.
  await performCardAction(B.org, ex.client, B.db, incoming.id, { type: 'reportExecution', task: task!.uid, executor: 'Петров П. П.', text: 'Отчёт подготовлен', status: 'Исполнено' }, 'Петров П. П.');
  // A's own executor reports on the same task at A: a follow-up (AddToDoc) takes it to B.
  const own = await performCardAction(A.org, ex.client, A.db, sent.cardId, { type: 'reportExecution', task: task!.uid, executor: 'Иванова И. И.', text: 'Данные министерства переданы' }, 'Иванова И. И.');
  assert.equal(own.event.followUp, 'AddToDoc');
  assert.equal(own.workflowIds.length, 1, 'one follow-up per addressee the document went to');

  const atA = await eventually('both reports on A’s task', async () => {
    const reports = await executorReports(A, sent.cardId);
    return reports.length >= 2 ? reports : undefined;
  });
  assert.deepEqual(
    atA.map((r) => [r.executor, r.organization, r.text, r.status]).sort(),
    [
      ['Иванова И. И.', null, 'Данные министерства переданы', null],
      ['Петров П. П.', B.org.sevIndex, 'Отчёт подготовлен', 'Исполнено'],
    ],
  );
  const reportsAtA = (await A.edms.getCard(sent.cardId)).addressees[0]!.reports;
  // `sev card show` prints it for a person: the task with both reports, and the timeline.
  const text = cardText(await A.edms.getCard(sent.cardId));
  assert.match(text, /Резолюции:\n {2}• «Подготовить сводный отчёт за квартал», срок 2026-12-25/);
  assert.match(text, new RegExp(`исполнитель: Петров П\\. П\\. \\(${B.org.sevIndex}\\), ответственный\\n.*отчёт: Исполнено — Отчёт подготовлен`));
  assert.match(text, /исполнитель: Иванова И\. И\.\n.*отчёт: Данные министерства переданы/);
  assert.match(text, /Зарегистрирован адресатом под № Вх-\d+/);
  assert.ok(reportsAtA.some((r) => r.event === 'Report' && /Петров П\. П\. — Исполнено — Отчёт подготовлен/.test(r.summary)), 'the report is on the card’s timeline too');

  // B's card shows A's executor's report, from the AddToDoc, beside its own.
  const atB2 = await eventually('A’s report on B’s task', async () => {
    const reports = await executorReports(B, incoming.id);
    return reports.length >= 2 ? reports : undefined;
  });
  assert.deepEqual(atB2.map((r) => [r.executor, r.text]).sort(), [
    ['Иванова И. И.', 'Данные министерства переданы'],
    ['Петров П. П.', 'Отчёт подготовлен'],
  ]);
  // Each report once, on both sides, however many task lists repeated them.
  await new Promise((r) => setTimeout(r, 2000));
  assert.equal((await executorReports(A, sent.cardId)).length, 2);
  assert.equal((await executorReports(B, incoming.id)).length, 2);
  assert.equal(await B.db.registrationCard.count({ where: { direction: 'incoming', documentUid: sent.documentUid } }), 1, 'a follow-up never registers the document again');
});

test('a new file goes as AddToDoc and a corrected card as Editing; B updates its card', async () => {
  const sent = await sendDocument(ex.config, A.org, { annotation: 'О графике дежурств', files: [{ name: 'График.txt', content: Buffer.from('График') }], addresseeSevIndexes: [B.org.sevIndex] });
  await registeredAtA(ex, sent.workflowIds[0]!, 'B registered the document');
  const file = await performCardAction(A.org, ex.client, A.db, sent.cardId, { type: 'addFile', name: 'Изменения к графику.txt', contentBase64: Buffer.from('Изменения').toString('base64') }, 'Иванова И. И.');
  assert.equal(file.event.followUp, 'AddToDoc');
  const edit = await performCardAction(A.org, ex.client, A.db, sent.cardId, { type: 'edit', annotation: 'О графике дежурств на декабрь' }, 'Иванова И. И.');
  assert.equal(edit.event.followUp, 'Editing');

  // Either may come first (the Editing carries every file too); both end applied.
  const updated = await eventually('both follow-ups applied at B', async () => {
    const card = await B.db.registrationCard.findFirstOrThrow({
      where: { direction: 'incoming', documentUid: sent.documentUid },
      include: { files: true, messages: { where: { kind: { in: ['AddToDoc', 'Editing'] }, status: 'applied' } } },
    });
    return card.messages.length === 2 ? card : undefined;
  });
  assert.equal(updated.annotation, 'О графике дежурств на декабрь');
  assert.deepEqual(updated.files.map((f) => f.name).sort(), ['Изменения к графику.txt', 'График.txt'].sort());
  assert.equal(updated.status, 'registered');
  assert.equal(await B.db.registrationCard.count({ where: { direction: 'incoming', documentUid: sent.documentUid } }), 1);
  const kinds = await B.db.message.findMany({ where: { direction: 'incoming', documentUid: sent.documentUid }, select: { kind: true, status: true } });
  assert.deepEqual(kinds.map((m) => `${m.kind}:${m.status}`).sort(), ['AddToDoc:applied', 'Editing:applied', 'MainDoc:registered']);
});
