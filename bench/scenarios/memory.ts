/**
 * Scenario 5 — memory per idle connection. The server child runs with `--expose-gc`; after a full GC it
 * reports heap and RSS, the client opens N idle connections (one user each), the connections settle,
 * then a full GC and a second reading. Per connection = (after − before) / N.
 * Full: 5,000 connections. Quick: 200.
 */
import { fileURLToPath } from 'node:url';
import { IMPLEMENTATIONS, type ImplName } from '../servers/index.js';
import { forkClient } from '../lib/client-child.js';
import { forkTs, type IpcMessage } from '../lib/proc.js';
import { median } from '../lib/stats.js';
import { LABEL, metric } from '../lib/targets.js';
import type { Row, Scenario, ScenarioContext, ScenarioResult, TargetCheck } from '../lib/types.js';

const HOST = fileURLToPath(new URL('../servers/host.ts', import.meta.url));

type Mem = IpcMessage & { heapUsed: number; rss: number; connections: number };

interface MemRun {
  heapPerConn: number | null;
  rssPerConn: number | null;
  notes: string[];
}

async function measure(ctx: ScenarioContext, impl: ImplName, n: number, settleMs: number): Promise<MemRun> {
  const info = IMPLEMENTATIONS[impl];
  const server = forkTs(`server:${impl}`, HOST, [impl, '{}'], ['--expose-gc'], {}, ctx.pin?.server ?? null);
  const client = forkClient(ctx, `client:${impl}`);
  try {
    const { port } = await server.waitFor<IpcMessage & { port: number }>('ready', 30_000);
    await client.waitFor('hello', 30_000);
    const before = await server.request<Mem>({ type: 'mem' }, 'mem', 30_000);
    const url = info.clientKind === 'ws' ? `ws://127.0.0.1:${port}${info.path}` : `http://127.0.0.1:${port}`;
    const users = Array.from({ length: n }, (_, i) => `u${i}`);
    const conn = await client.request<IpcMessage & { open: number; failed: number; firstError?: string }>(
      { type: 'connect', url, kind: info.clientKind, users, concurrency: 64, timeoutMs: 120_000 },
      'connected',
      130_000,
    );
    await new Promise((r) => setTimeout(r, settleMs));
    const after = await server.request<Mem>({ type: 'mem' }, 'mem', 30_000);
    const notes: string[] = [];
    if (conn.failed > 0) notes.push(`${conn.failed} connections failed (${conn.firstError ?? 'unknown'})`);
    if (after.connections !== conn.open) notes.push(`server counted ${after.connections}/${conn.open}`);
    const k = after.connections > 0 ? after.connections : conn.open;
    return {
      heapPerConn: k > 0 ? (after.heapUsed - before.heapUsed) / k : null,
      rssPerConn: k > 0 ? (after.rss - before.rss) / k : null,
      notes,
    };
  } finally {
    await Promise.all([client.stop(), server.stop()]);
  }
}

export const memory: Scenario = {
  name: 'memory',
  async run(ctx: ScenarioContext): Promise<ScenarioResult> {
    const n = ctx.quick ? 200 : 5_000;
    const runs = new Map<ImplName, MemRun[]>();
    for (let r = 0; r < ctx.runs; r++) {
      ctx.log(` run ${r + 1}/${ctx.runs}`);
      for (const impl of ctx.impls) {
        if (IMPLEMENTATIONS[impl].unavailable() !== null) continue;
        const list = runs.get(impl) ?? [];
        runs.set(impl, list);
        try {
          const m = await measure(ctx, impl, n, ctx.quick ? 300 : 1_500);
          ctx.log(`  ${IMPLEMENTATIONS[impl].label}: heap ${((m.heapPerConn ?? 0) / 1024).toFixed(2)} KB/conn, RSS ${((m.rssPerConn ?? 0) / 1024).toFixed(2)} KB/conn`);
          list.push(m);
        } catch (err) {
          list.push({ heapPerConn: null, rssPerConn: null, notes: [`run failed: ${(err instanceof Error ? err.message : String(err)).split('\n')[0]}`] });
        }
      }
    }
    const rows: Row[] = ctx.impls.map((impl): Row => {
      const info = IMPLEMENTATIONS[impl];
      const why = info.unavailable();
      if (why !== null) return { name: info.label, metrics: {}, notes: [`n/a: ${why}`] };
      const list = runs.get(impl) ?? [];
      const heap = median(list.map((x) => x.heapPerConn));
      const rss = median(list.map((x) => x.rssPerConn));
      return {
        name: info.label,
        metrics: { heapKB: heap === null ? null : heap / 1024, rssKB: rss === null ? null : rss / 1024 },
        notes: [...new Set(list.flatMap((x) => x.notes))],
        perRun: list.map((x) => ({ heapPerConnBytes: x.heapPerConn, rssPerConnBytes: x.rssPerConn })),
      };
    });
    const wsHeap = metric(rows, LABEL.ws, 'heapKB');
    for (const row of rows) {
      const h = row.metrics['heapKB'];
      row.metrics['heapOverWsKB'] = typeof h === 'number' && wsHeap !== null ? h - wsHeap : null;
    }
    const over = metric(rows, LABEL.ssot, 'heapOverWsKB');
    const target: TargetCheck = {
      target: 'heap ≤ raw ws + 2 KB per idle connection',
      actual: over === null ? 'n/a' : `${over >= 0 ? '+' : ''}${over.toFixed(2)} KB`,
      pass: over === null ? null : over <= 2,
    };
    return {
      name: 'memory',
      title: 'Memory per idle connection (server process)',
      setup: `${n} idle connections, heap and RSS after full GC (--expose-gc), ${ctx.runs} run(s), medians`,
      columns: [
        { key: 'heapKB', label: 'heap KB / conn', digits: 2, ratios: true, short: 'heap' },
        { key: 'heapOverWsKB', label: 'heap − raw ws KB / conn', digits: 2 },
        { key: 'rssKB', label: 'RSS KB / conn', digits: 2, ratios: true, short: 'RSS' },
      ],
      rows,
      ratioRefs: { ws: LABEL.ws, sio: LABEL.sio },
      targets: [target],
    };
  },
};
