// Organizations of the benchmark's own (like test/support/exchange.ts does for tests): fresh
// databases, their own mailboxes and task queues, so a run never sees anyone else's mail or rows.
import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { dropDatabase } from '../prisma/database';
import { migrateDatabase } from '../prisma/migrate';
import { stackUp } from '../stack';
import { exchangeRules, loadConfig, type OrganizationConfig, type SevConfig } from '../workers/config';
import { emptyMailbox } from '../stack/mailboxes';

export interface BenchSetup {
  config: SevConfig;
  a: OrganizationConfig;
  b: OrganizationConfig;
  /** A mailbox of its own for the bare transport benchmark (no SEV reads it). */
  transportBox: OrganizationConfig;
  /** The exchange skeleton's two organizations (bench/skeleton.ts): mailboxes no SEV reads. */
  skeleton: [OrganizationConfig, OrganizationConfig];
  /** The configuration as a JSON file for the worker child process (SEV_CONFIG). */
  configFile: string;
  /** The same, with every package encrypted for its addressee (S/MIME). */
  encryptedConfigFile: string;
}

function benchOrganization(base: SevConfig, id: string, name: string, shortName: string, run: string): OrganizationConfig {
  const pgBase = base.postgres.adminUrl.replace(/\/[^/]*$/, '');
  return {
    id,
    name,
    shortName,
    sevIndex: id.toUpperCase(),
    mailbox: { address: `sev-${id}@${base.mail.domain}`, user: `sev-${id}`, password: `${id}-secret` },
    databaseUrl: `${pgBase}/sev_${id.replace(/-/g, '_')}`,
    taskQueue: `sev-${id}-${run}`,
    // A benchmark never sends the same document twice; refusing keeps a slip visible and unattended.
    // Reports on receipt and registration only (StopDayCount 0): an exchange ends at registration, as measured.
    rules: exchangeRules({ businessDuplicate: 'refuse', reportOrder: { stopDayCount: 0 } }),
  };
}

/** Brings the stack up with the benchmark's mailboxes, recreates their databases, empties their mail. */
export async function prepareBench(log: (line: string) => void): Promise<BenchSetup> {
  const base = loadConfig({});
  const run = randomBytes(3).toString('hex');
  const a = benchOrganization(base, 'bench-a', 'Министерство нагрузочных испытаний', 'Миннагрузки', run);
  const b = benchOrganization(base, 'bench-b', 'Администрация эталонного района', 'Администрация ЭР', run);
  const transportBox = benchOrganization(base, 'bench-t', 'Почтовый ящик замера транспорта', 'Транспорт', run);
  const skeleton: [OrganizationConfig, OrganizationConfig] = [
    benchOrganization(base, 'bench-sa', 'Скелет обмена: отправитель', 'Скелет А', run),
    benchOrganization(base, 'bench-sb', 'Скелет обмена: получатель', 'Скелет Б', run),
  ];
  const config: SevConfig = { ...base, organizations: [a, b] };
  await stackUp({ ...base, organizations: [...base.organizations, a, b, transportBox, ...skeleton] }, (line) => log(`  стенд: ${line}`));
  for (const org of [a, b]) {
    await dropDatabase(config.postgres.adminUrl, org.databaseUrl);
    await migrateDatabase(config.postgres.adminUrl, org.databaseUrl);
  }
  for (const org of [a, b, transportBox, ...skeleton]) for (const folder of ['INBOX', 'Processed', 'Quarantine']) await emptyMailbox(config, org, folder);
  const configFile = path.join(os.tmpdir(), `sev-bench-${run}.json`);
  writeFileSync(configFile, JSON.stringify({ organizations: config.organizations }, null, 2));
  const encryptedConfigFile = path.join(os.tmpdir(), `sev-bench-${run}-encrypted.json`);
  const encrypted = config.organizations.map((org) => ({ ...org, rules: { ...org.rules, encryptFor: ['*'] } }));
  writeFileSync(encryptedConfigFile, JSON.stringify({ organizations: encrypted }, null, 2));
  return { config, a, b, transportBox, skeleton, configFile, encryptedConfigFile };
}
