// The exchange's skeleton (bench/skeleton.ts): its mails carry what the intakes route by, and a
// few skeleton exchanges run end to end through the real Temporal server and mail servers, each
// ending after its two reports, with the CPU of each organization's worker billed to it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { prepareBench } from '../../bench/config';
import { benchSkeleton } from '../../bench/skeleton';
import { readSkeletonHeader, skeletonMime } from '../../bench/skeleton-activities';
import { connectClient } from '../../workers/temporal';

test('a skeleton mail names its kind, exchange and sender; any other mail names none', () => {
  const mail = skeletonMime('sev-a@sev.localhost', 'sev-b@sev.localhost', 'receipt', 'ab12-7', 6000);
  assert.deepEqual(readSkeletonHeader(mail), { kind: 'receipt', id: 'ab12-7', from: 'sev-a@sev.localhost' });
  assert.ok(mail.length > 8000, 'the attachment is there, base64-encoded');
  assert.equal(readSkeletonHeader(Buffer.from('From: <x@y>\r\nSubject: hello\r\n\r\nbody')), undefined);
});

test('skeleton exchanges run end to end: two workflows and three mails each', { timeout: 180_000 }, async () => {
  const setup = await prepareBench(() => {});
  const client = await connectClient(setup.config.temporal);
  try {
    const result = await benchSkeleton(client, setup.skeleton[0], setup.skeleton[1], 4, 10 * 1024, () => {});
    assert.equal(result.completed, 4);
    assert.ok(result.perSecond > 0 && Number.isFinite(result.perSecond));
    // A's workflow: started, a step, two signals; B's: started, two steps. At least 15 events in all.
    assert.ok(result.historyEvents >= 15, `${result.historyEvents} history events per exchange`);
    assert.ok((result.cpu['обработчик скелета bench-sa'] ?? 0) > 0, JSON.stringify(result.cpu));
    assert.ok((result.cpu['обработчик скелета bench-sb'] ?? 0) > 0, JSON.stringify(result.cpu));
  } finally {
    await client.connection.close();
  }
});
