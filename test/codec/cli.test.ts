// `sev xml parse` as an operator runs it: the real entry point, a real file, exit codes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fixturePath, projectRoot } from './helpers';

function sev(...args: string[]) {
  return spawnSync(process.execPath, [path.join(projectRoot, 'workers/sev.mjs'), ...args], { cwd: projectRoot, encoding: 'utf8', timeout: 20_000 });
}

test('sev xml parse prints a windows-1251 passport as JSON: summary first, the whole message under "message"', () => {
  const result = sev('xml', 'parse', fixturePath('docinfo-windows-1251.xml'));
  assert.equal(result.status, 0, result.stderr);
  const output = JSON.parse(result.stdout);
  assert.equal(output.kind, 'MainDoc');
  assert.equal(output.messageId, '39537343ACD64107B4036F7B96E4C2DF');
  assert.equal(output.returnId, '45B96F4946EE46D78D95DBB5CCA06C10');
  assert.equal(output.sender.organization, 'Управление социальной защиты населения (УСЗН)');
  assert.equal(output.sender.organizationUid, '48CBC5725D004289BEDB827DC2AB20A9');
  assert.deepEqual(output.document, { uid: 'CD9B357D128740CEB952A8FC4FCB1166', documentId: '11759337', number: '6-2-0-19/6233/120', date: '2015-01-14' });
  assert.equal(output.resources.length, 4);
  assert.equal(output.message.documents[0].files[0].signatures[0].resourceId, 2);
});

test('sev xml parse lists a report’s events with the addressee’s registration number', () => {
  const result = sev('xml', 'parse', fixturePath('report-registration.xml'));
  assert.equal(result.status, 0, result.stderr);
  const output = JSON.parse(result.stdout);
  assert.equal(output.kind, 'Report');
  assert.equal(output.document.number, '13-0-4/2540/2760');
  assert.deepEqual(output.events, [
    { event: 'Registration', documentId: '12627332', systemDate: '2015-04-06T12:20:44+03:00', number: 'ВХ.18-1660/15', date: '2015-04-06' },
  ]);
});

test('sev xml parse refuses a hostile file with exit 2 and the error code on stderr', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'sev-xml-'));
  const file = path.join(dir, 'xxe.xml');
  writeFileSync(file, '<?xml version="1.0"?><!DOCTYPE DocInfo [<!ENTITY xxe SYSTEM "file:///etc/passwd">]><DocInfo xmlns="http://www.eos.ru/2010/sev">&xxe;</DocInfo>');
  const result = sev('xml', 'parse', file);
  assert.equal(result.status, 2);
  assert.match(result.stderr, /DTD_FORBIDDEN/);
  assert.equal(result.stdout, '');
});

test('sev xml parse names the attribute a passport lacks', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'sev-xml-'));
  const file = path.join(dir, 'no-id.xml');
  writeFileSync(file, '<DocInfo xmlns="http://www.eos.ru/2010/sev"><Header Version="1.0"/></DocInfo>');
  const result = sev('xml', 'parse', file);
  assert.equal(result.status, 2);
  assert.match(result.stderr, /MISSING_ELEMENT \/DocInfo\/Header\/Sender/);
});

test('sev xml parse on a missing file exits 2 with a clear message', () => {
  const result = sev('xml', 'parse', path.join(tmpdir(), 'no-such-passport.xml'));
  assert.equal(result.status, 2);
  assert.match(result.stderr, /файл не найден/);
});
