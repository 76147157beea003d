/**
 * Scenario 1 — broadcast: every connection receives every event.
 * Full: 2,000 connections (one user each) × 100 events of 256 B. Quick: 50 × 20.
 * The server sends one event per event-loop turn (`setImmediate` between events) as fast as it can.
 */
import { setImmediate as tick } from 'node:timers/promises';
import { DELIVERY_COLUMNS, runDeliveryScenario } from '../lib/deliveries.js';
import { makePayload } from '../lib/payload.js';
import { LABEL, ratioTarget } from '../lib/targets.js';
import type { BenchServer } from '../servers/types.js';
import type { Row, Scenario, ScenarioContext, ScenarioResult } from '../lib/types.js';

export interface BroadcastParams {
  events: number;
  size: number;
}

/** Runs in the server child. */
export async function serverPhase(server: BenchServer, params: Record<string, unknown>): Promise<{ sent: number }> {
  const { events, size } = params as unknown as BroadcastParams;
  for (let i = 0; i < events; i++) {
    server.broadcast(makePayload(i, size));
    await tick();
  }
  return { sent: events };
}

export function sizes(quick: boolean): { connections: number; events: number; size: number } {
  return quick ? { connections: 50, events: 20, size: 256 } : { connections: 2_000, events: 100, size: 256 };
}

/**
 * Runs a broadcast-shaped scenario: `connections` users of one connection each, a warm-up of a tenth of the
 * events, then the measured events; `serverPhase` of the module at `scenarioUrl` sends them (with `extra`
 * params). Shared by every broadcast variant.
 */
export async function runBroadcastRows(ctx: ScenarioContext, scenarioUrl: string, extra: Record<string, unknown> = {}): Promise<Row[]> {
  const { connections, events, size } = sizes(ctx.quick);
  const users = Array.from({ length: connections }, (_, i) => `u${i}`);
  const warmEvents = Math.max(5, Math.floor(events / 10));
  return runDeliveryScenario(
    {
      scenarioUrl,
      users,
      warmup: { params: { events: warmEvents, size, ...extra }, expected: warmEvents },
      measure: { params: { events, size, ...extra }, expected: events },
      timeoutMs: ctx.quick ? 5_000 : 120_000,
    },
    ctx,
  );
}

export const broadcast: Scenario = {
  name: 'broadcast',
  async run(ctx: ScenarioContext): Promise<ScenarioResult> {
    const { connections, events, size } = sizes(ctx.quick);
    const rows = await runBroadcastRows(ctx, import.meta.url);
    return {
      name: 'broadcast',
      title: 'Broadcast (fan-out)',
      setup: `${connections} connections × ${events} events of ${size} B (${connections * events} deliveries), ${ctx.runs} run(s), medians`,
      columns: DELIVERY_COLUMNS,
      rows,
      ratioRefs: { ws: LABEL.ws, sio: LABEL.sio },
      targets: [
        ratioTarget(rows, 'deliveriesPerSec', LABEL.ws, '>=', 0.9, 'fan-out ≥ 0.9× raw ws deliveries/s'),
        ratioTarget(rows, 'p99', LABEL.ws, '<=', 1.1, 'broadcast p99 ≤ 1.1× raw ws'),
      ],
    };
  },
};
