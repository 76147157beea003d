/**
 * Server child process. Usage (forked by the parent): host.ts <impl> [optionsJson]
 *
 * Each implementation runs alone in its own process, so `process.cpuUsage()` and `process.memoryUsage()`
 * measure that server and nothing else. The parent drives it over IPC:
 *   → { type: 'phase', module, fn, params }  run a scenario's server phase (exported by the scenario file)
 *   ← { type: 'sent', t0, t1, result }       sending finished (t0/t1 on the shared clock)
 *   → { type: 'stop' }                       clients have everything (or timed out)
 *   ← { type: 'cpu', userUs, systemUs, gcCount, gcMaxMs, figures }  CPU used, and V8's GC pauses (how many,
 *                                            the longest), from the start of the phase until 'stop'; `figures`:
 *                                            the server's own (BenchServer#phaseFigures), or {}
 *   → { type: 'mem' }                        ← { type: 'mem', heapUsed, rss, connections } after full GC
 *   → { type: 'count' }                      ← { type: 'count', connections, ready } (ready: BenchServer#readyCount,
 *                                            or connections)
 *   → { type: 'close' }                      ← { type: 'closed' }, then exit
 */
import { readFileSync } from 'node:fs';
import { PerformanceObserver } from 'node:perf_hooks';
import { setImmediate as tick } from 'node:timers/promises';
import { nowMs } from '../lib/clock.js';
import { IMPLEMENTATIONS, isImplName } from './index.js';
import { PhaseProfiler } from './phase-profiler.js';
import type { BenchServer, BenchServerOptions, CreateBenchServer } from './types.js';

/**
 * Bytes this process has read by read(2)-like calls (Linux /proc/self/io rchar; 0 elsewhere). Over a phase
 * of a delivering node that is, almost all, what it received from Redis: it shows whether a node receives
 * only its own users' events (routing by user) or every event.
 */
function bytesRead(): number {
  try {
    return Number(/^rchar: (\d+)$/m.exec(readFileSync('/proc/self/io', 'utf8'))?.[1] ?? 0);
  } catch {
    return 0;
  }
}

type PhaseFn = (server: BenchServer, params: Record<string, unknown>) => Promise<unknown>;

const send = (msg: object): void => {
  process.send?.(msg);
};

async function fullGc(): Promise<void> {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (gc === undefined) return;
  for (let i = 0; i < 3; i++) {
    gc();
    await tick();
  }
}

async function main(): Promise<void> {
  const implName = process.argv[2] ?? '';
  if (!isImplName(implName)) throw new Error(`unknown implementation ${implName}`);
  const options = JSON.parse(process.argv[3] ?? '{}') as BenchServerOptions;
  const mod = (await import(IMPLEMENTATIONS[implName].module)) as { createServer: CreateBenchServer };
  const server = await mod.createServer(options);
  const port = await server.start();

  const profiler = PhaseProfiler.fromEnv(implName);
  let cpu0: NodeJS.CpuUsage | null = null;
  let read0 = 0;
  // GC pauses of the main thread while a phase runs: one longer than a phase's typical gap between frames
  // shows up in its latency percentiles, whichever implementation it is.
  const gc = { on: false, count: 0, maxMs: 0 };
  new PerformanceObserver((list) => {
    if (!gc.on) return;
    for (const entry of list.getEntries()) {
      gc.count++;
      if (entry.duration > gc.maxMs) gc.maxMs = entry.duration;
    }
  }).observe({ entryTypes: ['gc'] });

  process.on('message', (raw) => {
    const msg = raw as { type: string; module?: string; fn?: string; params?: Record<string, unknown> };
    void (async () => {
      switch (msg.type) {
        case 'phase': {
          const phaseMod = (await import(msg.module ?? '')) as Record<string, unknown>;
          const fn = phaseMod[msg.fn ?? 'serverPhase'] as PhaseFn | undefined;
          if (typeof fn !== 'function') throw new Error(`${msg.module} has no ${msg.fn}`);
          await fullGc();
          await tick(); // the observer's entries of fullGc() are delivered before the phase's count starts
          await profiler?.start();
          Object.assign(gc, { on: true, count: 0, maxMs: 0 });
          server.resetPhaseFigures?.();
          cpu0 = process.cpuUsage();
          read0 = bytesRead();
          const t0 = nowMs();
          const result = await fn(server, msg.params ?? {});
          send({ type: 'sent', t0, t1: nowMs(), result });
          break;
        }
        case 'stop': {
          const d = process.cpuUsage(cpu0 ?? undefined);
          const readBytes = bytesRead() - read0;
          cpu0 = null;
          await tick(); // the observer's last entries
          gc.on = false;
          await profiler?.stop(); // after the count: writing the profile allocates, and is not the phase's
          send({ type: 'cpu', userUs: d.user, systemUs: d.system, readBytes, gcCount: gc.count, gcMaxMs: gc.maxMs, figures: server.phaseFigures?.() ?? {} });
          break;
        }
        case 'mem': {
          await fullGc();
          const m = process.memoryUsage();
          send({ type: 'mem', heapUsed: m.heapUsed, rss: m.rss, external: m.external, connections: server.connectionCount() });
          break;
        }
        case 'count':
          send({ type: 'count', connections: server.connectionCount(), ready: server.readyCount?.() ?? server.connectionCount() });
          break;
        case 'close':
          await Promise.race([server.close(), new Promise((r) => setTimeout(r, 5_000))]);
          send({ type: 'closed' });
          process.exit(0);
      }
    })().catch((err: unknown) => {
      send({ type: 'error', message: err instanceof Error ? (err.stack ?? err.message) : String(err) });
    });
  });
  process.on('disconnect', () => process.exit(0));
  send({ type: 'ready', port });
}

main().catch((err: unknown) => {
  send({ type: 'error', message: err instanceof Error ? (err.stack ?? err.message) : String(err) });
  process.exitCode = 1;
  setTimeout(() => process.exit(1), 100);
});
