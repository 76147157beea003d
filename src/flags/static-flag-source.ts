/**
 * Flags from an options object, changeable at runtime with `set()` (what `wss.setFlags()` drives).
 * Flags it does not set are left to the next layer of a composite, or off when used alone.
 */
import type { FlagLayer } from './flag-layer.js';
import { FlagListeners } from './flag-listeners.js';
import { FLAG_NAMES, type FlagName, type FlagSourceStatus, type FlagValues } from './flag-source.js';
import { validateFlagValues } from './flag-values.js';

export class StaticFlagSource implements FlagLayer {
  readonly name: string;
  readonly #listeners = new FlagListeners();
  #values: Readonly<Partial<FlagValues>>;
  #lastSyncAt: number;

  /** @param values initial flags; unset ones have no opinion. @param name shown in status. @default 'static' */
  constructor(values: Partial<FlagValues> = {}, name = 'static') {
    this.#values = validateFlagValues('flags', values);
    this.#lastSyncAt = Date.now();
    this.name = name;
  }

  values(): Readonly<Partial<FlagValues>> {
    return this.#values;
  }

  peek(flag: FlagName): boolean | undefined {
    return this.#values[flag];
  }

  isEnabled(flag: FlagName): boolean {
    return this.#values[flag] ?? false;
  }

  /**
   * Changes some flags (a key set to `undefined` clears it). Listeners are notified if anything changed,
   * so a server applies the change to new connections at once. Throws `InvalidOptionError` on bad input.
   */
  set(values: Partial<Record<FlagName, boolean | undefined>>): void {
    const patch = validateFlagValues('flags', values);
    const next: Partial<FlagValues> = { ...this.#values, ...patch };
    for (const [key, value] of Object.entries(values)) if (value === undefined) delete next[key as FlagName];
    const changed = FLAG_NAMES.some((flag) => next[flag] !== this.#values[flag]);
    this.#values = Object.freeze(next);
    this.#lastSyncAt = Date.now();
    if (changed) this.#listeners.notify();
  }

  status(): FlagSourceStatus {
    return { source: this.name, ready: true, stale: false, lastSyncAt: this.#lastSyncAt };
  }

  onChange(listener: () => void): () => void {
    return this.#listeners.add(listener);
  }

  async close(): Promise<void> {
    this.#listeners.clear();
  }
}
