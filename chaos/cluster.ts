// The chaos run's own PostgreSQL cluster (Debian's pg_createcluster), so that restarting it never
// touches the PostgreSQL other engineers use. stack/postgres.ts starts a Debian cluster that is
// configured for the admin URL's port but never creates one: creating it (and opening trust auth
// on loopback TCP, as the main server has) is done here, idempotently.
import { readFileSync, writeFileSync } from 'node:fs';
import { run, waitUntil } from '../stack/process';
import pg from 'pg';

export interface ChaosCluster {
  version: string;
  name: string;
  port: number;
}

const trustMarker = '# sev chaos: trust on loopback TCP (added by chaos/cluster.ts)';

async function must(command: string, args: string[]): Promise<string> {
  const result = await run(command, args);
  if (result.code !== 0) throw new Error(`${command} ${args.join(' ')} exited ${result.code}: ${(result.stderr || result.stdout).trim()}`);
  return result.stdout;
}

interface Listed {
  version: string;
  name: string;
  port: number;
  status: string;
}

async function listClusters(): Promise<Listed[]> {
  const out = await must('pg_lsclusters', ['--no-header']);
  return out
    .split('\n')
    .map((line) => line.trim().split(/\s+/))
    .filter((f) => f.length >= 4)
    .map(([version, name, port, status]) => ({ version: version!, name: name!, port: Number(port), status: status! }));
}

/** The installed PostgreSQL major version (the newest, when several are). */
async function installedVersion(): Promise<string> {
  const versions = (await listClusters()).map((c) => c.version);
  if (versions.length === 0) throw new Error('no PostgreSQL cluster found by pg_lsclusters: install Debian\'s postgresql');
  return versions.sort((a, b) => Number(b) - Number(a))[0]!;
}

/** Creates (once), configures and starts the cluster; returns when it answers on its port. */
export async function ensureChaosCluster(name: string, port: number, log: (line: string) => void): Promise<ChaosCluster> {
  const clusters = await listClusters();
  const onPort = clusters.find((c) => c.port === port);
  if (onPort && onPort.name !== name) throw new Error(`port ${port} belongs to cluster ${onPort.version}/${onPort.name}, not ${name}`);
  const version = onPort?.version ?? (await installedVersion());
  if (!onPort) {
    log(`PostgreSQL: creating cluster ${version}/${name} on port ${port}`);
    await must('pg_createcluster', [version, name, '--port', String(port)]);
  }
  const cluster = { version, name, port };
  const hba = `/etc/postgresql/${version}/${name}/pg_hba.conf`;
  const text = readFileSync(hba, 'utf8');
  let changed = false;
  if (!text.includes(trustMarker)) {
    // First match wins in pg_hba.conf: the trust lines go on top.
    writeFileSync(hba, `${trustMarker}\nhost all all 127.0.0.1/32 trust\nhost all all ::1/128 trust\n${text}`);
    changed = true;
  }
  const running = (await listClusters()).find((c) => c.name === name && c.version === version)?.status === 'online';
  if (!running) {
    log(`PostgreSQL: starting cluster ${version}/${name}`);
    await must('pg_ctlcluster', ['--skip-systemctl-redirect', version, name, 'start']);
  } else if (changed) {
    await must('pg_ctlcluster', ['--skip-systemctl-redirect', version, name, 'reload']);
  }
  await waitForCluster(cluster, 30_000);
  return cluster;
}

export function clusterAdminUrl(cluster: ChaosCluster): string {
  return `postgresql://postgres@127.0.0.1:${cluster.port}/postgres`;
}

export async function clusterAnswers(cluster: ChaosCluster): Promise<boolean> {
  const client = new pg.Client({ connectionString: clusterAdminUrl(cluster), connectionTimeoutMillis: 2000 });
  client.on('error', () => undefined);
  try {
    await client.connect();
    await client.query('SELECT 1');
    return true;
  } catch {
    return false;
  } finally {
    await client.end().catch(() => undefined);
  }
}

async function waitForCluster(cluster: ChaosCluster, timeoutMs: number): Promise<void> {
  const ready = await waitUntil(() => clusterAnswers(cluster), { timeoutMs, intervalMs: 300 });
  if (!ready.ok) throw new Error(`PostgreSQL ${cluster.version}/${cluster.name} does not answer on ${cluster.port}: ${ready.reason}`);
}

/** The fault: a full restart (every connection of SEV is cut). */
export async function restartChaosCluster(cluster: ChaosCluster): Promise<void> {
  await must('pg_ctlcluster', ['--skip-systemctl-redirect', cluster.version, cluster.name, 'restart']);
  await waitForCluster(cluster, 60_000);
}

export async function stopChaosCluster(cluster: ChaosCluster): Promise<void> {
  const result = await run('pg_ctlcluster', ['--skip-systemctl-redirect', cluster.version, cluster.name, 'stop']);
  if (result.code !== 0 && result.code !== 2) throw new Error(`pg_ctlcluster stop exited ${result.code}: ${result.stderr.trim()}`);
}
