/**
 * The common body of the flag layers that live in the process (environment, options/`setFlags`): values
 * held in memory, always ready, never stale; listeners notified only when a flag actually changed.
 */
import type { FlagLayer } from './flag-layer.js';
import { FlagListeners } from './flag-listeners.js';
import { FLAG_NAMES, type FlagName, type FlagSourceStatus, type FlagValues } from './flag-source.js';
import { FlagSlots } from './flag-values.js';

export abstract class LocalFlagLayer implements FlagLayer {
  abstract readonly name: string;
  readonly #listeners = new FlagListeners();
  /** Called when the values change, before the listeners: decisions derived from the values (composites). */
  readonly #dependents = new Set<() => void>();
  #values: Readonly<Partial<FlagValues>>;
  /** The same values in a fixed shape, for peek() and isEnabled() (evaluated per call: routing, legacy calls). */
  #slots: FlagSlots;
  #lastSyncAt: number;

  protected constructor(values: Partial<FlagValues>) {
    this.#values = Object.freeze({ ...values });
    this.#slots = new FlagSlots(this.#values);
    this.#lastSyncAt = Date.now();
  }

  /** The flags this layer sets (unset ones are absent). */
  values(): Readonly<Partial<FlagValues>> {
    return this.#values;
  }

  peek(flag: FlagName): boolean | undefined {
    return this.#slots.get(flag);
  }

  /** Unset flags are off (the seeds' default). */
  isEnabled(flag: FlagName): boolean {
    return this.#slots.get(flag) ?? false;
  }

  status(): FlagSourceStatus {
    return { source: this.name, ready: true, stale: false, lastSyncAt: this.#lastSyncAt };
  }

  onChange(listener: () => void): () => void {
    return this.#listeners.add(listener);
  }

  /**
   * Calls `invalidate` whenever the values change, synchronously and before any `onChange` listener runs,
   * so that a listener reading flags through a composite over this layer already sees the new values.
   * `invalidate` must not throw. Returns the unsubscribe function.
   * @internal
   */
  onValuesChanged(invalidate: () => void): () => void {
    this.#dependents.add(invalidate);
    return () => {
      this.#dependents.delete(invalidate);
    };
  }

  async close(): Promise<void> {
    this.#listeners.clear();
  }

  /** Replaces every value; notifies listeners if any flag changed. */
  protected replace(next: Partial<FlagValues>): void {
    const changed = FLAG_NAMES.some((flag) => next[flag] !== this.#values[flag]);
    this.#values = Object.freeze({ ...next });
    this.#slots = new FlagSlots(this.#values);
    this.#lastSyncAt = Date.now();
    if (!changed) return;
    for (const invalidate of this.#dependents) invalidate();
    this.#listeners.notify();
  }
}
