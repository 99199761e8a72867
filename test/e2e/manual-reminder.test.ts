// A document that cannot be registered automatically (here: B has no active incoming journal)
// waits for a person; while it waits, reminders go to the event log and escalate, the workflow
// keeps waiting, and the person's decision (an update) completes it with B's number.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { startOutboundExchanges } from '../../workers/outbound';
import {
  inboundStateQuery,
  inboundWorkflowId,
  manualDecisionSignal,
  manualRegisterUpdate,
  outboundStateQuery,
  type ManualDecision,
} from '../../workflows/definitions';
import { eventually, registeredAtA, startTestExchange, type TestExchange, type TestOrganization } from '../support/exchange';

let ex: TestExchange;
let A: TestOrganization;
let B: TestOrganization;

before(async () => {
  // A reminder every 3 seconds instead of every 4 hours.
  ex = await startTestExchange('rem', { rules: { manualReminderMinutes: 0.05 } });
  [A, B] = ex.orgs as [TestOrganization, TestOrganization];
  await B.db.registrationJournal.updateMany({ where: { direction: 'incoming' }, data: { isActive: false } });
});

after(async () => {
  await ex?.stop();
});

test('a document without a journal waits for a person, with escalating reminders, until registered by hand', async () => {
  const card = await A.edms.createOutgoingCard({ kind: 'Письмо', annotation: 'Письмо без журнала', files: [], addresseeSevIndexes: [B.org.sevIndex] });
  const [outboundId] = await startOutboundExchanges(ex.client, A.org, { ...card, annotation: 'Письмо без журнала' });
  const sent = await eventually('the package sent', async () => {
    const s = await ex.client.workflow.getHandle(outboundId!).query(outboundStateQuery);
    return s.messageId && s.status !== 'preparing' ? s : undefined;
  });
  const inbound = ex.client.workflow.getHandle(inboundWorkflowId(B.org.id, sent.messageId!));

  const waiting = await eventually('two reminders while waiting', async () => {
    const s = await inbound.query(inboundStateQuery);
    return s.stage === 'manual' && (s.manual?.reminders ?? 0) >= 2 ? s : undefined;
  });
  assert.match(waiting.manual!.reason, /журнал/i);
  const reminders = await B.db.eventLog.findMany({ where: { kind: 'manual.overdue', workflowId: inbound.workflowId }, orderBy: { createdAt: 'asc' } });
  assert.ok(reminders.length >= 2);
  assert.equal(reminders[0]!.level, 'warn');
  assert.equal(reminders[1]!.level, 'error', 'the second reminder escalates');
  // Received, not yet registered: A knows only of the receipt.
  assert.equal((await ex.client.workflow.getHandle(outboundId!).query(outboundStateQuery)).status, 'received');

  // A decision typed wrongly in the Web UI's signal form is ignored, not taken for a registration.
  await inbound.signal(manualDecisionSignal, { action: 'Reject', by: 'Тестова А.А.' } as unknown as ManualDecision);
  await inbound.signal(manualDecisionSignal, { action: 'reject', reason: '  ', by: 'Тестова А.А.' });
  assert.equal((await inbound.query(inboundStateQuery)).stage, 'manual');

  const done = await inbound.executeUpdate(manualRegisterUpdate, { args: [{ regNumber: 'Вх-Р-7', regDate: '2026-11-27', by: 'Тестова А.А.' }] });
  assert.equal(done.outcome, 'registered');
  assert.equal(done.registration?.number, 'Вх-Р-7');
  const atA = await registeredAtA(ex, outboundId!, 'A holds the Registration report');
  assert.equal(atA.addresseeRegistration?.number, 'Вх-Р-7');
  const cards = await B.db.registrationCard.findMany({ where: { documentUid: card.documentUid } });
  assert.deepEqual(cards.map((c) => [c.status, c.regNumber]), [['registered', 'Вх-Р-7']]);
});
