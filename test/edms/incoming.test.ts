// The built-in EDMS registering received documents, against a real database of its own.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { newGuid } from '../../codec/guid';
import type { Task } from '../../codec/types';
import { createBuiltinEdms, EdmsError } from '../../edms/builtin';
import { contactOf, createTestDatabase, mainOf, receivePackage, type PassportSpec, type TestDatabase } from './support';

let t: TestDatabase;
before(async () => {
  t = await createTestDatabase('edms_incoming');
});
after(async () => {
  await t?.drop();
});

/** A passport from the peer to us with a letter and its signature. */
function letter(overrides: Partial<PassportSpec> = {}): PassportSpec {
  return {
    sender: t.peer,
    recipient: t.self,
    files: [{ name: 'Письмо о совещании.pdf', content: `%PDF письмо ${newGuid()}`, signature: 'подпись' }],
    ...overrides,
  };
}

function resolution(): Task {
  return {
    uid: newGuid(),
    taskId: '9001',
    type: 'Resolution',
    privacy: false,
    number: '1',
    author: { contact: contactOf(t.peer, { fio: 'Сидоров С. С.', post: 'Глава администрации' }), signDate: '2026-11-26' },
    text: 'Рассмотреть и подготовить предложения',
    executors: [
      { uid: 'EX-1', responsible: true, contact: contactOf(t.self, { fio: 'Петров П. П.', post: 'Начальник отдела' }) },
      { uid: 'EX-2', responsible: false, contact: contactOf(t.peer, { fio: 'Кузнецова К. К.', post: 'Консультант' }) },
    ],
    control: { state: 'UnderControl', contact: contactOf(t.peer, { fio: 'Сидоров С. С.' }), deadline: '2026-12-10' },
    isProject: false,
  };
}

describe('registerIncoming', () => {
  test('registers a MainDoc with every attribute of its passport, its files, tasks and addressees', async () => {
    const pkg = await receivePackage(
      t.db,
      letter({
        document: {
          group: { name: 'Письмо' },
          annotation: 'О проведении совещания по бюджету',
          consists: '2 л.',
          note: 'Срочно',
          control: { state: 'UnderControl', deadline: '2026-12-15' },
          authors: [{ contact: contactOf(t.peer, { fio: 'Сидоров С. С.', post: 'Глава администрации' }) }],
          writers: [{ contact: contactOf(t.peer, { fio: 'Иванова И. И.' }) }],
          addressees: [{ contact: contactOf(t.self, { fio: 'Министр М. М.', post: 'Министр' }) }],
        },
        tasks: [resolution()],
        subscriptions: {
          stopDayCount: 30,
          reception: true,
          registration: true,
          forwarding: { include: false },
          consideration: { include: true },
          report: true,
          redirection: false,
          answer: true,
        },
      }),
    );
    const document = mainOf(pkg);

    const outcome = await t.edms.registerIncoming(pkg);

    assert.equal(outcome.status, 'registered');
    assert.equal(outcome.regNumber, 'Вх-1');
    assert.match(outcome.regDate, /^\d{4}-\d{2}-\d{2}$/);
    const card = await t.edms.getCard(outcome.cardId);
    assert.deepEqual(
      {
        status: card.status,
        direction: card.direction,
        journal: card.journal,
        regNumber: card.regNumber,
        kind: card.kind,
        annotation: card.annotation,
        consists: card.consists,
        note: card.note,
        documentUid: card.documentUid,
        versionUid: card.versionUid,
        senderDocumentId: card.senderDocumentId,
        sender: card.sender,
        senderRegNumber: card.senderRegNumber,
        senderRegDate: card.senderRegDate,
        signer: card.signer,
        writer: card.writer,
        control: card.control,
        reportSubscriptions: card.reportSubscriptions,
      },
      {
        status: 'registered',
        direction: 'incoming',
        journal: 'Входящие',
        regNumber: 'Вх-1',
        kind: 'Письмо',
        annotation: 'О проведении совещания по бюджету',
        consists: '2 л.',
        note: 'Срочно',
        documentUid: document.uid,
        versionUid: document.versionUid,
        senderDocumentId: document.documentId,
        sender: { name: t.peer.shortName, sevIndex: t.peer.sevIndex },
        senderRegNumber: '01-15/204',
        senderRegDate: '2026-11-26',
        signer: { name: 'Сидоров С. С.', post: 'Глава администрации' },
        writer: 'Иванова И. И.',
        control: { state: 'UnderControl', deadline: '2026-12-15' },
        reportSubscriptions: pkg.message.subscriptions,
      },
    );
    const letterResource = pkg.resources.find((r) => r.name === 'Письмо о совещании.pdf')!;
    assert.deepEqual(
      card.files.map(({ name, sha256, size, signatures }) => ({ name, sha256, size, signatures })),
      [{ name: 'Письмо о совещании.pdf', sha256: letterResource.sha256, size: letterResource.size, signatures: 1 }],
    );
    assert.deepEqual(
      card.addressees.map(({ name, sevIndex, sendStatus }) => ({ name, sevIndex, sendStatus })),
      [{ name: `Министр М. М., ${t.self.shortName}`, sevIndex: t.self.sevIndex, sendStatus: 'notApplicable' }],
    );
    const [task] = card.tasks;
    assert.deepEqual(
      { text: task?.text, author: task?.author, deadline: task?.deadline, controlState: task?.controlState, controller: task?.controller, status: task?.status },
      { text: 'Рассмотреть и подготовить предложения', author: 'Сидоров С. С.', deadline: '2026-12-10', controlState: 'UnderControl', controller: 'Сидоров С. С.', status: 'active' },
    );
    assert.deepEqual(
      task?.executors.map(({ name, post, organization, responsible }) => ({ name, post, organization, responsible })),
      [
        { name: 'Петров П. П.', post: 'Начальник отдела', organization: null, responsible: true },
        { name: 'Кузнецова К. К.', post: 'Консультант', organization: t.peer.sevIndex, responsible: false },
      ],
    );
    const message = await t.db.message.findUniqueOrThrow({ where: { id: pkg.messageRowId } });
    assert.equal(message.cardId, outcome.cardId);
  });

  test('the same message registered again gives the same card and number', async () => {
    const pkg = await receivePackage(t.db, letter());
    const first = await t.edms.registerIncoming(pkg);

    const again = await t.edms.registerIncoming(pkg);
    const concurrent = await Promise.all([t.edms.registerIncoming(pkg), t.edms.registerIncoming(pkg)]);

    assert.deepEqual(again, first);
    assert.deepEqual(concurrent, [first, first]);
    assert.equal(await t.db.registrationCard.count({ where: { documentUid: mainOf(pkg).uid! } }), 1);
  });

  test('20 documents registered at once take 20 distinct consecutive numbers', async () => {
    const packages = await Promise.all(Array.from({ length: 20 }, () => receivePackage(t.db, letter())));

    const outcomes = await Promise.all(packages.map((pkg) => t.edms.registerIncoming(pkg)));

    const numbers = outcomes.map((o) => (o.status === 'registered' ? Number(o.regNumber.replace('Вх-', '')) : NaN)).sort((a, b) => a - b);
    assert.equal(new Set(numbers).size, 20);
    assert.deepEqual(
      numbers,
      Array.from({ length: 20 }, (_, i) => numbers[0]! + i),
    );
  });

  test('a passport without the sender’s number waits for a person, who registers it with their number', async () => {
    const pkg = await receivePackage(t.db, letter({ document: { registrationInfo: { number: '', date: '2026-11-26' } } }));

    const outcome = await t.edms.registerIncoming(pkg);

    assert.equal(outcome.status, 'manualRequired');
    assert.match(outcome.reason, /^В паспорте нет регистрационного номера документа у отправителя/);
    assert.equal((await t.edms.getCard(outcome.cardId)).status, 'draft');
    assert.deepEqual(await t.edms.registerIncoming(pkg), outcome, 'asking again changes nothing');

    const manual = { regNumber: 'Вх-1000/р', regDate: '2026-11-27', registeredBy: 'Оператор О. О.' };
    const registered = await t.edms.registerIncoming(pkg, manual);

    assert.deepEqual(registered, { status: 'registered', cardId: outcome.cardId, regNumber: 'Вх-1000/р', regDate: '2026-11-27' });
    assert.deepEqual(await t.edms.registerIncoming(pkg, manual), registered);
    const log = await t.db.eventLog.findMany({ where: { documentId: outcome.cardId, kind: 'edms.card.registeredManually' } });
    assert.equal(log.length, 1);
    assert.deepEqual(log[0]?.details, { registeredBy: 'Оператор О. О.', regNumber: 'Вх-1000/р', regDate: '2026-11-27' });
  });

  test('a person registering without a number gets the journal’s next one', async () => {
    const pkg = await receivePackage(t.db, letter({ document: { annotation: undefined }, files: [] }));
    const outcome = await t.edms.registerIncoming(pkg);
    assert.equal(outcome.status, 'manualRequired');
    assert.match(outcome.reason, /ни краткого содержания, ни файлов/);

    const registered = await t.edms.registerIncoming(pkg, { registeredBy: 'Оператор О. О.' });

    assert.equal(registered.status, 'registered');
    assert.match(registered.regNumber, /^Вх-\d+$/);
  });

  test('the organization’s rule and a missing journal hand the document to a person', async () => {
    const byRule = createBuiltinEdms(t.db, { manualByRule: (pkg) => (mainOf(pkg).note === 'ДСП' ? 'документы с пометкой ДСП регистрирует человек' : undefined) });
    const marked = await receivePackage(t.db, letter({ document: { note: 'ДСП' } }));
    const noJournal = createBuiltinEdms(t.db, { incomingJournalCode: 'no-such-journal' });
    const plain = await receivePackage(t.db, letter());

    const ruled = await byRule.registerIncoming(marked);
    const unjournaled = await noJournal.registerIncoming(plain);

    assert.deepEqual(ruled.status === 'manualRequired' && ruled.reason, 'Документы с пометкой ДСП регистрирует человек.');
    assert.deepEqual(unjournaled.status === 'manualRequired' && unjournaled.reason, 'Нет действующего журнала входящих документов «no-such-journal».');
  });

  test('rejecting a document that waits for a person cancels its card, once', async () => {
    const pkg = await receivePackage(t.db, letter({ document: { registrationInfo: { number: '', date: '' } } }));
    const outcome = await t.edms.registerIncoming(pkg);

    await t.edms.rejectIncoming(pkg.messageRowId, 'не наш документ', 'Оператор О. О.');
    await t.edms.rejectIncoming(pkg.messageRowId, 'не наш документ', 'Оператор О. О.');

    assert.equal((await t.edms.getCard(outcome.cardId)).status, 'cancelled');
    assert.equal(await t.db.eventLog.count({ where: { documentId: outcome.cardId, kind: 'edms.card.rejected' } }), 1);
    await assert.rejects(t.edms.registerIncoming(pkg), (e: unknown) => e instanceof EdmsError && e.code === 'wrongCardState');
  });
});

describe('findDuplicates', () => {
  test('finds the card of the same UID and VersionUID, but not of a new version', async () => {
    const original = await receivePackage(t.db, letter());
    const registered = await t.edms.registerIncoming(original);
    const { uid, versionUid } = mainOf(original);

    const again = await receivePackage(t.db, letter({ document: { uid, versionUid } }));
    const newVersion = await receivePackage(t.db, letter({ document: { uid, versionUid: newGuid() } }));

    assert.deepEqual(await t.edms.findDuplicates(again), [{ cardId: registered.cardId, regNumber: registered.status === 'registered' ? registered.regNumber : undefined, regDate: registered.status === 'registered' ? registered.regDate : undefined, match: 'uid' }]);
    assert.deepEqual(await t.edms.findDuplicates(newVersion), []);
    assert.deepEqual(await t.edms.findDuplicates(original), [], 'a message is no duplicate of its own card');
  });

  test('two messages of one document registered at the same moment make one card; the other is a duplicate', async () => {
    const first = await receivePackage(t.db, letter());
    const { uid, versionUid } = mainOf(first);
    const second = await receivePackage(t.db, letter({ document: { uid, versionUid } }));

    const outcomes = await Promise.all([t.edms.registerIncoming(first), t.edms.registerIncoming(second)]);

    const registered = outcomes.filter((o) => o.status === 'registered');
    const duplicates = outcomes.filter((o) => o.status === 'duplicate');
    assert.equal(registered.length, 1);
    assert.equal(duplicates.length, 1);
    assert.equal(duplicates[0]!.status === 'duplicate' && duplicates[0]!.original.cardId, registered[0]!.cardId);
    assert.equal(await t.db.registrationCard.count({ where: { documentUid: uid!, status: 'registered' } }), 1);
  });

  test('without a UID, finds the card of the same sender, number, date and files', async () => {
    const files = [{ name: 'Справка.docx', content: `справка ${newGuid()}` }];
    const requisites = { uid: undefined, versionUid: undefined, registrationInfo: { number: `02-07/${newGuid().slice(0, 6)}`, date: '2026-11-20' } };
    const original = await receivePackage(t.db, letter({ document: requisites, files }));
    const { cardId } = await t.edms.registerIncoming(original);

    const again = await receivePackage(t.db, letter({ document: requisites, files }));
    const otherFile = await receivePackage(t.db, letter({ document: requisites, files: [{ name: 'Справка.docx', content: 'другая справка' }] }));
    const otherDate = await receivePackage(t.db, letter({ document: { ...requisites, registrationInfo: { ...requisites.registrationInfo, date: '2026-11-21' } }, files }));

    assert.deepEqual(
      (await t.edms.findDuplicates(again)).map((d) => [d.cardId, d.match]),
      [[cardId, 'requisites']],
    );
    assert.deepEqual(await t.edms.findDuplicates(otherFile), []);
    assert.deepEqual(await t.edms.findDuplicates(otherDate), []);
  });
});

describe('applyFollowUp', () => {
  test('AddToDoc adds a file and an execution report to the registered card without a new number', async () => {
    const task = resolution();
    const main = await receivePackage(t.db, letter({ tasks: [task] }));
    const registered = await t.edms.registerIncoming(main);
    const { uid, versionUid, documentId } = mainOf(main);
    const withReport: Task = {
      ...task,
      executors: [{ ...task.executors![0]!, text: 'Предложения подготовлены', date: '2026-12-01T15:00:00+03:00', status: { name: 'Исполнено' } }],
    };
    const followUp = await receivePackage(
      t.db,
      letter({
        kind: 'AddToDoc',
        document: { uid, versionUid, documentId },
        files: [{ name: 'Приложение 1.xlsx', content: 'приложение' }],
        tasks: [withReport],
      }),
    );
    const cardsBefore = await t.db.registrationCard.count();

    const outcome = await t.edms.applyFollowUp(followUp);
    const again = await t.edms.applyFollowUp(followUp);

    assert.equal(registered.status, 'registered');
    assert.deepEqual(outcome, { status: 'applied', cardId: registered.cardId, regNumber: registered.regNumber, regDate: registered.regDate });
    assert.deepEqual(again, outcome);
    assert.equal(await t.db.registrationCard.count(), cardsBefore);
    const card = await t.edms.getCard(registered.cardId);
    assert.equal(card.regNumber, registered.regNumber);
    assert.deepEqual(
      card.files.map((f) => f.name),
      ['Письмо о совещании.pdf', 'Приложение 1.xlsx'],
    );
    assert.equal(card.tasks.length, 1);
    assert.deepEqual(
      card.tasks[0]?.executors.find((e) => e.name === 'Петров П. П.')?.reports.map(({ text, status, reportedAt }) => ({ text, status, reportedAt })),
      [{ text: 'Предложения подготовлены', status: 'Исполнено', reportedAt: '2026-12-01T12:00:00.000Z' }],
    );
  });

  test('Editing corrects the card’s attributes; a follow-up without its main document is reported', async () => {
    const main = await receivePackage(t.db, letter());
    const registered = await t.edms.registerIncoming(main);
    const { uid, versionUid, documentId } = mainOf(main);
    const editing = await receivePackage(t.db, letter({ kind: 'Editing', document: { uid, versionUid, documentId, annotation: 'О переносе совещания', consists: '3 л.' } }));
    const orphan = await receivePackage(t.db, letter({ kind: 'AddToDoc' }));

    const edited = await t.edms.applyFollowUp(editing);
    const missing = await t.edms.applyFollowUp(orphan);

    assert.equal(edited.status, 'applied');
    const card = await t.edms.getCard(registered.cardId);
    assert.deepEqual([card.annotation, card.consists, card.regNumber], ['О переносе совещания', '3 л.', registered.status === 'registered' && registered.regNumber]);
    assert.equal(missing.status, 'noMainDocument');
    assert.match(missing.status === 'noMainDocument' ? missing.reason : '', new RegExp(`^Основной документ \\(UID ${mainOf(orphan).uid}\\) от этого отправителя не найден$`));
  });
});

describe('linkIncoming', () => {
  test('an incoming document whose passport links to our outgoing one becomes its answer', async () => {
    const ours = await t.edms.createOutgoingCard({ kind: 'Письмо', annotation: 'О предоставлении сведений', files: [], addresseeSevIndexes: [t.peer.sevIndex] });
    const answer = await receivePackage(
      t.db,
      letter({
        document: { links: [{ linkType: { name: 'Ответ на' }, documentId: 'THEIR-CARD-1' }, { linkType: { name: 'Связан' }, documentId: 'UNKNOWN-2' }] },
        otherDocuments: [
          { uid: ours.documentUid, documentId: 'THEIR-CARD-1', type: 'Incoming', mainDocument: false, registrationInfo: { number: ours.regNumber, date: ours.regDate } },
        ],
      }),
    );
    const registered = await t.edms.registerIncoming(answer);

    const outcome = await t.edms.linkIncoming(registered.cardId, answer);
    const again = await t.edms.linkIncoming(registered.cardId, answer);

    assert.deepEqual(outcome, { status: 'linked', cardId: registered.cardId, links: [{ type: 'answerTo', toCardId: ours.cardId }] });
    assert.deepEqual(again, outcome);
    assert.deepEqual(
      (await t.edms.getCard(registered.cardId)).links.map(({ type, toCardId, targetDocumentId }) => ({ type, toCardId, targetDocumentId })),
      [
        { type: 'answerTo', toCardId: ours.cardId, targetDocumentId: null },
        { type: 'related', toCardId: null, targetDocumentId: 'UNKNOWN-2' },
      ],
    );
  });
});
