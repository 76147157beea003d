/**
 * Reconnect delays: exponential with full jitter and a cap. Full jitter (a uniform delay in
 * [0, ceiling)) spreads a crowd of clients that lost the same server, instead of bringing them back in
 * synchronized waves.
 */
import { invalidOption } from './errors.js';

export interface BackoffOptions {
  /** Ceiling of the first delay, in ms. @default 500 */
  initialDelayMs?: number;
  /** Cap of every ceiling, in ms. @default 30000 */
  maxDelayMs?: number;
  /** Growth of the ceiling per failed attempt in a row. @default 2 */
  factor?: number;
  /** A number in [0, 1] (tests pass their own). @default Math.random */
  random?: () => number;
}

export interface Backoff {
  readonly initialDelayMs: number;
  readonly maxDelayMs: number;
  readonly factor: number;
  readonly random: () => number;
}

export const BACKOFF_DEFAULTS = Object.freeze({ initialDelayMs: 500, maxDelayMs: 30_000, factor: 2 });

export function resolveBackoff(o: BackoffOptions = {}): Backoff {
  const initialDelayMs = o.initialDelayMs ?? BACKOFF_DEFAULTS.initialDelayMs;
  const maxDelayMs = o.maxDelayMs ?? Math.max(BACKOFF_DEFAULTS.maxDelayMs, initialDelayMs);
  const factor = o.factor ?? BACKOFF_DEFAULTS.factor;
  const random = o.random ?? Math.random;
  if (!Number.isFinite(initialDelayMs) || initialDelayMs < 0) throw invalidOption('reconnect.initialDelayMs', 'a finite number >= 0', initialDelayMs);
  if (!Number.isFinite(maxDelayMs) || maxDelayMs < initialDelayMs) throw invalidOption('reconnect.maxDelayMs', 'a finite number >= initialDelayMs', maxDelayMs);
  if (!Number.isFinite(factor) || factor < 1) throw invalidOption('reconnect.factor', 'a finite number >= 1', factor);
  if (typeof random !== 'function') throw invalidOption('reconnect.random', 'a function', random);
  return { initialDelayMs, maxDelayMs, factor, random };
}

/** The delay before attempt number `failures` + 1, after `failures` failed attempts in a row (0 = first retry). */
export function backoffDelay(b: Backoff, failures: number): number {
  const ceiling = Math.min(b.maxDelayMs, b.initialDelayMs * b.factor ** failures);
  const r = Math.min(1, Math.max(0, b.random()));
  return Math.round(r * ceiling);
}
