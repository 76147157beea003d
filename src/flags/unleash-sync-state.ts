/** The Unleash source's sync state: ready, stale, last sync and error, and the bounded wait for the first sync. */
import type { Logger } from 'pino';
import type { FlagSourceStatus } from './flag-source.js';

/** How the wait for the first sync ended. */
export type StartupOutcome = 'synced' | 'refused' | 'timeout' | 'closed';

export class UnleashSyncState {
  readonly #logger: Logger;
  #ready = false;
  /** The SDK answers from its toggles only after its `ready` event (a tick after the data arrives). */
  #sdkReady = false;
  #stale = false;
  #lastSyncAt: number | null = null;
  #lastError: string | undefined;
  #closed = false;
  #bootstrapWindow = false;
  #startupTimer: NodeJS.Timeout | undefined;
  #onFirstOutcome: (() => void) | undefined;

  constructor(logger: Logger) {
    this.#logger = logger;
  }

  /** True once the source has had toggles from Unleash. */
  get ready(): boolean {
    return this.#ready;
  }

  get lastSyncAt(): number | null {
    return this.#lastSyncAt;
  }

  get lastError(): string | undefined {
    return this.#lastError;
  }

  /**
   * `stale` is true while a refresh fails, and from the start until the first successful sync: values that
   * never came from the server (bootstrap, backup, defaults) are not fresh, whether or not a fetch failed yet.
   */
  status(): FlagSourceStatus {
    const status: FlagSourceStatus = { source: 'unleash', ready: this.#ready, stale: this.#stale || this.#lastSyncAt === null, lastSyncAt: this.#lastSyncAt };
    if (this.#lastError !== undefined) status.lastError = this.#lastError;
    return status;
  }

  /**
   * Waits for the first sync, at most `timeoutMs`; ends early when Unleash refuses the SDK or the source
   * closes. The wait is armed synchronously: call this before starting the SDK, and await it after.
   */
  async firstOutcome(timeoutMs: number): Promise<StartupOutcome> {
    const outcome = await new Promise<StartupOutcome>((resolve) => {
      if (this.#ready && this.#sdkReady) {
        resolve('synced');
        return;
      }
      this.#onFirstOutcome = () => resolve(this.#closed ? 'closed' : this.#ready ? 'synced' : 'refused');
      this.#startupTimer = setTimeout(() => resolve('timeout'), timeoutMs);
    });
    this.#onFirstOutcome = undefined;
    this.#clearStartupTimer();
    return outcome;
  }

  /** The SDK's `ready` event. */
  sdkReady(): void {
    this.#sdkReady = true;
    if (this.#ready) this.#onFirstOutcome?.();
  }

  /**
   * The source hands bootstrap data to the SDK. If the SDK applies it (it skips it once it has toggles), it
   * does so with save(), which emits `changed` synchronously in the continuation of the bootstrap promise,
   * before any setImmediate callback: a `changed` inside that window is the bootstrap, not a sync.
   */
  bootstrapping(): void {
    this.#bootstrapWindow = true;
    setImmediate(() => {
      this.#bootstrapWindow = false;
    });
  }

  /** The SDK's `changed` event: new toggles, from the bootstrap or from Unleash. */
  changed(): 'bootstrap' | 'sync' {
    if (this.#bootstrapWindow) {
      this.#bootstrapWindow = false;
      this.#logger.info('unleash bootstrap values loaded');
      return 'bootstrap';
    }
    this.synced();
    return 'sync';
  }

  /** A successful fetch (new toggles or `unchanged`). */
  synced(): void {
    if (this.#closed) return;
    const wasStale = this.#stale;
    this.#ready = true;
    this.#stale = false;
    this.#lastSyncAt = Date.now();
    if (wasStale) this.#logger.info({ lastError: this.#lastError }, 'unleash reachable again: flags resynced, no longer stale');
    if (this.#sdkReady) this.#onFirstOutcome?.();
  }

  /** A failed fetch: the last known toggles stay. `unrecoverable`: the SDK stopped polling (401/403). */
  failed(message: string, unrecoverable: boolean): void {
    if (this.#closed) return;
    const wasStale = this.#stale;
    this.#stale = true;
    this.#lastError = message;
    if (!wasStale) {
      this.#logger.warn({ err: message, lastSyncAt: this.#lastSyncAt }, 'unleash refresh failed: serving last known flag values');
    } else {
      this.#logger.debug({ err: message }, 'unleash refresh still failing');
    }
    if (unrecoverable) this.#onFirstOutcome?.();
  }

  /** Ends the startup wait (as `closed`) and ignores every later event. Idempotent. */
  close(): void {
    this.#closed = true;
    this.#clearStartupTimer();
    this.#onFirstOutcome?.();
  }

  #clearStartupTimer(): void {
    if (this.#startupTimer === undefined) return;
    clearTimeout(this.#startupTimer);
    this.#startupTimer = undefined;
  }
}
