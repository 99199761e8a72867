import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { ConfigError, findOrganization, loadConfig, temporalFor } from '../../workers/config';

function configFile(content: unknown): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'sev-config-'));
  const file = path.join(dir, 'sev.json');
  writeFileSync(file, typeof content === 'string' ? content : JSON.stringify(content));
  return file;
}

test('defaults run two organizations on this machine with no configuration', () => {
  const cfg = loadConfig({});
  assert.equal(cfg.temporal.address, '127.0.0.1:7233');
  assert.deepEqual(
    cfg.organizations.map((o) => [o.id, o.taskQueue, o.databaseUrl]),
    [
      ['org-a', 'sev-org-a', 'postgresql://postgres@127.0.0.1:5432/sev_org_a'],
      ['org-b', 'sev-org-b', 'postgresql://postgres@127.0.0.1:5432/sev_org_b'],
    ],
  );
  assert.equal(cfg.mail.smtp.port, 2525);
});

test('environment points the same workers at another cluster and database server', () => {
  const cfg = loadConfig({
    SEV_TEMPORAL_ADDRESS: 'temporal.example:7233',
    SEV_TEMPORAL_NAMESPACE: 'sev-prod',
    SEV_TEMPORAL_TLS_CERT: '/etc/sev/client.pem',
    SEV_TEMPORAL_TLS_KEY: '/etc/sev/client.key',
    SEV_POSTGRES_URL: 'postgresql://sev:pw@db.example:5433/',
  });
  assert.equal(cfg.temporal.address, 'temporal.example:7233');
  assert.equal(cfg.temporal.tls?.certFile, '/etc/sev/client.pem');
  assert.equal(cfg.organizations[0]?.databaseUrl, 'postgresql://sev:pw@db.example:5433/sev_org_a');
});

test('a file replaces the organizations and may override Temporal per organization', () => {
  const file = configFile({
    organizations: [
      {
        id: 'minek',
        name: 'Министерство экономического развития',
        shortName: 'Минэк',
        sevIndex: 'MINEK-1',
        mailbox: { address: 'sev@minek.example', user: 'sev', password: 'x' },
        databaseUrl: 'postgresql://db.example/sev_minek',
        taskQueue: 'sev-minek',
        temporal: { namespace: 'minek' },
      },
    ],
  });
  const cfg = loadConfig({ SEV_CONFIG: file });
  const org = findOrganization(cfg, 'minek');
  assert.equal(temporalFor(cfg, org).namespace, 'minek');
  assert.equal(temporalFor(cfg, org).address, '127.0.0.1:7233');
  assert.throws(() => findOrganization(cfg, 'org-a'), /Unknown organization "org-a"; configured: minek/);
});

test('a wrong setting stops with a message naming it', () => {
  const file = configFile({
    temporal: { address: 'no-port' },
    organizations: [
      {
        id: 'Bad Id',
        name: 'X',
        shortName: 'X',
        sevIndex: 'X',
        mailbox: { address: 'not-an-email', user: 'u', password: 'p' },
        databaseUrl: 'mysql://db/x',
        taskQueue: 'q',
      },
    ],
  });
  assert.throws(
    () => loadConfig({ SEV_CONFIG: file }),
    (e: unknown) => {
      assert.ok(e instanceof ConfigError);
      assert.match(e.message, /temporal\.address: expected host:port/);
      assert.match(e.message, /organizations\[0\]\.id:/);
      assert.match(e.message, /organizations\[0\]\.mailbox\.address:/);
      assert.match(e.message, /organizations\[0\]\.databaseUrl: expected a postgresql:\/\/ URL/);
      return true;
    },
  );
});

test('a missing setting and duplicates are named', () => {
  const org = {
    id: 'a',
    name: 'A',
    shortName: 'A',
    sevIndex: 'SAME',
    mailbox: { address: 'a@x.example', user: 'a', password: 'p' },
    databaseUrl: 'postgresql://db/a',
    taskQueue: 'qa',
  };
  const { taskQueue: _omit, ...withoutQueue } = org;
  assert.throws(() => loadConfig({ SEV_CONFIG: configFile({ organizations: [withoutQueue] }) }), /organizations\[0\]\.taskQueue/);
  const twin = { ...org, id: 'b', mailbox: { ...org.mailbox, address: 'b@x.example' }, taskQueue: 'qb' };
  assert.throws(
    () => loadConfig({ SEV_CONFIG: configFile({ organizations: [org, twin] }) }),
    /organizations\[1\]\.sevIndex: duplicates organizations\[0\]\.sevIndex \(SAME\)/,
  );
});

test('unreadable, non-JSON and bad numeric settings are reported with their source', () => {
  assert.throws(() => loadConfig({ SEV_CONFIG: '/nonexistent/sev.json' }), /SEV_CONFIG: cannot read \/nonexistent\/sev\.json/);
  assert.throws(() => loadConfig({ SEV_CONFIG: configFile('{ not json') }), /is not valid JSON/);
  assert.throws(() => loadConfig({ SEV_CONFIG: configFile('[1,2]') }), /must hold a JSON object/);
  assert.throws(() => loadConfig({ SEV_SMTP_PORT: 'twenty' }), /SEV_SMTP_PORT: expected an integer, got "twenty"/);
});

test('the worker’s limits have defaults for a small machine, may be raised, and are checked', () => {
  assert.deepEqual(loadConfig({}).worker, { cachedWorkflows: 100, concurrentActivities: 16, concurrentWorkflowTasks: 32, heapGrowingPercent: 50 });
  const raised = loadConfig({ SEV_CONFIG: configFile({ worker: { cachedWorkflows: 1000, concurrentActivities: 64, heapGrowingPercent: 0 } }) });
  assert.deepEqual(raised.worker, { cachedWorkflows: 1000, concurrentActivities: 64, concurrentWorkflowTasks: 32, heapGrowingPercent: 0 });
  assert.throws(
    () => loadConfig({ SEV_CONFIG: configFile({ worker: { cachedWorkflows: 1, concurrentActivities: 0 } }) }),
    (e: unknown) => e instanceof ConfigError && /worker\.cachedWorkflows/.test(e.message) && /worker\.concurrentActivities/.test(e.message),
  );
});
