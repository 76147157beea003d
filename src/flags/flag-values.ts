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

/**
 * Flag values in one fixed shape: every flag a field (undefined when unset), every instance of the same
 * hidden class. Reading a flag is a field load (one, when the flag name is a constant at the call site),
 * where a keyed read of a values object goes megamorphic once several flags and layers are read through it.
 */
export class FlagSlots {
  readonly ssot: boolean | undefined;
  readonly unified: boolean | undefined;
  readonly factory: boolean | undefined;

  constructor(values: Readonly<Partial<FlagValues>>) {
    this.ssot = values.ssot;
    this.unified = values.unified;
    this.factory = values.factory;
  }

  /** The flag's value, or undefined if unset. */
  get(flag: FlagName): boolean | undefined {
    return flag === 'ssot' ? this.ssot : flag === 'unified' ? this.unified : flag === 'factory' ? this.factory : undefined;
  }
}

/**
 * The decided values of the three flags, in one fixed shape, for every context alike: what a composite source
 * over in-process layers derives once per change of those layers and hands out until the next (see
 * `CompositeFlagSource#localDecisions`). Immutable: a change makes a new one.
 */
export class FlagDecisions implements Readonly<FlagValues> {
  readonly ssot: boolean;
  readonly unified: boolean;
  readonly factory: boolean;

  constructor(ssot: boolean, unified: boolean, factory: boolean) {
    this.ssot = ssot;
    this.unified = unified;
    this.factory = factory;
    Object.freeze(this); // shared by every caller until the next change: nobody may alter it
  }

  /** The flag's value (false for a name that is not a flag). */
  get(flag: FlagName): boolean {
    return flag === 'ssot' ? this.ssot : flag === 'unified' ? this.unified : flag === 'factory' && this.factory;
  }
}

