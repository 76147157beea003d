/**
 * Calls to each deprecated entry point, per code, so a team can see when one has gone quiet and can be
 * deleted. Owned by a server (`wss.legacy.usage`), shown in `/health/websocket` under `deprecations`.
 */
import { DEPRECATION_CODES, type DeprecationCode } from './deprecation-codes.js';

export interface DeprecationUsageEntry {
  calls: number;
  /** Epoch ms of the latest call, or null if never called. */
  lastCalledAt: number | null;
}

export class LegacyUsage {
  readonly #entries = new Map<DeprecationCode, DeprecationUsageEntry>();

  constructor() {
    // Every code is listed from the start: a 0 is the signal that an entry point is unused.
    for (const code of DEPRECATION_CODES) this.#entries.set(code, { calls: 0, lastCalledAt: null });
  }

  record(code: DeprecationCode): void {
    const entry = this.#entries.get(code);
    if (entry === undefined) return;
    entry.calls++;
    entry.lastCalledAt = Date.now();
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
