/**
 * The shared driver of the delivery scenarios (broadcast, targeted, agent runs): one server child, one
 * client child, a warm-up phase, then a measured phase.
 *
 * A scenario file supplies the connection layout (one user id per connection), the per-connection counts
 * it expects, and a `serverPhase(server, params)` that the server child imports from the scenario file
 * itself — so a new scenario (for example two nodes over Redis) is one more file.
 */
import { fileURLToPath } from 'node:url';
import { IMPLEMENTATIONS, type ImplName } from '../servers/index.js';
import type { BenchServerOptions } from '../servers/types.js';
import type { ClientStats } from '../clients/client.js';
import { forkClient } from './client-child.js';
import { cpuSnapshot, foreignCpuPct } from './machine-load.js';
import { forkTs, type Child, type IpcMessage } from './proc.js';
import { median } from './stats.js';
import type { Column, Row, ScenarioContext } from './types.js';

/**
 * Diagnostics for the server child: `BENCH_CPU_PROF=<dir>` writes V8 CPU profiles (`--cpu-prof`) per run into
 * `<dir>/server-<impl>-<time>/` (open them in Chrome DevTools or summarise them with
 * `scripts/cpu-profile-summary.ts`); `BENCH_SERVER_FLAGS="--trace-gc …"` adds node flags that NODE_OPTIONS does
 * not allow. No `--cpu-prof-name`: tsx's module hooks run on a second thread that writes its own profile, and
 * with one fixed name the last thread to exit (the hooks thread) overwrote the main thread's. Node's default
 * names carry pid and thread id; the main thread's is the one with thread id 0.
 */
function serverDiagnosticFlags(impl: string): string[] {
  const dir = process.env['BENCH_CPU_PROF'];
  const extra = (process.env['BENCH_SERVER_FLAGS'] ?? '').split(/\s+/).filter((f) => f.length > 0);
  return [...(dir ? ['--cpu-prof', `--cpu-prof-dir=${dir}/server-${impl}-${Date.now()}`] : []), ...extra];
}

const HOST = fileURLToPath(new URL('../servers/host.ts', import.meta.url));

export interface PhaseSpec {
  params: Record<string, unknown>;
  /** Per-connection expected payload counts (or one number for all). */
  expected: number | number[];
}

export interface DeliverySpec {
  /** `import.meta.url` of the scenario file that exports the server phase. */
  scenarioUrl: string;
  /** Export name of the server phase (default `serverPhase`). */
  fn?: string;
  /** One user id per connection. */
  users: string[];
  warmup: PhaseSpec;
  measure: PhaseSpec;
  serverOptions?: BenchServerOptions;
  /** Upper bound for the measured phase. */
  timeoutMs: number;
}

export interface DeliveryRun {
  deliveries: number;
  expected: number;
  complete: boolean;
  deliveriesPerSec: number | null;
  p50: number | null;
  p99: number | null;
  max: number | null;
  /** Server CPU (user + system) per 1,000 deliveries, in ms. */
  cpuMsPer1k: number | null;
  /** Client process CPU over the phase's wall time, %; near 100 means the client set the pace. */
  clientCpuPct: number | null;
  /** Machine CPU capacity used by other processes during the measured phase, %. */
  foreignCpuPct: number | null;
  /** V8 GC pauses in the server during the measured phase: how many, and the longest (ms). */
  gcCount: number | null;
  gcMaxMs: number | null;
  /**
   * The native client, spinning (`--pin`): times it was off its CPU for over 0.5 ms while deliveries arrived, the
   * longest, and how many of those times another task had been given its CPU (the rest: interrupts, or the host).
   */
  clientOffCpuCount: number | null;
  clientOffCpuMaxMs: number | null;
  clientPreemptedCount: number | null;
  sendMs: number;
  /** Attempts this run took (see runWithRetries); 1 if the first was undisturbed. */
  attempts: number;
  /**
   * The send-path A/B diagnostic only (`servers/send-path-ab.ts`), measured in one server process on the same
   * sockets: ws-ssot's median time per delivery divided by the raw socket writes' (sendPathRatio), and the two
   * medians in µs. Null for every other implementation.
   */
  sendPathRatio: number | null;
  sendPathSsotUs: number | null;
  sendPathRawUs: number | null;
  notes: string[];
}

export const DELIVERY_COLUMNS: Column[] = [
  { key: 'deliveriesPerSec', label: 'deliveries/s', digits: 0, ratios: true, short: 'del/s' },
  { key: 'p50', label: 'p50 ms', digits: 2 },
  { key: 'p99', label: 'p99 ms', digits: 2, ratios: true, short: 'p99' },
  { key: 'max', label: 'max ms', digits: 2 },
  { key: 'cpuMsPer1k', label: 'server CPU ms / 1k del.', digits: 2, ratios: true, short: 'CPU' },
  { key: 'gcMaxMs', label: 'server GC max ms', digits: 2 },
  { key: 'clientCpuPct', label: 'client CPU %', digits: 0 },
  { key: 'foreignCpuPct', label: 'other load %', digits: 0 },
  { key: 'complete', label: 'all delivered', digits: 0, format: 'bool' },
];

/** Connects to the server until it reports `n` connections (authentication may be asynchronous). */
async function waitForCount(server: Child, n: number, timeoutMs: number): Promise<number> {
  const deadline = Date.now() + timeoutMs;
  let last = -1;
  while (Date.now() < deadline) {
    const r = await server.request<IpcMessage & { connections: number }>({ type: 'count' }, 'count', 5_000);
    last = r.connections;
    if (last >= n) return last;
    await new Promise((res) => setTimeout(res, 50));
  }
  return last;
}

async function phase(server: Child, client: Child, scenarioUrl: string, fn: string, spec: PhaseSpec, timeoutMs: number): Promise<{ stats: ClientStats; t0: number; t1: number; cpuUs: number; gcCount: number; gcMaxMs: number; figures: Record<string, number>; foreignPct: number | null; timedOut: boolean }> {
  await client.request({ type: 'expect', expected: spec.expected }, 'expecting', 10_000);
  const machine0 = cpuSnapshot();
  const parent0 = process.cpuUsage();
  const done = client.waitFor<IpcMessage & { stats: ClientStats }>('done', timeoutMs);
  const sent = await server.request<IpcMessage & { t0: number; t1: number }>(
    { type: 'phase', module: fileURLToPath(scenarioUrl), fn, params: spec.params },
    'sent',
    timeoutMs,
  );
  let stats: ClientStats;
  let timedOut = false;
  try {
    stats = (await done).stats;
  } catch {
    timedOut = true;
    stats = (await client.request<IpcMessage & { stats: ClientStats }>({ type: 'report' }, 'report', 10_000)).stats;
  }
  const cpu = await server.request<IpcMessage & { userUs: number; systemUs: number; gcCount: number; gcMaxMs: number; figures: Record<string, number> }>({ type: 'stop' }, 'cpu', 10_000);
  const parent = process.cpuUsage(parent0);
  const cpuUs = cpu.userUs + cpu.systemUs;
  const ownMs = (cpuUs + parent.user + parent.system) / 1000 + stats.cpuMs;
  const foreignPct = foreignCpuPct(machine0, cpuSnapshot(), ownMs);
  return { stats, t0: sent.t0, t1: sent.t1, cpuUs, gcCount: cpu.gcCount, gcMaxMs: cpu.gcMaxMs, figures: cpu.figures, foreignPct, timedOut };
}

/** One run of one implementation: fresh server and client processes. */
export async function runDeliveries(impl: ImplName, spec: DeliverySpec, ctx: ScenarioContext): Promise<DeliveryRun> {
  const info = IMPLEMENTATIONS[impl];
  const server = forkTs(`server:${impl}`, HOST, [impl, JSON.stringify(spec.serverOptions ?? {})], ['--expose-gc', ...serverDiagnosticFlags(impl)], {}, ctx.pin?.server ?? null);
  let client: Child | null = null;
  const notes: string[] = [];
  try {
    const { port } = await server.waitFor<IpcMessage & { port: number }>('ready', 30_000);
    client = forkClient(ctx, `client:${impl}`);
    await client.waitFor('hello', 30_000);
    const url = info.clientKind === 'ws' ? `ws://127.0.0.1:${port}${info.path}` : `http://127.0.0.1:${port}`;
    const conn = await client.request<IpcMessage & { open: number; failed: number; ms: number; firstError?: string }>(
      { type: 'connect', url, kind: info.clientKind, users: spec.users, concurrency: 64, timeoutMs: 120_000 },
      'connected',
      130_000,
    );
    if (conn.failed > 0) notes.push(`${conn.failed} connections failed (${conn.firstError ?? 'unknown'})`);
    const seen = await waitForCount(server, conn.open, 15_000);
    if (seen < conn.open) notes.push(`server saw ${seen}/${conn.open} connections`);
    ctx.log(`  ${info.label}: ${conn.open} connections in ${conn.ms.toFixed(0)} ms`);

    const fn = spec.fn ?? 'serverPhase';
    const warm = await phase(server, client, spec.scenarioUrl, fn, spec.warmup, spec.timeoutMs);
    if (!warm.stats.complete) notes.push('warm-up incomplete');
    const m = await phase(server, client, spec.scenarioUrl, fn, spec.measure, spec.timeoutMs);
    const s = m.stats;
    if (m.timedOut) notes.push(`timed out after ${spec.timeoutMs} ms`);
    if (!s.complete) notes.push(`${s.received}/${s.expected} delivered; ${s.connectionsShort} connections short, ${s.connectionsOver} over`);
    if (s.closedDuringPhase > 0) notes.push(`${s.closedDuringPhase} connections closed during the phase`);
    const elapsedMs = s.lastAt !== null ? s.lastAt - m.t0 : null;
    return {
      deliveries: s.received,
      expected: s.expected,
      complete: s.complete,
      deliveriesPerSec: elapsedMs !== null && elapsedMs > 0 ? (s.received * 1000) / elapsedMs : null,
      p50: s.p50,
      p99: s.p99,
      max: s.max,
      cpuMsPer1k: s.received > 0 ? m.cpuUs / s.received : null,
      clientCpuPct: elapsedMs !== null && elapsedMs > 0 ? (s.cpuMs / elapsedMs) * 100 : null,
      foreignCpuPct: m.foreignPct,
      gcCount: m.gcCount,
      gcMaxMs: m.gcMaxMs,
      clientOffCpuCount: s.offCpuCount ?? null,
      clientOffCpuMaxMs: s.offCpuMaxMs ?? null,
      clientPreemptedCount: s.preemptedCount ?? null,
      sendMs: m.t1 - m.t0,
      attempts: 1,
      sendPathRatio: m.figures['sendPathRatio'] ?? null,
      sendPathSsotUs: m.figures['ssotUsPerDelivery'] ?? null,
      sendPathRawUs: m.figures['rawUsPerDelivery'] ?? null,
      notes,
    };
  } finally {
    await Promise.all([client?.stop(), server.stop()]);
  }
}

/**
 * How long the (spinning, native) client may be off its CPU while deliveries arrive before a run is repeated:
 * 1 ms, or a quarter of the run's own p99 if that is longer (a preemption short against the latencies measured,
 * as in a broadcast whose p99 is tens of ms, cannot have set them).
 */
function maxClientOffCpuMs(run: DeliveryRun): number {
  return Math.max(1, (run.p99 ?? 0) / 4);
}

/** Why a run did not have the machine to itself, or null if it did. */
function disturbance(run: DeliveryRun, ctx: ScenarioContext): string | null {
  if (run.foreignCpuPct !== null && run.foreignCpuPct > ctx.maxOtherLoadPct) return `other processes used ${run.foreignCpuPct.toFixed(0)}% of the machine`;
  if (run.clientOffCpuMaxMs !== null && run.clientOffCpuMaxMs > maxClientOffCpuMs(run)) {
    return `the client was off its CPU for ${run.clientOffCpuMaxMs.toFixed(1)} ms while deliveries arrived (p99 ${run.p99?.toFixed(2) ?? 'n/a'} ms; preempted ${run.clientPreemptedCount ?? 0} times)`;
  }
  return null;
}

/**
 * One run, repeated (at most `MAX_ATTEMPTS` times in all) while it was disturbed: other processes used more
 * than `ctx.maxOtherLoadPct` of the machine during the measured phase, or (spinning native client, `--pin`) the
 * client was off its CPU for longer than maxClientOffCpuMs() while deliveries arrived, so that what it measured
 * then was the machine's scheduling, whichever server ran. The last attempt is kept either way, and a run says
 * how many attempts it took. `--max-other-load 100` turns repeats off.
 */
async function runWithRetries(impl: ImplName, spec: DeliverySpec, ctx: ScenarioContext): Promise<DeliveryRun> {
  const MAX_ATTEMPTS = 5;
  let run: DeliveryRun | null = null;
  for (let attempt = 1; attempt <= MAX_ATTEMPTS; attempt++) {
    try {
      run = await runDeliveries(impl, spec, ctx);
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      ctx.log(`  ${impl} failed: ${message}`);
      return {
        deliveries: 0, expected: 0, complete: false, deliveriesPerSec: null, p50: null, p99: null,
        max: null, cpuMsPer1k: null, clientCpuPct: null, foreignCpuPct: null, gcCount: null, gcMaxMs: null, clientOffCpuCount: null, clientOffCpuMaxMs: null, clientPreemptedCount: null, sendMs: 0, attempts: attempt, sendPathRatio: null, sendPathSsotUs: null, sendPathRawUs: null,
        notes: [`run failed: ${message.split('\n')[0]}`],
      };
    }
    run.attempts = attempt;
    const why = ctx.maxOtherLoadPct >= 100 ? null : disturbance(run, ctx);
    if (why === null) return run;
    if (attempt < MAX_ATTEMPTS) ctx.log(`  ${impl}: ${why}; repeating the run`);
    else run.notes.push(`disturbed in ${MAX_ATTEMPTS} attempts (last: ${why}); last one kept`);
  }
  return run!;
}

/** The send-path A/B's row note (its medians over the runs), or none for an implementation that reports no A/B. */
function sendPathNotes(runs: DeliveryRun[], ratio: number | null): string[] {
  if (ratio === null) return [];
  const fixed = (x: number | null): string => x?.toFixed(2) ?? 'n/a';
  const perRun = runs.flatMap((x) => (x.sendPathRatio === null ? [] : [x.sendPathRatio.toFixed(2)]));
  return [
    `per delivery, median of calls in one process on the same sockets: ws-ssot's send path ${fixed(median(runs.map((x) => x.sendPathSsotUs)))} µs, raw socket writes ${fixed(median(runs.map((x) => x.sendPathRawUs)))} µs, ratio ${fixed(ratio)}× (per run: ${perRun.join(', ')})`,
  ];
}

/** Runs every implementation `ctx.runs` times, interleaved (A B C A B C …), and returns median rows. */
export async function runDeliveryScenario(spec: DeliverySpec, ctx: ScenarioContext): Promise<Row[]> {
  const results = new Map<ImplName, DeliveryRun[]>();
  const skipped = new Map<ImplName, string>();
  for (const impl of ctx.impls) {
    const why = IMPLEMENTATIONS[impl].unavailable();
    if (why !== null) skipped.set(impl, why);
    else results.set(impl, []);
  }
  for (let r = 0; r < ctx.runs; r++) {
    ctx.log(` run ${r + 1}/${ctx.runs}`);
    for (const impl of results.keys()) {
      results.get(impl)!.push(await runWithRetries(impl, spec, ctx));
    }
  }
  const rows: Row[] = [];
  for (const impl of ctx.impls) {
    const label = IMPLEMENTATIONS[impl].label;
    const why = skipped.get(impl);
    if (why !== undefined) {
      rows.push({ name: label, metrics: {}, notes: [`n/a: ${why}`] });
      continue;
    }
    const runs = results.get(impl)!;
    const sendPathRatio = median(runs.map((x) => x.sendPathRatio));
    rows.push({
      name: label,
      metrics: {
        deliveriesPerSec: median(runs.map((x) => x.deliveriesPerSec)),
        p50: median(runs.map((x) => x.p50)),
        p99: median(runs.map((x) => x.p99)),
        max: median(runs.map((x) => x.max)),
        cpuMsPer1k: median(runs.map((x) => x.cpuMsPer1k)),
        clientCpuPct: median(runs.map((x) => x.clientCpuPct)),
        foreignCpuPct: median(runs.map((x) => x.foreignCpuPct)),
        gcMaxMs: median(runs.map((x) => x.gcMaxMs)),
        sendPathRatio,
        complete: runs.every((x) => x.complete) ? 1 : 0,
        // Not printed: lowest over runs, for correctness checks (test/bench).
        delivered: Math.min(...runs.map((x) => x.deliveries)),
        expected: Math.max(...runs.map((x) => x.expected)),
      },
      notes: [...new Set(runs.flatMap((x) => x.notes)), ...sendPathNotes(runs, sendPathRatio)],
      perRun: runs.map(({ notes: _notes, ...figures }) => figures),
    });
  }
  return rows;
}
