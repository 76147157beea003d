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

/** A ratio target: `ws-ssot key / ref key` compared with `bound` (`>=` or `<=`). */
export function ratioTarget(rows: Row[], key: string, ref: string, op: '>=' | '<=', bound: number, target: string): TargetCheck {
  const r = ratio(rows, LABEL.ssot, ref, key);
  if (r === null) return { target, actual: 'n/a', pass: null };
  return { target, actual: `${r.toFixed(2)}×`, pass: op === '>=' ? r >= bound : r <= bound };
}

/** An absolute target on one row's metric. */
export function valueTarget(rows: Row[], name: string, key: string, op: '<' | '<=', bound: number, unit: string, target: string): TargetCheck {
  const v = metric(rows, name, key);
  if (v === null) return { target, actual: 'n/a', pass: null };
  return { target, actual: `${v.toFixed(v < 10 ? 2 : 0)} ${unit}`, pass: op === '<' ? v < bound : v <= bound };
}
