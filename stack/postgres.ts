// PostgreSQL: the stack reuses a running server (starting the local Debian cluster only when it is
// down) and creates each organization's database on it.
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import pg from 'pg';
import { databaseName, ensureDatabase, redactUrl } from '../prisma/database';
import type { SevConfig } from '../workers/config';
import { StackError, type ComponentStatus, type Log } from './component';
import { findOnPath, isLocalHost, run, waitUntil } from './process';

interface Cluster {
  version: string;
  name: string;
}

/** Where `up` notes the cluster it started, so that `down` stops that one and never another. */
function startedMarker(config: SevConfig): string {
  return path.join(config.stateDir, 'postgres-started.json');
}

function serverAddress(adminUrl: string): { host: string; port: number } {
  const url = new URL(adminUrl);
  return { host: url.hostname || 'localhost', port: Number(url.port || 5432) };
}

function addressText(config: SevConfig): string {
  const { host, port } = serverAddress(config.postgres.adminUrl);
  return `${host}:${port}`;
}

/** Connects to the maintenance database; returns why it failed, or undefined when it answers. */
async function connectionProblem(adminUrl: string): Promise<string | undefined> {
  const client = new pg.Client({ connectionString: adminUrl, connectionTimeoutMillis: 3000 });
  try {
    await client.connect();
    await client.query('SELECT 1');
    return undefined;
  } catch (e) {
    return (e as Error).message;
  } finally {
    await client.end().catch(() => undefined);
  }
}

export async function ensurePostgres(config: SevConfig, log: Log): Promise<void> {
  const adminUrl = config.postgres.adminUrl;
  const address = addressText(config);
  const problem = await connectionProblem(adminUrl);
  if (problem === undefined) {
    log(`PostgreSQL: уже работает на ${address} — использую его`);
  } else {
    if (!isLocalHost(serverAddress(adminUrl).host)) {
      throw new StackError(`PostgreSQL не отвечает на ${address} (${problem}) — проверьте сервер и SEV_POSTGRES_URL`);
    }
    await startLocalCluster(config, log);
  }

  for (const org of config.organizations) {
    const created = await ensureDatabase(adminUrl, org.databaseUrl);
    if (created) log(`PostgreSQL: создана база ${databaseName(org.databaseUrl)} (${org.id})`);
  }
}

async function startLocalCluster(config: SevConfig, log: Log): Promise<void> {
  const address = addressText(config);
  const cluster = await localClusterOnPort(serverAddress(config.postgres.adminUrl).port);
  if (!cluster) {
    throw new StackError(
      `PostgreSQL не отвечает на ${address}, и локального кластера на этом порту нет — ` +
        `установите PostgreSQL (apt-get install postgresql) или укажите сервер в SEV_POSTGRES_URL`,
    );
  }
  log(`PostgreSQL: запускаю кластер ${cluster.version}/${cluster.name}…`);
  const result = await run('pg_ctlcluster', ['--skip-systemctl-redirect', cluster.version, cluster.name, 'start']);
  if (result.code !== 0) {
    throw new StackError(
      `PostgreSQL: pg_ctlcluster ${cluster.version} ${cluster.name} start завершился с кодом ${result.code}: ` +
        `${(result.stderr || result.stdout).trim()} — см. /var/log/postgresql/postgresql-${cluster.version}-${cluster.name}.log`,
    );
  }
  writeFileSync(startedMarker(config), JSON.stringify(cluster));
  const ready = await waitUntil(async () => (await connectionProblem(config.postgres.adminUrl)) === undefined, { timeoutMs: 30_000 });
  if (!ready.ok) throw new StackError(`PostgreSQL не отвечает на ${address} после запуска (${ready.reason})`);
  log(`PostgreSQL: работает на ${address}`);
}

/** The Debian cluster (pg_lsclusters) configured for `port`, if any. */
async function localClusterOnPort(port: number): Promise<Cluster | undefined> {
  if (!findOnPath('pg_lsclusters')) return undefined;
  const result = await run('pg_lsclusters', ['--no-header']);
  for (const line of result.stdout.split('\n')) {
    const [version, name, clusterPort] = line.trim().split(/\s+/);
    if (version && name && Number(clusterPort) === port) return { version, name };
  }
  return undefined;
}

/** Stops the cluster only if `up` started it; a server someone else runs is left alone. */
export async function stopPostgres(config: SevConfig, log: Log): Promise<void> {
  const marker = startedMarker(config);
  if (!existsSync(marker)) {
    log('PostgreSQL: не запускался стеком — не трогаю');
    return;
  }
  const cluster = JSON.parse(readFileSync(marker, 'utf8')) as Cluster;
  const result = await run('pg_ctlcluster', ['--skip-systemctl-redirect', cluster.version, cluster.name, 'stop']);
  // Exit code 2: the cluster was not running, which is the state we want.
  if (result.code !== 0 && result.code !== 2) {
    throw new StackError(`PostgreSQL: pg_ctlcluster ${cluster.version} ${cluster.name} stop завершился с кодом ${result.code}: ${result.stderr.trim()}`);
  }
  rmSync(marker);
  log(`PostgreSQL: кластер ${cluster.version}/${cluster.name} остановлен`);
}

export async function postgresStatus(config: SevConfig): Promise<ComponentStatus> {
  const status = { component: 'PostgreSQL', address: addressText(config) };
  const adminUrl = config.postgres.adminUrl;
  const client = new pg.Client({ connectionString: adminUrl, connectionTimeoutMillis: 3000 });
  try {
    await client.connect();
    const wanted = config.organizations.map((org) => databaseName(org.databaseUrl));
    const found = await client.query<{ datname: string }>('SELECT datname FROM pg_database WHERE datname = ANY($1)', [wanted]);
    const present = new Set(found.rows.map((row) => row.datname));
    const missing = wanted.filter((name) => !present.has(name));
    if (missing.length > 0) return { ...status, up: false, detail: `нет баз ${missing.join(', ')} — выполните sev stack up` };
    return { ...status, up: true, detail: `базы: ${wanted.join(', ')}` };
  } catch (e) {
    const fix = isLocalHost(serverAddress(adminUrl).host) ? 'выполните sev stack up' : 'проверьте сервер и SEV_POSTGRES_URL';
    return { ...status, up: false, detail: `нет соединения (${(e as Error).message}) с ${redactUrl(adminUrl)} — ${fix}` };
  } finally {
    await client.end().catch(() => undefined);
  }
}
