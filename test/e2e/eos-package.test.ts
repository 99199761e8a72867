// Interoperability: a package made OUTSIDE SEV, the way EOS «Дело» writes one (a windows-1251
// passport with 32-hex GUIDs, a file with a Cyrillic name and its detached signature), mailed by
// plain SMTP, is received, registered and answered with Reception and Registration reports.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import MailComposer from 'nodemailer/lib/mail-composer';
import { newGuid } from '../../codec';
import { encodeWindows1251 } from '../codec/helpers';
import { sendRawMessage } from '../stack/mail-helpers';
import { eventually, startTestExchange, type TestExchange, type TestOrganization } from '../support/exchange';

let ex: TestExchange;
let A: TestOrganization;
let B: TestOrganization;

before(async () => {
  // An EOS system without our certificate exchange signs nothing SEV can check: B accepts A unsigned by rule.
  ex = await startTestExchange('eos', { rules: { acceptUnsigned: ['EOS-A'] } });
  [A, B] = ex.orgs as [TestOrganization, TestOrganization];
});

after(async () => {
  await ex?.stop();
});

const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');

/**
 * The hand-written passport template (windows-1251 bytes, as «Дело» stores it) with its
 * {{PLACEHOLDERS}} filled in, encoded back to windows-1251.
 */
async function eosPassport(values: Record<string, string>): Promise<Buffer> {
  const template = new TextDecoder('windows-1251').decode(await readFile(path.join(import.meta.dirname, 'fixtures', 'eos-docinfo-1251.xml')));
  const xml = template.replace(/\{\{([A-Z_]+)\}\}/g, (_, key: string) => {
    const value = values[key];
    if (value === undefined) throw new Error(`no value for {{${key}}} in the passport template`);
    return value;
  });
  return encodeWindows1251(xml);
}

test('an EOS-made package sent by plain SMTP is registered at B and answered with both reports', async () => {
  const messageId = newGuid();
  const documentUid = newGuid();
  const fileName = 'О попечительских советах.doc';
  // Any bytes do: an OLE (.doc) header and a DER sequence header make them look the part.
  const file = Buffer.concat([Buffer.from([0xd0, 0xcf, 0x11, 0xe0]), Buffer.from(' документ «Дело» '.repeat(50))]);
  const signature = Buffer.concat([Buffer.from([0x30, 0x82, 0x01, 0x00]), Buffer.from('отсоединённая подпись PKCS#7')]);
  const annotation = 'О создании попечительских советов «в учреждениях социального обслуживания»';
  const regNumber = '6-2-0-19/6233/120';
  const regDate = new Date().toISOString().slice(0, 10);

  const passport = await eosPassport({
    MESSAGE_ID: messageId,
    // «Дело» writes local time with seven fractional digits and the offset.
    TIME: `${regDate}T16:07:29.8048168+03:00`,
    SENDER_UID: A.org.sevIndex,
    RECIPIENT_UID: B.org.sevIndex,
    DOCUMENT_UID: documentUid,
    FILE_UID: newGuid(),
    FILE_NAME: fileName,
    FILE_SIZE: String(file.length),
    REG_NUMBER: regNumber,
    REG_DATE: regDate,
    ANNOTATION: annotation.replace(/&/g, '&amp;').replace(/</g, '&lt;'),
  });

  // Composed with nodemailer directly, not with SEV's composePackage: only the wire format is shared.
  const raw = await new MailComposer({
    from: A.org.mailbox.address,
    to: B.org.mailbox.address,
    subject: `Документ № ${regNumber} от ${regDate}`,
    text: 'Документ направлен системой «Дело».',
    attachments: [
      { filename: 'DocInfo.xml', content: passport, contentType: 'text/xml' },
      { filename: fileName, content: file, contentType: 'application/msword' },
      { filename: `${fileName}.sig`, content: signature, contentType: 'application/pkcs7-signature' },
    ],
  })
    .compile()
    .build();
  await sendRawMessage(ex.config, { from: A.org.mailbox.address, to: B.org.mailbox.address }, raw);

  const card = await eventually('B registers the EOS package', async () => {
    const found = await B.db.registrationCard.findFirst({
      where: { direction: 'incoming', documentUid, status: 'registered' },
      include: { files: { include: { signatures: true } } },
    });
    return found ?? undefined;
  });
  assert.equal(card.annotation, annotation);
  assert.equal(card.senderRegNumber, regNumber);
  assert.equal(card.senderRegDate?.toISOString().slice(0, 10), regDate);
  assert.equal(card.signerName, 'Кудрявова Е.П.');
  assert.equal(card.files.length, 1, 'the signature is kept with its file, not as a file of its own');
  const [stored] = card.files;
  assert.equal(stored!.name, fileName);
  assert.equal(stored!.sha256, sha(file));
  assert.deepEqual(stored!.signatures.map((s) => s.sha256), [sha(signature)]);
  assert.equal(await B.db.registrationCard.count({ where: { direction: 'incoming', documentUid } }), 1, 'registered once');

  // Both reports left B, each echoing our MessageID. (A's SEV never sent this message, so its
  // intake records them as unmatched reports: expected, and not what this test is about.)
  for (const kind of ['Reception', 'Report'] as const) {
    await eventually(`B sends ${kind} for ${messageId}`, async () =>
      (await B.db.message.findFirst({ where: { direction: 'outgoing', kind, returnId: messageId, status: 'sent' } })) ?? undefined,
    );
  }
});
