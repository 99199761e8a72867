// The chaos run's own stack: its own state folder, ports and PostgreSQL cluster, so that the faults
// it injects never reach the main stack (Temporal 7233, PostgreSQL 5432, Postfix 2525, Dovecot 1143)
// that other people use at the same time.
import { randomBytes } from 'node:crypto';
import { chmodSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { dropDatabase } from '../prisma/database';
import { migrateDatabase } from '../prisma/migrate';
import { stackDown, stackUp } from '../stack';
import { emptyMailbox } from '../stack/mailboxes';
import { exchangeRules, loadConfig, type SevConfig } from '../workers/config';
import { clusterAdminUrl, ensureChaosCluster, type ChaosCluster } from './cluster';

export const chaosPorts = {
  // Not 17233/12525/11143/12424: test/stack/stack.test.ts brings up a second stack there.
  temporal: 17333,
  temporalUi: 18333,
  smtp: 12625,
  imap: 11243,
  lmtp: 12524,
  postgres: 5499,
};
export const chaosClusterName = 'sevchaos';

/** Two organizations A → B on the chaos stack; task queues unique to this run. */
export function chaosConfig(runId: string): SevConfig {
  const base = loadConfig({});
  const stateDir = path.join(base.stateDir, 'chaos');
  const pgBase = `postgresql://postgres@127.0.0.1:${chaosPorts.postgres}`;
  const org = (letter: 'a' | 'b', name: string, shortName: string) => {
    const id = `chaos-${letter}`;
    return {
      id,
      name,
      shortName,
      sevIndex: `CHAOS-${letter.toUpperCase()}`,
      mailbox: { address: `sev-${id}@${base.mail.domain}`, user: `sev-${id}`, password: `${id}-secret` },
      databaseUrl: `${pgBase}/sev_chaos_${letter}`,
      taskQueue: `sev-${id}-${runId}`,
      // Reports on receipt and registration only (StopDayCount 0): every exchange ends at registration, so the run can settle.
      rules: exchangeRules({ reportOrder: { stopDayCount: 0 } }),
    };
  };
  return {
    ...base,
    stateDir,
    toolsDir: base.toolsDir, // the Temporal CLI already installed for the main stack
    temporal: { ...base.temporal, address: `127.0.0.1:${chaosPorts.temporal}`, uiUrl: `http://127.0.0.1:${chaosPorts.temporalUi}` },
    postgres: { adminUrl: `${pgBase}/postgres` },
    mail: {
      ...base.mail,
      smtp: { ...base.mail.smtp, host: '127.0.0.1', port: chaosPorts.smtp },
      imap: { ...base.mail.imap, host: '127.0.0.1', port: chaosPorts.imap },
      lmtpPort: chaosPorts.lmtp,
    },
    api: { ...base.api, port: base.api.port + 1000 },
    organizations: [
      org('a', 'Министерство хаос-тестирования А', 'Минхаос А'),
      org('b', 'Администрация хаос-района Б', 'Администрация Б'),
    ],
  };
}

export function newRunId(): string {
  return randomBytes(3).toString('hex');
}

export function runDir(config: SevConfig, runId: string): string {
  const dir = path.join(config.stateDir, 'runs', runId);
  mkdirSync(dir, { recursive: true });
  return dir;
}

/** Cluster, Temporal, mail daemons; fresh, migrated databases and empty mailboxes. */
export async function chaosStackUp(config: SevConfig, log: (line: string) => void): Promise<ChaosCluster> {
  mkdirSync(config.stateDir, { recursive: true });
  chmodSync(config.stateDir, 0o755); // the mail daemons' users must traverse it
  const cluster = await ensureChaosCluster(chaosClusterName, chaosPorts.postgres, log);
  if (clusterAdminUrl(cluster) !== config.postgres.adminUrl) throw new Error(`cluster URL ${clusterAdminUrl(cluster)} ≠ ${config.postgres.adminUrl}`);
  await stackUp(config, log);
  for (const org of config.organizations) {
    await dropDatabase(config.postgres.adminUrl, org.databaseUrl);
    await migrateDatabase(config.postgres.adminUrl, org.databaseUrl);
    for (const folder of ['INBOX', 'Processed', 'Quarantine']) await emptyMailbox(config, org, folder);
  }
  return cluster;
}

/** Stops the chaos stack's Temporal and mail daemons (never the main stack's: other ports, other state). */
export async function chaosStackDown(config: SevConfig, log: (line: string) => void): Promise<void> {
  await stackDown(config, log);
}
