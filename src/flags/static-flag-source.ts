/**
 * Flags from an options object, changeable at runtime with `set()` (what `wss.setFlags()` drives).
 * Flags it does not set are left to the next layer of a composite, or off when used alone.
 */
import type { FlagName, FlagValues } from './flag-source.js';
import { validateFlagValues } from './flag-values.js';
import { LocalFlagLayer } from './local-flag-layer.js';

export class StaticFlagSource extends LocalFlagLayer {
  readonly name: string;

  /** @param values initial flags; unset ones have no opinion. @param name shown in status. @default 'static' */
  constructor(values: Partial<FlagValues> = {}, name = 'static') {
    super(validateFlagValues('flags', values));
    this.name = name;
  }

  /**
   * Changes some flags (a key set to `undefined` clears it). Listeners are notified if anything changed,
   * so a server applies the change to new connections at once. Throws `InvalidOptionError` on bad input.
   */
  set(values: Partial<Record<FlagName, boolean | undefined>>): void {
    const patch = validateFlagValues('flags', values);
    const next: Partial<FlagValues> = { ...this.values(), ...patch };
    for (const [key, value] of Object.entries(values)) if (value === undefined) delete next[key as FlagName];
    this.replace(next);
  }
}
