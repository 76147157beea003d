/**
 * Cluster scenario — broadcast across nodes: two nodes over one Redis, every connection on node A, every event
 * produced on node B (no connections). Full: 100 events of 256 B to 2,000 connections (one user each; 200,000
 * deliveries). Quick: 20 events, 50 connections. The producer sends one event per event-loop turn, as the one-node
 * broadcast does. Socket.IO: `io.emit` on each Redis adapter; ws-ssot: `manager.broadcastMessage` (one publish on
 * the broadcast channel, which every node subscribes to).
 */
import { betterSocketIoTarget, CLUSTER_COLUMNS, CLUSTER_RATIOS, clusterImpls, lostTarget, runClusterScenario } from '../lib/cluster.js';
import { LABEL, valueTarget } from '../lib/targets.js';
import type { Scenario, ScenarioContext, ScenarioResult } from '../lib/types.js';
import { IMPLEMENTATIONS } from '../servers/index.js';
import { sizes } from './broadcast.js';

export { serverPhase } from './broadcast.js';

export const clusterBroadcast: Scenario = {
  name: 'cluster-broadcast',
  async run(ctx: ScenarioContext): Promise<ScenarioResult> {
    const { connections, events, size } = sizes(ctx.quick);
    const users = Array.from({ length: connections }, (_, i) => `u${i}`);
    const warmEvents = Math.max(5, Math.floor(events / 10));
    const rows = await runClusterScenario(
      {
        scenarioUrl: import.meta.url,
        tag: 'cb',
        warmupParams: { events: warmEvents, size },
        measureParams: { events, size },
        timeoutMs: ctx.quick ? 15_000 : 120_000,
        idleMs: ctx.quick ? 2_000 : 5_000,
      },
      clusterImpls(ctx).map((impl) => ({ label: IMPLEMENTATIONS[impl].label, impl, nodes: [{ users, warmup: warmEvents, measure: events }] })),
      ctx,
    );
    return {
      name: 'cluster-broadcast',
      title: 'Cluster: broadcast across nodes (Redis)',
      setup:
        `two nodes over one Redis: ${connections} connections (one user each) on node A, ${events} events of ${size} B produced on node B ` +
        `(${connections * events} deliveries); ${ctx.runs} run(s), medians (lost and duplicates: the worst run)`,
      columns: CLUSTER_COLUMNS,
      rows,
      ...CLUSTER_RATIOS,
      targets: [
        betterSocketIoTarget(rows, LABEL.ssot, 1.5, 'cluster broadcast ≥ 1.5× the better Socket.IO adapter’s deliveries/s'),
        valueTarget(rows, LABEL.ssot, 'p99', '<', 100, 'ms', 'cluster broadcast p99 < 100 ms'),
        lostTarget(rows, LABEL.ssot, 'cluster broadcast: 0 deliveries lost'),
      ],
    };
  },
};
