// How a step runs, on the real Temporal dev server with the real workflow bundle and stand-in
// activities: local first (one marker, no activity task); after three quick failures for a passing
// reason, a regular activity the server retries and the Web UI shows as pending; bad input fails
// at once and is never retried.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { ApplicationFailure } from '@temporalio/common';
import { WorkflowFailedError, type Client } from '@temporalio/client';
import { Worker, type NativeConnection } from '@temporalio/worker';
import { loadConfig } from '../../workers/config';
import { connectClient, connectWorker } from '../../workers/temporal';
import { workflowBundle } from '../../workers/worker';
import type { FollowUpInput } from '../../workflows/definitions';
import type { FollowUpState } from '../../workflows/follow-up';

const config = loadConfig({});
let client: Client;
let connection: NativeConnection;

before(async () => {
  client = await connectClient(config.temporal);
  connection = await connectWorker(config.temporal);
});

after(async () => {
  await client.connection.close();
  await connection.close();
});

/** Runs one follow-up exchange (prepare, then send) with `send` as the mail step; returns its outcome, history and the number of send calls. */
async function runFollowUp(send: (attempt: number) => Promise<{ ok: boolean; reason?: string }>) {
  const taskQueue = `steps-test-${randomBytes(4).toString('hex')}`;
  let calls = 0;
  const worker = await Worker.create({
    connection,
    namespace: config.temporal.namespace,
    taskQueue,
    workflowBundle: await workflowBundle(),
    activities: {
      prepareFollowUpPackage: async () => ({ messageRowId: 'row-1', messageId: 'ABCDEF0123456789ABCDEF0123456789', to: 'sev-b@sev.localhost' }),
      sendOutgoingMessage: async () => send(++calls),
    },
  });
  const input: FollowUpInput = {
    organizationId: 'org-a',
    cardId: 'card-1',
    addresseeId: 'addressee-1',
    addresseeName: 'Администрация',
    addresseeSevIndex: 'ORG-B',
    documentUid: 'ABCDEF0123456789ABCDEF0123456780',
    kind: 'AddToDoc',
    changeId: 'change-1',
    what: 'файл',
  };
  const workflowId = `steps-test/${taskQueue}`;
  const outcome: { state?: FollowUpState; error?: unknown } = await worker.runUntil(async () => {
    const handle = await client.workflow.start('outboundFollowUpWorkflow', { workflowId, taskQueue, args: [input] });
    return handle.result().then(
      (state) => ({ state: state as FollowUpState }),
      (error: unknown) => ({ error }),
    );
  });
  const history = await client.workflow.getHandle(workflowId).fetchHistory();
  const events = history.events ?? [];
  const scheduled = events.filter((e) => e.activityTaskScheduledEventAttributes).map((e) => e.activityTaskScheduledEventAttributes!.activityType?.name);
  const markers = events.filter((e) => e.markerRecordedEventAttributes?.markerName === 'core_local_activity').length;
  return { ...outcome, calls, scheduled, markers };
}

test('a step that succeeds runs locally: a marker, no activity task', async () => {
  const run = await runFollowUp(async () => ({ ok: true }));
  assert.equal(run.state?.status, 'sent');
  assert.equal(run.calls, 1);
  assert.deepEqual(run.scheduled, []);
  assert.equal(run.markers, 2, 'prepare and send, each one marker');
});

test('a step failing for a passing reason goes to the server as a regular activity after three local attempts', async () => {
  const run = await runFollowUp(async (attempt) => {
    if (attempt <= 4) throw new Error(`SMTP недоступен (попытка ${attempt})`);
    return { ok: true };
  });
  assert.equal(run.state?.status, 'sent', `completes once the mail server is back: ${String(run.error)}`);
  assert.equal(run.calls, 5, 'three local attempts, then the regular activity: one failure, one success');
  assert.deepEqual(run.scheduled, ['sendOutgoingMessage']);
});

test('bad input fails the step at once: no retry, no regular activity', async () => {
  const run = await runFollowUp(async () => {
    throw ApplicationFailure.create({ message: 'нет адреса', type: 'InvalidInput' });
  });
  assert.ok(run.error instanceof WorkflowFailedError, 'the exchange fails');
  assert.equal(run.calls, 1);
  assert.deepEqual(run.scheduled, []);
});
