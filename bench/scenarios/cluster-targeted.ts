/**
 * Cluster scenario — targeted across nodes: two nodes over one Redis, every connection on node A, every event
 * produced on node B (a server with no connections), so each one crosses Redis.
 * Full: 20,000 events of 256 B round-robin to 500 users × 4 connections (80,000 deliveries). Quick: 400 events,
 * 20 users × 4. The producer yields (`setImmediate`) every 50 events, as in the one-node targeted scenario.
 *
 * Rows: Socket.IO 4.8 on `@socket.io/redis-adapter` and on `@socket.io/redis-streams-adapter` (one room per user,
 * `io.to(user).emit`), ws-ssot on its Redis engine (`manager.sendMessage`: a publish on the user's channel), and
 * ws-ssot's logged path (`sendAgentEvent`: one script per event assigns the seq, appends to the user's stream
 * and publishes).
 */
import { setImmediate as tick } from 'node:timers/promises';
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
  /** Users `u<first>…`, the first of them (a user subset's offset). */
  first?: number;
}

/** Runs in the producing node: `events` round-robin over users u0 … u(users−1). */
export async function serverPhase(server: BenchServer, params: Record<string, unknown>): Promise<{ sent: number }> {
  const { events, users, size, yieldEvery, send = 'message' } = params as unknown as ClusterTargetedParams;
  const ids = Array.from({ length: users }, (_, i) => `u${i}`);
  for (let i = 0; i < events; i++) {
    const user = ids[i % users]!;
    if (send === 'agent-event') server.sendAgentEvent(user, 'bench.event', makePayload(i, size), 'bench-run');
    else server.sendToUser(user, makePayload(i, size));
    if ((i + 1) % yieldEvery === 0) await tick();
  }
  return { sent: events };
}

export function clusterTargetedSizes(quick: boolean): { events: number; users: number; perUser: number; size: number } {
  return quick ? { events: 400, users: 20, perUser: 4, size: 256 } : { events: 20_000, users: 500, perUser: 4, size: 256 };
}

/** The row of ws-ssot's logged sends (agent events through the engine's publish script). */
export const SSOT_LOGGED = 'ws-ssot, logged agent events';

export const clusterTargeted: Scenario = {
  name: 'cluster-targeted',
  async run(ctx: ScenarioContext): Promise<ScenarioResult> {
    const { events, users, perUser, size } = clusterTargetedSizes(ctx.quick);
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
        tag: 'ct',
        warmupParams: { events: warmEvents, users, size, yieldEvery: 50 },
        measureParams: { events, users, size, yieldEvery: 50 },
        timeoutMs: ctx.quick ? 15_000 : 120_000,
        idleMs: ctx.quick ? 2_000 : 5_000,
      },
      variants,
      ctx,
    );
    return {
      name: 'cluster-targeted',
      title: 'Cluster: targeted across nodes (Redis)',
      setup:
        `two nodes over one Redis: ${users} users × ${perUser} connections on node A, ${events} events of ${size} B produced on node B ` +
        `(no connections), round-robin (${events * perUser} deliveries); ${ctx.runs} run(s), medians (lost and duplicates: the worst run); ` +
        'CPU per delivery: node A (delivering), node B (producing) and the Redis server (INFO cpu), each per 1,000 deliveries',
      columns: CLUSTER_COLUMNS,
      rows,
      ...CLUSTER_RATIOS,
      targets: [
        betterSocketIoTarget(rows, LABEL.ssot, 1.5, 'cluster targeted ≥ 1.5× the better Socket.IO adapter’s deliveries/s'),
        valueTarget(rows, LABEL.ssot, 'p99', '<', 100, 'ms', 'cluster targeted p99 < 100 ms'),
        lostTarget(rows, LABEL.ssot, 'cluster targeted: 0 deliveries lost'),
        betterSocketIoTarget(rows, SSOT_LOGGED, 1.5, 'cluster targeted, logged agent events ≥ 1.5× the better Socket.IO adapter’s deliveries/s'),
        valueTarget(rows, SSOT_LOGGED, 'p99', '<', 100, 'ms', 'cluster targeted, logged agent events p99 < 100 ms'),
        lostTarget(rows, SSOT_LOGGED, 'cluster targeted, logged agent events: 0 deliveries lost'),
      ],
    };
  },
};
