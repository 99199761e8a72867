// Reports on every EDMS event at the addressee, honouring the correspondent's order and the
// addressee's refusals, over the real stack. A orders every report but Redirection; B's rules
// refuse Forwarding reports. Every event kind is played at B; A must hold exactly the reports
// that are both ordered and allowed, in the order B's events happened, each with its XML.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { applyCardAction, getCardEvents } from '../../edms/builtin/events';
import { performCardAction, sweepCardEvents } from '../../workers/card-events';
import { startOutboundExchanges } from '../../workers/outbound';
import { inboundStateQuery, outboundStateQuery, type InboundState } from '../../workflows/definitions';
import { eventually, registeredAtA, startTestExchange, type TestExchange, type TestOrganization } from '../support/exchange';

let ex: TestExchange;
let A: TestOrganization;
let B: TestOrganization;
let C: TestOrganization;

before(async () => {
  ex = await startTestExchange('rev', {
    rules: [
      { reportOrder: { stopDayCount: 30, reports: ['Reception', 'Registration', 'Forwarding', 'Consideration', 'Report', 'Answer'] } },
      { refuseReports: ['Forwarding'] },
      // C orders reports on receipt and registration only (StopDayCount 0).
      { reportOrder: { stopDayCount: 0, reports: ['Reception', 'Registration', 'Forwarding'] } },
    ],
    count: 3,
  });
  [A, B, C] = ex.orgs as [TestOrganization, TestOrganization, TestOrganization];
});

after(async () => {
  await ex?.stop();
});

async function sendAndRegister(annotation: string) {
  const card = await A.edms.createOutgoingCard({ kind: 'Письмо', annotation, files: [{ name: 'Письмо.txt', content: Buffer.from(annotation) }], addresseeSevIndexes: [B.org.sevIndex] });
  const [outboundId] = await startOutboundExchanges(ex.client, A.org, { ...card, annotation });
  await registeredAtA(ex, outboundId!, 'Registration report at A');
  const incoming = await B.db.registrationCard.findFirstOrThrow({ where: { direction: 'incoming', documentUid: card.documentUid } });
  const message = await B.db.message.findFirstOrThrow({ where: { cardId: incoming.id, kind: 'MainDoc' } });
  return { card, outboundId: outboundId!, incoming, inboundId: message.workflowId! };
}

const act = (cardId: string, action: Parameters<typeof performCardAction>[4]) => performCardAction(B.org, ex.client, B.db, cardId, action, 'Секретарь Б');

test('every event kind at B: A receives exactly the ordered and allowed reports, in order', async () => {
  const { card, outboundId, incoming, inboundId } = await sendAndRegister('О подготовке к отопительному сезону');

  // The passport carried A's order: everything but Redirection, for 30 days.
  const inbound = await ex.client.workflow.getHandle(inboundId).query(inboundStateQuery);
  assert.equal(inbound.stage, 'following', 'the registered document waits for its events');

  const played: Awaited<ReturnType<typeof act>>[] = [];
  played.push(await act(incoming.id, { type: 'forward', to: 'Сидоров С. С.', post: 'Заместитель главы' }));
  played.push(await act(incoming.id, { type: 'addTask', text: 'Подготовить план мероприятий', executors: [{ name: 'Петров П. П.', responsible: true }], deadline: '2026-12-20' }));
  const taskUid = (await B.db.task.findFirstOrThrow({ where: { cardId: incoming.id, text: 'Подготовить план мероприятий' } })).uid;
  played.push(await act(incoming.id, { type: 'editTask', task: taskUid, text: 'Подготовить и согласовать план мероприятий' }));
  played.push(await act(incoming.id, { type: 'addTask', text: 'Проинформировать подведомственные учреждения', executors: [{ name: 'Кузнецова К. К.' }] }));
  const secondUid = (await B.db.task.findFirstOrThrow({ where: { cardId: incoming.id, text: 'Проинформировать подведомственные учреждения' } })).uid;
  played.push(await act(incoming.id, { type: 'deleteTask', task: secondUid }));
  played.push(await act(incoming.id, { type: 'reportExecution', task: taskUid, executor: 'Петров П. П.', text: 'План подготовлен и согласован', status: 'Исполнено' }));
  played.push(await act(incoming.id, { type: 'redirect', to: 'Областное управление ЖКХ' }));
  played.push(await act(incoming.id, { type: 'answer', annotation: 'План мероприятий к отопительному сезону' }));
  for (const p of played) assert.equal(p.workflowIds[0], inboundId, `${p.event.kind} went to the document's workflow`);

  // B decides every event: Forwarding refused by its rule, Redirection not ordered, the rest reported.
  const decided = await eventually('every event decided at B', async () => {
    const events = await getCardEvents(B.db, played.map((p) => p.event.eventId));
    return events.every((e) => e.outcome !== null) ? events : undefined;
  });
  assert.deepEqual(
    decided.map((e) => [e.kind, e.outcome]),
    [
      ['Forwarding', 'refused'],
      ['Consideration', 'reported'],
      ['Consideration', 'reported'],
      ['Consideration', 'reported'],
      ['Consideration', 'reported'],
      ['Report', 'reported'],
      ['Redirection', 'notOrdered'],
      ['Answer', 'reported'],
    ],
  );

  // A holds exactly these reports, in B's order, each with its XML.
  const expected = ['Reception', 'Registration', 'Consideration', 'Consideration', 'Consideration', 'Consideration', 'Report', 'Answer'];
  const timeline = await eventually('A holds every report', async () => {
    const view = await A.edms.getCard(card.cardId);
    const reports = view.addressees[0]!.reports;
    return reports.length >= expected.length ? reports : undefined;
  });
  // Nothing more arrives later: the refused and unordered events never produce a report.
  await new Promise((r) => setTimeout(r, 3000));
  const final = (await A.edms.getCard(card.cardId)).addressees[0]!.reports;
  assert.deepEqual(final.map((r) => r.event), expected);
  assert.deepEqual(timeline.map((r) => r.event), expected);
  const text = final.map((r) => r.summary);
  assert.match(text[2]!, /Подготовить план мероприятий/);
  assert.match(text[3]!, /Подготовить и согласовать план мероприятий/);
  assert.match(text[4]!, /Проинформировать/);
  assert.match(text[5]!, /Резолюция снята/, 'a deleted task is a Consideration naming a task absent from the TaskList');
  assert.match(text[6]!, /Петров П\. П\. — Исполнено — План подготовлен и согласован/);
  assert.match(text[7]!, /Направлен ответ № Исх-\d+/);
  const xml = await A.db.documentReport.findMany({ where: { cardId: card.cardId }, select: { xml: true } });
  assert.ok(xml.every((r) => r.xml.includes('http://www.eos.ru/2010/sev')), 'each report keeps its XML');

  // The answer itself went to A and was linked there to A's document.
  const answer = await eventually('the answer registered at A and linked', async () => {
    const cards = await A.db.registrationCard.findMany({ where: { direction: 'incoming', annotation: 'План мероприятий к отопительному сезону' }, include: { linksFrom: true } });
    return cards[0]?.status === 'registered' && cards[0].linksFrom.length > 0 ? cards[0] : undefined;
  });
  assert.equal(answer.linksFrom[0]!.toCardId, card.cardId);
  assert.equal(answer.linksFrom[0]!.type, 'answerTo');

  // Both workflows show it: B's counts, A's latest event.
  const state: InboundState = await ex.client.workflow.getHandle(inboundId).query(inboundStateQuery);
  assert.deepEqual({ ...state.events, last: undefined }, { received: 8, reported: 6, notOrdered: 1, refused: 1, last: undefined });
  const outbound = await ex.client.workflow.getHandle(outboundId).query(outboundStateQuery);
  assert.equal(outbound.status, 'registered');
  assert.match(outbound.lastEvent ?? '', /Направлен ответ/);
});

test('a repeated action with the same key records one event and sends one report', async () => {
  const { card, incoming } = await sendAndRegister('О повторной передаче');
  const first = await performCardAction(B.org, ex.client, B.db, incoming.id, { type: 'addTask', text: 'Рассмотреть', executors: [{ name: 'Петров П. П.' }] }, 'Секретарь Б', 'key-1');
  const again = await performCardAction(B.org, ex.client, B.db, incoming.id, { type: 'addTask', text: 'Рассмотреть', executors: [{ name: 'Петров П. П.' }] }, 'Секретарь Б', 'key-1');
  assert.equal(again.event.eventId, first.event.eventId);
  assert.equal(again.event.repeated, true);
  assert.equal(await B.db.task.count({ where: { cardId: incoming.id } }), 1);
  await eventually('the Consideration report at A', async () => {
    const reports = await A.db.documentReport.findMany({ where: { cardId: card.cardId, event: 'Consideration' } });
    return reports.length > 0 ? reports : undefined;
  });
  await new Promise((r) => setTimeout(r, 2000));
  assert.equal(await A.db.documentReport.count({ where: { cardId: card.cardId, event: 'Consideration' } }), 1);
});

test('bad actions get a clear error and record nothing', async () => {
  const { incoming } = await sendAndRegister('О проверке ошибок');
  const before = await B.db.cardEvent.count();
  await assert.rejects(act(incoming.id, { type: 'reportExecution', task: 'нет-такого', executor: 'Петров', text: 'x' }), /нет действующего поручения/);
  await assert.rejects(act(incoming.id, { type: 'addTask', text: '', executors: [] } as never), /неверное действие/);
  await assert.rejects(act('00000000-0000-7000-8000-000000000000', { type: 'forward', to: 'Кто-то' }), /нет/);
  assert.equal(await B.db.cardEvent.count(), before);
});

test('when the subscription has ended the workflow is complete, and a later event gets no report', async () => {
  const card = await C.edms.createOutgoingCard({ annotation: 'Уведомление без докладов о ходе рассмотрения', files: [], addresseeSevIndexes: [B.org.sevIndex] });
  const [outboundId] = await startOutboundExchanges(ex.client, C.org, { ...card, annotation: card.regNumber });
  const incoming = await eventually('B registered C’s document', async () => {
    const found = await B.db.registrationCard.findFirst({ where: { direction: 'incoming', documentUid: card.documentUid, status: 'registered' } });
    return found ?? undefined;
  });
  const { workflowId } = await B.db.message.findFirstOrThrow({ where: { cardId: incoming.id, kind: 'MainDoc' }, select: { workflowId: true } });
  const done = await eventually('B’s workflow completed at registration', async () => {
    const d = await ex.client.workflow.getHandle(workflowId!).describe();
    return d.status.name === 'COMPLETED' ? d : undefined;
  });
  const state = await ex.client.workflow.getHandle(done.workflowId).query(inboundStateQuery);
  assert.equal(state.outcome, 'registered');
  assert.match(state.details, /срок докладов истёк/);
  // C's own exchange ends there too: it takes reports until its StopDayCount (0) has passed.
  await eventually('C’s outbound workflow completed', async () => {
    const d = await ex.client.workflow.getHandle(outboundId!).describe();
    return d.status.name === 'COMPLETED' ? d : undefined;
  });

  const late = await act(incoming.id, { type: 'forward', to: 'Сидоров С. С.' });
  assert.match(late.routed, /срок докладов/);
  const [event] = await getCardEvents(B.db, [late.event.eventId]);
  assert.equal(event!.outcome, 'subscriptionEnded');
  await new Promise((r) => setTimeout(r, 3000));
  assert.deepEqual((await C.edms.getCard(card.cardId)).addressees[0]!.reports.map((r) => r.event), ['Reception', 'Registration']);
});

test('an event whose signal was lost is signalled again by the sweep and reported once', async () => {
  const { card, incoming } = await sendAndRegister('О потерянном сигнале');
  // Saved in the EDMS, but the signal never went (Temporal was away at that moment).
  const recorded = await applyCardAction(B.db, incoming.id, { type: 'addTask', text: 'Проверить сведения', executors: [{ name: 'Орлов О. О.' }] }, 'Секретарь Б');
  assert.equal((await getCardEvents(B.db, [recorded.eventId]))[0]!.outcome, null, 'undecided until its workflow hears of it');

  assert.ok((await sweepCardEvents(B.org, ex.client, B.db, 0)) >= 1);
  await eventually('the event reported after the sweep', async () => {
    const [event] = await getCardEvents(B.db, [recorded.eventId]);
    return event?.outcome === 'reported' ? event : undefined;
  });
  // A second sweep (or the worker's own) finds nothing to do, and A holds the report once.
  await sweepCardEvents(B.org, ex.client, B.db, 0);
  await eventually('A holds the Consideration report', async () => (await A.db.documentReport.count({ where: { cardId: card.cardId, event: 'Consideration' } })) || undefined);
  await new Promise((r) => setTimeout(r, 2000));
  assert.equal(await A.db.documentReport.count({ where: { cardId: card.cardId, event: 'Consideration' } }), 1);
});
