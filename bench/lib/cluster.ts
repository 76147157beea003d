/**
 * The driver of the cluster scenarios: a deployment of several server processes over one Redis, the connections
 * on the delivering nodes, the events produced on a node of their own.
 *
 * Per run of a variant (fresh processes, a key prefix of its own):
 * - one **producer** node (`servers/host.ts`, no connections) that runs the scenario's server phase: its sends
 *   reach the other nodes only through Redis;
 * - one or more **delivering** nodes, each with a client child holding its connections (`?user=` as everywhere);
 * - a warm-up phase, then the measured phase. Every delivering node runs the idle phase (`servers/idle-phase.ts`)
 *   first, so its CPU is counted from then; the producer's `t0` starts the clock; the phase ends when every client
 *   has its expected payloads, or when none arrived for `idleMs` after the producer finished (deliveries lost), or
 *   at `timeoutMs`.
 * - Redis CPU = `INFO cpu` (used_cpu_sys + used_cpu_user) after − before the measured phase. The Redis is shared
 *   with whatever else runs on the machine, so that figure includes their commands, if any, during the phase.
 * - afterwards every key under the run's prefix is deleted (SCAN + UNLINK), never FLUSHALL.
 *
 * Latency is the same clock scheme as the one-node scenarios (lib/clock.ts): the producer stamps `t` as it builds
 * each payload, the client subtracts it from its receive stamp; both processes read CLOCK_MONOTONIC.
 */
import { fileURLToPath } from 'node:url';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Redis } from 'ioredis';
import { IMPLEMENTATIONS, type ImplName } from '../servers/index.js';
import type { ClientStats } from '../clients/client.js';
import { forkClient } from './client-child.js';
import { cpuSnapshot, foreignCpuPct } from './machine-load.js';
import { forkTs, type Child, type IpcMessage } from './proc.js';
import { deleteByPrefix, keysWithPrefix, openRedis, REDIS_URL, redisCpuMs, redisUnreachable, uniquePrefix } from './redis.js';
import { median } from './stats.js';
import type { Column, Row, ScenarioContext, TargetCheck } from './types.js';

const HOST = fileURLToPath(new URL('../servers/host.ts', import.meta.url));
const IDLE_PHASE = fileURLToPath(new URL('../servers/idle-phase.ts', import.meta.url));

/** A delivering node: one user id per connection its client opens, and what each connection must receive. */
export interface ClusterNodeSpec {
  users: string[];
  warmup: number | number[];
  measure: number | number[];
}

/** One row of a cluster scenario: an implementation, its deployment, and the producer's phase parameters. */
export interface ClusterVariant {
  label: string;
  impl: ImplName;
  nodes: ClusterNodeSpec[];
  /** Merged into both phases' params (e.g. `send: 'agent-event'`). */
  params?: Record<string, unknown>;
}

export interface ClusterSpec {
  /** `import.meta.url` of the scenario file exporting the producer's phase. */
  scenarioUrl: string;
  fn?: string;
  /** Short name for the key prefix (`wssot-bench-<tag>-<impl>-<random>`). */
  tag: string;
  warmupParams: Record<string, unknown>;
  measureParams: Record<string, unknown>;
  timeoutMs: number;
  /** After the producer finished, a phase with no new delivery for this long ends (what is missing is lost). */
  idleMs: number;
  /** Ignore --pin (a scenario that compares deployments of different sizes pins none of them). */
  noPin?: boolean;
}

export interface ClusterRun {
  deliveries: number;
  expected: number;
  /** Expected payloads that never arrived (per connection: expected − received, when short). */
  lost: number;
  /** Payloads past a connection's expected count (duplicates). */
  surplus: number;
  complete: boolean;
  deliveriesPerSec: number | null;
  p50: number | null;
  /** The highest of the delivering nodes' p99 (exact with one delivering node). */
  p99: number | null;
  max: number | null;
  /** Delivering nodes' CPU (user + system), all of them, per 1,000 deliveries. */
  nodeCpuMsPer1k: number | null;
  /** Each delivering node's CPU per 1,000 of its own deliveries. */
  perNodeCpuMsPer1k: Array<number | null>;
  /** Per delivering node: bytes it read during the phase per delivery it made (what Redis sent it, in effect). */
  perNodeReadBytesPerDelivery: Array<number | null>;
  producerCpuMsPer1k: number | null;
  redisCpuMsPer1k: number | null;
  clientCpuPct: number | null;
  foreignCpuPct: number | null;
  gcMaxMs: number | null;
  clientOffCpuMaxMs: number | null;
  sendMs: number;
  attempts: number;
  /** Keys under the run's prefix left after the cleanup (0 expected). */
  keysLeft: number | null;
  notes: string[];
}

type Stats = ClientStats & { missing?: number; surplus?: number };

interface CpuReply extends IpcMessage {
  userUs: number;
  systemUs: number;
  /** Bytes the process read during the phase (/proc/self/io rchar; 0 where unavailable). */
  readBytes: number;
  gcCount: number;
  gcMaxMs: number;
}

/** Connections of each client by total, per-connection shortfalls and surpluses. */
function lostAndSurplus(s: Stats): { lost: number; surplus: number } {
  // Both clients report the per-connection totals; an older client only the counts of connections short/over.
  if (typeof s.missing === 'number' && typeof s.surplus === 'number') return { lost: s.missing, surplus: s.surplus };
  return { lost: Math.max(0, s.expected - s.received), surplus: Math.max(0, s.received - s.expected) };
}

async function waitReady(host: Child, n: number, timeoutMs: number): Promise<number> {
  const deadline = Date.now() + timeoutMs;
  let last = -1;
  while (Date.now() < deadline) {
    const r = await host.request<IpcMessage & { ready: number }>({ type: 'count' }, 'count', 5_000);
    last = r.ready;
    if (last >= n) return last;
    await sleep(50);
  }
  return last;
}

interface Deployment {
  producer: Child;
  nodes: Child[];
  clients: Child[];
}

interface PhaseOutcome {
  stats: Stats[];
  t0: number;
  t1: number;
  nodeCpuUs: number[];
  nodeReadBytes: number[];
  producerCpuUs: number;
  redisCpuMs: number | null;
  gcMaxMs: number;
  foreignPct: number | null;
  ended: 'done' | 'idle' | 'timeout';
}

async function phase(d: Deployment, redis: Redis, spec: ClusterSpec, nodes: ClusterNodeSpec[], which: 'warmup' | 'measure', params: Record<string, unknown>): Promise<PhaseOutcome> {
  await Promise.all(d.clients.map((c, i) => c.request({ type: 'expect', expected: nodes[i]![which] }, 'expecting', 10_000)));
  for (const node of d.nodes) await node.request({ type: 'phase', module: IDLE_PHASE, fn: 'idlePhase', params: {} }, 'sent', 30_000);
  const dones = d.clients.map((c) => {
    const p = c.waitFor<IpcMessage & { stats: Stats }>('done', spec.timeoutMs);
    p.catch(() => undefined); // abandoned when the phase ends idle or at the deadline
    return p;
  });
  const stats: Array<Stats | null> = d.clients.map(() => null);
  dones.forEach((p, i) => void p.then((m) => (stats[i] = m.stats), () => undefined));
  const redis0 = await redisCpuMs(redis).catch(() => null);
  const machine0 = cpuSnapshot();
  const parent0 = process.cpuUsage();
  const deadline = Date.now() + spec.timeoutMs;
  const sent = await d.producer.request<IpcMessage & { t0: number; t1: number }>(
    { type: 'phase', module: fileURLToPath(spec.scenarioUrl), fn: spec.fn ?? 'serverPhase', params },
    'sent',
    spec.timeoutMs,
  );
  let ended: PhaseOutcome['ended'] = 'done';
  let lastTotal = -1;
  let lastProgress = Date.now();
  while (stats.some((s) => s === null)) {
    await Promise.race([Promise.all(dones).catch(() => undefined), sleep(Math.min(500, spec.idleMs / 2))]);
    if (stats.every((s) => s !== null)) break;
    if (Date.now() >= deadline) {
      ended = 'timeout';
      break;
    }
    const reports = await Promise.all(d.clients.map((c, i) => (stats[i] !== null ? Promise.resolve({ stats: stats[i]! }) : c.request<IpcMessage & { stats: Stats }>({ type: 'report' }, 'report', 10_000))));
    const total = reports.reduce((a, r) => a + r.stats.received, 0);
    if (total !== lastTotal) {
      lastTotal = total;
      lastProgress = Date.now();
    } else if (Date.now() - lastProgress >= spec.idleMs) {
      ended = 'idle';
      break;
    }
  }
  const final = await Promise.all(d.clients.map((c, i) => (stats[i] !== null ? Promise.resolve(stats[i]!) : c.request<IpcMessage & { stats: Stats }>({ type: 'report' }, 'report', 10_000).then((r) => r.stats))));
  const redis1 = await redisCpuMs(redis).catch(() => null);
  const nodeCpu = await Promise.all(d.nodes.map((n) => n.request<CpuReply>({ type: 'stop' }, 'cpu', 10_000)));
  const producerCpu = await d.producer.request<CpuReply>({ type: 'stop' }, 'cpu', 10_000);
  const parent = process.cpuUsage(parent0);
  const redisMs = redis0 !== null && redis1 !== null ? redis1 - redis0 : null;
  const serversUs = [...nodeCpu, producerCpu].reduce((a, c) => a + c.userUs + c.systemUs, 0);
  const ownMs = (serversUs + parent.user + parent.system) / 1000 + final.reduce((a, s) => a + s.cpuMs, 0) + (redisMs ?? 0);
  return {
    stats: final,
    t0: sent.t0,
    t1: sent.t1,
    nodeCpuUs: nodeCpu.map((c) => c.userUs + c.systemUs),
    nodeReadBytes: nodeCpu.map((c) => c.readBytes ?? 0),
    producerCpuUs: producerCpu.userUs + producerCpu.systemUs,
    redisCpuMs: redisMs,
    gcMaxMs: Math.max(...nodeCpu.map((c) => c.gcMaxMs), producerCpu.gcMaxMs),
    foreignPct: foreignCpuPct(machine0, cpuSnapshot(), ownMs),
    ended,
  };
}

/** One run of one variant: fresh processes and a fresh key prefix, whose keys are deleted afterwards. */
async function runOnce(variant: ClusterVariant, spec: ClusterSpec, ctx: ScenarioContext, redis: Redis): Promise<ClusterRun> {
  const prefix = uniquePrefix(`${spec.tag}-${variant.impl}`);
  let run: ClusterRun | null = null;
  try {
    run = await measureDeployment(variant, spec, ctx, redis, prefix);
    return run;
  } finally {
    // After every process of the run has exited: nothing writes under the prefix any more.
    const deleted = await deleteByPrefix(redis, prefix).catch(() => -1);
    if (deleted < 0) ctx.log(`  could not delete the keys under ${prefix}*`);
    const left = await keysWithPrefix(redis, prefix).catch(() => null);
    if (run !== null) {
      run.keysLeft = left?.length ?? null;
      if (left === null || left.length > 0) run.notes.push(`${left?.length ?? 'unknown'} keys left under the run's prefix after the cleanup`);
    }
  }
}

async function measureDeployment(variant: ClusterVariant, spec: ClusterSpec, ctx: ScenarioContext, redis: Redis, prefix: string): Promise<ClusterRun> {
  const info = IMPLEMENTATIONS[variant.impl];
  const options = JSON.stringify(info.cluster!(REDIS_URL, prefix));
  // --pin: with one delivering node, that node on the server CPU and its client on the client CPU (the producer and
  // Redis wherever the kernel puts them); with several, nothing is pinned (clients spinning on one CPU would starve).
  const pin = variant.nodes.length === 1 && spec.noPin !== true ? ctx.pin : null;
  const cctx: ScenarioContext = { ...ctx, pin };
  const notes: string[] = [];
  const d: Deployment = { producer: forkTs(`producer:${variant.impl}`, HOST, [variant.impl, options], ['--expose-gc'], {}, null), nodes: [], clients: [] };
  try {
    d.nodes = variant.nodes.map((_, i) => forkTs(`node${i + 1}:${variant.impl}`, HOST, [variant.impl, options], ['--expose-gc'], {}, pin?.server ?? null));
    const ports = await Promise.all(d.nodes.map((n) => n.waitFor<IpcMessage & { port: number }>('ready', 30_000).then((m) => m.port)));
    await d.producer.waitFor('ready', 30_000);
    d.clients = variant.nodes.map((_, i) => forkClient(cctx, `client${i + 1}:${variant.impl}`));
    await Promise.all(d.clients.map((c) => c.waitFor('hello', 30_000)));
    for (let i = 0; i < d.nodes.length; i++) {
      const url = info.clientKind === 'ws' ? `ws://127.0.0.1:${ports[i]}${info.path}` : `http://127.0.0.1:${ports[i]}`;
      const users = variant.nodes[i]!.users;
      const conn = await d.clients[i]!.request<IpcMessage & { open: number; failed: number; ms: number; firstError?: string }>(
        { type: 'connect', url, kind: info.clientKind, users, concurrency: 64, timeoutMs: 120_000 },
        'connected',
        130_000,
      );
      if (conn.failed > 0) notes.push(`node ${i + 1}: ${conn.failed} connections failed (${conn.firstError ?? 'unknown'})`);
      const ready = await waitReady(d.nodes[i]!, conn.open, 30_000);
      if (ready < conn.open) notes.push(`node ${i + 1}: ${ready}/${conn.open} connections ready`);
      ctx.log(`  ${variant.label}: node ${i + 1}, ${conn.open} connections in ${conn.ms.toFixed(0)} ms`);
    }
    const warm = await phase(d, redis, spec, variant.nodes, 'warmup', { ...spec.warmupParams, ...variant.params });
    const warmLost = warm.stats.reduce((a, s) => a + lostAndSurplus(s).lost, 0);
    if (warmLost > 0) notes.push(`warm-up: ${warmLost} deliveries lost`);
    const m = await phase(d, redis, spec, variant.nodes, 'measure', { ...spec.measureParams, ...variant.params });
    const received = m.stats.map((s) => s.received);
    const deliveries = received.reduce((a, b) => a + b, 0);
    const expected = m.stats.reduce((a, s) => a + s.expected, 0);
    const ls = m.stats.map(lostAndSurplus);
    const lost = ls.reduce((a, x) => a + x.lost, 0);
    const surplus = ls.reduce((a, x) => a + x.surplus, 0);
    if (m.ended === 'idle') notes.push(`no delivery for ${spec.idleMs} ms: phase ended with ${lost} lost`);
    if (m.ended === 'timeout') notes.push(`timed out after ${spec.timeoutMs} ms`);
    if (lost > 0) notes.push(`${lost} of ${expected} deliveries lost`);
    if (surplus > 0) notes.push(`${surplus} duplicate deliveries`);
    const closed = m.stats.reduce((a, s) => a + s.closedDuringPhase, 0);
    if (closed > 0) notes.push(`${closed} connections closed during the phase`);
    const lastAt = Math.max(...m.stats.map((s) => s.lastAt ?? Number.NEGATIVE_INFINITY));
    const elapsedMs = Number.isFinite(lastAt) ? lastAt - m.t0 : null;
    const per1k = (us: number, n: number): number | null => (n > 0 ? us / n : null);
    const p99s = m.stats.map((s) => s.p99).filter((x): x is number => typeof x === 'number');
    const maxes = m.stats.map((s) => s.max).filter((x): x is number => typeof x === 'number');
    const offCpu = m.stats.map((s) => s.offCpuMaxMs).filter((x): x is number => typeof x === 'number');
    return {
      deliveries,
      expected,
      lost,
      surplus,
      complete: lost === 0 && surplus === 0 && m.stats.every((s) => s.complete),
      deliveriesPerSec: elapsedMs !== null && elapsedMs > 0 ? (deliveries * 1000) / elapsedMs : null,
      p50: median(m.stats.map((s) => s.p50)),
      p99: p99s.length > 0 ? Math.max(...p99s) : null,
      max: maxes.length > 0 ? Math.max(...maxes) : null,
      nodeCpuMsPer1k: per1k(m.nodeCpuUs.reduce((a, b) => a + b, 0), deliveries),
      perNodeCpuMsPer1k: m.nodeCpuUs.map((us, i) => per1k(us, received[i]!)),
      perNodeReadBytesPerDelivery: m.nodeReadBytes.map((b, i) => (received[i]! > 0 && b > 0 ? b / received[i]! : null)),
      producerCpuMsPer1k: per1k(m.producerCpuUs, deliveries),
      redisCpuMsPer1k: m.redisCpuMs !== null && deliveries > 0 ? (m.redisCpuMs * 1000) / deliveries : null,
      clientCpuPct: elapsedMs !== null && elapsedMs > 0 ? (m.stats.reduce((a, s) => a + s.cpuMs, 0) / elapsedMs) * 100 : null,
      foreignCpuPct: m.foreignPct,
      gcMaxMs: m.gcMaxMs,
      clientOffCpuMaxMs: offCpu.length > 0 ? Math.max(...offCpu) : null,
      sendMs: m.t1 - m.t0,
      attempts: 1,
      keysLeft: null,
      notes,
    };
  } finally {
    await Promise.all([...d.clients.map((c) => c.stop()), ...d.nodes.map((n) => n.stop()), d.producer.stop()]);
  }
}

function failedRun(message: string, attempts: number): ClusterRun {
  return {
    deliveries: 0, expected: 0, lost: 0, surplus: 0, complete: false, deliveriesPerSec: null, p50: null, p99: null, max: null,
    nodeCpuMsPer1k: null, perNodeCpuMsPer1k: [], perNodeReadBytesPerDelivery: [], producerCpuMsPer1k: null, redisCpuMsPer1k: null, clientCpuPct: null,
    foreignCpuPct: null, gcMaxMs: null, clientOffCpuMaxMs: null, sendMs: 0, attempts, keysLeft: null,
    notes: [`run failed: ${message.split('\n')[0]}`],
  };
}

/** As runDeliveries' retries (lib/deliveries.ts): a run other processes disturbed is repeated, up to 5 attempts. */
async function runWithRetries(variant: ClusterVariant, spec: ClusterSpec, ctx: ScenarioContext, redis: Redis): Promise<ClusterRun> {
  const MAX_ATTEMPTS = 5;
  let run: ClusterRun | null = null;
  for (let attempt = 1; attempt <= MAX_ATTEMPTS; attempt++) {
    try {
      run = await runOnce(variant, spec, ctx, redis);
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      ctx.log(`  ${variant.label} failed: ${message}`);
      return failedRun(message, attempt);
    }
    run.attempts = attempt;
    let why: string | null = null;
    if (ctx.maxOtherLoadPct < 100) {
      if (run.foreignCpuPct !== null && run.foreignCpuPct > ctx.maxOtherLoadPct) why = `other processes used ${run.foreignCpuPct.toFixed(0)}% of the machine`;
      else if (run.clientOffCpuMaxMs !== null && run.clientOffCpuMaxMs > Math.max(1, (run.p99 ?? 0) / 4)) why = `the client was off its CPU for ${run.clientOffCpuMaxMs.toFixed(1)} ms while deliveries arrived`;
    }
    if (why === null) break;
    if (attempt < MAX_ATTEMPTS) ctx.log(`  ${variant.label}: ${why}; repeating the run`);
    else run.notes.push(`disturbed in ${MAX_ATTEMPTS} attempts (last: ${why}); last one kept`);
  }
  return run!;
}

/** Why the cluster scenarios cannot run here (Redis unreachable), or null. */
export function clusterUnavailable(): Promise<string | null> {
  return redisUnreachable(REDIS_URL);
}

/** The cluster implementations of the context, in order (servers/index.ts: DEFAULT_CLUSTER_IMPLS). */
export function clusterImpls(ctx: ScenarioContext): ImplName[] {
  return ctx.clusterImpls ?? ['socket-io-redis', 'socket-io-redis-streams', 'ws-ssot'];
}

/**
 * Runs every variant `ctx.runs` times, interleaved, and returns median rows (lost and duplicates: the worst run).
 * A variant whose implementation cannot run here, or every variant when Redis is unreachable, gets an n/a row.
 */
export async function runClusterScenario(spec: ClusterSpec, variants: ClusterVariant[], ctx: ScenarioContext): Promise<Row[]> {
  const unreachable = await clusterUnavailable();
  const results = new Map<string, ClusterRun[]>();
  const skipped = new Map<string, string>();
  for (const v of variants) {
    const why = unreachable ?? IMPLEMENTATIONS[v.impl].unavailable() ?? (IMPLEMENTATIONS[v.impl].cluster === undefined ? 'not a cluster implementation' : null);
    if (why !== null) skipped.set(v.label, why);
    else results.set(v.label, []);
  }
  const redis = unreachable === null ? openRedis() : null;
  try {
    for (let r = 0; r < ctx.runs && redis !== null; r++) {
      ctx.log(` run ${r + 1}/${ctx.runs}`);
      for (const v of variants) {
        if (!results.has(v.label)) continue;
        const run = await runWithRetries(v, spec, ctx, redis);
        results.get(v.label)!.push(run);
        ctx.log(`  ${v.label}: ${run.deliveriesPerSec?.toFixed(0) ?? 'n/a'} deliveries/s, p99 ${run.p99?.toFixed(2) ?? 'n/a'} ms, lost ${run.lost}, node CPU ${run.nodeCpuMsPer1k?.toFixed(2) ?? 'n/a'} ms/1k, Redis CPU ${run.redisCpuMsPer1k?.toFixed(2) ?? 'n/a'} ms/1k`);
      }
    }
  } finally {
    redis?.disconnect();
  }
  return variants.map((v): Row => {
    const why = skipped.get(v.label);
    if (why !== undefined) return { name: v.label, metrics: {}, notes: [`n/a: ${why}`] };
    const runs = results.get(v.label)!;
    const nodes = Math.max(0, ...runs.map((x) => x.perNodeCpuMsPer1k.length));
    const perNode: Record<string, number | null> = {};
    for (let i = 0; i < nodes; i++) {
      perNode[`node${i + 1}CpuMsPer1k`] = median(runs.map((x) => x.perNodeCpuMsPer1k[i]));
      perNode[`node${i + 1}ReadBytesPerDelivery`] = median(runs.map((x) => x.perNodeReadBytesPerDelivery[i] ?? null));
    }
    return {
      name: v.label,
      metrics: {
        deliveriesPerSec: median(runs.map((x) => x.deliveriesPerSec)),
        p50: median(runs.map((x) => x.p50)),
        p99: median(runs.map((x) => x.p99)),
        max: median(runs.map((x) => x.max)),
        lost: Math.max(...runs.map((x) => x.lost)),
        surplus: Math.max(...runs.map((x) => x.surplus)),
        nodeCpuMsPer1k: median(runs.map((x) => x.nodeCpuMsPer1k)),
        ...perNode,
        producerCpuMsPer1k: median(runs.map((x) => x.producerCpuMsPer1k)),
        redisCpuMsPer1k: median(runs.map((x) => x.redisCpuMsPer1k)),
        clientCpuPct: median(runs.map((x) => x.clientCpuPct)),
        foreignCpuPct: median(runs.map((x) => x.foreignCpuPct)),
        gcMaxMs: median(runs.map((x) => x.gcMaxMs)),
        complete: runs.every((x) => x.complete) ? 1 : 0,
        delivered: Math.min(...runs.map((x) => x.deliveries)),
        expected: Math.max(...runs.map((x) => x.expected)),
      },
      notes: [...new Set(runs.flatMap((x) => x.notes))],
      perRun: runs.map(({ notes: _notes, perNodeCpuMsPer1k, perNodeReadBytesPerDelivery, ...figures }) => ({
        ...figures,
        ...Object.fromEntries(perNodeCpuMsPer1k.map((v2, i) => [`node${i + 1}CpuMsPer1k`, v2])),
        ...Object.fromEntries(perNodeReadBytesPerDelivery.map((v2, i) => [`node${i + 1}ReadBytesPerDelivery`, v2])),
      })),
    };
  });
}

/** The columns of the cluster scenarios' tables. */
export const CLUSTER_COLUMNS: Column[] = [
  { key: 'deliveriesPerSec', label: 'deliveries/s', digits: 0, ratios: true, short: 'del/s' },
  { key: 'p50', label: 'p50 ms', digits: 2 },
  { key: 'p99', label: 'p99 ms', digits: 2, ratios: true, short: 'p99' },
  { key: 'max', label: 'max ms', digits: 2 },
  { key: 'lost', label: 'lost (worst run)', digits: 0 },
  { key: 'surplus', label: 'duplicates (worst run)', digits: 0 },
  { key: 'nodeCpuMsPer1k', label: 'delivering node CPU ms / 1k del.', digits: 2, ratios: true, short: 'node CPU' },
  { key: 'producerCpuMsPer1k', label: 'producing node CPU ms / 1k del.', digits: 2 },
  { key: 'redisCpuMsPer1k', label: 'Redis CPU ms / 1k del.', digits: 2, ratios: true, short: 'Redis CPU' },
  { key: 'gcMaxMs', label: 'server GC max ms', digits: 2 },
  { key: 'clientCpuPct', label: 'client CPU %', digits: 0 },
  { key: 'foreignCpuPct', label: 'other load %', digits: 0 },
  { key: 'complete', label: 'all delivered once', digits: 0, format: 'bool' },
];

/** Row labels of the Socket.IO baselines the cluster targets compare with. */
export const SIO_REDIS = IMPLEMENTATIONS['socket-io-redis'].label;
export const SIO_STREAMS = IMPLEMENTATIONS['socket-io-redis-streams'].label;

/** The ratio columns of a cluster table: × each Socket.IO adapter. */
export const CLUSTER_RATIOS = {
  ratioRefs: { ws: SIO_REDIS, sio: SIO_STREAMS },
  ratioHeaders: { ws: 'redis-adapter', sio: 'streams-adapter' },
} as const;

/**
 * `row`'s `key` ≥ `bound` × the better (higher) of the two Socket.IO adapters' medians; per run, run k against the
 * better of the adapters' run k. A Socket.IO row that lost deliveries still counts (its rate is of what arrived).
 */
export function betterSocketIoTarget(rows: Row[], row: string, bound: number, target: string): TargetCheck {
  const get = (name: string): Row | undefined => rows.find((r) => r.name === name);
  const ssot = get(row)?.metrics['deliveriesPerSec'];
  const refs = [SIO_REDIS, SIO_STREAMS].map((n) => ({ name: n, v: get(n)?.metrics['deliveriesPerSec'] })).filter((x): x is { name: string; v: number } => typeof x.v === 'number' && x.v > 0);
  if (typeof ssot !== 'number' || refs.length === 0) return { target, actual: 'n/a', pass: null };
  const best = refs.reduce((a, b) => (b.v > a.v ? b : a));
  const r = ssot / best.v;
  const runsOf = (name: string): Array<number | null> => (get(name)?.perRun ?? []).map((x) => (typeof x['deliveriesPerSec'] === 'number' ? x['deliveriesPerSec'] : null));
  const mine = runsOf(row);
  const theirs = refs.map((x) => runsOf(x.name));
  const perRun: string[] = [];
  for (let k = 0; k < mine.length; k++) {
    const b = Math.max(...theirs.map((t) => t[k] ?? 0));
    if (mine[k] !== null && b > 0) perRun.push((mine[k]! / b).toFixed(2));
  }
  const spread = perRun.length > 1 ? `; per run: ${perRun.join(', ')}` : '';
  const fmt = (x: number): string => x.toLocaleString('en-US', { maximumFractionDigits: 0 });
  return { target, actual: `${r.toFixed(2)}× (${fmt(ssot)} against ${best.name}'s ${fmt(best.v)} deliveries/s${spread})`, pass: r >= bound };
}

/** No delivery lost and none duplicated in any run of `row`. */
export function lostTarget(rows: Row[], row: string, target: string): TargetCheck {
  const r = rows.find((x) => x.name === row);
  const runs = r?.perRun ?? [];
  if (r === undefined || runs.length === 0) return { target, actual: 'n/a', pass: null };
  const lost = runs.map((x) => (typeof x['lost'] === 'number' ? x['lost'] : Number.NaN));
  const dup = runs.map((x) => (typeof x['surplus'] === 'number' ? x['surplus'] : Number.NaN));
  const total = lost.reduce((a, b) => a + b, 0);
  const dups = dup.reduce((a, b) => a + b, 0);
  const expected = runs.reduce((a, x) => a + (typeof x['expected'] === 'number' ? x['expected'] : 0), 0);
  return { target, actual: `${total} lost, ${dups} duplicated of ${expected.toLocaleString('en-US')} over ${runs.length} run(s)`, pass: Number.isFinite(total) && total === 0 && dups === 0 };
}
