// Documents travel end to end between two organizations over the real Temporal, PostgreSQL,
// Postfix and Dovecot: sent, received, registered once, answered with reports, shown on the card.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import type { OutboundState } from '../../workflows/definitions';
import { createMailSender, type MailSender } from '../../exchange/smtp';
import { createIntakeHandler } from '../../workers/intake';
import { startOutboundExchanges } from '../../workers/outbound';
import { fetchRawMessage, listMailbox, sendRawMessage } from '../stack/mail-helpers';
import { eventually, registeredAtA, startTestExchange, type TestExchange, type TestOrganization } from '../support/exchange';

let ex: TestExchange;
let A: TestOrganization;
let B: TestOrganization;

before(async () => {
  ex = await startTestExchange('e2e');
  [A, B] = ex.orgs as [TestOrganization, TestOrganization];
});

after(async () => {
  await ex?.stop();
});

const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');

async function send(from: TestOrganization, to: TestOrganization, annotation: string, files: { name: string; content: Buffer }[]) {
  const card = await from.edms.createOutgoingCard({ kind: 'Письмо', annotation, signer: { name: 'Иванов И.И.', post: 'Министр' }, files, addresseeSevIndexes: [to.org.sevIndex] });
  const [workflowId] = await startOutboundExchanges(ex.client, from.org, { ...card, annotation });
  return { card, workflowId: workflowId! };
}

async function untilRegistered(workflowId: string): Promise<OutboundState> {
  return registeredAtA(ex, workflowId, `Registration report for ${workflowId}`);
}

async function incomingCards(org: TestOrganization) {
  return org.db.registrationCard.findMany({ where: { direction: 'incoming' }, include: { files: true }, orderBy: { createdAt: 'asc' } });
}

test('a letter with two Cyrillic-named files goes from A to B, is registered once at B, and A holds the reports', async () => {
  const files = [
    { name: 'Письмо о переносе совещания.pdf', content: Buffer.from('%PDF-1.4 тестовое письмо '.repeat(200)) },
    { name: 'Приложение №1 — список участников.docx', content: Buffer.from('PK список участников '.repeat(300)) },
  ];
  const { card, workflowId } = await send(A, B, 'О переносе совещания по цифровизации', files);
  const state = await untilRegistered(workflowId);

  const [incoming, ...more] = await incomingCards(B);
  assert.equal(more.length, 0, 'B registered the document once');
  assert.ok(incoming);
  assert.equal(incoming.status, 'registered');
  assert.match(incoming.regNumber ?? '', /^Вх-\d+$/);
  assert.equal(incoming.annotation, 'О переносе совещания по цифровизации');
  assert.equal(incoming.senderRegNumber, card.regNumber);
  assert.equal(incoming.documentUid, card.documentUid);
  assert.deepEqual(
    incoming.files.map((f) => [f.name, f.sha256]).sort(),
    files.map((f) => [f.name, sha(f.content)]).sort(),
  );

  // A's card shows B's number and both reports, in order.
  assert.equal(state.addresseeRegistration?.number, incoming.regNumber);
  const addressee = await A.db.cardAddressee.findFirstOrThrow({ where: { cardId: card.cardId } });
  assert.equal(addressee.sendStatus, 'registered');
  assert.equal(addressee.addresseeRegNumber, incoming.regNumber);
  // Both reports came in one sweep of A's mailbox and are stored side by side; wait for the second.
  const reports = await eventually('both reports on A’s card', async () => {
    const rows = await A.db.documentReport.findMany({ where: { cardId: card.cardId }, orderBy: [{ eventAt: 'asc' }, { receivedAt: 'asc' }] });
    return rows.length >= 2 ? rows : undefined;
  });
  assert.deepEqual(reports.map((r) => r.event), ['Reception', 'Registration']);
  assert.ok(reports.every((r) => r.xml.includes('http://www.eos.ru/2010/sev')), 'reports keep their XML');

  // Every mail left the INBOX only after it was handled.
  assert.equal((await listMailbox(ex.config, B.org)).length, 0);
  assert.equal((await listMailbox(ex.config, A.org)).length, 0);
});

test('a document goes the other way, from B to A, with both cards correct', async () => {
  const { card, workflowId } = await send(B, A, 'Ответ администрации о сроках', [{ name: 'Ответ.txt', content: Buffer.from('Сроки согласованы.') }]);
  const state = await untilRegistered(workflowId);
  const atA = (await incomingCards(A)).filter((c) => c.documentUid === card.documentUid);
  assert.equal(atA.length, 1);
  assert.equal(atA[0]!.senderRegNumber, card.regNumber);
  assert.equal(state.addresseeRegistration?.number, atA[0]!.regNumber);
  const outgoing = await B.db.cardAddressee.findFirstOrThrow({ where: { cardId: card.cardId } });
  assert.equal(outgoing.addresseeRegNumber, atA[0]!.regNumber);
});

test('the same mail delivered twice registers once, and A records each report once', async () => {
  const { card, workflowId } = await send(A, B, 'Письмо, доставленное дважды', [{ name: 'Дважды.txt', content: Buffer.from('повтор') }]);
  await untilRegistered(workflowId);
  const processed = await listMailbox(ex.config, B.org, 'Processed');
  const mainDoc = processed.find((m) => m.subject?.includes(card.regNumber));
  assert.ok(mainDoc, 'the package is in B/Processed');
  const raw = await fetchRawMessage(ex.config, B.org, mainDoc.uid, 'Processed');
  await sendRawMessage(ex.config, { from: A.org.mailbox.address, to: B.org.mailbox.address }, raw);

  // B handles the repeat (to Processed) and sends its receipt again; A sees that as a repeat too.
  await eventually('the repeated mail handled by B', async () => {
    const count = (await listMailbox(ex.config, B.org, 'Processed')).filter((m) => m.subject?.includes(card.regNumber)).length;
    return count >= 2 ? true : undefined;
  });
  await eventually('A handles the repeated receipt', async () => {
    const receipts = (await listMailbox(ex.config, A.org, 'Processed')).filter((m) => m.subject?.includes('о получении') && m.subject.includes(card.regNumber));
    return receipts.length >= 2 ? true : undefined;
  });
  const atB = (await incomingCards(B)).filter((c) => c.documentUid === card.documentUid);
  assert.equal(atB.length, 1, 'registered once');
  const reports = await A.db.documentReport.groupBy({ by: ['event'], where: { cardId: card.cardId }, _count: true });
  assert.deepEqual(Object.fromEntries(reports.map((r) => [r.event, r._count])), { Reception: 1, Registration: 1 });
});

test('the same mail read again from the mailbox (a second intake took it first) is not answered again; a new delivery is', async () => {
  const { card, workflowId } = await send(A, B, 'Письмо, прочитанное дважды', [{ name: 'Прочитано.txt', content: Buffer.from('два чтения') }]);
  await untilRegistered(workflowId);
  const row = await B.db.message.findFirstOrThrow({ where: { direction: 'incoming', kind: 'MainDoc', documentUid: card.documentUid } });
  assert.ok(row.rawSha256 && row.mailSource, 'the message row names the mail it was read from');
  const [mailbox, uidValidity, uid] = row.mailSource.split('/') as [string, string, string];
  assert.equal(mailbox, B.org.mailbox.address);
  const processed = (await listMailbox(ex.config, B.org, 'Processed')).find((m) => m.subject?.includes(card.regNumber));
  assert.ok(processed, 'the package is in B/Processed');
  const raw = await fetchRawMessage(ex.config, B.org, processed.uid, 'Processed');

  // The intake handler as a second worker runs it, its sends recorded.
  const real = createMailSender(ex.config);
  const sent: string[] = [];
  const recording: MailSender = { ...real, sendRaw: (m) => (sent.push(m.to), real.sendRaw(m)) };
  const handle = createIntakeHandler({ config: ex.config, organization: B.org, db: B.db, client: ex.client, mail: recording });
  try {
    assert.equal(await handle(raw, { mailbox, uidValidity, uid: Number(uid) }), 'Processed', 'the same mail read again');
    assert.deepEqual(sent, [], 'no receipt goes again for the same mail');
    assert.equal(await handle(raw, { mailbox, uidValidity, uid: Number(uid) + 100_000 }), 'Processed', 'the same bytes delivered anew');
    assert.deepEqual(sent, [A.org.mailbox.address], 'a new delivery gets the receipt again');
  } finally {
    real.close();
  }
  const atB = await B.db.registrationCard.count({ where: { direction: 'incoming', documentUid: card.documentUid } });
  assert.equal(atB, 1, 'registered once');
});

test('operators find both sides of an exchange in Temporal by number, correspondent and status, with Russian summaries', async () => {
  const { card, workflowId } = await send(A, B, 'Письмо для поиска в Temporal', []);
  const state = await untilRegistered(workflowId);
  const list = async (query: string) => {
    const ids: string[] = [];
    for await (const wf of ex.client.workflow.list({ query })) ids.push(wf.workflowId);
    return ids;
  };
  // Visibility is eventually consistent: the status written last shows a moment later.
  await eventually('the outbound exchange by number and status', async () => {
    const ids = await list(`SevOrganization = "${A.org.id}" AND SevDocNumber = "${card.regNumber}" AND SevStatus = "registered"`);
    return ids.includes(workflowId) ? true : undefined;
  });
  const inboundId = `sev/${B.org.id}/in/${state.messageId}`;
  await eventually('the inbound exchange by correspondent and status', async () => {
    const ids = await list(`SevOrganization = "${B.org.id}" AND SevCorrespondent = "${A.org.shortName}" AND SevStatus = "registered" AND SevDirection = "in"`);
    return ids.includes(inboundId) ? true : undefined;
  });
  const described = await ex.client.workflow.getHandle(workflowId).describe();
  assert.equal(await described.staticSummary(), `Исходящий № ${card.regNumber} от ${card.regDate} → ${B.org.shortName}`);
  const inbound = await ex.client.workflow.getHandle(inboundId).describe();
  assert.match((await inbound.staticSummary()) ?? '', new RegExp(`^Входящий: документ № ${card.regNumber} от ${card.regDate} — ${A.org.shortName}$`));
});
