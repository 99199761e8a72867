// Figures: percentiles, rates and the units the report prints them in.

/** The p-th percentile (0..100) of `values` by nearest rank; NaN when there are none. */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((x, y) => x - y);
  const rank = Math.min(sorted.length, Math.max(1, Math.ceil((p / 100) * sorted.length)));
  return sorted[rank - 1]!;
}

export interface Latencies {
  p50: number;
  p95: number;
  p99: number;
  max: number;
}

export function latencies(ms: readonly number[]): Latencies {
  return { p50: percentile(ms, 50), p95: percentile(ms, 95), p99: percentile(ms, 99), max: percentile(ms, 100) };
}

export const seconds = (ms: number) => (Number.isFinite(ms) ? `${(ms / 1000).toFixed(2)} с` : '—');
export const mb = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(0)} МБ`;
export const rate = (perSecond: number) => (Number.isFinite(perSecond) ? perSecond.toFixed(1) : '—');

/** Runs `work` over `items` with at most `limit` at once. */
export async function withConcurrency<T>(items: readonly T[], limit: number, work: (item: T, index: number) => Promise<void>): Promise<void> {
  let next = 0;
  const lanes = Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (next < items.length) {
      const i = next++;
      await work(items[i]!, i);
    }
  });
  await Promise.all(lanes);
}

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
