/**
 * Flags from the environment: `WS_ENABLE_SSOT`, `WS_ENABLE_UNIFIED`, `WS_ENABLE_FACTORY` (true/1/yes/on,
 * false/0/no/off). Read once at construction through `src/env.ts`; `reload()` reads again.
 */
import { readFlagEnv } from '../env.js';
import type { FlagLayer } from './flag-layer.js';
import { FlagListeners } from './flag-listeners.js';
import { FLAG_NAMES, type FlagName, type FlagSourceStatus, type FlagValues } from './flag-source.js';

export interface EnvFlagSourceOptions {
  /** The environment to read. @default process.env */
  env?: NodeJS.ProcessEnv;
}

export class EnvFlagSource implements FlagLayer {
  readonly name = 'env';
  readonly #env: NodeJS.ProcessEnv | undefined;
  readonly #listeners = new FlagListeners();
  #values: Readonly<Partial<FlagValues>>;
  #lastSyncAt: number;

  constructor(options: EnvFlagSourceOptions = {}) {
    this.#env = options.env;
    this.#values = Object.freeze(readFlagEnv(this.#env));
    this.#lastSyncAt = Date.now();
  }

  /** The flags the environment sets (unset or unparseable ones are absent). */
  values(): Readonly<Partial<FlagValues>> {
    return this.#values;
  }

  peek(flag: FlagName): boolean | undefined {
    return this.#values[flag];
  }

  /** Unset flags are off (the seeds' default). */
  isEnabled(flag: FlagName): boolean {
    return this.#values[flag] ?? false;
  }

  /** Reads the environment again; notifies listeners if a value changed. */
  reload(): void {
    const next = Object.freeze(readFlagEnv(this.#env));
    const changed = FLAG_NAMES.some((flag) => next[flag] !== this.#values[flag]);
    this.#values = next;
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
