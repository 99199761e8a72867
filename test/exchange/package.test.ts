// A package on the wire: composing and reading one e-mail, and refusing, with a reason, whatever
// is not a readable package. Pure functions: no mail server involved.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import MailComposer from 'nodemailer/lib/mail-composer';
import * as qp from 'nodemailer/lib/qp';
import { Readable } from 'node:stream';
import { composePackage, composePackageStream, memoryPartStore, readPackage, sanitizeAttachmentName, type PackageReadResult, type PartStore, type ReadPackage, type RefusedPackage } from '../../exchange/package';
import { findOrganization, loadConfig } from '../../workers/config';
import { fixturePath } from '../codec/helpers';
import { samplePackageInput, samplePassport } from './helpers';
import { readPackageWithFiles } from '../support/packages';

const config = loadConfig();
const orgA = findOrganization(config, 'org-a');
const orgB = findOrganization(config, 'org-b');

function assertRead(result: PackageReadResult): ReadPackage {
  assert.ok(result.ok, `expected a package, got ${result.ok ? '' : `${result.code}: ${result.reason}`}`);
  return result;
}

function assertRefused(result: PackageReadResult, code: RefusedPackage['code']): RefusedPackage {
  assert.equal(result.ok, false, 'expected a refusal');
  assert.ok(!result.ok);
  assert.equal(result.code, code, result.reason);
  assert.ok(result.reason.length > 0);
  return result;
}

/** Any MIME message, attachments in the given order: for what composePackage never produces. */
function composeMail(attachments: { filename: string; content: Buffer }[]): Promise<Buffer> {
  const composer = new MailComposer({
    from: orgA.mailbox.address,
    to: orgB.mailbox.address,
    subject: 'Не пакет',
    messageId: '<not-a-package@sev.test>',
    text: 'Обычное письмо.',
    attachments,
  });
  return composer.compile().build();
}

test('compose → read: passport first, Cyrillic names, every byte and the Message-ID kept', async () => {
  const input = samplePackageInput(orgA, orgB, 'round-trip');
  const raw = await composePackage(input);
  const mime = raw.toString('latin1');

  // Non-ASCII names travel as RFC 2231 parameters (long ones split into continuations).
  assert.match(mime, /filename\*(0\*)?=utf-8''%D0%9F%D0%B8%D1%81%D1%8C%D0%BC%D0%BE/i);
  assert.match(mime, /^Message-ID: <round-trip@sev\.test>\r$/m);
  assert.match(mime, /Content-Type: application\/xml; name=DocInfo\.xml/);
  assert.match(mime, /Content-Type: application\/pkcs7-signature/);
  assert.match(mime, /Content-Type: application\/pdf/);

  const { pkg: read, files } = await readPackageWithFiles(raw);
  const pkg = assertRead(read);
  assert.equal(pkg.mailMessageId, '<round-trip@sev.test>');
  assert.equal(pkg.from, orgA.mailbox.address);
  assert.deepEqual(pkg.to, [orgB.mailbox.address]);
  assert.equal(pkg.subject, input.subject);
  assert.equal(pkg.date?.getTime(), Math.floor(input.date.getTime() / 1000) * 1000);
  assert.equal(pkg.passport.name, 'DocInfo.xml');
  assert.equal(pkg.passport.root, 'DocInfo');
  assert.equal(pkg.passport.message.kind, 'MainDoc');
  assert.ok(pkg.passport.content.equals(input.passport.content));
  assert.deepEqual(
    pkg.attachments.map((file) => file.name),
    ['Письмо о переносе совещания.pdf', 'Приложение №1 — список.docx', 'Письмо о переносе совещания.pdf.sig'],
  );
  pkg.attachments.forEach((file, i) => {
    const sent = input.resources[i]!.content as Buffer;
    assert.ok(files[i]!.content.equals(sent), `${file.name}: content differs`);
    assert.equal(file.size, sent.byteLength);
    assert.equal(file.sha256, createHash('sha256').update(sent).digest('hex'));
  });
});

test('a Message-ID given without angle brackets is written and read with them', async () => {
  const raw = await composePackage({ ...samplePackageInput(orgA, orgB, 'x'), mailMessageId: 'bare-id@sev.test' });
  assert.equal(assertRead(await readPackage(raw)).mailMessageId, '<bare-id@sev.test>');
});

test('a plain mail without attachments is not a package', async () => {
  const raw = await composeMail([]);
  const refusal = assertRefused(await readPackage(raw), 'NOT_A_PACKAGE');
  // The operator can still tell which mail it was.
  assert.equal(refusal.mailMessageId, '<not-a-package@sev.test>');
  assert.equal(refusal.from, orgA.mailbox.address);
});

test('attachments without a passport: NO_PASSPORT', async () => {
  const raw = await composeMail([
    { filename: 'Письмо.pdf', content: randomBytes(100) },
    // An XML file that is no EOS passport: its root is Report, but in another namespace.
    { filename: 'Report.xml', content: Buffer.from('<?xml version="1.0"?><Report xmlns="urn:example:other"><Header/></Report>') },
  ]);
  assertRefused(await readPackage(raw), 'NO_PASSPORT');
});

test('a passport that is not the first attachment: PASSPORT_NOT_FIRST', async () => {
  const raw = await composeMail([
    { filename: 'Письмо.pdf', content: randomBytes(100) },
    { filename: 'DocInfo.xml', content: samplePassport() },
  ]);
  const refusal = assertRefused(await readPackage(raw), 'PASSPORT_NOT_FIRST');
  assert.match(refusal.reason, /DocInfo\.xml/);
});

test('a passport with the right root but broken content: INVALID_PASSPORT naming the fault', async () => {
  const broken = Buffer.from('<?xml version="1.0"?>\n<!-- no header -->\n<sev:DocInfo xmlns:sev="http://www.eos.ru/2010/sev"><sev:DocumentList/></sev:DocInfo>');
  const raw = await composePackage({ ...samplePackageInput(orgA, orgB, 'broken'), passport: { name: 'DocInfo.xml', content: broken } });
  const refusal = assertRefused(await readPackage(raw), 'INVALID_PASSPORT');
  assert.match(refusal.reason, /Header/);
  assert.equal(refusal.mailMessageId, '<broken@sev.test>');
});

test('garbage bytes are refused, not thrown', async () => {
  for (const garbage of [randomBytes(10_000), Buffer.alloc(0), Buffer.from('Content-Type: multipart/mixed; boundary="x"\r\n\r\n--x\r\n\x00\xff\r\n--x')]) {
    const result = await readPackage(garbage);
    assert.equal(result.ok, false);
    assert.ok(!result.ok);
    assert.ok(['MALFORMED_MIME', 'NOT_A_PACKAGE'].includes(result.code), result.code);
  }
});

test('an attachment above the limit: TOO_LARGE', async () => {
  const raw = await composePackage(samplePackageInput(orgA, orgB, 'large'));
  const refusal = assertRefused(await readPackage(raw, { maxAttachmentBytes: 10_000 }), 'TOO_LARGE');
  assert.match(refusal.reason, /Письмо о переносе совещания\.pdf/);
  assertRefused(await readPackage(raw, { maxMessageBytes: 1_000 }), 'TOO_LARGE');
});

test('a package read as a stream: the passport in memory, each file put in the store as it is decoded', async () => {
  const big = randomBytes(4 * 1024 * 1024 + 7);
  const input = samplePackageInput(orgA, orgB, 'stream');
  const composed = { ...input, resources: [{ name: 'Большой файл.bin', content: Readable.from([big.subarray(0, 1000), big.subarray(1000)]) }, ...input.resources] };
  // Composed as a stream too, and fed in pieces of a few kilobytes, the way IMAP and the store give it.
  const pieces: Buffer[] = [];
  for await (const piece of composePackageStream(composed)) pieces.push(piece as Buffer);
  const raw = Buffer.concat(pieces);
  async function* inPieces() {
    for (let at = 0; at < raw.length; at += 16_384) yield raw.subarray(at, at + 16_384);
  }
  const puts: { size: number; largestPiece: number }[] = [];
  const memory = memoryPartStore();
  const store: PartStore = {
    async put(content, maxBytes) {
      let largestPiece = 0;
      const seen: Uint8Array[] = [];
      for await (const piece of content) {
        largestPiece = Math.max(largestPiece, piece.byteLength);
        seen.push(piece);
      }
      const ref = await memory.put(seen, maxBytes);
      puts.push({ size: ref.size, largestPiece });
      return ref;
    },
  };
  const pkg = assertRead(await readPackage(inPieces(), {}, store));
  assert.equal(pkg.passport.message.kind, 'MainDoc');
  assert.deepEqual(pkg.attachments.map((a) => a.name), ['Большой файл.bin', ...input.resources.map((r) => r.name)]);
  assert.equal(pkg.attachments[0]!.sha256, createHash('sha256').update(big).digest('hex'));
  assert.ok(memory.get(pkg.attachments[0]!.sha256)!.equals(big));
  assert.equal(puts.length, 1 + input.resources.length, 'every file but the passport went to the store');
  assert.ok(puts[0]!.largestPiece < 256 * 1024, `the big file came in pieces (largest ${puts[0]!.largestPiece} bytes), not whole`);
});

test('a stream longer than the message limit is refused as it is read', async () => {
  const raw = await composePackage(samplePackageInput(orgA, orgB, 'stream-limit'));
  async function* inPieces() {
    for (let at = 0; at < raw.length; at += 1000) yield raw.subarray(at, at + 1000);
  }
  const refusal = assertRefused(await readPackage(inPieces(), { maxMessageBytes: 5_000 }), 'TOO_LARGE');
  assert.match(refusal.reason, /предел 5000 байт/);
});

test('nothing is stored when the passport does not read', async () => {
  const input = samplePackageInput(orgA, orgB, 'no-store');
  const raw = await composePackage({ ...input, passport: { name: 'DocInfo.xml', content: Buffer.from('<DocInfo xmlns="http://www.eos.ru/2010/sev"><broken') } });
  let puts = 0;
  const refusal = await readPackage(raw, {}, { put: async () => ((puts += 1), { sha256: '', size: 0 }) });
  assert.equal(refusal.ok, false);
  assert.equal(puts, 0);
});

test('a store or a source that fails is thrown, not taken for a bad mail: the mail is tried again', async () => {
  const input = samplePackageInput(orgA, orgB, 'failing');
  const raw = await composePackage({ ...input, resources: [{ name: 'Большой.bin', content: randomBytes(2 * 1024 * 1024) }] });
  const failingStore: PartStore = {
    async put(content) {
      for await (const piece of content) if (piece.byteLength > 0) throw new Error('база данных недоступна');
      return { sha256: '', size: 0 };
    },
  };
  await assert.rejects(readPackage(raw, {}, failingStore), /база данных недоступна/);
  async function* breaksHalfway() {
    yield raw.subarray(0, raw.length / 2);
    throw new Error('соединение с IMAP оборвалось');
  }
  await assert.rejects(readPackage(breaksHalfway()), /соединение с IMAP оборвалось/);
});

test('more attachments than allowed: TOO_MANY_PARTS', async () => {
  const input = samplePackageInput(orgA, orgB, 'many');
  const resources = Array.from({ length: 30 }, (_, i) => ({ name: `Файл ${i}.txt`, content: Buffer.from(`файл ${i}`) }));
  const raw = await composePackage({ ...input, resources });
  assertRefused(await readPackage(raw, { maxAttachments: 10 }), 'TOO_MANY_PARTS');
  assert.equal(assertRead(await readPackage(raw, { maxAttachments: 31 })).attachments.length, 30);
});

test('a windows-1251 passport is accepted byte for byte', async () => {
  const passport = readFileSync(fixturePath('docinfo-windows-1251.xml'));
  const raw = await composePackage({ ...samplePackageInput(orgA, orgB, 'cp1251'), passport: { name: 'DocInfo.xml', content: passport } });
  const pkg = assertRead(await readPackage(raw));
  assert.equal(pkg.passport.root, 'DocInfo');
  assert.ok(pkg.passport.content.equals(passport));
  assert.equal(pkg.passport.message.kind, 'MainDoc');
});

test('a Report passport from another EOS system, sent with quoted-printable and a prefixed root, is accepted', async () => {
  const report = Buffer.from(
    readFileSync(fixturePath('report-registration.xml'), 'utf8').replace(/\r?\n/g, '\r\n'),
    'utf8',
  );
  const raw = Buffer.from(
    [
      'From: =?utf-8?B?0KHQrdCS?= <sev@other.example>',
      'To: sev-org-b@sev.localhost',
      'Subject: report',
      'Message-ID: <other-system@other.example>',
      'MIME-Version: 1.0',
      'Content-Type: multipart/mixed; boundary="b1"',
      '',
      '--b1',
      'Content-Type: text/xml; charset=utf-8',
      'Content-Transfer-Encoding: quoted-printable',
      'Content-Disposition: attachment; filename="Report.xml"',
      '',
      qp.wrap(qp.encode(report), 76),
      '--b1--',
      '',
    ].join('\r\n'),
  );
  const pkg = assertRead(await readPackage(raw));
  assert.equal(pkg.passport.root, 'Report');
  assert.ok(pkg.passport.content.equals(report));
  assert.equal(pkg.from, 'sev@other.example');
  assert.deepEqual(pkg.attachments, []);
});

test('names with path traversal and hidden characters are sanitized, Cyrillic kept', async () => {
  const raw = Buffer.from(
    [
      'From: sev-org-a@sev.localhost',
      'To: sev-org-b@sev.localhost',
      'Subject: traversal',
      'MIME-Version: 1.0',
      'Content-Type: multipart/mixed; boundary="b1"',
      '',
      '--b1',
      'Content-Type: application/xml',
      'Content-Disposition: attachment; filename="../../DocInfo.xml"',
      'Content-Transfer-Encoding: base64',
      '',
      samplePassport().toString('base64'),
      '--b1',
      'Content-Type: application/octet-stream',
      // RFC 2231: "..\..\Письмо.pdf" with a control character inside.
      "Content-Disposition: attachment; filename*=utf-8''..%5C..%5C%D0%9F%D0%B8%D1%81%D1%8C%07%D0%BC%D0%BE.pdf",
      '',
      'x',
      '--b1',
      'Content-Type: application/octet-stream',
      'Content-Disposition: attachment; filename="=?utf-8?B?L2V0Yy8uLg==?="',
      '',
      'y',
      '--b1--',
      '',
    ].join('\r\n'),
  );
  const pkg = assertRead(await readPackage(raw));
  assert.equal(pkg.passport.name, 'DocInfo.xml');
  // "/etc/.." leaves nothing usable: a neutral name by position instead.
  assert.deepEqual(
    pkg.attachments.map((file) => file.name),
    ['Письмо.pdf', 'attachment-3'],
  );
});

test('sanitizeAttachmentName', () => {
  assert.equal(sanitizeAttachmentName('Приложение №1 — список.docx'), 'Приложение №1 — список.docx');
  assert.equal(sanitizeAttachmentName('C:\\Users\\Иванов\\Письмо.pdf'), 'Письмо.pdf');
  assert.equal(sanitizeAttachmentName('../../etc/passwd'), 'passwd');
  // A right-to-left override that would show "Письмо‮fdp.exe" as "Письмоexe.pdf".
  assert.equal(sanitizeAttachmentName('Письмо\u202Efdp.exe'), 'Письмоfdp.exe');
  assert.equal(sanitizeAttachmentName('  имя\r\n.txt '), 'имя.txt');
  // A decomposed "й" (и + combining breve) is the same name as the composed one.
  assert.equal(sanitizeAttachmentName('Краи\u0306.pdf'), 'Край.pdf');
  assert.equal(sanitizeAttachmentName('..'), '');
  assert.equal(sanitizeAttachmentName('dir/'), '');
});
