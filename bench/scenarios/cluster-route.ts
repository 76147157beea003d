/**
 * Cluster scenario — route by user: the cluster-targeted load (events produced on a node of their own, every event
 * to one user's connections) delivered by 1 node holding every user, then by 3 nodes with the users spread over
 * them (user k on node k mod 3). A node that receives only the events of users it holds spends the same CPU per
 * delivery whether the deployment has 1 node or 3; a node that receives every event (Socket.IO's redis-adapter
 * pattern-subscribes to every room) spends more per delivery the more nodes share the users.
 * Full: 20,000 events of 256 B round-robin to 500 users × 4 connections (80,000 deliveries); quick: 300 events,
 * 30 users × 2. The figure is each delivering node's CPU (process user + system time, from the phase's start until
 * the clients have everything) per delivery it made, against the 1-node deployment's node in the same run.
 * A control, 1 node holding only the users of one of the 3 nodes (the same users and deliveries per node as in
 * the 3-node deployment, without the other nodes; alone it delivers them faster): the 3-node figure can be read
 * against it as well as against the 1-node one (the target).
 */
import { clusterImpls, runClusterScenario, type ClusterNodeSpec, type ClusterVariant } from '../lib/cluster.js';
import { LABEL } from '../lib/targets.js';
import type { Column, Row, Scenario, ScenarioContext, ScenarioResult, TargetCheck } from '../lib/types.js';
import { IMPLEMENTATIONS, type ImplName } from '../servers/index.js';
import { expectedPerConnection } from './targeted.js';

export { serverPhase } from './cluster-targeted.js';

const NODES = 3;

export function clusterRouteSizes(quick: boolean): { events: number; users: number; perUser: number; size: number } {
  return quick ? { events: 300, users: 30, perUser: 2, size: 256 } : { events: 20_000, users: 500, perUser: 4, size: 256 };
}

/** The connections (user-major) and expected counts of the users `u` with `keep(u)`. */
function nodeSpec(users: number, perUser: number, warm: number[], measure: number[], keep: (u: number) => boolean): ClusterNodeSpec {
  const spec: ClusterNodeSpec = { users: [], warmup: [], measure: [] };
  for (let u = 0; u < users; u++) {
    if (!keep(u)) continue;
    for (let k = 0; k < perUser; k++) {
      spec.users.push(`u${u}`);
      (spec.warmup as number[]).push(warm[u * perUser + k]!);
      (spec.measure as number[]).push(measure[u * perUser + k]!);
    }
  }
  return spec;
}

const one = (label: string): string => `${label}, 1 node`;
const three = (label: string): string => `${label}, ${NODES} nodes`;
const third = (label: string): string => `${label}, 1 node, a third of the users`;

const COLUMNS: Column[] = [
  { key: 'deliveriesPerSec', label: 'deliveries/s', digits: 0 },
  { key: 'p99', label: 'p99 ms (highest node)', digits: 2 },
  { key: 'lost', label: 'lost (worst run)', digits: 0 },
  { key: 'node1CpuMsPer1k', label: 'node 1 CPU ms / 1k del.', digits: 2 },
  { key: 'node2CpuMsPer1k', label: 'node 2 CPU ms / 1k del.', digits: 2 },
  { key: 'node3CpuMsPer1k', label: 'node 3 CPU ms / 1k del.', digits: 2 },
  { key: 'cpuVsOneNode', label: 'highest node CPU / del. × 1 node', digits: 2 },
  { key: 'readVsOneNode', label: 'highest node bytes read / del. × 1 node', digits: 2 },
  { key: 'cpuVsSameLoad', label: 'highest node CPU / del. × 1 node with a third of the users', digits: 2 },
  { key: 'producerCpuMsPer1k', label: 'producing node CPU ms / 1k del.', digits: 2 },
  { key: 'redisCpuMsPer1k', label: 'Redis CPU ms / 1k del.', digits: 2 },
  { key: 'foreignCpuPct', label: 'other load %', digits: 0 },
  { key: 'complete', label: 'all delivered once', digits: 0, format: 'bool' },
];

/** Per run k: the highest node's CPU per delivery of the 3-node run k over the 1-node run k's. */
function perRunRatios(rows: Row[], label: string): number[] {
  const a = rows.find((r) => r.name === three(label))?.perRun ?? [];
  const b = rows.find((r) => r.name === one(label))?.perRun ?? [];
  const out: number[] = [];
  for (let k = 0; k < Math.min(a.length, b.length); k++) {
    const base = b[k]?.['node1CpuMsPer1k'];
    const nodes = Array.from({ length: NODES }, (_, i) => a[k]?.[`node${i + 1}CpuMsPer1k`]).filter((x): x is number => typeof x === 'number');
    if (typeof base === 'number' && base > 0 && nodes.length === NODES) out.push(Math.max(...nodes) / base);
  }
  return out;
}

export const clusterRoute: Scenario = {
  name: 'cluster-route',
  async run(ctx: ScenarioContext): Promise<ScenarioResult> {
    const { events, users, perUser, size } = clusterRouteSizes(ctx.quick);
    const warmEvents = Math.max(users, Math.floor(events / 10));
    const warm = expectedPerConnection(warmEvents, users, perUser);
    const measure = expectedPerConnection(events, users, perUser);
    const impls: ImplName[] = clusterImpls(ctx);
    const variants: ClusterVariant[] = impls.flatMap((impl) => {
      const label = IMPLEMENTATIONS[impl].label;
      return [
        { label: one(label), impl, nodes: [nodeSpec(users, perUser, warm, measure, () => true)] },
        { label: three(label), impl, nodes: Array.from({ length: NODES }, (_, n) => nodeSpec(users, perUser, warm, measure, (u) => u % NODES === n)) },
        { label: third(label), impl, nodes: [nodeSpec(users, perUser, warm, measure, (u) => u % NODES === 0)] },
      ];
    });
    const rows = await runClusterScenario(
      {
        scenarioUrl: import.meta.url,
        tag: 'cr',
        warmupParams: { events: warmEvents, users, size, yieldEvery: 50 },
        measureParams: { events, users, size, yieldEvery: 50 },
        timeoutMs: ctx.quick ? 15_000 : 120_000,
        idleMs: ctx.quick ? 2_000 : 5_000,
        noPin: true,
      },
      variants,
      ctx,
    );
    for (const impl of impls) {
      const label = IMPLEMENTATIONS[impl].label;
      const base = rows.find((r) => r.name === one(label))?.metrics['node1CpuMsPer1k'];
      const row = rows.find((r) => r.name === three(label));
      if (row === undefined) continue;
      const nodes = Array.from({ length: NODES }, (_, i) => row.metrics[`node${i + 1}CpuMsPer1k`]).filter((x): x is number => typeof x === 'number');
      row.metrics['cpuVsOneNode'] = typeof base === 'number' && base > 0 && nodes.length === NODES ? Math.max(...nodes) / base : null;
      // What each node receives from Redis, per delivery it makes: ≈ 1× when a node gets only its users' events.
      const readBase = rows.find((r) => r.name === one(label))?.metrics['node1ReadBytesPerDelivery'];
      const reads = Array.from({ length: NODES }, (_, i) => row.metrics[`node${i + 1}ReadBytesPerDelivery`]).filter((x): x is number => typeof x === 'number');
      row.metrics['readVsOneNode'] = typeof readBase === 'number' && readBase > 0 && reads.length === NODES ? Math.max(...reads) / readBase : null;
      const sameLoad = rows.find((r) => r.name === third(label))?.metrics['node1CpuMsPer1k'];
      row.metrics['cpuVsSameLoad'] = typeof sameLoad === 'number' && sameLoad > 0 && nodes.length === NODES ? Math.max(...nodes) / sameLoad : null;
      const runs = perRunRatios(rows, label);
      if (runs.length > 1) row.notes.push(`highest node × 1 node per run: ${runs.map((x) => x.toFixed(2)).join(', ')}`);
    }
    const ssot = rows.find((r) => r.name === three(LABEL.ssot))?.metrics['cpuVsOneNode'];
    const runs = perRunRatios(rows, LABEL.ssot);
    const target: TargetCheck = {
      target: `route by user: with ${NODES} nodes, each node's CPU per delivery ≤ 1.2× the 1-node figure (targeted)`,
      actual: typeof ssot === 'number' ? `${ssot.toFixed(2)}× (highest of the ${NODES} nodes${runs.length > 1 ? `; per run: ${runs.map((x) => x.toFixed(2)).join(', ')}` : ''})` : 'n/a',
      pass: typeof ssot === 'number' ? ssot <= 1.2 : null,
    };
    return {
      name: 'cluster-route',
      title: 'Cluster: route by user (1 node against 3)',
      setup:
        `${events} events of ${size} B produced on a node without connections, round-robin to ${users} users × ${perUser} connections ` +
        `(${events * perUser} deliveries), held by 1 node, or by ${NODES} nodes (user k on node k mod ${NODES}), or (a control) by 1 node holding ` +
        `only the users k mod ${NODES} = 0; ${ctx.runs} run(s), medians; ` +
        'CPU per 1,000 deliveries each node made; --pin is not applied (several clients)',
      columns: COLUMNS,
      rows,
      targets: [target],
    };
  },
};
