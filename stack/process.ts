// Process, file and network helpers shared by the stack's components.
import { spawn } from 'node:child_process';
import { accessSync, closeSync, constants, existsSync, mkdirSync, openSync, readFileSync, renameSync, chmodSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';

export interface RunResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs a command to completion with its output captured; a non-zero exit is a result, not an error. */
export function run(command: string, args: string[], options: { input?: string; env?: NodeJS.ProcessEnv } = {}): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const input = options.input;
    const child = spawn(command, args, { stdio: [input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'], env: options.env ?? process.env });
    let stdout = '';
    let stderr = '';
    child.stdout!.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.stderr!.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    child.on('error', reject);
    child.on('close', (code, signal) => resolve({ code: code ?? (signal ? 128 : 1), stdout, stderr }));
    // A command that exits without reading its input is judged by its exit code, not by EPIPE.
    child.stdin?.on('error', () => undefined).end(input);
  });
}

/**
 * Runs a command that starts or signals a daemon. Its output goes to `logFile`, never to our pipes:
 * a daemon forked from it would otherwise hold them open and whoever reads our output would hang.
 */
export function runToLog(command: string, args: string[], logFile: string): Promise<number> {
  const fd = openLog(logFile);
  return new Promise<number>((resolve, reject) => {
    const child = spawn(command, args, { stdio: ['ignore', fd, fd] });
    child.on('error', reject);
    child.on('exit', (code, signal) => resolve(code ?? (signal ? 128 : 1)));
  }).finally(() => closeSync(fd));
}

export interface DetachedProcess {
  pid: number;
  /** The exit code once the process has ended, while we are still watching it. */
  exitCode(): number | null;
}

/** Starts a long-running process in its own session, output appended to `logFile`, not waited for. */
export function spawnDetached(command: string, args: string[], logFile: string): Promise<DetachedProcess> {
  const fd = openLog(logFile);
  return new Promise<DetachedProcess>((resolve, reject) => {
    const child = spawn(command, args, { detached: true, stdio: ['ignore', fd, fd] });
    let exitCode: number | null = null;
    child.on('exit', (code, signal) => (exitCode = code ?? (signal ? 128 : 1)));
    child.on('error', reject);
    child.on('spawn', () => {
      child.unref();
      resolve({ pid: child.pid!, exitCode: () => exitCode });
    });
  }).finally(() => closeSync(fd));
}

function openLog(logFile: string): number {
  mkdirSync(path.dirname(logFile), { recursive: true });
  return openSync(logFile, 'a');
}

/** The full path of an executable found on PATH, or undefined. */
export function findOnPath(name: string): string | undefined {
  for (const dir of (process.env.PATH ?? '').split(path.delimiter)) {
    if (!dir) continue;
    const candidate = path.join(dir, name);
    if (isExecutable(candidate)) return candidate;
  }
  return undefined;
}

export function isExecutable(file: string): boolean {
  try {
    accessSync(file, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

export function isRoot(): boolean {
  return typeof process.getuid === 'function' && process.getuid() === 0;
}

export function isProcessAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (e) {
    // EPERM: it exists but belongs to another user.
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
  // A daemon that has exited stays a zombie until its parent reaps it; it no longer runs.
  try {
    return !/^\d+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return true;
  }
}

/** The command line of a running process (Linux), to tell our daemon from a recycled pid. */
export function processCommandLine(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').join(' ').trim();
  } catch {
    return '';
  }
}

/** The pid stored in `file` when that process is still running. */
export function runningPid(file: string): number | undefined {
  let pid: number;
  try {
    pid = Number.parseInt(readFileSync(file, 'utf8').trim(), 10);
  } catch {
    return undefined;
  }
  return Number.isInteger(pid) && pid > 0 && isProcessAlive(pid) ? pid : undefined;
}

/** Writes `content` atomically unless the file already holds exactly that. Returns true when written. */
export function writeIfChanged(file: string, content: string, mode = 0o644): boolean {
  const current = existsSync(file) ? readFileSync(file, 'utf8') : undefined;
  if (current === content) {
    chmodSync(file, mode);
    return false;
  }
  mkdirSync(path.dirname(file), { recursive: true });
  const temporary = `${file}.${process.pid}.tmp`;
  writeFileSync(temporary, content, { mode });
  chmodSync(temporary, mode);
  renameSync(temporary, file);
  return true;
}

/** The last lines of a log file, for error messages; empty when there is none. */
export function tailFile(file: string, lines = 12): string {
  try {
    return readFileSync(file, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
  } catch {
    return '';
  }
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/**
 * Polls `ready` until it returns true or `timeoutMs` passes. `gaveUp` is polled too and ends the
 * wait early with its reason (for example a child process that has already exited).
 */
export async function waitUntil(
  ready: () => Promise<boolean>,
  { timeoutMs, intervalMs = 250, gaveUp }: { timeoutMs: number; intervalMs?: number; gaveUp?: () => string | undefined },
): Promise<{ ok: true } | { ok: false; reason: string }> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await ready()) return { ok: true };
    const reason = gaveUp?.();
    if (reason) return { ok: false, reason };
    if (Date.now() >= deadline) return { ok: false, reason: `нет ответа за ${Math.round(timeoutMs / 1000)} с` };
    await sleep(intervalMs);
  }
}

export function isLocalHost(host: string): boolean {
  const bare = host.replace(/^\[|\]$/g, '').toLowerCase();
  return bare === 'localhost' || bare === '::1' || bare.startsWith('127.');
}

/** True when something accepts TCP connections on host:port. */
export function portAnswers(host: string, port: number, timeoutMs = 1000): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ host, port });
    const done = (answered: boolean) => {
      socket.destroy();
      resolve(answered);
    };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}

/** The first line a server sends on connect (an SMTP or LMTP greeting), or undefined. */
export function readGreeting(host: string, port: number, timeoutMs = 2000): Promise<string | undefined> {
  return new Promise((resolve) => {
    const socket = net.connect({ host, port });
    let received = '';
    const done = (line: string | undefined) => {
      socket.destroy();
      resolve(line);
    };
    socket.setTimeout(timeoutMs, () => done(undefined));
    socket.once('error', () => done(undefined));
    socket.setEncoding('utf8').on('data', (chunk: string) => {
      received += chunk;
      const end = received.indexOf('\n');
      if (end >= 0) done(received.slice(0, end).trim());
    });
  });
}

/** "host:port" split into its parts (IPv6 in brackets allowed). */
export function splitHostPort(address: string): { host: string; port: number } {
  const match = /^(\[[^\]]+\]|[^:]+):(\d+)$/.exec(address);
  if (!match) throw new Error(`expected host:port, got "${address}"`);
  return { host: match[1]!.replace(/^\[|\]$/g, ''), port: Number(match[2]) };
}
