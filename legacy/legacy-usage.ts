/**
 * Calls to each deprecated entry point, per code, so a team can see when one has gone quiet and can be
 * deleted. Owned by a server (`wss.legacy.usage`), shown in `/health/websocket` under `deprecations`.
 */
import { DEPRECATION_CODES, type DeprecationCode } from './deprecation-codes.js';

export interface DeprecationUsageEntry {
  calls: number;
  /** Epoch ms of the latest call (to within a second), or null if never called. */
  lastCalledAt: number | null;
}

/** How stale `lastCalledAt` may be: the calls of the last second are stamped once a second, or when read. */
const CLOCK_RESOLUTION_MS = 1_000;

/**
 * Stamps `lastCalledAt` on the counters that moved since the last stamp: once a second while calls keep
 * coming, and on every read. Its timer stops itself after a second without calls; the next call restarts it.
 */
class UsageClock {
  /** The running timer, or null (read by every {@link DeprecationCounter.record}). */
  timer: NodeJS.Timeout | null = null;
  readonly counters: DeprecationCounter[] = [];

  start(): void {
    this.timer = setInterval(() => {
      if (this.stamp(Date.now()) === 0) this.stop();
    }, CLOCK_RESOLUTION_MS);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer === null) return;
    clearInterval(this.timer);
    this.timer = null;
  }

  /** Stamps `now` on every counter called since its last stamp; returns how many were. */
  stamp(now: number): number {
    let moved = 0;
    for (const counter of this.counters) if (counter.stamp(now)) moved++;
    return moved;
  }
}

/**
 * One code's count on one server. A legacy object keeps the counter of its code, so counting a call is an
 * increment and a check that the clock runs: no lookup, no clock read, no allocation.
 * @internal
 */
export class DeprecationCounter {
  readonly code: DeprecationCode;
  #calls = 0;
  /** `#calls` when `lastCalledAt` was last stamped: calls beyond it are not stamped yet. */
  #stampedCalls = 0;
  #lastCalledAt: number | null = null;
  readonly #clock: UsageClock;

  constructor(code: DeprecationCode, clock: UsageClock) {
    this.code = code;
    this.#clock = clock;
  }

  get calls(): number {
    return this.#calls;
  }

  /** Epoch ms of the latest call as of the last stamp (see {@link LegacyUsage.snapshot}, which stamps first). */
  get lastCalledAt(): number | null {
    return this.#lastCalledAt;
  }

  /** Counts one call. */
  record(): void {
    this.#calls++;
    if (this.#clock.timer === null) this.#clock.start();
  }

  /** Stamps `now` as the time of the latest call if there were calls since the last stamp; true if so. */
  stamp(now: number): boolean {
    if (this.#calls === this.#stampedCalls) return false;
    this.#stampedCalls = this.#calls;
    this.#lastCalledAt = now;
    return true;
  }
}

export class LegacyUsage {
  readonly #counters = new Map<DeprecationCode, DeprecationCounter>();
  readonly #clock = new UsageClock();

  constructor() {
    // Every code is listed from the start: a 0 is the signal that an entry point is unused.
    for (const code of DEPRECATION_CODES) {
      const counter = new DeprecationCounter(code, this.#clock);
      this.#counters.set(code, counter);
      this.#clock.counters.push(counter);
    }
  }

  record(code: DeprecationCode): void {
    this.#counters.get(code)?.record();
  }

  /**
   * The counter of `code`, to keep and call `record()` on directly (what legacy objects do per call).
   * @internal
   */
  counter(code: DeprecationCode): DeprecationCounter {
    const counter = this.#counters.get(code);
    if (counter === undefined) throw new TypeError(`unknown deprecation code ${String(code)}`);
    return counter;
  }

  calls(code: DeprecationCode): number {
    return this.#counters.get(code)?.calls ?? 0;
  }

  /** code → calls, for health. */
  counts(): Record<DeprecationCode, number> {
    const out = {} as Record<DeprecationCode, number>;
    for (const [code, counter] of this.#counters) out[code] = counter.calls;
    return out;
  }

  /** code → { calls, lastCalledAt } (copies). */
  snapshot(): Record<DeprecationCode, DeprecationUsageEntry> {
    this.#clock.stamp(Date.now());
    const out = {} as Record<DeprecationCode, DeprecationUsageEntry>;
    for (const [code, counter] of this.#counters) out[code] = { calls: counter.calls, lastCalledAt: counter.lastCalledAt };
    return out;
  }

  /** Total legacy calls. */
  total(): number {
    let total = 0;
    for (const counter of this.#counters.values()) total += counter.calls;
    return total;
  }
}
