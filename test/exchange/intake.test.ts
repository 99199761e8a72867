// The IMAP intake against the real Dovecot. org-b's INBOX is shared with other tests, so every
// handler here acts only on mail carrying its test's marker and answers 'Retry' to anything
// else, which leaves foreign mail where it is.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { createConnection, createServer, type Socket } from 'node:net';
import type { Readable } from 'node:stream';
import { randomBytes } from 'node:crypto';
import { startIntake, type Intake, type IntakeHandler, type IntakeLog, type IntakeOptions } from '../../exchange/intake';
import { readPackage } from '../../exchange/package';
import { findOrganization, loadConfig, type SevConfig } from '../../workers/config';
import { sendRawMessage } from '../stack/mail-helpers';
import { composePackage } from '../../exchange/package';
import { appendMail, composeSample, deleteMyMail, eventually, newMarker, samplePackageInput, whereIsMyMail } from './helpers';

const config = loadConfig();
const orgA = findOrganization(config, 'org-a');
const orgB = findOrganization(config, 'org-b');

const markers: string[] = [];
after(async () => {
  for (const marker of markers) await deleteMyMail(config, orgB, marker);
});

function testMarker(label: string): string {
  const marker = newMarker(label);
  markers.push(marker);
  return marker;
}

/** The label of one of this test's mails (from its Message-ID `<marker.label@sev.test>`), or undefined for foreign mail. */
function labelOf(raw: Buffer | Readable, marker: string): string | undefined {
  // Only a large mail comes as a stream, and only one test here sends one.
  if (!Buffer.isBuffer(raw)) return undefined;
  return new RegExp(`^Message-ID:\\s*<${marker}\\.(\\w+)@sev\\.test>`, 'mi').exec(raw.toString('latin1'))?.[1];
}

interface Warning {
  msg: string;
  fields: Record<string, unknown>;
}

/** Starts an intake on org-b; warnings and errors are kept for the test to look at. */
function startTestIntake(handle: IntakeHandler, options: Partial<IntakeOptions> = {}): Intake & { warnings: Warning[] } {
  const warnings: Warning[] = [];
  const log: IntakeLog = (level, msg, fields) => {
    if (level === 'warn' || level === 'error') warnings.push({ msg, fields });
  };
  return { ...startIntake({ config, mailbox: orgB.mailbox, handle, log, ...options }), warnings };
}

/** A handler that takes this test's mails (by marker) into `handled` and leaves any other mail alone. */
function recordInto(handled: string[], marker: string): IntakeHandler {
  return async (raw) => {
    const label = labelOf(raw, marker);
    if (label === undefined) return 'Retry';
    handled.push(label);
    return 'Processed';
  };
}

async function deliver(marker: string, label: string): Promise<void> {
  const raw = await composeSample(orgA, orgB, marker, label);
  await sendRawMessage(config, { from: orgA.mailbox.address, to: orgB.mailbox.address }, raw);
}

test('each package is handled once and moved to the folder the handler named; foreign mail stays', { timeout: 60_000 }, async () => {
  const marker = testMarker('intake-route');
  const foreign = testMarker('intake-foreign');
  await appendMail(config, orgB, await composeSample(orgA, orgB, foreign, 'x'));
  for (const label of ['1', '2', '3']) await deliver(marker, label);

  const handled: string[] = [];
  const readable: boolean[] = [];
  const intake = startTestIntake(async (raw) => {
    const label = labelOf(raw, marker);
    if (label === undefined) return 'Retry';
    // What a real handler does first: read the package (and store it durably).
    readable.push((await readPackage(raw)).ok);
    handled.push(label);
    return label === '2' ? 'Quarantine' : 'Processed';
  });
  try {
    await eventually('all three mails to leave INBOX', async () => {
      const where = await whereIsMyMail(config, orgB, marker);
      return where.Processed.length + where.Quarantine.length === 3 ? where : undefined;
    });
  } finally {
    await intake.stop();
  }

  assert.deepEqual([...handled].sort(), ['1', '2', '3']);
  assert.deepEqual(readable, [true, true, true]);
  const where = await whereIsMyMail(config, orgB, marker);
  assert.deepEqual(where.INBOX, []);
  assert.deepEqual(where.Processed, [`Пакет СЭВ ${marker} 1`, `Пакет СЭВ ${marker} 3`]);
  assert.deepEqual(where.Quarantine, [`Пакет СЭВ ${marker} 2`]);
  assert.deepEqual((await whereIsMyMail(config, orgB, foreign)).INBOX, [`Пакет СЭВ ${foreign} x`]);
  assert.deepEqual(intake.warnings, []);
});

test('a large mail comes to the handler as a stream of its exact bytes, then moves like any other', { timeout: 60_000 }, async () => {
  const marker = testMarker('intake-large');
  const input = samplePackageInput(orgA, orgB, marker, 'big');
  const raw = await composePackage({ ...input, resources: [{ name: 'Большой.bin', content: randomBytes(3 * 1024 * 1024) }] });
  await appendMail(config, orgB, raw);

  const received: Buffer[] = [];
  const intake = startTestIntake(async (mail) => {
    if (Buffer.isBuffer(mail)) return labelOf(mail, marker) === undefined ? 'Retry' : 'Quarantine';
    const chunks: Buffer[] = [];
    for await (const chunk of mail) chunks.push(chunk as Buffer);
    const whole = Buffer.concat(chunks);
    if (!whole.includes(`<${marker}.big@sev.test>`)) return 'Retry';
    received.push(whole);
    return 'Processed';
  });
  try {
    await eventually('the large mail in Processed', async () => ((await whereIsMyMail(config, orgB, marker)).Processed.length === 1 ? true : undefined));
  } finally {
    await intake.stop();
  }
  assert.equal(received.length, 1, 'handed over once');
  // APPEND stores the mail byte for byte.
  assert.ok(received[0]!.equals(raw), 'the bytes streamed are the mail as appended');
});

test('a handler that throws leaves the mail in INBOX; a later sweep hands it over again', { timeout: 60_000 }, async () => {
  const marker = testMarker('intake-throws');
  await appendMail(config, orgB, await composeSample(orgA, orgB, marker, 'only'));

  let attempts = 0;
  const failing = startTestIntake(async (raw) => {
    if (labelOf(raw, marker) === undefined) return 'Retry';
    attempts += 1;
    throw new Error('база данных недоступна');
  });
  try {
    await eventually('the first attempt', () => (attempts >= 1 ? true : undefined));
    failing.kick();
    await eventually('a second attempt after kick()', () => (attempts >= 2 ? true : undefined));
  } finally {
    await failing.stop();
  }
  assert.deepEqual((await whereIsMyMail(config, orgB, marker)).INBOX, [`Пакет СЭВ ${marker} only`]);
  assert.ok(failing.warnings.some((w) => w.fields.error === 'база данных недоступна'));

  // Once the handler works again, the mail goes on.
  const working = startTestIntake(async (raw) => (labelOf(raw, marker) === undefined ? 'Retry' : 'Processed'));
  try {
    await eventually('the mail in Processed', async () => ((await whereIsMyMail(config, orgB, marker)).Processed.length === 1 ? true : undefined));
  } finally {
    await working.stop();
  }
});

test('a backlog is handled oldest first, in batches, when handled one at a time', { timeout: 60_000 }, async () => {
  const marker = testMarker('intake-backlog');
  const labels = ['a1', 'a2', 'a3', 'a4', 'a5', 'a6', 'a7'];
  // APPEND one by one, so that arrival order (UID order) is exactly this order.
  for (const label of labels) await appendMail(config, orgB, await composeSample(orgA, orgB, marker, label));

  const handled: string[] = [];
  const intake = startTestIntake(
    recordInto(handled, marker),
    { batchSize: 3, concurrency: 1 },
  );
  try {
    await eventually('all of the backlog handled', () => (handled.length >= labels.length ? true : undefined));
  } finally {
    await intake.stop();
  }
  assert.deepEqual(handled, labels);
});

test('a backlog handled several at a time reaches each mail once and moves every one', { timeout: 60_000 }, async () => {
  const marker = testMarker('intake-parallel');
  const labels = Array.from({ length: 12 }, (_, i) => `p${i}`);
  for (const label of labels) await appendMail(config, orgB, await composeSample(orgA, orgB, marker, label));

  const handled: string[] = [];
  let inFlight = 0;
  let mostInFlight = 0;
  const intake = startTestIntake(
    async (raw) => {
      const label = labelOf(raw, marker);
      if (label === undefined) return 'Retry';
      inFlight += 1;
      mostInFlight = Math.max(mostInFlight, inFlight);
      await new Promise((r) => setTimeout(r, 50));
      inFlight -= 1;
      handled.push(label);
      return label.endsWith('3') ? 'Quarantine' : 'Processed';
    },
    { batchSize: 5, concurrency: 4 },
  );
  try {
    await eventually('all of the backlog out of INBOX', async () => {
      const where = await whereIsMyMail(config, orgB, marker);
      return where.Processed.length + where.Quarantine.length === labels.length ? where : undefined;
    });
  } finally {
    await intake.stop();
  }
  assert.deepEqual([...handled].sort(), [...labels].sort(), 'each mail handled once');
  assert.ok(mostInFlight > 1 && mostInFlight <= 4, `handled ${mostInFlight} at a time`);
  const where = await whereIsMyMail(config, orgB, marker);
  assert.deepEqual(where.INBOX, []);
  assert.deepEqual(where.Quarantine, [`Пакет СЭВ ${marker} p3`]);
});

test('mail arriving while the intake is idle is picked up through IDLE, without waiting for a sweep', { timeout: 60_000 }, async () => {
  const marker = testMarker('intake-idle');
  const handled: string[] = [];
  // The sweep timer is far away: only IDLE can bring the second mail in time.
  const intake = startTestIntake(
    recordInto(handled, marker),
    { sweepIntervalMs: 10 * 60_000 },
  );
  try {
    await deliver(marker, 'first');
    await eventually('the first mail', () => (handled.includes('first') ? true : undefined));
    await new Promise((resolve) => setTimeout(resolve, 2_000)); // quiet time: the connection goes into IDLE
    await deliver(marker, 'second');
    await eventually('the second mail, through IDLE', () => (handled.includes('second') ? true : undefined), 15_000);
  } finally {
    await intake.stop();
  }
  assert.deepEqual(handled, ['first', 'second']);
});

test('after the connection is lost the intake reconnects and goes on; an abort signal stops it', { timeout: 60_000 }, async () => {
  const marker = testMarker('intake-reconnect');
  const proxy = await startTcpProxy(config.mail.imap.host, config.mail.imap.port);
  const viaProxy: SevConfig = { ...config, mail: { ...config.mail, imap: { ...config.mail.imap, host: '127.0.0.1', port: proxy.port } } };
  const abort = new AbortController();
  const handled: string[] = [];
  const intake = startTestIntake(
    recordInto(handled, marker),
    { config: viaProxy, sweepIntervalMs: 10 * 60_000, signal: abort.signal },
  );
  try {
    await appendMail(config, orgB, await composeSample(orgA, orgB, marker, 'before'));
    await eventually('the mail sent before the break', () => (handled.includes('before') ? true : undefined));

    proxy.breakConnections(); // what a Dovecot restart looks like to the client
    await appendMail(config, orgB, await composeSample(orgA, orgB, marker, 'after'));
    await eventually('the mail sent after the break', () => (handled.includes('after') ? true : undefined));
    assert.ok(proxy.connectionCount() >= 2, 'expected a new connection');
    assert.ok(intake.warnings.length > 0, 'the lost connection is logged');
  } finally {
    abort.abort();
    await intake.stopped;
    proxy.close();
  }
  // A break between handling a mail and moving it hands the mail over once more (handlers are
  // idempotent for that reason); nothing is skipped and nothing is handled out of order.
  assert.deepEqual([...new Set(handled)], ['before', 'after']);
  assert.deepEqual((await whereIsMyMail(config, orgB, marker)).INBOX, []);
});

/** A TCP relay to the real server whose connections the test can cut. */
async function startTcpProxy(host: string, port: number) {
  const sockets = new Set<Socket>();
  let connections = 0;
  const server = createServer((client) => {
    connections += 1;
    const upstream = createConnection({ host, port });
    for (const socket of [client, upstream]) {
      sockets.add(socket);
      socket.on('close', () => sockets.delete(socket));
      socket.on('error', () => undefined);
    }
    client.pipe(upstream).pipe(client);
    client.on('close', () => upstream.destroy());
    upstream.on('close', () => client.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (typeof address !== 'object' || address === null) throw new Error('proxy has no address');
  return {
    port: address.port,
    connectionCount: () => connections,
    breakConnections: () => sockets.forEach((socket) => socket.destroy()),
    close: () => {
      sockets.forEach((socket) => socket.destroy());
      server.close();
    },
  };
}
