// The local stack against the real thing: the `sev stack` commands, mail through Postfix and
// Dovecot, Temporal's search attributes, the organizations' databases.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Connection } from '@temporalio/client';
import pg from 'pg';
import { databaseName, dropDatabase, ensureDatabase } from '../../prisma/database';
import { loadConfig, projectRoot } from '../../workers/config';
import { sevSearchAttributes } from '../../workflows/search-attributes';
import { fetchRawMessage, listMailbox, sendMail, uniqueSubject, waitForMessage, withMailbox } from './mail-helpers';

const config = loadConfig();
const [orgA, orgB] = config.organizations;

interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/**
 * Runs `sev` as the operator does. Resolves on 'close', when every holder of its output pipes is
 * gone: a daemon that kept them open would make this hang, as it would hang `npm test`.
 */
function sev(args: string[], env: NodeJS.ProcessEnv = process.env): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [path.join(projectRoot, 'workers/sev.mjs'), ...args], { cwd: projectRoot, env });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

function assertSucceeded(result: CliResult, what: string): void {
  assert.equal(result.code, 0, `${what} failed:\n${result.stdout}\n${result.stderr}`);
}

test('stack up twice in a row: both succeed and the second reuses everything', { timeout: 300_000 }, async () => {
  assertSucceeded(await sev(['stack', 'up']), 'first stack up');
  const second = await sev(['stack', 'up']);
  assertSucceeded(second, 'second stack up');
  for (const component of ['Temporal', 'PostgreSQL', 'Dovecot', 'Postfix']) {
    assert.match(second.stdout, new RegExp(`${component}: уже работает на \\S+ — использую его`));
  }
  assert.doesNotMatch(second.stdout, /запускаю|создана база|устанавливаю|перечитал/);
});

test('stack status lists every component as up and exits 0', async () => {
  const status = await sev(['stack', 'status']);
  assertSucceeded(status, 'stack status');
  for (const component of ['Temporal', 'PostgreSQL', 'Postfix', 'Dovecot']) {
    assert.match(status.stdout, new RegExp(`^${component}\\s+работает\\s`, 'm'));
  }
  assert.match(status.stdout, new RegExp(config.temporal.uiUrl.replace(/[.:/]/g, '\\$&')));
});

test('mail sent over SMTP to an organization arrives in its IMAP mailbox', async () => {
  assert.ok(orgA && orgB);
  const subject = uniqueSubject('stack mail delivery');
  const body = `Проверка доставки ${subject}`;
  await sendMail(config, { from: orgB.mailbox.address, to: orgA.mailbox.address, subject, text: body });

  const arrived = await waitForMessage(config, orgA, (m) => m.subject === subject);
  try {
    assert.equal(arrived.from, orgB.mailbox.address);
    const raw = (await fetchRawMessage(config, orgA, arrived.uid)).toString('utf8');
    assert.match(raw, new RegExp(`^Subject: ${subject}`, 'm'));
    assert.equal((await listMailbox(config, orgB)).filter((m) => m.subject === subject).length, 0, 'delivered to the sender too');
  } finally {
    await withMailbox(config, orgA, 'INBOX', (client) => client.messageDelete(String(arrived.uid), { uid: true }));
  }
  assert.equal((await listMailbox(config, orgA)).filter((m) => m.subject === subject).length, 0);
});

test('mailboxes have the folders SEV files handled mail into', async () => {
  assert.ok(orgA);
  for (const folder of ['Processed', 'Quarantine']) {
    await withMailbox(config, orgA, folder, async (client) => assert.ok(client.mailbox && client.mailbox.path === folder));
  }
});

test('mail to an address with no mailbox is refused at once, not lost', async () => {
  await assert.rejects(
    sendMail(config, { from: orgA!.mailbox.address, to: `nobody-${Date.now()}@${config.mail.domain}`, subject: 'x', text: 'x' }),
    (e: Error & { responseCode?: number }) => e.responseCode === 550,
  );
});

test('Temporal answers and knows every SEV search attribute', async () => {
  const connection = await Connection.connect({ address: config.temporal.address });
  try {
    const { customAttributes } = await connection.operatorService.listSearchAttributes({ namespace: config.temporal.namespace });
    const registered = Object.keys(customAttributes ?? {});
    for (const attr of sevSearchAttributes) assert.ok(registered.includes(attr.name), `${attr.name} is not registered`);
  } finally {
    await connection.close();
  }
});

test('every organization has its database', async () => {
  const client = new pg.Client({ connectionString: config.postgres.adminUrl });
  await client.connect();
  try {
    for (const org of config.organizations) {
      const found = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [databaseName(org.databaseUrl)]);
      assert.equal(found.rowCount, 1, `no database for ${org.id}`);
    }
  } finally {
    await client.end();
  }
});

test('a worker on a database created but never migrated says so and how to fix it', { timeout: 120_000 }, async () => {
  const databaseUrl = orgB!.databaseUrl.replace(/\/[^/]*$/, '/sev_unmigrated_check');
  await dropDatabase(config.postgres.adminUrl, databaseUrl);
  await ensureDatabase(config.postgres.adminUrl, databaseUrl);
  const dir = mkdtempSync(path.join(tmpdir(), 'sev-unmigrated-'));
  try {
    const configFile = path.join(dir, 'sev.json');
    writeFileSync(configFile, JSON.stringify({ organizations: [{ ...orgB, databaseUrl }] }));
    const result = await sev(['worker', '--org', orgB!.id], { ...process.env, SEV_CONFIG: configFile });
    assert.equal(result.code, 1, result.stdout + result.stderr);
    assert.match(result.stderr, /база не подготовлена\. Выполните npx sev db migrate/);
    assert.doesNotMatch(result.stderr, /непредвиденная ошибка/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
    await dropDatabase(config.postgres.adminUrl, databaseUrl);
  }
});

test('a second stack on other ports comes up cold, delivers to an exchange address unlike the login, and goes down', { timeout: 120_000 }, async () => {
  // Its own state folder and ports; the Temporal CLI already installed and PostgreSQL are shared.
  const stateDir = mkdtempSync(path.join(tmpdir(), 'sev-stack-'));
  chmodSync(stateDir, 0o755); // the mail daemons' users must reach it
  const [first, ...others] = config.organizations;
  assert.ok(first);
  const configFile = path.join(stateDir, 'sev.json');
  const exchange = { ...first, mailbox: { ...first.mailbox, address: `exchange-${first.id}@${config.mail.domain}` } };
  writeFileSync(configFile, JSON.stringify({ organizations: [exchange, ...others] }));
  const env = {
    ...process.env,
    SEV_CONFIG: configFile,
    SEV_STATE_DIR: stateDir,
    SEV_TOOLS_DIR: config.toolsDir,
    SEV_TEMPORAL_ADDRESS: '127.0.0.1:17233',
    SEV_TEMPORAL_UI_URL: 'http://127.0.0.1:18233',
    SEV_SMTP_PORT: '12525',
    SEV_IMAP_PORT: '11143',
    SEV_LMTP_PORT: '12424',
  };
  const second = loadConfig(env);
  let stopped = false;
  try {
    const up = await sev(['stack', 'up'], env);
    assertSucceeded(up, 'cold stack up');
    assert.match(up.stdout, /Temporal: запускаю/);
    assert.match(up.stdout, /Postfix: запускаю/);
    assertSucceeded(await sev(['stack', 'status'], env), 'status after up');

    const subject = uniqueSubject('exchange address');
    await sendMail(second, { from: `someone@${config.mail.domain}`, to: exchange.mailbox.address, subject, text: subject });
    await waitForMessage(second, second.organizations[0]!, (m) => m.subject === subject);

    const down = await sev(['stack', 'down'], env);
    assertSucceeded(down, 'stack down');
    assert.match(down.stdout, /PostgreSQL: не запускался стеком — не трогаю/);
    const after = await sev(['stack', 'status'], env);
    assert.equal(after.code, 1);
    assert.match(after.stdout, /^Temporal\s+НЕ РАБОТАЕТ/m);
    assert.match(after.stdout, /^PostgreSQL\s+работает/m);

    assertSucceeded(await sev(['stack', 'down'], env), 'second stack down');
    stopped = true;
  } finally {
    if (!stopped) await sev(['stack', 'down'], env);
    rmSync(stateDir, { recursive: true, force: true });
  }
});
