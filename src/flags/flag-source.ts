/**
 * The interface every flag source implements (environment, options object, Unleash, composites).
 * The router asks it, per connection, which code path to use; it must never throw.
 */

/** The three migration flags, named after the seeds' environment variables. */
export type FlagName = 'ssot' | 'unified' | 'factory';

/** Every flag name, in a stable order. */
export const FLAG_NAMES: readonly FlagName[] = ['ssot', 'unified', 'factory'];

/** The environment variable of each flag (also the default Unleash toggle name). */
export const FLAG_ENV_VARS: Readonly<Record<FlagName, string>> = {
  ssot: 'WS_ENABLE_SSOT',
  unified: 'WS_ENABLE_UNIFIED',
  factory: 'WS_ENABLE_FACTORY',
};

/** Who is asking: evaluated locally so percentage rollouts by `userId` are sticky. */
export interface FlagContext {
  userId?: string;
  sessionId?: string;
  properties?: Record<string, string>;
}

export type FlagValues = Record<FlagName, boolean>;

/** What health and metrics show about a source. */
export interface FlagSourceStatus {
  /** e.g. 'env', 'static', 'unleash', 'composite'. */
  source: string;
  /** True once the source has values of its own (first sync done, for remote sources). */
  ready: boolean;
  /** True if a remote source could not refresh and is serving last-known values. */
  stale: boolean;
  /** Epoch ms of the last successful sync, or null. */
  lastSyncAt: number | null;
  /** The last error, for operators; never thrown. */
  lastError?: string;
}

export interface FlagSource {
  readonly name: string;
  /** The flag's value for this context. Never throws; returns the source's fallback when unsure. */
  isEnabled(flag: FlagName, context?: FlagContext): boolean;
  status(): FlagSourceStatus;
  /** Calls `listener` whenever values may have changed. Returns an unsubscribe function. */
  onChange(listener: () => void): () => void;
  /** Releases timers and connections. Idempotent. */
  close(): Promise<void>;
}

/** The three flags' values for one context. */
export function evaluateAll(source: FlagSource, context?: FlagContext): FlagValues {
  return {
    ssot: source.isEnabled('ssot', context),
    unified: source.isEnabled('unified', context),
    factory: source.isEnabled('factory', context),
  };
}
