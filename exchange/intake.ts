// The IMAP intake of one organization's mailbox: every mail in INBOX goes to `handle` (oldest
// first, one at a time) and leaves INBOX only after `handle` resolved, moved to the folder it
// named. New mail is noticed through IDLE, with a periodic sweep as a safety net; a lost
// connection is reopened with backoff. A crash anywhere repeats a mail, never loses one.
import type { Readable } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import { imapOptions } from './tls';
import { ImapFlow, type ExistsEvent, type FetchMessageObject } from 'imapflow';
import type { OrganizationConfig, SevConfig } from '../workers/config';

export type IntakeOutcome = 'Processed' | 'Quarantine' | 'Retry';
const OUTCOMES: readonly string[] = ['Processed', 'Quarantine', 'Retry'] satisfies IntakeOutcome[];

export interface IntakeMessageMeta {
  uid: number;
  /** UIDVALIDITY of INBOX: (mailbox, uidValidity, uid) names this mail for good. */
  uidValidity: string;
  /** The mailbox address. */
  mailbox: string;
}

/**
 * Makes the mail's state durable, then names the folder it goes to; 'Retry' leaves it in INBOX.
 * A large mail comes as a stream, read from the server as the handler reads it.
 */
export type IntakeHandler = (raw: Buffer | Readable, meta: IntakeMessageMeta) => Promise<IntakeOutcome>;

export type LogLevel = 'debug' | 'info' | 'warn' | 'error';
export type IntakeLog = (level: LogLevel, msg: string, fields: Record<string, unknown>) => void;

export interface IntakeOptions {
  config: SevConfig;
  mailbox: OrganizationConfig['mailbox'];
  handle: IntakeHandler;
  /** The safety-net sweep when IDLE reports nothing (default 30 s). */
  sweepIntervalMs?: number;
  /** Mails fetched at once (default 50): a backlog is never held in memory whole. */
  batchSize?: number;
  /** Mails of a batch handled at the same time (default 8); 1 handles them in order, oldest first. */
  concurrency?: number;
  log?: IntakeLog;
  signal?: AbortSignal;
}

export interface Intake {
  /** Resolves once the intake has stopped and logged out. */
  stopped: Promise<void>;
  /** Finishes the mail in hand, logs out and resolves. */
  stop(): Promise<void>;
  /** Sweeps INBOX now instead of waiting for IDLE or the timer. */
  kick(): void;
}

export function startIntake(options: IntakeOptions): Intake {
  const intake = new MailboxIntake(options);
  const { signal } = options;
  const onAbort = () => intake.requestStop();
  if (signal?.aborted) onAbort();
  signal?.addEventListener('abort', onAbort, { once: true });
  const stopped = intake.run().finally(() => signal?.removeEventListener('abort', onAbort));
  return {
    stopped,
    stop: () => {
      intake.requestStop();
      return stopped;
    },
    kick: () => intake.kick(),
  };
}

const INBOX = 'INBOX';
const TARGET_FOLDERS = ['Processed', 'Quarantine'] as const;
const DEFAULTS = { sweepIntervalMs: 30_000, batchSize: 50, concurrency: 8 };
// A batch also stops at this many bytes, so fifty large packages do not arrive at once.
const MAX_BATCH_BYTES = 64 * 1024 * 1024;
// Mails above this size are not fetched whole: each is streamed to its handler on its own, read
// from the server a chunk at a time, so a large package never sits in memory.
const STREAM_ABOVE_BYTES = 1024 * 1024;
const STREAM_CHUNK_BYTES = 256 * 1024;
// Auto-IDLE starts after this quiet time; short, so new mail is noticed within seconds.
const AUTO_IDLE_DELAY_MS = 1_000;
const RECONNECT_DELAY_MS = { initial: 1_000, max: 60_000 };

interface InboxEntry {
  uid: number;
  size: number;
}

interface FetchedMail {
  uid: number;
  uidValidity: bigint;
  mailMessageId: string | undefined;
  source: Buffer | Readable;
}

class MailboxIntake {
  readonly #options: IntakeOptions;
  readonly #log: IntakeLog;
  readonly #sweepIntervalMs: number;
  readonly #batchSize: number;
  readonly #concurrency: number;
  readonly #wakeup = new Wakeup();
  readonly #stop = new AbortController();
  #failedAttempts = 0;

  constructor(options: IntakeOptions) {
    this.#options = options;
    this.#sweepIntervalMs = options.sweepIntervalMs ?? DEFAULTS.sweepIntervalMs;
    this.#batchSize = Math.max(1, options.batchSize ?? DEFAULTS.batchSize);
    this.#concurrency = Math.max(1, options.concurrency ?? DEFAULTS.concurrency);
    const mailbox = options.mailbox.address;
    const log = options.log ?? consoleLog;
    this.#log = (level, msg, fields) => log(level, msg, { mailbox, ...fields });
  }

  kick(): void {
    this.#wakeup.wake();
  }

  requestStop(): void {
    this.#stop.abort();
    this.#wakeup.wake();
  }

  get #stopping(): boolean {
    return this.#stop.signal.aborted;
  }

  /** Connects, serves until the connection ends, reconnects with backoff; until stopped. */
  async run(): Promise<void> {
    while (!this.#stopping) {
      const client = this.#createClient();
      try {
        await client.connect();
        this.#log('info', 'Приём почты: подключение к ящику установлено', {});
        await this.#serve(client);
        if (!this.#stopping) this.#log('warn', 'Приём почты: соединение с IMAP-сервером закрыто', { reason: client.byeReason });
      } catch (err) {
        if (!this.#stopping) this.#log('warn', 'Приём почты: связь с IMAP-сервером прервана', { error: describe(err), attempt: this.#failedAttempts + 1 });
      } finally {
        await logout(client);
      }
      // Not the wake-up: a dying connection wakes it, which must not cut the backoff short.
      if (!this.#stopping) await sleep(this.#reconnectDelay(), undefined, { signal: this.#stop.signal }).catch(() => undefined);
    }
    this.#log('info', 'Приём почты остановлен', {});
  }

  #createClient(): ImapFlow {
    const { user, password } = this.#options.mailbox;
    const client = new ImapFlow({ ...imapOptions(this.#options.config), auth: { user, pass: password }, logger: false, autoIdleDelay: AUTO_IDLE_DELAY_MS, connectionTimeout: 15_000 });
    // Without a listener an 'error' event would crash the process; the connection closes after it.
    client.on('error', (err: unknown) => this.#log('warn', 'Приём почты: ошибка IMAP-соединения', { error: describe(err) }));
    client.on('close', () => this.#wakeup.wake());
    // IDLE (which imapflow starts by itself when the connection is quiet) reports new mail here.
    client.on('exists', (event: ExistsEvent) => {
      if (event.path === INBOX && event.count > event.prevCount) this.#wakeup.wake();
    });
    return client;
  }

  async #serve(client: ImapFlow): Promise<void> {
    await ensureFolders(client);
    while (!this.#stopping && client.usable) {
      await this.#sweep(client);
      this.#failedAttempts = 0;
      await this.#wakeup.wait(this.#sweepIntervalMs);
    }
  }

  /** Hands every mail now in INBOX to the handler, batch by batch, oldest first. */
  async #sweep(client: ImapFlow): Promise<void> {
    const inbox = await withInbox(client, () => listInbox(client));
    if (inbox.length > 0) this.#log('debug', 'Приём почты: писем во входящих', { count: inbox.length });
    for (const batch of batches(inbox, this.#batchSize, MAX_BATCH_BYTES)) {
      if (this.#stopping) return;
      const mails = await withInbox(client, () => fetchSources(client, batch.filter((entry) => entry.size <= STREAM_ABOVE_BYTES)));
      // Several mails at a time: each waits mostly on the database and Temporal, not on this process.
      const handled = await mapConcurrently(mails, this.#concurrency, async (mail) => ({
        mail,
        outcome: this.#stopping ? ('Retry' as const) : await this.#handle(mail),
      }));
      for (const entry of batch.filter((e) => e.size > STREAM_ABOVE_BYTES)) {
        if (this.#stopping) break;
        const streamed = await withInbox(client, () => this.#handleStreamed(client, entry));
        if (streamed) handled.push(streamed);
      }
      for (const folder of TARGET_FOLDERS) {
        const going = handled.filter((h) => h.outcome === folder).map((h) => h.mail);
        if (going.length > 0) await this.#move(client, going, folder);
      }
      if (this.#stopping) return;
    }
  }

  async #handle(mail: FetchedMail): Promise<IntakeOutcome> {
    const fields = { uid: mail.uid, mailMessageId: mail.mailMessageId };
    const meta = { uid: mail.uid, uidValidity: String(mail.uidValidity), mailbox: this.#options.mailbox.address };
    try {
      const outcome = await this.#options.handle(mail.source, meta);
      if (OUTCOMES.includes(outcome)) return outcome;
      this.#log('error', 'Приём почты: обработчик вернул неизвестный итог, письмо остаётся во входящих', { ...fields, outcome });
    } catch (err) {
      this.#log('error', 'Приём почты: ошибка обработки письма, оно остаётся во входящих до следующего обхода', { ...fields, error: describe(err) });
    }
    return 'Retry';
  }

  /** One large mail, streamed from the server to the handler; undefined when it is gone from INBOX. */
  async #handleStreamed(client: ImapFlow, entry: InboxEntry): Promise<{ mail: FetchedMail; outcome: IntakeOutcome } | undefined> {
    if (client.mailbox === false) return undefined;
    const { uidValidity } = client.mailbox;
    const download = await client.download(String(entry.uid), undefined, { uid: true, chunkSize: STREAM_CHUNK_BYTES });
    if (!download.content) return undefined;
    const mail: FetchedMail = { uid: entry.uid, uidValidity, mailMessageId: undefined, source: download.content };
    try {
      return { mail, outcome: this.#stopping ? 'Retry' : await this.#handle(mail) };
    } finally {
      download.content.destroy();
    }
  }

  /** Moves handled mails (their state is durable) out of INBOX in one command. */
  async #move(client: ImapFlow, mails: readonly FetchedMail[], folder: Exclude<IntakeOutcome, 'Retry'>): Promise<void> {
    const fields = { uids: mails.map((m) => m.uid), mailMessageIds: mails.map((m) => m.mailMessageId), folder };
    await withInbox(client, async () => {
      // After a UIDVALIDITY change the UIDs name other mails (or none); the next sweep sees them anew.
      if (client.mailbox === false || mails.some((m) => client.mailbox !== false && client.mailbox.uidValidity !== m.uidValidity)) {
        this.#log('warn', 'Приём почты: ящик пересоздан (UIDVALIDITY), письма не перемещены', fields);
        return;
      }
      const moved = await client.messageMove(mails.map((m) => m.uid).join(','), folder, { uid: true });
      if (moved === false) this.#log('warn', 'Приём почты: письма не перемещены, они будут обработаны снова', fields);
      else this.#log('info', 'Приём почты: письма обработаны', fields);
    });
  }

  #reconnectDelay(): number {
    this.#failedAttempts += 1;
    const delay = Math.min(RECONNECT_DELAY_MS.max, RECONNECT_DELAY_MS.initial * 2 ** (this.#failedAttempts - 1));
    // Jitter, so that many intakes do not all reconnect in the same instant after a server restart.
    return delay * (0.8 + Math.random() * 0.4);
  }
}

// ---------------------------------------------------------------------------------------------
// IMAP steps. Each runs under the INBOX lock, reads everything with fetchAll first, and never
// issues a command inside a fetch iterator.

async function withInbox<T>(client: ImapFlow, work: () => Promise<T>): Promise<T> {
  const lock = await client.getMailboxLock(INBOX);
  try {
    return await work();
  } finally {
    lock.release();
  }
}

async function listInbox(client: ImapFlow): Promise<InboxEntry[]> {
  if (client.mailbox === false || client.mailbox.exists === 0) return [];
  const messages = await client.fetchAll('1:*', { uid: true, size: true });
  return messages.map((m) => ({ uid: m.uid, size: m.size ?? 0 })).sort((a, b) => a.uid - b.uid);
}

async function fetchSources(client: ImapFlow, batch: readonly InboxEntry[]): Promise<FetchedMail[]> {
  if (client.mailbox === false || batch.length === 0) return [];
  const { uidValidity } = client.mailbox;
  const uids = batch.map((entry) => entry.uid).join(',');
  // Mails moved away since the listing (by another worker's intake) are absent from the answer, or
  // come without their content (imapflow gives `false` then): either way they are not ours to handle.
  const messages = await client.fetchAll(uids, { uid: true, source: true, envelope: true }, { uid: true });
  return messages
    .filter((m): m is FetchMessageObject & { source: Buffer } => Buffer.isBuffer(m.source))
    .map((m) => ({ uid: m.uid, uidValidity, mailMessageId: m.envelope?.messageId, source: m.source }))
    .sort((a, b) => a.uid - b.uid);
}

/** Creates Processed and Quarantine if someone removed them, so that moves do not fail forever. */
async function ensureFolders(client: ImapFlow): Promise<void> {
  const existing = new Set((await client.list()).map((folder) => folder.path));
  for (const folder of TARGET_FOLDERS) {
    if (!existing.has(folder)) await client.mailboxCreate(folder);
  }
}

async function logout(client: ImapFlow): Promise<void> {
  if (!client.usable) {
    client.close();
    return;
  }
  try {
    await client.logout();
  } catch {
    client.close();
  }
}

/** Maps with at most `limit` calls in flight; results in the order of `items`. */
async function mapConcurrently<T, R>(items: readonly T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const lane = async () => {
    while (next < items.length) {
      const i = next++;
      results[i] = await fn(items[i]!);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, lane));
  return results;
}

/** Consecutive runs of at most `count` mails and `bytes` bytes (at least one mail each). */
function* batches(entries: readonly InboxEntry[], count: number, bytes: number): Generator<InboxEntry[]> {
  let batch: InboxEntry[] = [];
  let size = 0;
  for (const entry of entries) {
    if (batch.length > 0 && (batch.length >= count || size + entry.size > bytes)) {
      yield batch;
      batch = [];
      size = 0;
    }
    batch.push(entry);
    size += entry.size;
  }
  if (batch.length > 0) yield batch;
}

// ---------------------------------------------------------------------------------------------

/** A wake-up call that is not lost when it comes while nobody waits. */
class Wakeup {
  #pending = false;
  #wakeWaiter: (() => void) | undefined;

  wake(): void {
    this.#pending = true;
    this.#wakeWaiter?.();
  }

  /** Resolves at the next wake() (or at once if one came since the last wait), or after `ms`. */
  wait(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.#wakeWaiter = undefined;
        this.#pending = false;
        resolve();
      };
      const timer = setTimeout(done, ms);
      this.#wakeWaiter = done;
      if (this.#pending) done();
    });
  }
}

function describe(err: unknown): string {
  if (!(err instanceof Error)) return String(err);
  const code = (err as { code?: unknown }).code;
  return typeof code === 'string' ? `${err.message} (${code})` : err.message;
}

function consoleLog(level: LogLevel, msg: string, fields: Record<string, unknown>): void {
  if (level === 'debug') return;
  const line = JSON.stringify({ time: new Date().toISOString(), level, component: 'intake', msg, ...fields });
  if (level === 'info') console.log(line);
  else console.error(line);
}
