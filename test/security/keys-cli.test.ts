// `sev keys` as an operator runs it: generate, refuse a second generate, rotate, list with expiry,
// export the certificate (never the key), import a pair that does not match (refused), and trust
// a participant's certificate into the directory.
import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { syncDirectoryFromConfig } from '../../edms/directory';
import { createPrismaClient } from '../../prisma/client';
import { dropDatabase } from '../../prisma/database';
import { migrateDatabase } from '../../prisma/migrate';
import { generateKeyPair } from '../../security/keys';
import { projectRoot } from '../../workers/config';
import { testConfig } from '../support/exchange';

const dir = mkdtempSync(path.join(tmpdir(), 'sev-keys-cli-'));
const base = testConfig('kcl');
const config = { ...base, organizations: base.organizations.map((o) => ({ ...o, keysDir: path.join(dir, o.id) })) };
const [A, B] = config.organizations as [(typeof config.organizations)[number], (typeof config.organizations)[number]];
const configFile = path.join(dir, 'sev.json');
writeFileSync(configFile, JSON.stringify(config));

function sev(...args: string[]) {
  return spawnSync(process.execPath, [path.join(projectRoot, 'workers/sev.mjs'), ...args], {
    cwd: projectRoot,
    encoding: 'utf8',
    timeout: 60_000,
    env: { ...process.env, SEV_CONFIG: configFile },
  });
}

before(async () => {
  await dropDatabase(config.postgres.adminUrl, A.databaseUrl);
  await migrateDatabase(config.postgres.adminUrl, A.databaseUrl);
  const db = createPrismaClient(A.databaseUrl);
  await syncDirectoryFromConfig(db, config, A.id);
  await db.$disconnect();
});

test('generate, rotate, list and export keep the key in an owner-only store and never print it', () => {
  const made = sev('keys', 'generate', '--org', A.id, '--days', '20');
  assert.equal(made.status, 0, made.stderr);
  assert.match(made.stdout, /Создан ключ [0-9a-f]{64}/);
  const again = sev('keys', 'generate', '--org', A.id);
  assert.equal(again.status, 1);
  assert.match(again.stderr, /уже есть ключ.*sev keys rotate/);

  const listed = sev('keys', 'list', '--org', A.id);
  assert.equal(listed.status, 0, listed.stderr);
  assert.match(listed.stdout, /истекает через 1[89] дн\. — пора sev keys rotate/);
  assert.match(listed.stdout, /Сертификаты участников в справочнике:\n {2}нет: sev keys trust/);

  const rotated = sev('keys', 'rotate', '--org', A.id);
  assert.equal(rotated.status, 0, rotated.stderr);
  const after = sev('keys', 'list', '--org', A.id);
  assert.equal(after.stdout.match(/^ {2}[* ] [0-9a-f]{16}…/gm)?.length, 2, after.stdout);
  assert.match(after.stdout, /^ {2}\* .*действует ещё 36\d дн\./m);

  const exported = sev('keys', 'export', '--org', A.id);
  assert.equal(exported.status, 0);
  assert.match(exported.stdout, /^-----BEGIN CERTIFICATE-----/);
  for (const out of [made, listed, rotated, after, exported]) assert.doesNotMatch(out.stdout + out.stderr, /PRIVATE KEY/);
  for (const f of readdirSync(path.join(dir, A.id)).filter((n) => n.endsWith('.key.pem'))) {
    assert.equal(statSync(path.join(dir, A.id, f)).mode & 0o777, 0o600);
  }
});

test('import refuses a key that is not the certificate’s; trust adds a participant’s certificate once', async () => {
  const one = await generateKeyPair({ organization: 'Б', sevIndex: B.sevIndex });
  const other = await generateKeyPair({ organization: 'Б', sevIndex: B.sevIndex });
  writeFileSync(path.join(dir, 'one.key'), one.keyPem);
  writeFileSync(path.join(dir, 'other.pem'), other.certPem);
  const bad = sev('keys', 'import', '--org', A.id, '--key', path.join(dir, 'one.key'), '--cert', path.join(dir, 'other.pem'));
  assert.equal(bad.status, 2);
  assert.match(bad.stderr, /ключ не соответствует сертификату/);

  const trusted = sev('keys', 'trust', '--org', A.id, '--participant', B.sevIndex, '--cert', path.join(dir, 'other.pem'));
  assert.equal(trusted.status, 0, trusted.stderr);
  assert.match(trusted.stdout, /Добавлен сертификат/);
  assert.match(sev('keys', 'trust', '--org', A.id, '--participant', B.sevIndex, '--cert', path.join(dir, 'other.pem')).stdout, /Уже был/);
  const unknown = sev('keys', 'trust', '--org', A.id, '--participant', 'NOBODY', '--cert', path.join(dir, 'other.pem'));
  assert.equal(unknown.status, 2);
  assert.match(unknown.stderr, /нет участника с индексом СЭВ «NOBODY»/);
  assert.match(sev('keys', 'list', '--org', A.id).stdout, new RegExp(`${B.sevIndex} {2}${other.fingerprint.slice(0, 16)}`));
  assert.ok(readFileSync(path.join(dir, 'other.pem'), 'utf8').includes('CERTIFICATE'));
});
