// The run sizes: `full` is the issue's run (200 exchanges, every fault repeated, 30 s mail outages),
// `quick` a shorter one, `test` what test/chaos/chaos.test.ts runs (one fault of each kind). A
// profile and a seed fix the whole schedule, so any run can be played again.
import type { ChaosOptions } from './run';

export type ProfileName = 'full' | 'quick' | 'test';

export function chaosProfile(name: ProfileName, seed: number, exchanges?: number): ChaosOptions {
  switch (name) {
    case 'full':
      return {
        exchanges: exchanges ?? 200,
        intervalMs: 2000,
        faults: { 'worker-sigkill': 4, 'temporal-restart': 2, 'mail-outage': 2, 'postgres-restart': 2 },
        outageMs: 30_000,
        seed,
        settleTimeoutMs: 15 * 60_000,
      };
    case 'quick':
      return {
        exchanges: exchanges ?? 30,
        intervalMs: 3000,
        faults: { 'worker-sigkill': 2, 'temporal-restart': 1, 'mail-outage': 1, 'postgres-restart': 1 },
        outageMs: 10_000,
        seed,
        settleTimeoutMs: 10 * 60_000,
      };
    case 'test':
      return {
        exchanges: exchanges ?? 20,
        intervalMs: 3000,
        faults: { 'worker-sigkill': 1, 'temporal-restart': 1, 'mail-outage': 1, 'postgres-restart': 1 },
        outageMs: 8000,
        seed,
        settleTimeoutMs: 8 * 60_000,
      };
  }
}

export function rerunCommand(name: ProfileName, seed: number, exchanges: number, replicas = 1): string {
  return `npm run chaos -- --profile ${name} --exchanges ${exchanges} --seed ${seed}${replicas > 1 ? ` --replicas ${replicas}` : ''}`;
}
