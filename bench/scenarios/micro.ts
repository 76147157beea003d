/**
 * Scenario 4 — micro benchmarks, in a child process of their own (this file, re-forked):
 *  - `WebSocketManagerFactory#createIsolatedManager` and `#getManagerByUser` (ns/op);
 *  - one flag routing decision (ns/op);
 *  - a legacy adapter call vs the canonical call it translates to (overhead %).
 *
 * Timing: each op in a call loop of its own (see opLoop), warm-up, then 7 timed batches (bounded by count
 * and by time), ns/op = median batch.
 * Legacy vs canonical: both sides warmed up, then timed in interleaved rounds whose order alternates
 * (canonical first, then legacy first, …); ns/op = median round per side, overhead % = median of the
 * per-round legacy/canonical ratios (each ratio from two adjacent measurements).
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { pino } from 'pino';
import { WebSocket } from 'ws';
import { createMigrationServer, IsolatedWebSocketManager, WebSocketManager, type MigrationServer } from '../../legacy/index.js';
import { WebSocketManagerFactory } from '../../src/index.js';
import { PathRouter } from '../../src/routing/path-router.js';
import { forkTs, type IpcMessage } from '../lib/proc.js';
import { median } from '../lib/stats.js';
import { valueTarget } from '../lib/targets.js';
import type { Row, Scenario, ScenarioContext, ScenarioResult, TargetCheck } from '../lib/types.js';

const SELF = fileURLToPath(import.meta.url);

interface MicroOutcome {
  name: string;
  nsPerOp: number | null;
  note?: string;
}

/** Calls `op(start)` … `op(start + n - 1)`; returns the last result (so the calls cannot be dropped). */
type OpLoop = (start: number, n: number) => unknown;

/**
 * A call loop of `op`'s own: compiled from source on each call, with a unique comment so that V8's compilation
 * cache cannot hand two ops the same function (and with it optimised or on-stack-replaced code specialised for
 * the other op). Its call site then sees `op` alone and V8 may inline it, as it does at an app's own call site;
 * one loop shared by every op would go megamorphic and add the same call cost to both sides of a comparison,
 * hiding part of a difference. The loop does nothing but call, so the timing around it cannot deoptimise it.
 */
function opLoop(op: (i: number) => unknown): OpLoop {
  const source = `// op loop ${process.hrtime.bigint()}
    return function loop(start, n) {
      let sink;
      for (let i = 0; i < n; i++) sink = op(start + i);
      return sink;
    };`;
  return new Function('op', source)(op) as OpLoop;
}

const CHUNK = 1024;

/**
 * Times `op` in its own loop ({@link opLoop}): up to 10,000 warm-up calls, then `batches` timed batches of
 * `batch` calls (a batch stops early after `maxMs`, checked every 1,024 calls); ns/op = median batch.
 */
export function opTimer(op: (i: number) => unknown): (batch: number, batches?: number, maxMs?: number) => number {
  const loop = opLoop(op);
  let sink: unknown;
  let next = 0;
  return (batch, batches = 7, maxMs = 500) => {
    sink = loop(next, Math.min(batch, 10_000));
    next += Math.min(batch, 10_000);
    const per: number[] = [];
    for (let b = 0; b < batches; b++) {
      const t0 = process.hrtime.bigint();
      const limit = t0 + BigInt(maxMs) * 1_000_000n;
      let n = 0;
      while (n < batch) {
        const k = Math.min(CHUNK, batch - n);
        sink = loop(next, k);
        next += k;
        n += k;
        if (process.hrtime.bigint() > limit) break;
      }
      per.push(Number(process.hrtime.bigint() - t0) / n);
    }
    if (sink === Symbol.for('never')) console.log('');
    return median(per) ?? Number.NaN;
  };
}

/** Median ns/op of `op(i)` over timed batches; at most `maxMs` per batch and `batch` ops per batch. */
export function timeOp(op: (i: number) => unknown, batch: number, batches = 7, maxMs = 500): number {
  return opTimer(op)(batch, batches, maxMs);
}

/** ---- The APIs measured: factory, flag routing, a legacy adapter vs the canonical call. ---- */

const silent = pino({ level: 'silent' });

/** A server that is never listened on: the managers, flags and metrics are all that is exercised. */
function benchServer(): MigrationServer {
  return createMigrationServer({ server: http.createServer(), authenticate: () => null, logger: silent, heartbeatIntervalMs: 0, flags: { ssot: true, unified: true } });
}

function factoryBenches(wss: MigrationServer, quick: boolean): MicroOutcome[] {
  const users = 1_000;
  const perUser = 10; // under the default cap of 20 per user
  const ids = Array.from({ length: users }, (_, i) => `u${i}`);
  const rounds = quick ? 2 : 10;
  const per: number[] = [];
  for (let r = 0; r < rounds; r++) {
    const f = new WebSocketManagerFactory(wss.manager);
    const t0 = process.hrtime.bigint();
    for (let k = 0; k < perUser; k++) for (let u = 0; u < users; u++) f.createIsolatedManager(ids[u]!, `c${r}-${k}-${u}`);
    per.push(Number(process.hrtime.bigint() - t0) / (users * perUser));
    f.close();
  }
  const f = new WebSocketManagerFactory(wss.manager);
  for (let u = 0; u < users; u++) f.createIsolatedManager(ids[u]!, `c-${u}`);
  const lookup = timeOp((i) => f.getManagerByUser(ids[i % users]!), quick ? 100_000 : 1_000_000);
  f.close();
  return [
    { name: 'createIsolatedManager', nsPerOp: median(per) },
    { name: 'getManagerByUser', nsPerOp: lookup },
  ];
}

/** One routing decision as the server makes it for a new connection: flag evaluation, count, debug log. */
function flagBench(wss: MigrationServer, quick: boolean): MicroOutcome {
  const router = new PathRouter(wss.flags, wss.metrics, silent);
  const ids = Array.from({ length: 1_000 }, (_, i) => `u${i}`);
  return { name: 'flag routing decision', nsPerOp: timeOp((i) => router.route(ids[i % 1_000]!), quick ? 100_000 : 1_000_000) };
}

/**
 * Times `canonical` and `legacy` in `rounds` interleaved rounds, after one untimed round of each (so neither
 * side's first timed round pays for its compilation). The order alternates by round, so neither side always
 * runs right after the other. ns/op per side = median round; overhead % = median of the per-round ratios,
 * which pairs measurements taken next to each other in time (a slow spell of the machine hits both).
 */
async function compareInterleaved(rounds: number, canonical: () => number | Promise<number>, legacy: () => number | Promise<number>): Promise<{ l: number | null; c: number | null; percent: number | null }> {
  await canonical();
  await legacy();
  const legacyNs: number[] = [];
  const canonicalNs: number[] = [];
  const ratios: number[] = [];
  for (let r = 0; r < rounds; r++) {
    let c: number;
    let l: number;
    if (r % 2 === 0) {
      c = await canonical();
      l = await legacy();
    } else {
      l = await legacy();
      c = await canonical();
    }
    canonicalNs.push(c);
    legacyNs.push(l);
    ratios.push(l / c);
  }
  const ratio = median(ratios);
  return { l: median(legacyNs), c: median(canonicalNs), percent: ratio === null ? null : (ratio - 1) * 100 };
}

/**
 * `canonical` against `legacy`, each in its own loop: 15 interleaved rounds of 3 batches of n/3 calls (the calls
 * of 5 rounds of n, interleaved more finely). Returns the three rows named by `labels`.
 */
async function compareOps(quick: boolean, labels: { legacy: string; canonical: string; overhead: string }, canonicalOp: (i: number) => unknown, legacyOp: (i: number) => unknown): Promise<MicroOutcome[]> {
  const n = Math.round((quick ? 100_000 : 1_000_000) / 3);
  const canonical = opTimer(canonicalOp);
  const viaLegacy = opTimer(legacyOp);
  const { l, c, percent } = await compareInterleaved(
    15,
    () => canonical(n, 3),
    () => viaLegacy(n, 3),
  );
  return [
    { name: labels.legacy, nsPerOp: l },
    { name: labels.canonical, nsPerOp: c },
    { name: labels.overhead, nsPerOp: percent },
  ];
}

const MESSAGE = { type: 'note', text: 'hello' };

/** `sendMessage` through the deprecated `WebSocketManager` vs `wss.manager.sendMessage` (no connection: the smallest canonical cost, so the largest relative overhead). */
function legacyBench(wss: MigrationServer, quick: boolean): Promise<MicroOutcome[]> {
  const legacy = new WebSocketManager({ server: wss });
  return compareOps(
    quick,
    { legacy: 'legacy call, no connection', canonical: 'canonical call, no connection', overhead: 'legacy overhead %, no connection' },
    (i) => wss.manager.sendMessage(`u${i & 1023}`, MESSAGE),
    (i) => legacy.sendMessage(`u${i & 1023}`, MESSAGE),
  );
}

/**
 * The user-bound family (`IsolatedWebSocketManager`, made per socket by old code): `sendMessage(message)` on one
 * vs `wss.manager.sendMessage(userId, message)`, the factory flag off (the unified path; with it on, the call
 * goes through the factory's isolated manager). No connection, as above.
 */
function legacyUserBoundBench(wss: MigrationServer, quick: boolean): Promise<MicroOutcome[]> {
  const legacy = new IsolatedWebSocketManager('u1', 'c1', { server: wss });
  return compareOps(
    quick,
    { legacy: 'legacy user-bound call, no connection', canonical: 'canonical call for one user, no connection', overhead: 'legacy overhead %, user-bound, no connection' },
    () => wss.manager.sendMessage('u1', MESSAGE),
    () => legacy.sendMessage(MESSAGE),
  );
}

/**
 * The same comparison with a connected user: one real ws client in this process reads every frame. Sends go
 * in batches of 200; between batches the loop waits for the client to have read them all, so the socket
 * buffer never fills. Only the send loops are timed.
 */
async function legacyConnectedBench(quick: boolean): Promise<MicroOutcome[]> {
  const server = http.createServer();
  const wss = createMigrationServer({
    server,
    authenticate: () => ({ userId: 'connected' }),
    logger: silent,
    heartbeatIntervalMs: 0,
    flags: { ssot: true, unified: true },
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const client = new WebSocket(`ws://127.0.0.1:${port}/ws`);
  let received = 0;
  let waiting: { target: number; resolve: () => void } | null = null;
  client.on('message', () => {
    received++;
    if (waiting !== null && received >= waiting.target) {
      const w = waiting;
      waiting = null;
      w.resolve();
    }
  });
  await new Promise<void>((resolve) => client.once('open', () => resolve()));
  const readAll = (target: number): Promise<void> => (received >= target ? Promise.resolve() : new Promise((resolve) => (waiting = { target, resolve })));
  await readAll(1); // the session frame

  const legacy = new WebSocketManager({ server: wss });
  const batch = 200;
  const batches = quick ? 20 : 200;
  let sent = 1;
  const timeBatches = async (send: () => unknown): Promise<number> => {
    let ns = 0;
    for (let b = 0; b < batches; b++) {
      const t0 = process.hrtime.bigint();
      for (let i = 0; i < batch; i++) send();
      ns += Number(process.hrtime.bigint() - t0);
      sent += batch;
      await readAll(sent);
    }
    return ns / (batch * batches);
  };
  const { l, c, percent } = await compareInterleaved(
    5,
    () => timeBatches(() => wss.manager.sendMessage('connected', MESSAGE)),
    () => timeBatches(() => legacy.sendMessage('connected', MESSAGE)),
  );
  client.close();
  await wss.close();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return [
    { name: 'legacy call, connected user', nsPerOp: l },
    { name: 'canonical call, connected user', nsPerOp: c },
    { name: 'legacy overhead %, connected user', nsPerOp: percent },
  ];
}

/** Child side: runs the benches and reports. */
async function child(quick: boolean): Promise<void> {
  const wss = benchServer();
  const outcomes = [...factoryBenches(wss, quick), flagBench(wss, quick), ...(await legacyBench(wss, quick)), ...(await legacyUserBoundBench(wss, quick)), ...(await legacyConnectedBench(quick))];
  await wss.close();
  process.send?.({ type: 'micro', outcomes });
}

if (process.env['BENCH_MICRO_CHILD'] === '1' && process.send) {
  child(process.argv.includes('--quick')).catch((err: unknown) => {
    process.send?.({ type: 'error', message: err instanceof Error ? (err.stack ?? err.message) : String(err) });
  });
  process.on('message', (m) => {
    if ((m as IpcMessage).type === 'close') process.exit(0);
  });
}

export const micro: Scenario = {
  name: 'micro',
  async run(ctx: ScenarioContext): Promise<ScenarioResult> {
    const all = new Map<string, MicroOutcome[]>();
    for (let r = 0; r < ctx.runs; r++) {
      const c = forkTs('micro', SELF, ctx.quick ? ['--quick'] : [], [], { BENCH_MICRO_CHILD: '1' });
      try {
        const res = await c.waitFor<IpcMessage & { outcomes: MicroOutcome[] }>('micro', 120_000);
        for (const o of res.outcomes) (all.get(o.name) ?? all.set(o.name, []).get(o.name)!).push(o);
      } finally {
        await c.stop();
      }
    }
    const rows: Row[] = [...all.entries()].map(([name, list]): Row => {
      const ns = median(list.map((o) => o.nsPerOp));
      const notes = [...new Set(list.map((o) => o.note).filter((n): n is string => n !== undefined))];
      const perRun = list.map((o): Record<string, number | null> => (name.startsWith('legacy overhead %') ? { percent: o.nsPerOp } : { nsPerOp: o.nsPerOp, usPerOp: o.nsPerOp === null ? null : o.nsPerOp / 1000 }));
      return name.startsWith('legacy overhead %')
        ? { name, metrics: { percent: ns }, notes, perRun }
        : { name, metrics: { nsPerOp: ns, usPerOp: ns === null ? null : ns / 1000 }, notes, perRun };
    });
    const targets: TargetCheck[] = [
      valueTarget(rows, 'createIsolatedManager', 'usPerOp', '<', 10, 'µs', 'isolated-manager creation < 10 µs'),
      valueTarget(rows, 'getManagerByUser', 'usPerOp', '<', 1, 'µs', 'lookup < 1 µs'),
      valueTarget(rows, 'flag routing decision', 'usPerOp', '<', 2, 'µs', 'flag decision < 2 µs'),
      valueTarget(rows, 'legacy overhead %, connected user', 'percent', '<=', 5, '%', 'legacy overhead ≤ 5% (send to a connected user)'),
      valueTarget(rows, 'legacy overhead %, no connection', 'percent', '<=', 5, '%', 'legacy overhead ≤ 5% (dispatch only, no socket write)'),
      valueTarget(rows, 'legacy overhead %, user-bound, no connection', 'percent', '<=', 5, '%', 'legacy overhead ≤ 5% (user-bound adapter, dispatch only)'),
    ];
    return {
      name: 'micro',
      title: 'Micro benchmarks',
      setup: `in a child process; median of timed batches, ${ctx.runs} run(s), medians; legacy vs canonical: warmed up, interleaved rounds in alternating order, overhead % = median per-round ratio`,
      columns: [
        { key: 'nsPerOp', label: 'ns/op', digits: 0 },
        { key: 'usPerOp', label: 'µs/op', digits: 3 },
        { key: 'percent', label: 'overhead %', digits: 1 },
      ],
      rows,
      targets,
    };
  },
};
