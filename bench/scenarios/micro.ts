/**
 * Scenario 4 — micro benchmarks, in a child process of their own (this file, re-forked):
 *  - `WebSocketManagerFactory#createIsolatedManager` and `#getManagerByUser` (ns/op);
 *  - one flag routing decision (ns/op);
 *  - a legacy adapter call vs the canonical call it translates to (overhead %).
 * The APIs come from a later issue: each is looked up with a dynamic import and, if absent, its row is
 * "n/a (not yet implemented)" — never a made-up number. The adapters below are the only place to touch
 * when those APIs land.
 *
 * Timing: warm-up, then 7 timed batches (bounded by count and by time), ns/op = median batch.
 */
import { fileURLToPath } from 'node:url';
import { forkTs, type IpcMessage } from '../lib/proc.js';
import { median } from '../lib/stats.js';
import { valueTarget } from '../lib/targets.js';
import type { Row, Scenario, ScenarioContext, ScenarioResult, TargetCheck } from '../lib/types.js';

const SELF = fileURLToPath(import.meta.url);
const NOT_YET = 'n/a (not yet implemented)';

interface MicroOutcome {
  name: string;
  nsPerOp: number | null;
  note?: string;
}

/** Median ns/op of `op(i)` over timed batches; at most `maxMs` per batch and `batch` ops per batch. */
export function timeOp(op: (i: number) => unknown, batch: number, batches = 7, maxMs = 500): number {
  let sink: unknown;
  for (let i = 0; i < Math.min(batch, 10_000); i++) sink = op(i);
  const per: number[] = [];
  let i = 0;
  for (let b = 0; b < batches; b++) {
    const t0 = process.hrtime.bigint();
    const limit = t0 + BigInt(maxMs) * 1_000_000n;
    let n = 0;
    for (; n < batch; n++) {
      sink = op(i++);
      if ((n & 1023) === 1023 && process.hrtime.bigint() > limit) break;
    }
    per.push(Number(process.hrtime.bigint() - t0) / Math.max(1, n));
  }
  if (sink === Symbol.for('never')) console.log('');
  return median(per) ?? Number.NaN;
}

type Mod = Record<string, unknown>;

async function tryImport(rel: string): Promise<Mod | null> {
  try {
    return (await import(new URL(rel, import.meta.url).href)) as Mod;
  } catch {
    return null;
  }
}

/** ---- Adapters: update these when the factory, flags and legacy APIs land. ---- */

interface Factory {
  createIsolatedManager(userId: string, connectionId: string): unknown;
  getManagerByUser(userId: string): unknown;
  cleanupManager(userId: string): unknown;
}

function findFactory(src: Mod | null): (() => Factory) | null {
  const F = src?.['WebSocketManagerFactory'];
  if (typeof F === 'function') return () => new (F as new () => Factory)();
  const create = src?.['createWebSocketManagerFactory'];
  if (typeof create === 'function') return () => (create as () => Factory)();
  return null;
}

function factoryBenches(src: Mod | null, quick: boolean): MicroOutcome[] {
  const make = findFactory(src);
  if (make === null) {
    return [
      { name: 'createIsolatedManager', nsPerOp: null, note: NOT_YET },
      { name: 'getManagerByUser', nsPerOp: null, note: NOT_YET },
    ];
  }
  try {
    const users = 1_000;
    const perUser = 10; // under the default cap of 20 per user
    const ids = Array.from({ length: users }, (_, i) => `u${i}`);
    const rounds = quick ? 2 : 10;
    const per: number[] = [];
    for (let r = 0; r < rounds; r++) {
      const f = make();
      const t0 = process.hrtime.bigint();
      for (let k = 0; k < perUser; k++) for (let u = 0; u < users; u++) f.createIsolatedManager(ids[u]!, `c${r}-${k}-${u}`);
      per.push(Number(process.hrtime.bigint() - t0) / (users * perUser));
      for (const id of ids) f.cleanupManager(id);
    }
    const f = make();
    for (let u = 0; u < users; u++) f.createIsolatedManager(ids[u]!, `c-${u}`);
    const lookup = timeOp((i) => f.getManagerByUser(ids[i % users]!), quick ? 100_000 : 1_000_000);
    return [
      { name: 'createIsolatedManager', nsPerOp: median(per) },
      { name: 'getManagerByUser', nsPerOp: lookup },
    ];
  } catch (err) {
    const note = `n/a (failed: ${err instanceof Error ? err.message : String(err)})`;
    return [
      { name: 'createIsolatedManager', nsPerOp: null, note },
      { name: 'getManagerByUser', nsPerOp: null, note },
    ];
  }
}

function flagBench(src: Mod | null, quick: boolean): MicroOutcome {
  // Candidate shapes of the migration router (issue pending).
  const create = src?.['createMigrationRouter'] ?? src?.['createFlagRouter'];
  if (typeof create !== 'function') return { name: 'flag routing decision', nsPerOp: null, note: NOT_YET };
  try {
    const router = (create as (o: object) => { route?: (ctx: object) => unknown; decide?: (ctx: object) => unknown })({});
    const decide = router.route ?? router.decide;
    if (typeof decide !== 'function') return { name: 'flag routing decision', nsPerOp: null, note: NOT_YET };
    const ctxs = Array.from({ length: 1_000 }, (_, i) => ({ userId: `u${i}` }));
    return { name: 'flag routing decision', nsPerOp: timeOp((i) => decide.call(router, ctxs[i % 1_000]!), quick ? 100_000 : 1_000_000) };
  } catch (err) {
    return { name: 'flag routing decision', nsPerOp: null, note: `n/a (failed: ${err instanceof Error ? err.message : String(err)})` };
  }
}

function legacyBench(legacy: Mod | null): MicroOutcome[] {
  if (legacy === null) {
    return [
      { name: 'legacy call', nsPerOp: null, note: NOT_YET },
      { name: 'canonical call', nsPerOp: null, note: NOT_YET },
      { name: 'legacy overhead %', nsPerOp: null, note: NOT_YET },
    ];
  }
  return [
    { name: 'legacy call', nsPerOp: null, note: 'n/a (legacy module found; adapter in bench/scenarios/micro.ts not written yet)' },
    { name: 'canonical call', nsPerOp: null, note: 'n/a' },
    { name: 'legacy overhead %', nsPerOp: null, note: 'n/a' },
  ];
}

/** Child side: runs the benches and reports. */
async function child(quick: boolean): Promise<void> {
  const src = await tryImport('../../src/index.ts');
  const legacy = await tryImport('../../legacy/index.ts');
  const outcomes = [...factoryBenches(src, quick), flagBench(src, quick), ...legacyBench(legacy)];
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
      return name === 'legacy overhead %'
        ? { name, metrics: { percent: ns }, notes }
        : { name, metrics: { nsPerOp: ns, usPerOp: ns === null ? null : ns / 1000 }, notes };
    });
    const targets: TargetCheck[] = [
      valueTarget(rows, 'createIsolatedManager', 'usPerOp', '<', 10, 'µs', 'isolated-manager creation < 10 µs'),
      valueTarget(rows, 'getManagerByUser', 'usPerOp', '<', 1, 'µs', 'lookup < 1 µs'),
      valueTarget(rows, 'flag routing decision', 'usPerOp', '<', 2, 'µs', 'flag decision < 2 µs'),
      valueTarget(rows, 'legacy overhead %', 'percent', '<=', 5, '%', 'legacy overhead ≤ 5%'),
    ];
    return {
      name: 'micro',
      title: 'Micro benchmarks',
      setup: `in a child process; median of timed batches, ${ctx.runs} run(s), medians`,
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
