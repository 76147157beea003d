import type { Row, TargetCheck } from './types.js';

export const LABEL = { ws: 'raw ws', sio: 'Socket.IO', ssot: 'ws-ssot' } as const;

export function metric(rows: Row[], name: string, key: string): number | null {
  const v = rows.find((r) => r.name === name)?.metrics[key];
  return typeof v === 'number' && Number.isFinite(v) ? v : null;
}

export function ratio(rows: Row[], name: string, ref: string, key: string): number | null {
  const a = metric(rows, name, key);
  const b = metric(rows, ref, key);
  return a !== null && b !== null && b !== 0 ? a / b : null;
}

/**
 * The ratio of each run of `name` to the run of `ref` with the same index. Implementations are interleaved
 * across runs, so run k of each ran back to back: the spread of these ratios shows how much one run can say.
 */
export function perRunRatios(rows: Row[], name: string, ref: string, key: string): number[] {
  const a = rows.find((r) => r.name === name)?.perRun ?? [];
  const b = rows.find((r) => r.name === ref)?.perRun ?? [];
  const out: number[] = [];
  for (let i = 0; i < Math.min(a.length, b.length); i++) {
    const x = a[i]?.[key];
    const y = b[i]?.[key];
    if (typeof x === 'number' && typeof y === 'number' && y !== 0) out.push(x / y);
  }
  return out;
}

/**
 * A ratio target: `ws-ssot key / ref key` (of the medians) compared with `bound` (`>=` or `<=`); with more than
 * one run, the paired per-run ratios follow in brackets.
 */
export function ratioTarget(rows: Row[], key: string, ref: string, op: '>=' | '<=', bound: number, target: string): TargetCheck {
  const r = ratio(rows, LABEL.ssot, ref, key);
  if (r === null) return { target, actual: 'n/a', pass: null };
  const runs = perRunRatios(rows, LABEL.ssot, ref, key);
  const spread = runs.length > 1 ? ` (per run: ${runs.map((x) => x.toFixed(2)).join(', ')})` : '';
  return { target, actual: `${r.toFixed(2)}×${spread}`, pass: op === '>=' ? r >= bound : r <= bound };
}

/** An absolute target on one row's metric (its median); with more than one run, the per-run values follow in brackets. */
export function valueTarget(rows: Row[], name: string, key: string, op: '<' | '<=', bound: number, unit: string, target: string): TargetCheck {
  const v = metric(rows, name, key);
  if (v === null) return { target, actual: 'n/a', pass: null };
  const digits = (x: number): string => x.toFixed(Math.abs(x) < 10 ? 2 : 0);
  const runs = (rows.find((r) => r.name === name)?.perRun ?? []).map((r) => r[key]).filter((x): x is number => typeof x === 'number');
  const spread = runs.length > 1 ? ` (per run: ${runs.map(digits).join(', ')})` : '';
  return { target, actual: `${digits(v)} ${unit}${spread}`, pass: op === '<' ? v < bound : v <= bound };
}
