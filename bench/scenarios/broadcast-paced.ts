/**
 * Scenario 1b — broadcast at a fixed offered load: the same 2,000 connections × 100 events of 256 B, but one
 * event every 25 ms (80,000 deliveries/s, below what every implementation and the single client process
 * sustain here). Scenario 1 sends as fast as the server can, so once the client process saturates its p99 is
 * queueing at the client and grows with the server's own speed; at an equal, sustainable load the latency
 * compares the servers themselves. Reported beside scenario 1; the targets are checked on scenario 1.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { DELIVERY_COLUMNS } from '../lib/deliveries.js';
import { makePayload } from '../lib/payload.js';
import { LABEL } from '../lib/targets.js';
import type { Scenario, ScenarioContext, ScenarioResult } from '../lib/types.js';
import type { BenchServer } from '../servers/types.js';
import { runBroadcastRows, sizes } from './broadcast.js';

const INTERVAL_MS = 25;

/** Runs in the server child: one broadcast per interval (a load generator's pacing, not synchronisation). */
export async function serverPhase(server: BenchServer, params: Record<string, unknown>): Promise<{ sent: number }> {
  const { events, size, intervalMs } = params as { events: number; size: number; intervalMs: number };
  const start = performance.now();
  for (let i = 0; i < events; i++) {
    server.broadcast(makePayload(i, size));
    // Schedule against the start so a slow send does not shift every later event.
    const next = start + (i + 1) * intervalMs - performance.now();
    if (next > 0) await sleep(next);
  }
  return { sent: events };
}

export const broadcastPaced: Scenario = {
  name: 'broadcast-paced',
  async run(ctx: ScenarioContext): Promise<ScenarioResult> {
    const { connections, events, size } = sizes(ctx.quick);
    const rows = await runBroadcastRows(ctx, import.meta.url, { intervalMs: INTERVAL_MS });
    return {
      name: 'broadcast-paced',
      title: 'Broadcast at a fixed offered load (latency)',
      setup: `${connections} connections × ${events} events of ${size} B, one event every ${INTERVAL_MS} ms (${Math.round((connections * 1000) / INTERVAL_MS)} deliveries/s offered), ${ctx.runs} run(s), medians`,
      columns: DELIVERY_COLUMNS,
      rows,
      ratioRefs: { ws: LABEL.ws, sio: LABEL.sio },
      targets: [],
    };
  },
};
