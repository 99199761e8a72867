// A package sealed as an S/MIME mail: it opens back to the same bytes with the recipient's key,
// its body is base64 in lines of 76 characters, and a body in lines of any other length (as other
// systems write it) decodes the same.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { generateKeyPair } from '../../security/keys';
import { base64Lines, decodeBase64Lines, isSealed, openSealed, sealPackage } from '../../security/smime';

const b = await generateKeyPair({ organization: 'Администрация Б', sevIndex: 'ORG-B' });
const headers = { from: 'sev-a@sev.localhost', to: 'sev-b@sev.localhost', subject: 'Документ № 1-к от 04.12.2026', messageId: '<m1@sev.localhost>', date: new Date('2026-12-04T12:00:00Z') };

test('a sealed package opens to the same bytes, and its body is base64 in lines of 76', async () => {
  const inner = Buffer.from(`Content-Type: multipart/mixed\r\n\r\n${randomBytes(200_000).toString('base64')}`);
  const mail = await sealPackage(inner, b.certPem, headers);
  assert.equal(isSealed(mail), true);
  const text = mail.toString('latin1');
  const body = text.slice(text.indexOf('\r\n\r\n') + 4);
  assert.ok(body.endsWith('\r\n'));
  const lines = body.split('\r\n').slice(0, -1);
  assert.ok(lines.length > 1000);
  assert.ok(lines.slice(0, -1).every((l) => l.length === 76) && lines.at(-1)!.length <= 76, 'every line 76 characters, the last up to 76');
  assert.ok((await openSealed(mail, [b])).equals(inner));
});

test('base64 in lines of any length, LF or CRLF, with stray spaces, decodes as written', () => {
  for (const [size, width, eol] of [[0, 76, '\r\n'], [1, 76, '\r\n'], [57, 76, '\r\n'], [100_000, 64, '\n'], [100_000, 77, '\r\n'], [200_003, 4, '\n'], [70_000, 1000, ' \r\n ']] as const) {
    const bytes = randomBytes(size);
    const text = bytes.toString('base64').replace(new RegExp(`(.{${width}})`, 'g'), `$1${eol}`);
    assert.ok(decodeBase64Lines(Buffer.from(text, 'latin1')).equals(bytes), `${size} bytes in lines of ${width}`);
    assert.ok(decodeBase64Lines(base64Lines(bytes)).equals(bytes), `${size} bytes round-trip`);
  }
  assert.equal(base64Lines(Buffer.from('abc')).toString(), 'YWJj\r\n');
});
