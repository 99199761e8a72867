// Organizations of their own for an end-to-end test: their own mailboxes, fresh databases and
// task queues, with SEV's workers and intakes running in this process against the real stack.
import { createHash, randomBytes } from 'node:crypto';
import type { Client } from '@temporalio/client';
import { createBuiltinEdms } from '../../edms/builtin';
import { dropDatabase } from '../../prisma/database';
import { createPrismaClient, type PrismaClient } from '../../prisma/client';
import { migrateDatabase } from '../../prisma/migrate';
import { stackUp } from '../../stack';
import { exchangeRules, loadConfig, type OrganizationConfig, type SevConfig } from '../../workers/config';
import { connectClient } from '../../workers/temporal';
import { sendDocument } from '../../workers/send';
import { startWorkers, type RunningWorkers } from '../../workers/worker';
import { outboundStateQuery, type OutboundState } from '../../workflows/definitions';
import { emptyMailbox } from '../stack/mail-helpers';

export interface TestOrganization {
  org: OrganizationConfig;
  db: PrismaClient;
  edms: ReturnType<typeof createBuiltinEdms>;
}

export interface TestExchange {
  config: SevConfig;
  orgs: TestOrganization[];
  client: Client;
  workers: RunningWorkers;
  stop(): Promise<void>;
}

const names = [
  ['Министерство тестирования А', 'Минтест А'],
  ['Администрация тестового района Б', 'Администрация Б'],
  ['Комитет тестовых дел В', 'Комитет В'],
] as const;

/** Test organizations `<prefix>-a`, `<prefix>-b`, …; their mailboxes are emptied and databases recreated. */
/** Rules for every organization, or one set per organization (a, b, c). */
export type TestRules = Parameters<typeof exchangeRules>[0] | Parameters<typeof exchangeRules>[0][];

export function testConfig(prefix: string, count = 2, rules: TestRules = {}, env: NodeJS.ProcessEnv = {}): SevConfig {
  const base = loadConfig(env);
  const pgBase = base.postgres.adminUrl.replace(/\/[^/]*$/, '');
  const run = randomBytes(3).toString('hex');
  const organizations = names.slice(0, count).map(([name, shortName], i) => {
    const letter = 'abc'[i]!;
    const id = `${prefix}-${letter}`;
    return {
      id,
      name,
      shortName,
      sevIndex: `${prefix.toUpperCase()}-${letter.toUpperCase()}`,
      mailbox: { address: `sev-${id}@${base.mail.domain}`, user: `sev-${id}`, password: `${id}-secret` },
      databaseUrl: `${pgBase}/sev_${id.replace(/-/g, '_')}`,
      taskQueue: `sev-${id}-${run}`,
      rules: exchangeRules(Array.isArray(rules) ? (rules[i] ?? {}) : rules),
    };
  });
  return { ...base, organizations };
}

export async function startTestExchange(
  prefix: string,
  options: {
    count?: number;
    rules?: TestRules;
    workers?: boolean;
    env?: NodeJS.ProcessEnv;
    /** Runs once the databases are fresh, before the workers start (keys to put in place, rows to seed). */
    beforeWorkers?: (config: SevConfig) => Promise<void>;
  } = {},
): Promise<TestExchange> {
  const config = testConfig(prefix, options.count, options.rules, options.env);
  const defaults = loadConfig(options.env ?? {});
  // The mail stack serves the usual organizations and these: it knows the mailboxes it is given.
  await stackUp({ ...config, organizations: [...defaults.organizations, ...config.organizations] }, () => {});
  const orgs: TestOrganization[] = [];
  for (const org of config.organizations) {
    await dropDatabase(config.postgres.adminUrl, org.databaseUrl);
    await migrateDatabase(config.postgres.adminUrl, org.databaseUrl);
    for (const folder of ['INBOX', 'Processed', 'Quarantine']) await emptyMailbox(config, org, folder);
    const db = createPrismaClient(org.databaseUrl);
    orgs.push({ org, db, edms: createBuiltinEdms(db) });
  }
  await options.beforeWorkers?.(config);
  const client = await connectClient(config.temporal);
  const workers =
    options.workers === false
      ? { done: Promise.resolve(), shutdown() {}, kickIntake() {} }
      : await startWorkers(config, config.organizations, { sweepIntervalMs: 2000 });
  return {
    config,
    orgs,
    client,
    workers,
    async stop() {
      workers.shutdown();
      await workers.done;
      await client.connection.close();
      for (const o of orgs) await o.db.$disconnect();
    },
  };
}

/** Polls until `check` returns a value (not undefined), or fails with what it waited for. */
export async function eventually<T>(what: string, check: () => Promise<T | undefined>, timeoutMs = 60_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < deadline) {
    try {
      const value = await check();
      if (value !== undefined) return value;
    } catch (e) {
      last = e;
    }
    await new Promise((r) => setTimeout(r, 300));
  }
  throw new Error(`timed out waiting for ${what}${last ? `: ${(last as Error).message}` : ''}`);
}

/** A's outbound exchange once it holds B's Registration report (its state, from the state query). */
export function registeredAtA(ex: TestExchange, workflowId: string, what = 'B registered it and A holds the report', timeoutMs?: number): Promise<OutboundState> {
  return eventually(
    what,
    async () => {
      const state = await ex.client.workflow.getHandle(workflowId).query(outboundStateQuery);
      return state.status === 'registered' ? state : undefined;
    },
    timeoutMs,
  );
}

/** A document of one file of `size` random bytes sent from A to B, returned once B registered it and A holds the report. */
export async function sendRandomFile(ex: TestExchange, from: TestOrganization, to: TestOrganization, document: { annotation: string; fileName: string; size: number }) {
  const content = randomBytes(document.size);
  const sha256 = createHash('sha256').update(content).digest('hex');
  const sent = await sendDocument(ex.config, from.org, { annotation: document.annotation, files: [{ name: document.fileName, content }], addresseeSevIndexes: [to.org.sevIndex] });
  const state = await registeredAtA(ex, sent.workflowIds[0]!, `${to.org.id} registered «${document.annotation}» and ${from.org.id} holds the report`, 150_000);
  return { content, sha256, sent, state };
}
