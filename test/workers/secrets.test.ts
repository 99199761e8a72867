// Secrets never reach a log line: mailbox passwords and API tokens as registered, URL passwords
// and private keys wherever they appear; a password can come from a file or the environment.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { loadConfig } from '../../workers/config';
import { logger, redact } from '../../workers/log';
import { generateKeyPair } from '../../security/keys';

function captured(work: () => void): string {
  const out: string[] = [];
  const writes = [process.stdout.write, process.stderr.write];
  process.stdout.write = ((chunk: string) => (out.push(String(chunk)), true)) as typeof process.stdout.write;
  process.stderr.write = ((chunk: string) => (out.push(String(chunk)), true)) as typeof process.stderr.write;
  try {
    work();
  } finally {
    [process.stdout.write, process.stderr.write] = writes as [typeof process.stdout.write, typeof process.stderr.write];
  }
  return out.join('');
}

test('mailbox passwords from the configuration, a file or the environment are never logged', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'sev-secrets-'));
  const file = path.join(dir, 'sev.json');
  writeFileSync(path.join(dir, 'b.pass'), 'пароль-из-файла-42\n');
  const base = loadConfig({});
  writeFileSync(
    file,
    JSON.stringify({
      organizations: [
        { ...base.organizations[0], mailbox: { ...base.organizations[0]!.mailbox, password: 'пароль-в-конфигурации-1' } },
        { ...base.organizations[1], mailbox: { address: base.organizations[1]!.mailbox.address, user: base.organizations[1]!.mailbox.user, passwordFile: path.join(dir, 'b.pass') } },
      ],
    }),
  );
  const config = loadConfig({ SEV_CONFIG: file });
  assert.equal(config.organizations[1]!.mailbox.password, 'пароль-из-файла-42');
  const fromEnv = loadConfig({ SEV_CONFIG: file, SEV_MAILBOX_PASSWORD_ORG_A: 'пароль-из-окружения-7' });
  assert.equal(fromEnv.organizations[0]!.mailbox.password, 'пароль-из-окружения-7');

  const line = captured(() =>
    logger({ org: 'org-a' }).error('IMAP login failed', {
      error: new Error('AUTHENTICATE failed for пароль-в-конфигурации-1 / пароль-из-файла-42 / пароль-из-окружения-7'),
      url: 'postgresql://sev:db-secret-pass@db.example:5432/sev_org_a',
    }),
  );
  for (const secret of ['пароль-в-конфигурации-1', 'пароль-из-файла-42', 'пароль-из-окружения-7', 'db-secret-pass']) assert.ok(!line.includes(secret), `${secret} leaked: ${line}`);
  assert.match(line, /postgresql:\/\/sev:\*\*\*@db\.example/);

  writeFileSync(file, JSON.stringify({ organizations: [{ ...base.organizations[0], mailbox: { address: 'x@sev.localhost', user: 'x' } }] }));
  assert.throws(() => loadConfig({ SEV_CONFIG: file }), /give password, passwordFile or SEV_MAILBOX_PASSWORD_ORG_A/);
});

test('a private key in a logged value is hidden', async () => {
  const { keyPem } = await generateKeyPair({ organization: 'А', sevIndex: 'A' });
  assert.equal(redact(`oops: ${keyPem}`), 'oops: [закрытый ключ скрыт]\n');
  const line = captured(() => logger().warn('key', { keyPem }));
  assert.ok(!line.includes('PRIVATE KEY') && !line.includes(keyPem.split('\n')[1]!));
});
