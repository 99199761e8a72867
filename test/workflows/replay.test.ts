// Recorded histories of real exchanges (test/workflows/histories, taken with
// `temporal workflow show -o json` from the end-to-end tests) must replay on the current workflow
// code: a change to a deployed workflow's command sequence fails here before it fails in
// production. Record new histories when a change is made behind patched().
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { bundleWorkflowCode, Worker } from '@temporalio/worker';
import { projectRoot } from '../../workers/config';
import { workflowBundle } from '../../workers/worker';

const dir = path.join(projectRoot, 'test', 'workflows', 'histories');
const histories = readdirSync(dir)
  .filter((f) => f.endsWith('.json'))
  .sort()
  .map((file) => ({ name: file.replace(/\.json$/, ''), history: JSON.parse(readFileSync(path.join(dir, file), 'utf8')) as unknown }));

/** Replays one history; returns the error's name, or undefined when it replays cleanly. */
async function replay(bundle: Awaited<ReturnType<typeof workflowBundle>>, history: unknown): Promise<string | undefined> {
  try {
    await Worker.runReplayHistory({ workflowBundle: bundle, replayName: 'sev-replay' }, history);
    return undefined;
  } catch (e) {
    return `${(e as Error).name}: ${(e as Error).message}`;
  }
}

test('every recorded history replays on the current workflow code', async () => {
  assert.ok(histories.length >= 12, 'histories of every path are recorded: outbound, inbound, manual, late report, EDMS events, subscription ended, continued as new, follow-up; local-first steps, one falling back to a regular activity');
  const types = new Set(histories.map(({ history }) => workflowType(history)));
  assert.deepEqual([...types].sort(), ['inboundMessageWorkflow', 'outboundDocumentWorkflow', 'outboundFollowUpWorkflow'], 'every workflow type has a recorded history');
  const bundle = await workflowBundle();
  for (const { name, history } of histories) {
    assert.equal(await replay(bundle, history), undefined, name);
  }
});

test('a workflow changed without patched() fails the replay', async () => {
  const drifted = await bundleWorkflowCode({ workflowsPath: path.join(projectRoot, 'test', 'workflows', 'fixtures', 'drifted-workflows.ts'), logger: silent });
  const outbound = histories.find((h) => h.name.startsWith('outbound'));
  assert.ok(outbound);
  assert.match((await replay(drifted, outbound.history)) ?? 'replayed cleanly', /^DeterminismViolationError/);
});

function workflowType(history: unknown): string | undefined {
  const first = (history as { events?: { workflowExecutionStartedEventAttributes?: { workflowType?: { name?: string } } }[] }).events?.[0];
  return first?.workflowExecutionStartedEventAttributes?.workflowType?.name;
}

const silent = { log() {}, trace() {}, debug() {}, info() {}, warn() {}, error() {} };
