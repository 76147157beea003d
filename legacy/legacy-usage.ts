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

/** How stale `lastCalledAt` may be: it is read from a clock refreshed this often while calls keep coming. */
const CLOCK_RESOLUTION_MS = 1_000;

export class LegacyUsage {
  readonly #entries = new Map<DeprecationCode, DeprecationUsageEntry>();
  // A coarse clock keeps Date.now() (tens of ns) off every legacy call; its timer stops itself when calls stop.
  #now = 0;
  #calledSinceTick = false;
  #clock: NodeJS.Timeout | null = null;

  constructor() {
    // Every code is listed from the start: a 0 is the signal that an entry point is unused.
    for (const code of DEPRECATION_CODES) this.#entries.set(code, { calls: 0, lastCalledAt: null });
  }

  record(code: DeprecationCode): void {
    const entry = this.#entries.get(code);
    if (entry === undefined) return;
    if (this.#clock === null) this.#startClock();
    this.#calledSinceTick = true;
    entry.calls++;
    entry.lastCalledAt = this.#now;
  }

  #startClock(): void {
    this.#now = Date.now();
    this.#calledSinceTick = false;
    this.#clock = setInterval(() => {
      if (!this.#calledSinceTick && this.#clock !== null) {
        clearInterval(this.#clock);
        this.#clock = null;
        return;
      }
      this.#calledSinceTick = false;
      this.#now = Date.now();
    }, CLOCK_RESOLUTION_MS);
    this.#clock.unref();
  }

  calls(code: DeprecationCode): number {
    return this.#entries.get(code)?.calls ?? 0;
  }

  /** code → calls, for health. */
  counts(): Record<DeprecationCode, number> {
    const out = {} as Record<DeprecationCode, number>;
    for (const [code, entry] of this.#entries) out[code] = entry.calls;
    return out;
  }

  /** code → { calls, lastCalledAt } (copies). */
  snapshot(): Record<DeprecationCode, DeprecationUsageEntry> {
    const out = {} as Record<DeprecationCode, DeprecationUsageEntry>;
    for (const [code, entry] of this.#entries) out[code] = { calls: entry.calls, lastCalledAt: entry.lastCalledAt };
    return out;
  }

  /** Total legacy calls. */
  total(): number {
    let total = 0;
    for (const entry of this.#entries.values()) total += entry.calls;
    return total;
  }
}
