// The bench's CPU bill: time this process spends shows under its own part, and the bill per unit
// divides by the units and leaves out parts that spent nothing.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cpuSnapshot, cpuSpent, perUnit } from '../../bench/cpu';

test('CPU spent by this process is billed to the bench itself, per unit', () => {
  const before = cpuSnapshot();
  const until = process.cpuUsage();
  let x = 0;
  while (process.cpuUsage(until).user < 300_000) x += Math.sqrt(x + 1);
  assert.ok(x > 0);
  const spent = cpuSpent(before, cpuSnapshot());
  const own = spent.get('замер (СЭД А)') ?? 0;
  assert.ok(own >= 0.25 && own < 5, `billed ${own} s for ≈0.3 s of work`);
  const bill = perUnit(new Map([...spent, ['пусто', 0]]), 10);
  assert.ok(Math.abs(bill['замер (СЭД А)']! - own / 10) < 1e-9);
  assert.equal('пусто' in bill, false);
});
