/**
 * Option validators: the one set every options resolver uses (server, manager, factory, flags, drain), so
 * the same bad value gets the same `InvalidOptionError` naming its field wherever it is passed.
 */
import { InvalidOptionError } from '../errors.js';

/** An integer in [min, max], or `fallback` when undefined. */
export function integer(field: string, value: unknown, fallback: number, min: number, max = Number.MAX_SAFE_INTEGER): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    throw new InvalidOptionError(field, `an integer from ${min} to ${max}`, value);
  }
  return value;
}

/** A finite number in [min, max], or `fallback` when undefined. */
export function finiteNumber(field: string, value: unknown, fallback: number, min: number, max: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isFinite(value) || value < min || value > max) {
    throw new InvalidOptionError(field, `a number from ${min} to ${max}`, value);
  }
  return value;
}

/** One of `allowed`, or `fallback` when undefined. */
export function oneOf<T extends string>(field: string, value: unknown, fallback: T, allowed: readonly T[]): T {
  if (value === undefined) return fallback;
  if (typeof value !== 'string' || !(allowed as readonly string[]).includes(value)) {
    throw new InvalidOptionError(field, `one of ${allowed.map((a) => `'${a}'`).join(', ')}`, value);
  }
  return value as T;
}

/** A plain object (not null, not an array), or undefined when undefined. */
export function object(field: string, value: unknown): Record<string, unknown> | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new InvalidOptionError(field, 'an object', value);
  return value as Record<string, unknown>;
}

/** A boolean, or `fallback` when undefined. */
export function boolean(field: string, value: unknown, fallback: boolean): boolean {
  if (value === undefined) return fallback;
  if (typeof value !== 'boolean') throw new InvalidOptionError(field, 'a boolean', value);
  return value;
}

/** A function, or null when undefined. */
export function optionalFunction<F>(field: string, value: unknown, expected: string): F | null {
  if (value === undefined) return null;
  if (typeof value !== 'function') throw new InvalidOptionError(field, expected, value);
  return value as F;
}

/** A string with something other than whitespace in it, or `fallback` when undefined. */
export function nonEmptyString<F extends string | undefined>(field: string, value: unknown, fallback: F): string | F {
  if (value === undefined) return fallback;
  if (typeof value !== 'string' || value.trim() === '') throw new InvalidOptionError(field, 'a non-empty string', value);
  return value;
}
