// Signed and encrypted exchange over the real stack: every package is signed with its sender's
// key and encrypted for its addressee's certificate; B registers A's document and A holds B's
// reports. A package that claims to be A's but is unsigned, signed with another key, tampered
// with after signing, or sent from another address is quarantined with the reason: nothing is
// registered and nobody is answered.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { buildMessage } from '../../codec/build';
import { newGuid } from '../../codec/guid';
import { composePackage, readPackage } from '../../exchange/package';
import { getBlob } from '../../registry/blobs';
import { signDetached } from '../../security/cms';
import { generateKeyPair } from '../../security/keys';
import { isSealed } from '../../security/smime';
import { sendDocument } from '../../workers/send';
import { fetchRawMessage, listMailbox, sendRawMessage } from '../stack/mail-helpers';
import { eventually, registeredAtA, sendRandomFile, startTestExchange, type TestExchange, type TestOrganization } from '../support/exchange';
import { readPackageWithFiles, type FileContent } from '../support/packages';
import { withPassportSignature } from '../support/signing';

let ex: TestExchange;
let A: TestOrganization;
let B: TestOrganization;

before(async () => {
  ex = await startTestExchange('sec', { rules: { encryptFor: ['*'] } });
  [A, B] = ex.orgs as [TestOrganization, TestOrganization];
});

after(async () => {
  await ex?.stop();
});

const secret = 'Секретное приложение: список участников совещания';

test('a document goes signed and encrypted both ways; B registers it with A’s file signatures', async () => {
  const sent = await sendDocument(ex.config, A.org, {
    annotation: 'О совещании (шифрованный обмен)',
    files: [{ name: 'Список участников.txt', content: Buffer.from(secret) }],
    addresseeSevIndexes: [B.org.sevIndex],
  });
  await registeredAtA(ex, sent.workflowIds[0]!, 'B registered it and A holds the report');

  // What went over the wire: S/MIME enveloped data, nothing readable.
  const outgoing = await A.db.message.findFirstOrThrow({ where: { direction: 'outgoing', kind: 'MainDoc', cardId: sent.cardId } });
  const wire = await getBlob(A.db, outgoing.rawSha256!);
  assert.equal(isSealed(wire), true, 'the package mail is encrypted');
  assert.ok(!wire.includes(Buffer.from(secret)) && !wire.includes(Buffer.from('DocInfo')), 'neither the file nor the passport is readable on the wire');
  const reportsFromB = await B.db.message.findMany({ where: { direction: 'outgoing', kind: { in: ['Reception', 'Report'] } } });
  assert.ok(reportsFromB.length >= 2);
  for (const report of reportsFromB) assert.equal(isSealed(await getBlob(B.db, report.rawSha256!)), true, 'B’s reports are encrypted for A');

  // B opened it, checked A's signatures, and keeps them with the file.
  const card = await B.db.registrationCard.findFirstOrThrow({ where: { direction: 'incoming', documentUid: sent.documentUid }, include: { files: { include: { signatures: true } } } });
  assert.equal(card.status, 'registered');
  assert.equal(card.files.length, 1);
  assert.equal(card.files[0]!.name, 'Список участников.txt');
  assert.equal(card.files[0]!.signatures.length, 1, 'A’s signature of the file travels as its EDS');
  const received = await B.db.message.findFirstOrThrow({ where: { direction: 'incoming', cardId: card.id, kind: 'MainDoc' } });
  const stored = await readPackage(await getBlob(B.db, received.rawSha256!));
  assert.ok(stored.ok && stored.attachments.some((a) => a.name === 'DocInfo.xml.sig'), 'the stored package is the opened one, with the passport’s signature');
});

/** A package in A's name, from a mail A's SEV really sent (now in B's Processed folder), changed by `alter`. */
async function forged(alter: (parts: { passport: Buffer; attachments: { name: string; content: Buffer }[]; from: string }) => Promise<{ passport: Buffer; attachments: { name: string; content: Buffer }[]; from: string }>) {
  const processed = await listMailbox(ex.config, B.org, 'Processed');
  const { openSealed } = await import('../../security/smime');
  const { keyStoreFor } = await import('../../security/organization-keys');
  let template;
  let templateFiles: FileContent[] = [];
  for (const mail of processed) {
    const raw = await fetchRawMessage(ex.config, B.org, mail.uid, 'Processed');
    const inner = isSealed(raw) ? await openSealed(raw, await keyStoreFor(ex.config, B.org).all()) : raw;
    const { pkg, files } = await readPackageWithFiles(inner);
    if (pkg.ok && pkg.passport.message.kind === 'MainDoc') {
      template = pkg;
      templateFiles = files;
      break;
    }
  }
  assert.ok(template && template.ok, 'a MainDoc from A is in B’s Processed folder');
  const message = template.passport.message;
  assert.equal(message.kind, 'MainDoc');
  const messageId = newGuid();
  const documentUid = newGuid();
  const passport = Buffer.from(
    buildMessage({ ...message, header: { ...message.header, messageId, returnId: messageId }, documents: message.documents.map((d) => ({ ...d, uid: documentUid })) }),
    'utf8',
  );
  const parts = await alter({ passport, attachments: templateFiles, from: A.org.mailbox.address });
  const raw = await composePackage({
    from: parts.from,
    to: B.org.mailbox.address,
    subject: 'Документ (подделка)',
    mailMessageId: `${messageId}@forged.invalid`,
    date: new Date(),
    passport: { name: 'DocInfo.xml', content: parts.passport },
    resources: parts.attachments,
  });
  await sendRawMessage(ex.config, { from: parts.from, to: B.org.mailbox.address }, raw);
  return { messageId, documentUid };
}

async function expectQuarantined(messageId: string, documentUid: string, reason: RegExp): Promise<void> {
  const row = await eventually(`message ${messageId} quarantined`, async () => {
    const found = await B.db.message.findFirst({ where: { direction: 'incoming', messageId } });
    return found?.status === 'quarantined' ? found : undefined;
  });
  assert.match(row.reason ?? '', reason);
  assert.equal(await B.db.registrationCard.count({ where: { documentUid } }), 0, 'nothing registered');
  assert.equal(await B.db.message.count({ where: { direction: 'outgoing', returnId: messageId } }), 0, 'no report to an unauthenticated sender');
}

test('a package signed by A but changed, unsigned, signed with another key, or sent from another address is quarantined', async () => {
  const impostor = await generateKeyPair({ organization: A.org.name, sevIndex: A.org.sevIndex });

  const unsigned = await forged(async (p) => ({ ...p, attachments: p.attachments.filter((a) => a.name !== 'DocInfo.xml.sig') }));
  const otherKey = await forged(async (p) => ({
    ...p,
    attachments: [...p.attachments.filter((a) => a.name !== 'DocInfo.xml.sig'), { name: 'DocInfo.xml.sig', content: await signDetached(p.passport, impostor.keyPem, impostor.certPem) }],
  }));
  const tampered = await forged(async (p) => ({
    ...p,
    // Signed by A, then the file changed on the way: its EDS no longer verifies.
    attachments: (await withPassportSignature(ex.config, A.org, { name: 'DocInfo.xml', content: p.passport }, p.attachments)).map((a) =>
      a.name === 'Список участников.txt' ? { ...a, content: Buffer.from('Подменённый список') } : a,
    ),
  }));
  const spoofedFrom = await forged(async (p) => ({
    ...p,
    from: 'someone@sev.localhost',
    attachments: await withPassportSignature(ex.config, A.org, { name: 'DocInfo.xml', content: p.passport }, p.attachments),
  }));

  await expectQuarantined(unsigned.messageId, unsigned.documentUid, /пакет не подписан/);
  await expectQuarantined(otherKey.messageId, otherKey.documentUid, /подпись паспорта не принята: подпись сделана сертификатом, которого нет в справочнике/);
  await expectQuarantined(tampered.messageId, tampered.documentUid, /подпись файла «Список участников\.txt» не принята/);
  await expectQuarantined(spoofedFrom.messageId, spoofedFrom.documentUid, /адрес отправителя someone@sev\.localhost не принадлежит/);

  // Properly signed by A, the same forgery machinery gives a package B registers: the checks above are what refused.
  const genuine = await forged(async (p) => ({ ...p, attachments: await withPassportSignature(ex.config, A.org, { name: 'DocInfo.xml', content: p.passport }, p.attachments) }));
  await eventually('the genuine one registered', async () => (await B.db.registrationCard.findFirst({ where: { documentUid: genuine.documentUid, status: 'registered' } })) ?? undefined);
  assert.equal((await listMailbox(ex.config, B.org)).length, 0, 'no mail left in B’s INBOX');
});

test('a 6 MB document goes encrypted and arrives whole, registered once (an envelope above 4.4 MB once could not be opened)', { timeout: 180_000 }, async () => {
  const { content, sha256, sent } = await sendRandomFile(ex, A, B, { annotation: 'Схема (большой файл, шифрованный обмен)', fileName: 'Схема.bin', size: 6 * 1024 * 1024 });
  const outgoing = await A.db.message.findFirstOrThrow({ where: { direction: 'outgoing', kind: 'MainDoc', cardId: sent.cardId } });
  assert.ok(outgoing.rawSize! > 8 * 1024 * 1024, 'the sealed mail carries the whole file');
  assert.equal(isSealed(await getBlob(A.db, outgoing.rawSha256!)), true);
  const cards = await B.db.registrationCard.findMany({ where: { direction: 'incoming', documentUid: sent.documentUid }, include: { files: true } });
  assert.equal(cards.length, 1);
  assert.equal(cards[0]!.files[0]!.sha256, sha256);
  assert.ok((await getBlob(B.db, sha256)).equals(content), 'B keeps A’s file byte for byte');
});
