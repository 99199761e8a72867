// The built-in EDMS's outgoing documents: registration, reading back for the passport, send status
// and the reports (доклады) of the addressee, against a real database of its own.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { newGuid } from '../../codec/guid';
import type { MessageHeader, Notification, ReportMessage } from '../../codec/types';
import { EdmsError, type CreatedOutgoingCard } from '../../edms/builtin';
import { sha256Hex } from '../../registry/blobs';
import { contactOf, createTestDatabase, type TestDatabase } from './support';

let t: TestDatabase;
before(async () => {
  t = await createTestDatabase('edms_outgoing');
});
after(async () => {
  await t?.drop();
});

const letterPdf = Buffer.from('%PDF-1.7 Письмо о предоставлении сведений');
const appendixXlsx = Buffer.from('PK таблица сведений');

async function sendLetter(idempotencyKey?: string): Promise<CreatedOutgoingCard> {
  return t.edms.createOutgoingCard({
    kind: 'Письмо',
    annotation: 'О предоставлении сведений о численности',
    signer: { name: 'Иванов И. И.', post: 'Министр' },
    writer: 'Петрова П. П.',
    files: [
      { name: 'Письмо о предоставлении сведений.pdf', content: letterPdf, mediaType: 'application/pdf' },
      { name: 'Приложение № 1 — сведения.xlsx', content: appendixXlsx },
    ],
    addresseeSevIndexes: [t.peer.sevIndex],
    idempotencyKey,
  });
}

/** A report from the peer about our card, recorded in the registry as an incoming message. */
async function receiveReport(card: CreatedOutgoingCard, notification: Omit<Notification, 'initialDoc'>, documents?: ReportMessage['documents']) {
  const header: MessageHeader<'Report'> = {
    messageType: 'Report',
    messageId: newGuid(),
    returnId: newGuid(),
    version: '1.0',
    time: '2026-11-27T20:30:00+03:00',
    resourceId: 0,
    sender: { contact: contactOf(t.peer), edms: { uid: newGuid() } },
    recipient: { contacts: [contactOf(t.self)] },
    resources: [{ uid: '0', uniqueName: 'Report.xml' }],
  };
  const message: ReportMessage = {
    kind: 'Report',
    header,
    notification: { initialDoc: { uid: card.documentUid, number: card.regNumber, date: card.regDate }, ...notification },
    ...(documents && { documents }),
  };
  const row = await t.db.message.create({ data: { direction: 'incoming', messageId: header.messageId, kind: 'Report', status: 'verified', peerOrganizationId: t.peer.id } });
  return { messageRowId: row.id, cardId: card.cardId, addresseeId: card.addressees[0]!.addresseeId, message, xml: '<Report/>' };
}

describe('outgoing documents', () => {
  test('an outgoing card is registered with its files and read back for the addressee’s passport', async () => {
    const card = await sendLetter();

    assert.match(card.regNumber, /^Исх-\d+$/);
    assert.match(card.documentUid, /^[0-9A-F]{32}$/);
    const document = await t.edms.getOutgoingDocument(card.cardId);
    assert.deepEqual(
      { regNumber: document.regNumber, regDate: document.regDate, documentUid: document.documentUid, kind: document.kind, annotation: document.annotation, signer: document.signer, writer: document.writer },
      {
        regNumber: card.regNumber,
        regDate: card.regDate,
        documentUid: card.documentUid,
        kind: 'Письмо',
        annotation: 'О предоставлении сведений о численности',
        signer: { name: 'Иванов И. И.', post: 'Министр' },
        writer: 'Петрова П. П.',
      },
    );
    assert.deepEqual(document.files, [
      { name: 'Письмо о предоставлении сведений.pdf', sha256: sha256Hex(letterPdf), size: letterPdf.length, mediaType: 'application/pdf', signatures: [] },
      { name: 'Приложение № 1 — сведения.xlsx', sha256: sha256Hex(appendixXlsx), size: appendixXlsx.length, mediaType: undefined, signatures: [] },
    ]);
    assert.deepEqual(document.addressees, card.addressees);
    assert.deepEqual(
      document.addressees.map(({ organizationId, sevIndex, name, mailboxAddress }) => ({ organizationId, sevIndex, name, mailboxAddress })),
      [{ organizationId: t.peer.id, sevIndex: t.peer.sevIndex, name: t.peer.shortName, mailboxAddress: t.peer.mailboxAddress }],
    );
  });

  test('the same idempotency key registers one card, even when asked twice at once', async () => {
    const key = `send-${newGuid()}`;

    const [first, second] = await Promise.all([sendLetter(key), sendLetter(key)]);
    const third = await sendLetter(key);

    assert.deepEqual(second, first);
    assert.deepEqual(third, first);
    assert.equal(await t.db.registrationCard.count({ where: { documentUid: first.documentUid } }), 1);
  });

  test('an addressee the directory does not know is refused with its index named', async () => {
    await assert.rejects(
      t.edms.createOutgoingCard({ annotation: 'Письмо', files: [], addresseeSevIndexes: [t.peer.sevIndex, 'NOBODY-404'] }),
      (e: unknown) => e instanceof EdmsError && e.code === 'unknownAddressee' && e.message.includes('"NOBODY-404"'),
    );
  });

  test('recordSend marks the addressee sent and keeps the outgoing message it went in', async () => {
    const card = await sendLetter();
    const addresseeId = card.addressees[0]!.addresseeId;
    const message = await t.db.message.create({ data: { direction: 'outgoing', messageId: newGuid(), kind: 'MainDoc', status: 'sent', cardId: card.cardId } });

    await t.edms.recordSend(addresseeId, { status: 'sent', messageId: message.messageId!, at: '2026-11-27T17:00:00.000Z' });
    await t.edms.recordSend(addresseeId, { status: 'failed', reason: 'повторная попытка не удалась' });

    const addressee = await t.db.cardAddressee.findUniqueOrThrow({ where: { id: addresseeId } });
    assert.deepEqual(
      { sendStatus: addressee.sendStatus, sentAt: addressee.sentAt?.toISOString(), lastMessageId: addressee.lastMessageId },
      { sendStatus: 'sent', sentAt: '2026-11-27T17:00:00.000Z', lastMessageId: message.id },
      'a later failure does not undo a delivery',
    );
  });

  test('recording the same send again (a retried activity) does not undo a refusal that came since', async () => {
    const card = await sendLetter();
    const addresseeId = card.addressees[0]!.addresseeId;
    const message = await t.db.message.create({ data: { direction: 'outgoing', messageId: newGuid(), kind: 'MainDoc', status: 'sent', cardId: card.cardId } });
    await t.edms.recordSend(addresseeId, { status: 'sent', messageId: message.messageId!, at: new Date().toISOString() });
    await t.db.cardAddressee.update({ where: { id: addresseeId }, data: { sendStatus: 'refused' } });

    await t.edms.recordSend(addresseeId, { status: 'sent', messageId: message.messageId!, at: new Date().toISOString() });
    assert.equal((await t.db.cardAddressee.findUniqueOrThrow({ where: { id: addresseeId } })).sendStatus, 'refused');

    const resent = await t.db.message.create({ data: { direction: 'outgoing', messageId: newGuid(), kind: 'MainDoc', status: 'sent', cardId: card.cardId } });
    await t.edms.recordSend(addresseeId, { status: 'sent', messageId: resent.messageId!, at: new Date().toISOString() });
    assert.equal((await t.db.cardAddressee.findUniqueOrThrow({ where: { id: addresseeId } })).sendStatus, 'sent', 'a new send of a refused document counts');
  });
});

describe('attachReport', () => {
  test('Reception then Registration: the addressee is registered under its number, the timeline in order', async () => {
    const card = await sendLetter();
    await t.edms.recordSend(card.addressees[0]!.addresseeId, { status: 'sent', messageId: newGuid(), at: new Date().toISOString() });
    const reception = await receiveReport(card, { reception: '2026-11-27T20:15:00+03:00' });
    const registration = await receiveReport(card, { registration: { documentId: 'B-CARD-17', systemDate: '2026-11-27T20:20:00+03:00' } }, [
      { documentId: 'B-CARD-17', type: 'Incoming', mainDocument: true, registrationInfo: { number: 'Вх-17', date: '2026-11-27' } },
    ]);

    const received = await t.edms.attachReport(reception);
    const registered = await t.edms.attachReport(registration);

    assert.deepEqual(received, { status: 'received', addresseeRegNumber: undefined, addresseeRegDate: undefined, failure: undefined, summaries: ['Получен адресатом 27.11.2026 20:15'] });
    assert.deepEqual(registered, {
      status: 'registered',
      addresseeRegNumber: 'Вх-17',
      addresseeRegDate: '2026-11-27',
      failure: undefined,
      summaries: ['Зарегистрирован адресатом под № Вх-17 от 27.11.2026'],
    });

    // Re-applying either report (a retried activity) adds nothing and moves nothing back.
    assert.deepEqual(await t.edms.attachReport(registration), registered);
    assert.deepEqual(await t.edms.attachReport(reception), { ...received, status: 'registered', addresseeRegNumber: 'Вх-17', addresseeRegDate: '2026-11-27' });

    const [addressee] = (await t.edms.getCard(card.cardId)).addressees;
    assert.deepEqual(
      { sendStatus: addressee?.sendStatus, addresseeRegNumber: addressee?.addresseeRegNumber, addresseeRegDate: addressee?.addresseeRegDate },
      { sendStatus: 'registered', addresseeRegNumber: 'Вх-17', addresseeRegDate: '2026-11-27' },
    );
    assert.deepEqual(
      addressee?.reports.map(({ event, summary, eventAt }) => ({ event, summary, eventAt })),
      [
        { event: 'Reception', summary: 'Получен адресатом 27.11.2026 20:15', eventAt: '2026-11-27T17:15:00.000Z' },
        { event: 'Registration', summary: 'Зарегистрирован адресатом под № Вх-17 от 27.11.2026', eventAt: '2026-11-27T17:20:00.000Z' },
      ],
    );
  });

  test('a refusal with its code and the events of one report keep their order', async () => {
    const card = await sendLetter();
    const report = await receiveReport(card, { reception: '2026-11-27T20:15:00+03:00', failure: { code: 3, text: 'Документ направлен не по адресу' } });

    const onCard = await t.edms.attachReport(report);

    assert.deepEqual(onCard, {
      status: 'refused',
      addresseeRegNumber: undefined,
      addresseeRegDate: undefined,
      failure: { code: 3, text: 'Документ направлен не по адресу' },
      summaries: ['Получен адресатом 27.11.2026 20:15', 'Отказ (код 3): Документ направлен не по адресу'],
    });
    const stored = await t.db.documentReport.findMany({ where: { messageId: report.messageRowId }, orderBy: { eventIndex: 'asc' } });
    assert.deepEqual(
      stored.map((r) => [r.eventIndex, r.event, r.failureCode]),
      [
        [0, 'Reception', null],
        [1, 'Failure', 3],
      ],
    );
  });

  test('a report about another card’s addressee is refused', async () => {
    const [one, other] = [await sendLetter(), await sendLetter()];
    const report = await receiveReport(one, { reception: '2026-11-27T20:15:00+03:00' });

    await assert.rejects(t.edms.attachReport({ ...report, cardId: other.cardId }), (e: unknown) => e instanceof EdmsError && e.code === 'unknownCard');
  });
});

describe('listCards', () => {
  test('lists the newest outgoing cards first, with their addressees', async () => {
    const card = await sendLetter();

    const [newest] = await t.edms.listCards({ direction: 'outgoing', limit: 1 });

    assert.deepEqual(
      { id: newest?.id, regNumber: newest?.regNumber, correspondents: newest?.correspondents },
      { id: card.cardId, regNumber: card.regNumber, correspondents: [t.peer.shortName] },
    );
  });
});

describe('settleCardEvents', () => {
  test('settling again (a step run twice) gives the same count and keeps each event’s first outcome', async () => {
    const card = await sendLetter();
    const made = await Promise.all(
      [1, 2, 3].map((i) => t.db.cardEvent.create({ data: { cardId: card.cardId, kind: 'Forwarding', data: {}, summary: `Передан исполнителю ${i}`, actor: 'Секретарь' } })),
    );
    const ids = made.map((e) => e.id);
    const report = newGuid();
    assert.equal(await t.edms.settleCardEvents(ids.slice(0, 1), 'refused'), 1);
    assert.equal(await t.edms.settleCardEvents(ids, 'reported', report), 2, 'the refused one keeps its outcome');
    assert.equal(await t.edms.settleCardEvents(ids, 'reported', report), 2, 'the same answer when the step runs again');
    assert.equal(await t.edms.settleCardEvents(ids, 'reported', newGuid()), 0, 'none was told by another report');
    const events = await t.edms.getCardEvents(ids);
    assert.deepEqual(
      events.map((e) => [e.outcome, e.reportMessageId ?? null]).sort(),
      [['refused', null], ['reported', report], ['reported', report]].sort(),
    );
  });
});
