// Fault injection, short: SEV's worker process on a chaos stack of its own (other ports, its own
// PostgreSQL cluster; the main stack is never touched) while 20 documents go A → B and, one of
// each, the worker is killed with SIGKILL, Temporal's dev server restarted, Postfix and Dovecot
// stopped for a while and PostgreSQL restarted. Afterwards every count of "nothing lost" holds:
// each document registered once, each report held once by A, no mail left, no exchange unsettled.
// `npm run chaos` is the long version (200 exchanges, faults repeated).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomInt } from 'node:crypto';
import { isOff } from '../../chaos/outcome';
import { chaosProfile, rerunCommand } from '../../chaos/profiles';
import { summary } from '../../chaos/report';
import { runChaos } from '../../chaos/run';

test('SEV loses nothing and duplicates nothing through a worker SIGKILL, a Temporal restart, a mail outage and a PostgreSQL restart', { timeout: 20 * 60_000 }, async (t) => {
  const seed = randomInt(1, 2 ** 31 - 1);
  const lines: string[] = [];
  const options = chaosProfile('test', seed);
  const result = await runChaos({ ...options, log: (line) => lines.push(line) });
  const report = summary(result);
  for (const line of report.split('\n')) t.diagnostic(line);
  t.diagnostic(`re-run this schedule: ${rerunCommand('test', seed, options.exchanges)} — log in ${result.dir}`);

  const context = `\n${report}\n--- run log:\n${lines.join('\n')}`;
  assert.equal(result.faults.length, 4, `four faults injected${context}`);
  assert.ok(result.settled, `everything settled${context}`);
  const off = result.outcome.filter(isOff);
  assert.deepEqual(off, [], `every outcome count as expected${context}`);
});
