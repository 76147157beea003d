/**
 * Cluster scenario — targeted across nodes: two nodes over one Redis, every connection on node A, every event
 * produced on node B (a server with no connections), so each one crosses Redis.
 * Full: 20,000 events of 256 B round-robin to 500 users × 4 connections (80,000 deliveries). Quick: 400 events,
 * 20 users × 4. The producer yields (`setImmediate`) every 50 events, as in the one-node targeted scenario.
 *
 * `cluster-targeted-paced`: the same at a fixed offered load (50 events every 10 ms: 20,000 deliveries/s at full size).
 *
 * Rows: Socket.IO 4.8 on `@socket.io/redis-adapter` and on `@socket.io/redis-streams-adapter` (one room per user,
 * `io.to(user).emit`), ws-ssot on its Redis engine (`manager.sendMessage`: a publish on the user's channel), and
 * ws-ssot's logged path (`sendAgentEvent`: one script per event assigns the seq, appends to the user's stream
 * and publishes).
 */
import { setImmediate as tick, setTimeout as sleep } from 'node:timers/promises';
import { betterSocketIoTarget, CLUSTER_COLUMNS, CLUSTER_RATIOS, clusterImpls, lostTarget, runClusterScenario, type ClusterVariant } from '../lib/cluster.js';
import { makePayload } from '../lib/payload.js';
import { LABEL, valueTarget } from '../lib/targets.js';
import type { Scenario, ScenarioContext, ScenarioResult } from '../lib/types.js';
import { IMPLEMENTATIONS } from '../servers/index.js';
import type { BenchServer } from '../servers/types.js';
import { expectedPerConnection } from './targeted.js';

export interface ClusterTargetedParams {
  events: number;
  users: number;
  size: number;
  yieldEvery: number;
  /** `message` (BenchServer#sendToUser) or `agent-event` (BenchServer#sendAgentEvent, ws-ssot's logged path). */
  send?: 'message' | 'agent-event';
  /**
   * Paced (cluster-targeted-paced): `yieldEvery` events every `intervalMs`, scheduled against the phase's start (a
   * load generator's pacing), instead of as fast as the producer can.
   */
  intervalMs?: number;
}

/** Runs in the producing node: `events` round-robin over users u0 … u(users−1). */
export async function serverPhase(server: BenchServer, params: Record<string, unknown>): Promise<{ sent: number }> {
  const { events, users, size, yieldEvery, send = 'message', intervalMs } = params as unknown as ClusterTargetedParams;
  const ids = Array.from({ length: users }, (_, i) => `u${i}`);
  const start = performance.now();
  for (let i = 0; i < events; i++) {
    const user = ids[i % users]!;
    if (send === 'agent-event') server.sendAgentEvent(user, 'bench.event', makePayload(i, size), 'bench-run');
    else server.sendToUser(user, makePayload(i, size));
    if ((i + 1) % yieldEvery !== 0) continue;
    if (intervalMs === undefined) {
      await tick();
      continue;
    }
    const next = start + ((i + 1) / yieldEvery) * intervalMs - performance.now();
    await (next > 0 ? sleep(next) : tick());
  }
  return { sent: events };
}

export function clusterTargetedSizes(quick: boolean): { events: number; users: number; perUser: number; size: number } {
  return quick ? { events: 400, users: 20, perUser: 4, size: 256 } : { events: 20_000, users: 500, perUser: 4, size: 256 };
}

/** The row of ws-ssot's logged sends (agent events through the engine's publish script). */
export const SSOT_LOGGED = 'ws-ssot, logged agent events';

/** Sends per pacing interval of the paced variant, and the interval: 50 events (200 deliveries) every 10 ms. */
const PACED = { perTick: 50, intervalMs: 10 } as const;

async function runTargeted(ctx: ScenarioContext, paced: boolean): Promise<ScenarioResult> {
  const { events, users, perUser, size } = clusterTargetedSizes(ctx.quick);
  const pacing = paced ? { yieldEvery: PACED.perTick, intervalMs: PACED.intervalMs } : { yieldEvery: 50 };
  const conns: string[] = [];
  for (let u = 0; u < users; u++) for (let k = 0; k < perUser; k++) conns.push(`u${u}`);
  const warmEvents = Math.max(users, Math.floor(events / 10));
  const node = { users: conns, warmup: expectedPerConnection(warmEvents, users, perUser), measure: expectedPerConnection(events, users, perUser) };
  const variants: ClusterVariant[] = [];
  for (const impl of clusterImpls(ctx)) {
    variants.push({ label: IMPLEMENTATIONS[impl].label, impl, nodes: [node] });
    if (impl === 'ws-ssot') variants.push({ label: SSOT_LOGGED, impl, nodes: [node], params: { send: 'agent-event' } });
  }
  const rows = await runClusterScenario(
    {
      scenarioUrl: import.meta.url,
      tag: paced ? 'ctp' : 'ct',
      warmupParams: { events: warmEvents, users, size, ...pacing },
      measureParams: { events, users, size, ...pacing },
      timeoutMs: ctx.quick ? 15_000 : 120_000,
      idleMs: ctx.quick ? 2_000 : 5_000,
    },
    variants,
    ctx,
  );
  const offered = Math.round((PACED.perTick * perUser * 1000) / PACED.intervalMs);
  const name = paced ? 'cluster targeted at a fixed offered load' : 'cluster targeted';
  return {
    name: paced ? 'cluster-targeted-paced' : 'cluster-targeted',
    title: paced ? 'Cluster: targeted across nodes at a fixed offered load (latency)' : 'Cluster: targeted across nodes (Redis)',
    setup:
      `two nodes over one Redis: ${users} users × ${perUser} connections on node A, ${events} events of ${size} B produced on node B ` +
      `(no connections), round-robin (${events * perUser} deliveries)` +
      (paced ? `, ${PACED.perTick} events every ${PACED.intervalMs} ms (${offered} deliveries/s offered)` : ', as fast as the producer sends') +
      `; ${ctx.runs} run(s), medians (lost and duplicates: the worst run); ` +
      'CPU per delivery: node A (delivering), node B (producing) and the Redis server (INFO cpu), each per 1,000 deliveries',
    columns: CLUSTER_COLUMNS,
    rows,
    ...CLUSTER_RATIOS,
    targets: paced
      ? [
          valueTarget(rows, LABEL.ssot, 'p99', '<', 100, 'ms', `${name}: p99 < 100 ms`),
          lostTarget(rows, LABEL.ssot, `${name}: 0 deliveries lost`),
          valueTarget(rows, SSOT_LOGGED, 'p99', '<', 100, 'ms', `${name}, logged agent events: p99 < 100 ms`),
          lostTarget(rows, SSOT_LOGGED, `${name}, logged agent events: 0 deliveries lost`),
        ]
      : [
          betterSocketIoTarget(rows, LABEL.ssot, 1.5, `${name} ≥ 1.5× the better Socket.IO adapter’s deliveries/s`),
          valueTarget(rows, LABEL.ssot, 'p99', '<', 100, 'ms', `${name} p99 < 100 ms`),
          lostTarget(rows, LABEL.ssot, `${name}: 0 deliveries lost`),
          betterSocketIoTarget(rows, SSOT_LOGGED, 1.5, `${name}, logged agent events ≥ 1.5× the better Socket.IO adapter’s deliveries/s`),
          valueTarget(rows, SSOT_LOGGED, 'p99', '<', 100, 'ms', `${name}, logged agent events p99 < 100 ms`),
          lostTarget(rows, SSOT_LOGGED, `${name}, logged agent events: 0 deliveries lost`),
        ],
  };
}

export const clusterTargeted: Scenario = {
  name: 'cluster-targeted',
  run: (ctx) => runTargeted(ctx, false),
};

/**
 * The same deployment and events at a fixed offered load below every implementation's throughput here, so that
 * latency compares the implementations rather than how long a burst's backlog takes to drain.
 */
export const clusterTargetedPaced: Scenario = {
  name: 'cluster-targeted-paced',
  run: (ctx) => runTargeted(ctx, true),
};
