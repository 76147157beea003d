/**
 * Smoke test of the benchmark harness: the broadcast scenario at --quick sizes, raw ws, ws-ssot, the write floor and
 * the greeting floor (whose extra frame per connection must not count as a delivery), one run each. A correctness
 * check (every connection got every event exactly once), never a timing assertion.
 */
import { describe, expect, it } from 'vitest';
import { broadcast, sizes } from '../../bench/scenarios/broadcast.js';
import type { ScenarioContext } from '../../bench/lib/types.js';

const ctx: ScenarioContext = { quick: true, runs: 1, impls: ['raw-ws', 'ws-ssot', 'write-floor', 'greeting-floor'], maxOtherLoadPct: 100, client: 'node', pin: null, log: () => {} };

describe('bench', () => {
  describe('broadcast --quick', () => {
    it('delivers every event to every client for raw ws, ws-ssot and both floors', async () => {
      const { connections, events } = sizes(true);
      const result = await broadcast.run(ctx);
      expect(result.rows.map((r) => r.name)).toEqual(['raw ws', 'ws-ssot', 'write floor', 'greeting floor']);
      for (const row of result.rows) {
        expect(row.notes, row.name).toEqual([]);
        expect(row.metrics['expected'], row.name).toBe(connections * events);
        expect(row.metrics['delivered'], row.name).toBe(connections * events);
        expect(row.metrics['complete'], row.name).toBe(1);
        // The server reports its GC pauses during the phase (none is a valid answer).
        expect(row.perRun?.every((run) => typeof run['gcCount'] === 'number' && typeof run['gcMaxMs'] === 'number'), row.name).toBe(true);
      }
    }, 20_000);
  });
});
