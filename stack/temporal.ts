// Temporal: the dev server (with its Web UI) when the configured address is on this machine; a
// remote cluster is only health-checked.
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { Connection, type ConnectionOptions } from '@temporalio/client';
import type { SearchAttributeType } from '@temporalio/common';
import { temporalFor, type SevConfig, type TemporalConfig } from '../workers/config';
import { tlsOptions } from '../workers/temporal';
import { sevSearchAttributes } from '../workflows/search-attributes';
import { StackError, type ComponentStatus, type Log } from './component';
import { ensureTemporalCli } from './packages';
import {
  isLocalHost,
  isProcessAlive,
  portAnswers,
  processCommandLine,
  run,
  runningPid,
  spawnDetached,
  splitHostPort,
  tailFile,
  waitUntil,
} from './process';

const startTimeoutMs = 60_000;
const stopTimeoutMs = 20_000;

// Type names as `temporal server start-dev --search-attribute` and `operator search-attribute create` spell them.
const cliTypeNames: Record<SearchAttributeType, string> = {
  TEXT: 'Text',
  KEYWORD: 'Keyword',
  INT: 'Int',
  DOUBLE: 'Double',
  BOOL: 'Bool',
  DATETIME: 'Datetime',
  KEYWORD_LIST: 'KeywordList',
};

export function temporalPaths(config: SevConfig) {
  const dir = path.join(config.stateDir, 'temporal');
  return {
    dir,
    database: path.join(dir, 'temporal.db'),
    log: path.join(dir, 'temporal.log'),
    pidFile: path.join(dir, 'temporal.pid'),
  };
}

export function isLocalTemporal(config: SevConfig): boolean {
  return isLocalHost(splitHostPort(config.temporal.address).host);
}

/** Namespaces the organizations use on the shared server ("default" always exists). */
export function localNamespaces(config: SevConfig): string[] {
  const onSharedServer = config.organizations
    .map((org) => temporalFor(config, org))
    .filter((t) => t.address === config.temporal.address)
    .map((t) => t.namespace);
  return [...new Set([config.temporal.namespace, ...onSharedServer])];
}

/** Arguments of `temporal server start-dev` for this configuration. */
export function devServerArgs(config: SevConfig): string[] {
  const { host, port } = splitHostPort(config.temporal.address);
  const ui = new URL(config.temporal.uiUrl);
  // A UI address elsewhere is a proxy in front of the dev server's own default (gRPC port + 1000).
  const uiArgs = isLocalHost(ui.hostname) && ui.port ? ['--ui-ip', ui.hostname, '--ui-port', ui.port] : [];
  return [
    'server', 'start-dev',
    '--ip', host,
    '--port', String(port),
    ...uiArgs,
    '--db-filename', temporalPaths(config).database,
    // The default journal makes the dev server wait on disk syncs; WAL doubles its throughput.
    '--sqlite-pragma', 'journal_mode=wal',
    '--sqlite-pragma', 'synchronous=normal',
    ...localNamespaces(config).filter((ns) => ns !== 'default').flatMap((ns) => ['--namespace', ns]),
    ...sevSearchAttributes.flatMap((attr) => ['--search-attribute', `${attr.name}=${cliTypeNames[attr.type]}`]),
  ];
}

function connectionOptions(temporal: TemporalConfig): ConnectionOptions {
  const tls = tlsOptions(temporal);
  return { address: temporal.address, ...(tls ? { tls } : {}) };
}

/** A gRPC round trip (GetSystemInfo); returns why it failed, or undefined when the server answers. */
async function healthProblem(temporal: TemporalConfig, timeoutMs = 3000): Promise<string | undefined> {
  const { host, port } = splitHostPort(temporal.address);
  if (!(await portAnswers(host, port))) return 'порт закрыт';
  let connection: Connection | undefined;
  try {
    connection = await Connection.connect({ ...connectionOptions(temporal), connectTimeout: timeoutMs });
    return undefined;
  } catch (e) {
    const error = e as Error & { cause?: Error };
    return error.cause?.message ?? error.message;
  } finally {
    await connection?.close();
  }
}

/** Our dev server's pid, when the recorded process is still that server. */
function ownServerPid(config: SevConfig): number | undefined {
  const pid = runningPid(temporalPaths(config).pidFile);
  return pid !== undefined && processCommandLine(pid).includes('start-dev') ? pid : undefined;
}

export async function ensureTemporal(config: SevConfig, log: Log): Promise<void> {
  const address = config.temporal.address;
  if (!isLocalTemporal(config)) {
    const problem = await healthProblem(config.temporal, 10_000);
    if (problem) throw new StackError(`Temporal не отвечает на ${address} (${problem}) — проверьте SEV_TEMPORAL_ADDRESS, сеть и настройки TLS`);
    log(`Temporal: кластер ${address} отвечает`);
    return;
  }

  const cli = await ensureTemporalCli(config.toolsDir, log);
  const { host, port } = splitHostPort(address);
  if ((await healthProblem(config.temporal)) === undefined) {
    log(`Temporal: уже работает на ${address} — использую его`);
  } else if (ownServerPid(config) !== undefined) {
    log('Temporal: сервер уже запускается, жду…');
    await waitForServer(config, () => undefined);
  } else if (await portAnswers(host, port)) {
    throw new StackError(
      `Temporal: порт ${address} занят программой, которая не отвечает как Temporal — освободите порт или укажите SEV_TEMPORAL_ADDRESS`,
    );
  } else {
    await startDevServer(config, cli, log);
  }
  await ensureSearchAttributes(config, cli, log);
}

async function startDevServer(config: SevConfig, cli: string, log: Log): Promise<void> {
  const paths = temporalPaths(config);
  mkdirSync(paths.dir, { recursive: true });
  log(`Temporal: запускаю dev-сервер на ${config.temporal.address} (данные ${paths.database})…`);
  const server = await spawnDetached(cli, devServerArgs(config), paths.log);
  writeFileSync(paths.pidFile, `${server.pid}\n`);
  await waitForServer(config, () => {
    const code = server.exitCode();
    return code === null ? undefined : `процесс завершился с кодом ${code}`;
  });
  log(`Temporal: работает на ${config.temporal.address}, UI ${config.temporal.uiUrl}`);
}

async function waitForServer(config: SevConfig, exited: () => string | undefined): Promise<void> {
  const ready = await waitUntil(async () => (await healthProblem(config.temporal, 2000)) === undefined, {
    timeoutMs: startTimeoutMs,
    intervalMs: 300,
    gaveUp: exited,
  });
  if (!ready.ok) {
    const log = temporalPaths(config).log;
    throw new StackError(`Temporal не запустился на ${config.temporal.address}: ${ready.reason} — см. журнал ${log}:\n${tailFile(log)}`);
  }
}

/** Registers the SEV search attributes missing on a server that was started without them. */
async function ensureSearchAttributes(config: SevConfig, cli: string, log: Log): Promise<void> {
  for (const namespace of localNamespaces(config)) {
    const target = ['--address', config.temporal.address, '--namespace', namespace];
    await ensureNamespace(cli, namespace, target, log);
    const listed = JSON.parse(await temporalCli(cli, ['operator', 'search-attribute', 'list', ...target, '--output', 'json'])) as {
      customAttributes?: Record<string, string>;
    };
    const registered = listed.customAttributes ?? {};
    const wrongType = sevSearchAttributes.find((attr) => attr.name in registered && registered[attr.name] !== `INDEXED_VALUE_TYPE_${attr.type}`);
    if (wrongType) {
      throw new StackError(
        `Temporal: атрибут поиска ${wrongType.name} в пространстве ${namespace} имеет тип ${registered[wrongType.name]}, а нужен ${wrongType.type} — ` +
          'удалите его (temporal operator search-attribute remove) и повторите sev stack up',
      );
    }
    const missing = sevSearchAttributes.filter((attr) => !(attr.name in registered));
    // One attribute per call: the CLI applies a single --type to the whole call.
    for (const attr of missing) {
      await temporalCli(cli, ['operator', 'search-attribute', 'create', ...target, '--name', attr.name, '--type', cliTypeNames[attr.type]]);
    }
    if (missing.length > 0) log(`Temporal: зарегистрированы атрибуты поиска ${missing.map((a) => a.name).join(', ')} (${namespace})`);
  }
}

async function ensureNamespace(cli: string, namespace: string, target: string[], log: Log): Promise<void> {
  if (namespace === 'default' || (await run(cli, ['operator', 'namespace', 'describe', ...target])).code === 0) return;
  await temporalCli(cli, ['operator', 'namespace', 'create', ...target]);
  // A new namespace reaches the frontend's cache only after a few seconds.
  const ready = await waitUntil(async () => (await run(cli, ['operator', 'search-attribute', 'list', ...target])).code === 0, {
    timeoutMs: 30_000,
    intervalMs: 500,
  });
  if (!ready.ok) throw new StackError(`Temporal: пространство имён ${namespace} создано, но недоступно (${ready.reason})`);
  log(`Temporal: создано пространство имён ${namespace}`);
}

async function temporalCli(cli: string, args: string[]): Promise<string> {
  const result = await run(cli, args);
  if (result.code !== 0) {
    throw new StackError(`Temporal: команда temporal ${args.join(' ')} завершилась с кодом ${result.code}: ${(result.stderr || result.stdout).trim()}`);
  }
  return result.stdout;
}

/** Stops the dev server the stack started; a server someone else runs is left alone. */
export async function stopTemporal(config: SevConfig, log: Log): Promise<void> {
  const paths = temporalPaths(config);
  const pid = ownServerPid(config);
  if (pid === undefined) {
    rmSync(paths.pidFile, { force: true });
    const running = isLocalTemporal(config) && (await healthProblem(config.temporal)) === undefined;
    log(running ? `Temporal: сервер на ${config.temporal.address} запущен не стеком — не трогаю` : 'Temporal: не запущен');
    return;
  }
  process.kill(pid, 'SIGTERM');
  const stopped = await waitUntil(async () => !isProcessAlive(pid), { timeoutMs: stopTimeoutMs });
  if (!stopped.ok) {
    process.kill(pid, 'SIGKILL');
    await waitUntil(async () => !isProcessAlive(pid), { timeoutMs: 5000 });
  }
  rmSync(paths.pidFile, { force: true });
  log(`Temporal: остановлен (pid ${pid})`);
}

export async function temporalStatus(config: SevConfig): Promise<ComponentStatus> {
  const status = { component: 'Temporal', address: config.temporal.address };
  const problem = await healthProblem(config.temporal);
  if (problem === undefined) return { ...status, up: true, detail: `UI: ${config.temporal.uiUrl}` };
  const fix = isLocalTemporal(config)
    ? `см. журнал ${temporalPaths(config).log}, запустите sev stack up`
    : 'проверьте SEV_TEMPORAL_ADDRESS, сеть и настройки TLS';
  return { ...status, up: false, detail: `не отвечает (${problem}) — ${fix}` };
}
