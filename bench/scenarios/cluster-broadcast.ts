/**
 * Cluster scenario — broadcast across nodes: two nodes over one Redis, every connection on node A, every event
 * produced on node B (no connections). Full: 100 events of 256 B to 2,000 connections (one user each; 200,000
 * deliveries). Quick: 20 events, 50 connections. The producer sends one event per event-loop turn, as the one-node
 * broadcast does. Socket.IO: `io.emit` on each Redis adapter; ws-ssot: `manager.broadcastMessage` (one publish on
 * the broadcast channel, which every node subscribes to). `cluster-broadcast-paced`: the same, one event every 50 ms.
 */
import { betterSocketIoTarget, CLUSTER_COLUMNS, CLUSTER_RATIOS, clusterImpls, lostTarget, runClusterScenario } from '../lib/cluster.js';
import { LABEL, valueTarget } from '../lib/targets.js';
import type { Scenario, ScenarioContext, ScenarioResult } from '../lib/types.js';
import { IMPLEMENTATIONS } from '../servers/index.js';
import { sizes } from './broadcast.js';

export { serverPhase } from './broadcast.js';
export { serverPhase as pacedPhase } from './broadcast-paced.js';

/** The paced variant: one event (2,000 deliveries at full size) every 50 ms. */
const PACED_INTERVAL_MS = 50;

async function runBroadcast(ctx: ScenarioContext, paced: boolean): Promise<ScenarioResult> {
  const { connections, events, size } = sizes(ctx.quick);
  const users = Array.from({ length: connections }, (_, i) => `u${i}`);
  const warmEvents = Math.max(5, Math.floor(events / 10));
  const pacing = paced ? { intervalMs: PACED_INTERVAL_MS } : {};
  const rows = await runClusterScenario(
    {
      scenarioUrl: import.meta.url,
      fn: paced ? 'pacedPhase' : 'serverPhase',
      tag: paced ? 'cbp' : 'cb',
      warmupParams: { events: warmEvents, size, ...pacing },
      measureParams: { events, size, ...pacing },
      timeoutMs: ctx.quick ? 15_000 : 120_000,
      idleMs: ctx.quick ? 2_000 : 5_000,
    },
    clusterImpls(ctx).map((impl) => ({ label: IMPLEMENTATIONS[impl].label, impl, nodes: [{ users, warmup: warmEvents, measure: events }] })),
    ctx,
  );
  const name = paced ? 'cluster broadcast at a fixed offered load' : 'cluster broadcast';
  return {
    name: paced ? 'cluster-broadcast-paced' : 'cluster-broadcast',
    title: paced ? 'Cluster: broadcast across nodes at a fixed offered load (latency)' : 'Cluster: broadcast across nodes (Redis)',
    setup:
      `two nodes over one Redis: ${connections} connections (one user each) on node A, ${events} events of ${size} B produced on node B ` +
      `(${connections * events} deliveries)` +
      (paced ? `, one event every ${PACED_INTERVAL_MS} ms (${Math.round((connections * 1000) / PACED_INTERVAL_MS)} deliveries/s offered)` : ', one per event-loop turn') +
      `; ${ctx.runs} run(s), medians (lost and duplicates: the worst run)`,
    columns: CLUSTER_COLUMNS,
    rows,
    ...CLUSTER_RATIOS,
    targets: paced
      ? [valueTarget(rows, LABEL.ssot, 'p99', '<', 100, 'ms', `${name}: p99 < 100 ms`), lostTarget(rows, LABEL.ssot, `${name}: 0 deliveries lost`)]
      : [
          betterSocketIoTarget(rows, LABEL.ssot, 1.5, `${name} ≥ 1.5× the better Socket.IO adapter’s deliveries/s`),
          valueTarget(rows, LABEL.ssot, 'p99', '<', 100, 'ms', `${name} p99 < 100 ms`),
          lostTarget(rows, LABEL.ssot, `${name}: 0 deliveries lost`),
        ],
  };
}

export const clusterBroadcast: Scenario = {
  name: 'cluster-broadcast',
  run: (ctx) => runBroadcast(ctx, false),
};

/** The same at a fixed offered load below every implementation's throughput here: latency without a backlog. */
export const clusterBroadcastPaced: Scenario = {
  name: 'cluster-broadcast-paced',
  run: (ctx) => runBroadcast(ctx, true),
};
