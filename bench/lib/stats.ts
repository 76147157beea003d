/** Small, allocation-light statistics helpers shared by the client, the scenarios and the report. */

/** Median of the finite numbers in `values`; null if there are none. */
export function median(values: ReadonlyArray<number | null | undefined>): number | null {
  const xs = values.filter((v): v is number => typeof v === 'number' && Number.isFinite(v)).sort((a, b) => a - b);
  if (xs.length === 0) return null;
  const mid = xs.length >> 1;
  return xs.length % 2 === 1 ? xs[mid]! : (xs[mid - 1]! + xs[mid]!) / 2;
}

/** Nearest-rank percentile (0 < p ≤ 100) of an already sorted array; null if empty. */
export function percentileSorted(sorted: ArrayLike<number>, p: number): number | null {
  if (sorted.length === 0) return null;
  const rank = Math.min(sorted.length, Math.max(1, Math.ceil((p / 100) * sorted.length)));
  return sorted[rank - 1]!;
}

/** Latency summary of the first `n` entries of `samples` (sorted in place). */
export function summarise(samples: Float64Array, n: number): { p50: number | null; p99: number | null; max: number | null; mean: number | null } {
  if (n === 0) return { p50: null, p99: null, max: null, mean: null };
  const view = samples.subarray(0, n).sort();
  let sum = 0;
  for (let i = 0; i < n; i++) sum += view[i]!;
  return { p50: percentileSorted(view, 50), p99: percentileSorted(view, 99), max: view[n - 1]!, mean: sum / n };
}
