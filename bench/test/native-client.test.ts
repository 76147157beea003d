/**
 * The native load client (`--client native`): built from bench/native with the system's C compiler, it must
 * count exactly what the Node client counts, for plain WebSocket servers and for Socket.IO (its Engine.IO
 * handshake), with per-connection counts (targeted) and latencies on the harness's shared clock. Correctness
 * only, never timing. No compiler: a failure under CI=true, else a loud skip.
 */
import { describe, expect, it } from 'vitest';
import os from 'node:os';
import { cpuPinning } from '../lib/cpu-pinning.js';
import { ensureNativeClient } from '../lib/native-client.js';
import type { ScenarioContext } from '../lib/types.js';
import { broadcast, sizes } from '../scenarios/broadcast.js';
import { targeted } from '../scenarios/targeted.js';

function nativeClientBuilds(): boolean {
  try {
    ensureNativeClient();
    return true;
  } catch (err) {
    if (process.env['CI'] === 'true') throw err;
    console.warn(`\n*** SKIPPING native bench client tests: ${(err as Error).message}\n`);
    return false;
  }
}

const ctx = (impls: ScenarioContext['impls'], pin: ScenarioContext['pin'] = null): ScenarioContext => ({ quick: true, runs: 1, impls, maxOtherLoadPct: 100, client: 'native', pin, log: () => {} });

describe.skipIf(!nativeClientBuilds())('bench --client native', () => {
  it('receives every broadcast exactly once from raw ws, Socket.IO, ws-ssot and the greeting floor, with latencies on the shared clock', async () => {
    const { connections, events } = sizes(true);
    const result = await broadcast.run(ctx(['raw-ws', 'socket-io', 'ws-ssot', 'greeting-floor']));
    expect(result.rows.map((r) => r.name)).toEqual(['raw ws', 'Socket.IO', 'ws-ssot', 'greeting floor']);
    for (const row of result.rows) {
      expect(row.notes, row.name).toEqual([]);
      expect(row.metrics['delivered'], row.name).toBe(connections * events);
      expect(row.metrics['complete'], row.name).toBe(1);
      // Send stamps come from the server's process.hrtime(), receive stamps from the C client's CLOCK_MONOTONIC.
      expect(row.metrics['p50'], row.name).toBeGreaterThanOrEqual(0);
      expect(row.metrics['max'], row.name).toBeLessThan(5_000);
    }
  }, 30_000);

  it('counts per connection for targeted sends (4 connections per user) on Socket.IO and ws-ssot', async () => {
    const result = await targeted.run(ctx(['socket-io', 'ws-ssot']));
    for (const row of result.rows) {
      expect(row.notes, row.name).toEqual([]);
      expect(row.metrics['delivered'], row.name).toBe(800);
      expect(row.metrics['complete'], row.name).toBe(1);
    }
  }, 30_000);

  it.skipIf(process.platform !== 'linux' || os.availableParallelism() < 2)('pinned (--pin), it polls without sleeping and reports how long it was preempted; unpinned, it does not', async () => {
    const pinned = await targeted.run(ctx(['ws-ssot'], cpuPinning()));
    const free = await targeted.run(ctx(['ws-ssot']));
    for (const [result, spinning] of [[pinned, true], [free, false]] as const) {
      const run = result.rows[0]!.perRun![0]!;
      expect(result.rows[0]!.metrics['delivered']).toBe(800);
      if (spinning) {
        expect(run['clientOffCpuCount']).toBeGreaterThanOrEqual(0);
        expect(run['clientOffCpuMaxMs']).toBeGreaterThanOrEqual(0);
      } else {
        expect(run['clientOffCpuCount']).toBeNull();
        expect(run['clientOffCpuMaxMs']).toBeNull();
      }
    }
  }, 30_000);
});
