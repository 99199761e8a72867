// SEV's worker (`node workers/sev.mjs worker`) as a child process under SEV_CONFIG, the way an
// operator runs it: started, killed with SIGKILL, stopped. Its output goes to a log file, never to
// our pipes, so a test runner reading ours is never held open by it. An exit we did not cause is
// recorded (with its code and the log's tail) and the process is started again: the supervisor
// keeps the run going, and the report shows every such exit as a finding.
import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, openSync, readFileSync, writeSync } from 'node:fs';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { projectRoot } from '../workers/config';

export const READY_LINE = 'СЭВ работает';

export interface UnexpectedExit {
  at: Date;
  processNumber: number;
  pid: number;
  code: number | null;
  signal: NodeJS.Signals | null;
  logTail: string;
}

function exited(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => child.once('exit', () => resolve()));
}

export class WorkerProcess {
  readonly unexpectedExits: UnexpectedExit[] = [];
  #child: ChildProcess | undefined;
  #count = 0;
  #stopping = false;
  #restarting: Promise<void> | undefined;

  constructor(
    readonly configFile: string,
    readonly logFile: string,
    private readonly onEvent: (line: string) => void = () => undefined,
  ) {}

  get processCount(): number {
    return this.#count;
  }

  get pid(): number | undefined {
    return this.#child?.pid;
  }

  appendLog(line: string): void {
    const fd = openSync(this.logFile, 'a');
    try {
      writeSync(fd, `${line}\n`);
    } finally {
      closeSync(fd);
    }
  }

  logTail(lines = 40): string {
    try {
      return readFileSync(this.logFile, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
    } catch {
      return '(no log)';
    }
  }

  /** Starts a worker process and waits until it says it runs (or fails when it exits first). */
  async start(readyTimeoutMs = 180_000): Promise<void> {
    if (this.#child) throw new Error('one worker process at a time');
    this.#count += 1;
    const number = this.#count;
    this.appendLog(`===== chaos: starting worker process #${number} at ${new Date().toISOString()} =====`);
    const offset = readFileSync(this.logFile).length;
    const fd = openSync(this.logFile, 'a');
    const child = spawn(process.execPath, [path.join(projectRoot, 'workers', 'sev.mjs'), 'worker'], {
      cwd: projectRoot,
      env: { ...process.env, SEV_CONFIG: this.configFile },
      stdio: ['ignore', fd, fd],
    });
    closeSync(fd);
    this.#child = child;
    child.once('exit', (code, signal) => {
      if (this.#child !== child) return; // killed or stopped by us
      this.#child = undefined;
      const exit = { at: new Date(), processNumber: number, pid: child.pid ?? -1, code, signal, logTail: this.logTail(25) };
      this.unexpectedExits.push(exit);
      this.appendLog(`===== chaos: worker process #${number} EXITED BY ITSELF (code ${code}, signal ${signal}) at ${exit.at.toISOString()} =====`);
      this.onEvent(`worker process #${number} (pid ${exit.pid}) exited by itself: code ${code}, signal ${signal} — restarting it`);
      if (!this.#stopping) this.#restarting = sleep(2000).then(() => (this.#stopping || this.#child ? undefined : this.start().catch((e: Error) => this.onEvent(`restart failed: ${e.message}`))));
    });
    const deadline = Date.now() + readyTimeoutMs;
    for (;;) {
      if (this.#child !== child) throw new Error(`worker process #${number} exited before it was ready:\n${this.logTail(25)}`);
      if (readFileSync(this.logFile).subarray(offset).toString('utf8').includes(READY_LINE)) return;
      if (Date.now() > deadline) throw new Error(`worker process #${number} not ready after ${readyTimeoutMs / 1000} s:\n${this.logTail(25)}`);
      await sleep(250);
    }
  }

  /** The fault: SIGKILL, no shutdown, whatever was in flight stays half done. */
  async kill(): Promise<number | undefined> {
    await this.#restarting;
    const child = this.#child;
    if (!child) return undefined;
    this.#child = undefined;
    this.appendLog(`===== chaos: SIGKILL worker process #${this.#count} (pid ${child.pid}) at ${new Date().toISOString()} =====`);
    child.kill('SIGKILL');
    await exited(child);
    return child.pid;
  }

  /** Graceful stop (SIGTERM, then SIGKILL after 15 s); no restart after it. */
  async stop(): Promise<void> {
    this.#stopping = true;
    await this.#restarting?.catch(() => undefined);
    const child = this.#child;
    if (!child) return;
    this.#child = undefined;
    child.kill('SIGTERM');
    const stopped = await Promise.race([exited(child).then(() => true), sleep(15_000).then(() => false)]);
    if (!stopped) {
      child.kill('SIGKILL');
      await exited(child);
    }
  }
}
