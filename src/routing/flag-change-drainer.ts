/**
 * After a flag change, closes the connections now on the wrong code path with 1012, at a bounded rate, so
 * clients reconnect onto the right path (and resume) without a thundering herd. A change that arrives
 * mid-drain re-plans the queue instead of starting a second drain; `stop()` ends it for good.
 */
import type { Logger } from 'pino';
import type { WebSocketConnection } from '../core/connection.js';

/** What the drainer needs from the server. */
export interface DrainTarget {
  /** Connections whose path differs from what the flags choose for their user now (a fresh list). */
  misplacedConnections(): WebSocketConnection[];
  /** Re-checks one connection just before closing it (flags may have changed again). */
  isMisplaced(connection: WebSocketConnection): boolean;
  /** Closes one connection with 1012 and unregisters it. */
  closeForDrain(connection: WebSocketConnection): void;
}

/** Ticks per second at high rates: small batches spread over the second rather than one burst. */
const MAX_TICKS_PER_SECOND = 10;

export class FlagChangeDrainer {
  readonly #target: DrainTarget;
  readonly #logger: Logger;
  readonly #tickMs: number;
  readonly #batch: number;
  #queue: WebSocketConnection[] = [];
  #timer: NodeJS.Timeout | null = null;
  #stopped = false;
  #closedInRun = 0;

  constructor(target: DrainTarget, ratePerSecond: number, logger: Logger) {
    this.#target = target;
    this.#logger = logger;
    const ticks = Math.min(MAX_TICKS_PER_SECOND, ratePerSecond);
    this.#tickMs = Math.round(1000 / ticks);
    this.#batch = Math.max(1, Math.floor(ratePerSecond / ticks));
  }

  /** True while connections are queued for closing. */
  get draining(): boolean {
    return this.#timer !== null;
  }

  /** Plans (or re-plans) the drain from the current flags. Idempotent: one drain runs at a time. */
  flagsChanged(): void {
    if (this.#stopped) return;
    this.#queue = this.#target.misplacedConnections();
    if (this.#queue.length === 0) {
      // Flags point back to where everyone is (e.g. a flip undone mid-drain): nothing left to close.
      if (this.#timer !== null) this.#finish();
      return;
    }
    this.#logger.info({ misplaced: this.#queue.length, batch: this.#batch, tickMs: this.#tickMs }, 'flag change: draining connections on the wrong code path');
    if (this.#timer === null) {
      this.#closedInRun = 0;
      this.#timer = setInterval(() => this.#tick(), this.#tickMs);
      this.#timer.unref();
      this.#tick(); // the first batch at once
    }
  }

  #tick(): void {
    let closed = 0;
    // Bounded by the batch size and the queue length.
    while (closed < this.#batch && this.#queue.length > 0) {
      const connection = this.#queue.shift() as WebSocketConnection;
      if (connection.closed || !this.#target.isMisplaced(connection)) continue;
      this.#target.closeForDrain(connection);
      closed++;
    }
    this.#closedInRun += closed;
    if (this.#queue.length === 0) this.#finish();
  }

  #finish(): void {
    if (this.#timer !== null) clearInterval(this.#timer);
    this.#timer = null;
    if (this.#closedInRun > 0) this.#logger.info({ closed: this.#closedInRun }, 'flag change drain finished');
  }

  /** Stops draining for good (server close). Idempotent. */
  stop(): void {
    this.#stopped = true;
    this.#queue = [];
    if (this.#timer !== null) clearInterval(this.#timer);
    this.#timer = null;
  }
}
