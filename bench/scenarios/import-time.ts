/**
 * Scenario 6 — cold import time. Each sample is a fresh `node` process that times one dynamic
 * `import()` with `performance.now()` (ESM, `--input-type=module`) and prints it; samples alternate
 * between the modules, and the median is reported. The process's whole wall time is reported too.
 * ws-ssot is imported from the built `dist/index.js` (built here first if missing or older than `src/`).
 * ws-ssot loads prom-client and pino only when first needed, so two more rows time the import plus creating
 * (and closing) a first server, for ws-ssot and for raw ws: what an app that serves pays, deferred cost included.
 * `ws` is imported from the root (the copy ws-ssot loads), `socket.io` from bench/ (bench's own dependency).
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { BENCH_DIR, socketIoMissing } from '../lib/bench-deps.js';
import { ROOT } from '../lib/proc.js';
import { median } from '../lib/stats.js';
import { LABEL, ratioTarget } from '../lib/targets.js';
import type { Row, Scenario, ScenarioContext, ScenarioResult } from '../lib/types.js';

const DIST = path.join(ROOT, 'dist', 'index.js');

/** Code timing `import()` of `specifier`, then `afterImport` (with the module as `m`), in one fresh process. */
function importCode(specifier: string, afterImport = ''): string {
  return `const t = performance.now(); const m = await import(${JSON.stringify(specifier)}); ${afterImport} process.stdout.write(String(performance.now() - t));`;
}

/** A first server on an http.Server that never listens, closed again; ws-ssot makes its default (pino) logger. */
const FIRST_SERVER = {
  ws: 'new m.WebSocketServer({ noServer: true }).close();',
  ssot: "process.env.WSSOT_LOG_LEVEL = 'silent'; const { createServer } = await import('node:http'); await m.createWebSocketServer({ server: createServer(), authenticate: () => null }).close();",
};

/** One fresh process running `code`; bare specifiers resolve from `cwd`. */
function sample(code: string, cwd = ROOT): { importMs: number; wallMs: number } | null {
  const t0 = performance.now();
  const r = spawnSync(process.execPath, ['--input-type=module', '-e', code], { cwd, encoding: 'utf8', timeout: 30_000 });
  const wallMs = performance.now() - t0;
  const importMs = Number.parseFloat(r.stdout);
  if (r.status !== 0 || !Number.isFinite(importMs)) return null;
  return { importMs, wallMs };
}

/** Newest modification time under `dir` (recursive), ms. */
function newestMtime(dir: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true, recursive: true })) {
    if (entry.isFile()) newest = Math.max(newest, statSync(path.join(entry.parentPath, entry.name)).mtimeMs);
  }
  return newest;
}

/** Builds dist/ if it is missing or older than src/; null when dist/index.js is ready, else why not. */
function ensureDist(ctx: ScenarioContext): string | null {
  const src = path.join(ROOT, 'src');
  if (!existsSync(path.join(src, 'index.ts'))) return 'src/index.ts not present yet (core not merged)';
  if (existsSync(DIST) && statSync(DIST).mtimeMs >= newestMtime(src)) return null;
  ctx.log(' dist/index.js missing or older than src/: running npm run build');
  const r = spawnSync('npm', ['run', 'build'], { cwd: ROOT, encoding: 'utf8', timeout: 180_000 });
  return r.status === 0 && existsSync(DIST) ? null : `build failed: ${(r.stderr || r.stdout).slice(-300)}`;
}

export const importTime: Scenario = {
  name: 'import-time',
  async run(ctx: ScenarioContext): Promise<ScenarioResult> {
    const samples = ctx.quick ? 3 : 15;
    const distProblem = ctx.impls.includes('ws-ssot') ? ensureDist(ctx) : 'not selected';
    const dist = pathToFileURL(DIST).href;
    const sioProblem = ctx.impls.includes('socket-io') ? socketIoMissing() : 'not selected';
    const modules: Array<{ name: string; code: string | null; why?: string; cwd?: string }> = [
      { name: LABEL.ws, code: importCode('ws') },
      { name: LABEL.sio, code: sioProblem === null ? importCode('socket.io') : null, why: sioProblem ?? '', cwd: BENCH_DIR },
      { name: LABEL.ssot, code: distProblem === null ? importCode(dist) : null, why: distProblem ?? '' },
      { name: `${LABEL.ws}, import + first server`, code: importCode('ws', FIRST_SERVER.ws) },
      { name: `${LABEL.ssot}, import + first server`, code: distProblem === null ? importCode(dist, FIRST_SERVER.ssot) : null, why: distProblem ?? '' },
    ];
    const baseline: number[] = [];
    const results = new Map<string, Array<{ importMs: number; wallMs: number }>>();
    for (let i = 0; i < samples; i++) {
      const empty = sample(importCode('node:os'));
      if (empty) baseline.push(empty.wallMs);
      for (const m of modules) {
        if (m.code === null) continue;
        const s = sample(m.code, m.cwd);
        if (s) (results.get(m.name) ?? results.set(m.name, []).get(m.name)!).push(s);
      }
    }
    const nodeWall = median(baseline);
    const rows: Row[] = modules.map((m): Row => {
      const list = results.get(m.name);
      if (m.code === null || !list) return { name: m.name, metrics: {}, notes: [`n/a: ${m.why ?? 'import failed'}`] };
      const wall = median(list.map((x) => x.wallMs));
      return {
        name: m.name,
        metrics: {
          importMs: median(list.map((x) => x.importMs)),
          wallMs: wall,
          overNodeMs: wall !== null && nodeWall !== null ? wall - nodeWall : null,
        },
        notes: [],
      };
    });
    return {
      name: 'import-time',
      title: 'Cold import time',
      setup: `${samples} fresh node processes per module, medians; bare node process (importing node:os) wall ${nodeWall?.toFixed(1) ?? 'n/a'} ms`,
      columns: [
        { key: 'importMs', label: 'import() ms', digits: 2, ratios: true, short: 'import' },
        { key: 'wallMs', label: 'process wall ms', digits: 1 },
        { key: 'overNodeMs', label: 'wall over bare node ms', digits: 1 },
      ],
      rows,
      ratioRefs: { ws: LABEL.ws, sio: LABEL.sio },
      targets: [ratioTarget(rows, 'importMs', LABEL.ws, '<=', 2, 'import ≤ 2× ws')],
    };
  },
};
