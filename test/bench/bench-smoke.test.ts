/**
 * Smoke test of the benchmark harness: the broadcast scenario at --quick sizes, raw ws, ws-ssot, the write floor and
 * the greeting floor (whose extra frame per connection must not count as a delivery), one run each; and the targeted
 * scenario with the send-path A/B, whose two sides must together deliver every event once. Correctness checks and
 * the presence of the A/B's figures, never a timing assertion.
 */
import { describe, expect, it } from 'vitest';
import { broadcast, sizes } from '../../bench/scenarios/broadcast.js';
import { targeted } from '../../bench/scenarios/targeted.js';
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

  describe('targeted --quick with the send-path A/B', () => {
    it('delivers every event once on both sides of the A/B and reports its medians; ws-ssot alone reports none', async () => {
      const result = await targeted.run({ ...ctx, impls: ['ws-ssot', 'send-path-ab'] });
      expect(result.rows.map((r) => r.name)).toEqual(['ws-ssot', 'send path A/B']);
      for (const row of result.rows) {
        expect(row.metrics['complete'], row.name).toBe(1);
        expect(row.metrics['delivered'], row.name).toBe(800); // 200 events × 4 connections each
      }
      const [ssot, ab] = result.rows;
      expect(ssot!.perRun?.[0]?.['sendPathRatio']).toBeNull();
      const run = ab!.perRun?.[0];
      for (const key of ['sendPathRatio', 'sendPathSsotUs', 'sendPathRawUs']) {
        expect(run?.[key], key).toBeGreaterThan(0);
        expect(Number.isFinite(run?.[key]), key).toBe(true);
      }
      expect(ab!.notes.some((n) => n.startsWith('per delivery, median of calls in one process on the same sockets:'))).toBe(true);
    }, 20_000);
  });
});
