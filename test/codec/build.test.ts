import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildMessage } from '../../codec/build';
import { parseMessage } from '../../codec/parse';
import { schemaFor, validateWithXmllint } from './helpers';
import { reportDirection, samples } from './samples';

for (const [name, message] of Object.entries(samples)) {
  test(`${name} (${message.kind}) validates against the EOS schema and parses back to itself`, () => {
    const xml = buildMessage(message);
    const { status, stderr } = validateWithXmllint(xml, schemaFor(message.kind));
    assert.equal(status, 0, stderr);
    assert.deepEqual(parseMessage(Buffer.from(xml, 'utf8')), message);
  });
}

test('samples cover every message kind and every report event', () => {
  const messages = Object.values(samples);
  assert.deepEqual(new Set(messages.map((m) => m.kind)), new Set(['MainDoc', 'AddToDoc', 'Editing', 'Report', 'SyncInfo', 'SyncReport']));
  const events = new Set(messages.flatMap((m) => (m.kind === 'Report' ? Object.keys(m.notification) : [])));
  for (const event of ['reception', 'failure', 'registration', 'forwardings', 'considerations', 'reports', 'redirections', 'answers']) {
    assert.ok(events.has(event), `no sample carries ${event}`);
  }
});

test('a Direction event round-trips although the published schema cannot validate it', () => {
  const xml = buildMessage(reportDirection);
  assert.notEqual(validateWithXmllint(xml, schemaFor('Report')).status, 0);
  assert.deepEqual(parseMessage(Buffer.from(xml)), reportDirection);
});

test('the builder writes UTF-8 with a declaration, the SEV namespace and 32-hex upper-case GUIDs', () => {
  const message = structuredClone(samples.mainDocMinimal);
  message.header.messageId = '39537343-acd6-4107-b403-6f7b96e4c2df';
  const xml = buildMessage(message);
  assert.match(xml, /^<\?xml version="1\.0" encoding="UTF-8"\?>\n<DocInfo xmlns="http:\/\/www\.eos\.ru\/2010\/sev">/);
  assert.match(xml, /MessageID="39537343ACD64107B4036F7B96E4C2DF"/);
});

test('the builder refuses a GUID field that holds no GUID', () => {
  const message = structuredClone(samples.mainDocMinimal);
  message.header.returnId = 'not-a-guid';
  assert.throws(() => buildMessage(message), TypeError);
});

test('characters XML cannot carry are dropped from card texts, the rest is escaped', () => {
  const message = structuredClone(samples.mainDocMinimal);
  const document = message.documents[0]!;
  document.annotation = 'Отчёт\u000B за «март» <черновик> & "итог"';
  const parsed = parseMessage(Buffer.from(buildMessage(message)));
  assert.equal(parsed.kind === 'MainDoc' && parsed.documents[0]?.annotation, 'Отчёт за «март» <черновик> & "итог"');
});
