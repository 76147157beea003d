/** Options of a {@link WebSocketManagerFactory}, their defaults and validation. */
import { InvalidOptionError } from '../errors.js';

export interface FactoryOptions {
  /** An isolated manager unused for this long expires. @default 1_800_000 (30 minutes) */
  idleTimeoutMs?: number;
  /** Isolated managers one user may hold at once; one more throws `ManagerLimitError`. @default 20 */
  maxManagersPerUser?: number;
  /** How often one shared, unref'd timer sweeps expired managers. @default min(idleTimeoutMs, 60_000) */
  sweepIntervalMs?: number;
  /** The clock, injectable for tests. @default Date.now */
  now?: () => number;
}

export interface ResolvedFactoryOptions {
  readonly idleTimeoutMs: number;
  readonly maxManagersPerUser: number;
  readonly sweepIntervalMs: number;
  readonly now: () => number;
}

export const FACTORY_DEFAULTS = Object.freeze({
  idleTimeoutMs: 30 * 60_000,
  maxManagersPerUser: 20,
});

function integer(field: string, value: unknown, fallback: number, min: number, max: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) throw new InvalidOptionError(field, `an integer from ${min} to ${max}`, value);
  return value;
}

export function resolveFactoryOptions(options: FactoryOptions = {}): ResolvedFactoryOptions {
  if (typeof options !== 'object' || options === null || Array.isArray(options)) throw new InvalidOptionError('factory', 'an object', options);
  const idleTimeoutMs = integer('factory.idleTimeoutMs', options.idleTimeoutMs, FACTORY_DEFAULTS.idleTimeoutMs, 1, 7 * 24 * 3_600_000);
  if (options.now !== undefined && typeof options.now !== 'function') throw new InvalidOptionError('factory.now', 'a function returning epoch ms', options.now);
  return Object.freeze({
    idleTimeoutMs,
    maxManagersPerUser: integer('factory.maxManagersPerUser', options.maxManagersPerUser, FACTORY_DEFAULTS.maxManagersPerUser, 1, 10_000),
    sweepIntervalMs: integer('factory.sweepIntervalMs', options.sweepIntervalMs, Math.min(idleTimeoutMs, 60_000), 1, 3_600_000),
    now: options.now ?? Date.now,
  });
}
