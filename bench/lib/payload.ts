import { nowMs } from './clock.js';

/**
 * A benchmark payload. `bench: 1` marks it (clients ignore every other frame, such as ws-ssot's
 * `session` frame); `t` is the send stamp from {@link nowMs}; `pad` brings the JSON to the target size.
 */
export interface BenchPayload {
  bench: 1;
  /** Event index within the phase. */
  i: number;
  /** Send stamp, ms on the shared monotonic clock. */
  t: number;
  pad: string;
}

const padCache = new Map<number, string>();

/** Padding that makes `JSON.stringify(makePayload(i, size))` about `size` bytes (±2 with the stamp's digits). */
function padFor(size: number): string {
  let pad = padCache.get(size);
  if (pad === undefined) {
    const probe = JSON.stringify({ bench: 1, i: 12345, t: 123456789.123456, pad: '' }).length;
    pad = 'x'.repeat(Math.max(0, size - probe));
    padCache.set(size, pad);
  }
  return pad;
}

/** A fresh payload stamped now. Every implementation gets the same object shape. */
export function makePayload(i: number, size: number): BenchPayload {
  return { bench: 1, i, t: nowMs(), pad: padFor(size) };
}

/** The benchmark payload inside a received frame (top level, or `data` of an envelope), else null. */
export function extractPayload(frame: unknown): BenchPayload | null {
  if (frame === null || typeof frame !== 'object') return null;
  const f = frame as { bench?: unknown; data?: unknown };
  if (f.bench === 1) return frame as BenchPayload;
  const d = f.data as { bench?: unknown } | null | undefined;
  if (d !== null && typeof d === 'object' && d.bench === 1) return d as BenchPayload;
  return null;
}
