/**
 * Flags from the environment: `WS_ENABLE_SSOT`, `WS_ENABLE_UNIFIED`, `WS_ENABLE_FACTORY` (true/1/yes/on,
 * false/0/no/off). Read once at construction through `src/env.ts`; `reload()` reads again.
 */
import { readFlagEnv } from '../env.js';
import { LocalFlagLayer } from './local-flag-layer.js';

export interface EnvFlagSourceOptions {
  /** The environment to read. @default process.env */
  env?: NodeJS.ProcessEnv;
}

export class EnvFlagSource extends LocalFlagLayer {
  readonly name = 'env';
  readonly #env: NodeJS.ProcessEnv | undefined;

  constructor(options: EnvFlagSourceOptions = {}) {
    super(readFlagEnv(options.env));
    this.#env = options.env;
  }

  /** Reads the environment again; notifies listeners if a value changed. */
  reload(): void {
    this.replace(readFlagEnv(this.#env));
  }
}
