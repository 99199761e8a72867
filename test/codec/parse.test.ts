import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { buildMessage } from '../../codec/build';
import { parseMessage } from '../../codec/parse';
import { reportEvents, summarizeMessage } from '../../codec/summary';
import { encodeWindows1251, fixturePath } from './helpers';
import { samples } from './samples';

test('a windows-1251 passport from «Дело» parses with correct Cyrillic, both GUID forms and its extensions', () => {
  const message = parseMessage(readFileSync(fixturePath('docinfo-windows-1251.xml')));
  assert.equal(message.kind, 'MainDoc');
  if (message.kind !== 'MainDoc') return;

  const { header } = message;
  assert.equal(header.messageId, '39537343ACD64107B4036F7B96E4C2DF');
  assert.equal(header.returnId, '45B96F4946EE46D78D95DBB5CCA06C10');
  assert.equal(header.time, '2015-01-14T16:07:29.8048168+03:00');
  assert.deepEqual(header.sender.contact.organization, { uid: '48CBC5725D004289BEDB827DC2AB20A9', shortName: 'Управление социальной защиты населения (УСЗН)' });
  assert.deepEqual(header.sender.edms, { uid: '4313BCFDAD6A422EA375EF34BB248BCD', version: '12.0.0' });
  assert.deepEqual(header.resources, [
    { uid: '0', uniqueName: 'DocInfo.xml' },
    { uid: '1', uniqueName: 'О попечительских советах.doc' },
    { uid: '2', uniqueName: 'О попечительских советах.doc.sig' },
    { uid: '3', uniqueName: '120.pdf' },
  ]);

  const [document] = message.documents;
  assert.ok(document);
  assert.equal(document.uid, 'CD9B357D128740CEB952A8FC4FCB1166');
  assert.deepEqual(document.registrationInfo, { number: '6-2-0-19/6233/120', date: '2015-01-14' });
  assert.equal(document.annotation, 'О направлении информации о создании Попечительских советов «в учреждениях социального обслуживания»');
  assert.deepEqual(document.group, { name: 'Письмо исх. (УСЗН)' });
  assert.deepEqual(document.files?.[0], {
    uid: '7F0591B0E3384D72AA54A41B6B97BC36',
    resourceId: 1,
    size: 53248,
    description: 'О попечительских советах.doc',
    extension: '.doc',
    eTag: 'W/"1-635568208"',
    signatures: [{ resourceId: 2, date: '2015-01-14T15:28:00', kindId: 1, certificate: 'RU, УСЗН АДМИНИСТРАЦИИ Г. ВОЛОГДЫ, Кудрявова Екатерина Павловна' }],
  });
  assert.equal(document.files?.[1]?.uid, 'E0D39CD9CF664792B18600388105D6AA');
  // An empty <Post/> is absent, not an empty string.
  assert.deepEqual(document.authors?.[0]?.contact?.officialPerson, { fio: 'Кудрявова Е.П.' });
  assert.deepEqual(document.accompDocs, ['11759338']);
  assert.equal(document.eDocument, true);

  const [task] = message.tasks ?? [];
  assert.equal(task?.uid, 'A4C1E0F251B74C4E9D0A3F2B1C0D9E8F');
  assert.equal(task?.isProject, false);
  assert.deepEqual(task?.executors?.[0]?.contact.officialPerson, { post: 'начальник отдела' });
  assert.deepEqual(task?.control, { state: 'UnderControl', deadline: '2015-01-30' });

  assert.equal(message.subscriptions?.stopDayCount, 30);
  assert.equal(message.subscriptions?.projectRegistration, false);
  assert.deepEqual(message.subscriptions?.forwarding, { include: true });
});

test('a prefixed UTF-8 registration report with a byte order mark resolves the addressee’s number', () => {
  const message = parseMessage(readFileSync(fixturePath('report-registration.xml')));
  assert.equal(message.kind, 'Report');
  if (message.kind !== 'Report') return;
  assert.equal(message.header.messageType, 'Report');
  assert.equal(message.header.messageId, 'F51D75A89CF84896BE5CB2A48D85E9A1');
  assert.equal(message.header.returnId, '96B7001050924B6799202E738C9661F0');
  assert.deepEqual(message.notification.initialDoc, {
    uid: 'D9E76499F05B432D92720F17E3CE86EC',
    number: '13-0-4/2540/2760',
    date: '2015-04-03',
    group: { name: 'Письмо исх. (ДГИ)' },
  });
  assert.deepEqual(reportEvents(message), [
    { event: 'Registration', documentId: '12627332', systemDate: '2015-04-06T12:20:44+03:00', number: 'ВХ.18-1660/15', date: '2015-04-06' },
  ]);
});

test('the same passport parses the same from UTF-8 and from windows-1251', () => {
  const utf8 = buildMessage(samples.mainDocFull);
  const cp1251 = encodeWindows1251(utf8.replace('encoding="UTF-8"', 'encoding="windows-1251"'));
  assert.deepEqual(parseMessage(cp1251), parseMessage(Buffer.from(utf8)));
});

test('unknown elements and attributes, in the SEV namespace or another, are ignored', () => {
  const xml = buildMessage(samples.reportRegistration)
    .replace('<Notification>', '<Notification Priority="high"><Urgency>высокая</Urgency><x:Trace xmlns:x="urn:example:trace"><x:Hop/></x:Trace>')
    .replace('</Report>', '<Expansion Version="2"><Anything/></Expansion></Report>');
  assert.deepEqual(parseMessage(Buffer.from(xml)), samples.reportRegistration);
});

test('a declaration without encoding means UTF-8, and processing instructions and comments are ignored', () => {
  const xml = buildMessage(samples.reportReception)
    .replace('<?xml version="1.0" encoding="UTF-8"?>', '<?xml version="1.0"?>\n<?xml-stylesheet type="text/xsl" href="report.xsl"?>\n<!-- доклад -->');
  assert.deepEqual(parseMessage(Buffer.from(xml)), samples.reportReception);
});

test('the summary names the message, the sender, the document and the resources', () => {
  const summary = summarizeMessage(samples.mainDocWithResolution);
  assert.equal(summary.kind, 'MainDoc');
  assert.equal(summary.messageId, samples.mainDocWithResolution.header.messageId);
  assert.equal(summary.sender.organization, 'Администрация города Вологды');
  assert.deepEqual(summary.document, { uid: '5E7A0000C0DE4000A000000000000014', versionUid: undefined, documentId: '11759337', number: '01-12/345', date: '2024-03-14' });
  assert.equal(summary.resources.length, 3);
  assert.equal(summary.events, undefined);
});

test('report events come out in schema order with the answer’s registration number', () => {
  assert.deepEqual(reportEvents(samples.reportAnswer), [
    { event: 'Answer', documentId: '4800', number: '12-5/77', registrationDate: '2024-03-20', date: '2024-03-20T15:00:00+03:00', type: 'СЭВ' },
  ]);
  assert.deepEqual(
    reportEvents(samples.reportSeveralEvents).map((e) => e.event),
    ['Registration', 'Forwarding', 'Consideration'],
  );
});
