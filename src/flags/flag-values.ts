/** Validation of a partial set of flag values given by the application (options object, `setFlags`). */
import { InvalidOptionError } from '../errors.js';
import { FLAG_NAMES, type FlagName, type FlagValues } from './flag-source.js';

/** Checks that every key is a flag name and every value a boolean; returns a frozen copy. */
export function validateFlagValues(field: string, values: unknown): Readonly<Partial<FlagValues>> {
  if (typeof values !== 'object' || values === null || Array.isArray(values)) throw new InvalidOptionError(field, 'an object of flags { ssot?, unified?, factory? }', values);
  const out: Partial<FlagValues> = {};
  for (const [key, value] of Object.entries(values as Record<string, unknown>)) {
    if (!(FLAG_NAMES as readonly string[]).includes(key)) throw new InvalidOptionError(`${field}.${key}`, `one of the flags ${FLAG_NAMES.join(', ')}`, key);
    if (value === undefined) continue;
    if (typeof value !== 'boolean') throw new InvalidOptionError(`${field}.${key}`, 'a boolean', value);
    out[key as FlagName] = value;
  }
  return Object.freeze(out);
}
