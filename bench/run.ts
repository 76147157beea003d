/**
 * `npm run bench` (the root's script runs bench's: `npm --prefix bench run bench`) — runs the scenarios, prints markdown tables with ratios to raw ws and Socket.IO, and
 * writes bench/results/latest.json and bench/results/latest.md (paste the latter into BENCHMARKS.md).
 *
 *   --scenario <name>   repeatable or comma-separated: broadcast, targeted, agent-runs, micro, memory, import-time,
 *                       cluster-targeted, cluster-broadcast, cluster-route, redis-memory (the last four need Redis: REDIS_URL)
 *   --impl <name>       repeatable or comma-separated: raw-ws, socket-io, ws-ssot, write-floor, greeting-floor, send-path-ab (default: the first three);
 *                       for the cluster scenarios socket-io-redis, socket-io-redis-streams, socket-io-redis-sharded, ws-ssot
 *                       (default: all but sharded; `socket-io` there means the first two)
 *   --runs N            runs per implementation, medians reported (default 3)
 *   --quick             small sizes for a smoke run
 *   --max-other-load P  repeat a delivery run (3 attempts max) if other processes used > P% of the CPU (default 15, or 100 = off with --quick)
 *   --client node|native  the load client: ws / socket.io-client in Node (default), or the C client in bench/native
 *   --pin               server on CPU 0, load client on CPU 1 (taskset; see lib/cpu-pinning.ts)
 *   --out <dir>         results directory (default bench/results)
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { CLUSTER_ORDER, DEFAULT_CLUSTER_IMPLS, DEFAULT_IMPLS, IMPLEMENTATIONS, IMPL_NAMES, isImplName, type ImplName } from './servers/index.js';
import { SCENARIOS } from './scenarios/index.js';
import { ensureNativeClient } from './lib/native-client.js';
import { socketIoMissing } from './lib/bench-deps.js';
import { cpuPinning } from './lib/cpu-pinning.js';
import { fullMarkdown, machine, scenarioMarkdown } from './lib/report.js';
import type { ScenarioContext, ScenarioResult } from './lib/types.js';

const list = (values: string[] | undefined): string[] =>
  (values ?? []).flatMap((v) => v.split(',')).map((v) => v.trim()).filter((v) => v.length > 0);

export async function main(argv: string[]): Promise<ScenarioResult[]> {
  const { values } = parseArgs({
    args: argv,
    options: {
      scenario: { type: 'string', multiple: true },
      impl: { type: 'string', multiple: true },
      runs: { type: 'string' },
      quick: { type: 'boolean', default: false },
      'max-other-load': { type: 'string' },
      client: { type: 'string', default: 'node' },
      pin: { type: 'boolean', default: false },
      out: { type: 'string' },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help) {
    console.log('usage: npm run bench -- [--scenario name[,name]] [--impl raw-ws,socket-io,ws-ssot,write-floor,greeting-floor,send-path-ab,socket-io-redis,socket-io-redis-streams,socket-io-redis-sharded] [--runs N] [--quick] [--max-other-load P] [--client node|native] [--pin] [--out dir]');
    console.log(`scenarios: ${SCENARIOS.map((s) => s.name).join(', ')}`);
    return [];
  }
  const names = list(values.scenario);
  const unknown = names.filter((n) => !SCENARIOS.some((s) => s.name === n));
  if (unknown.length > 0) throw new Error(`unknown scenario(s): ${unknown.join(', ')}; known: ${SCENARIOS.map((s) => s.name).join(', ')}`);
  const scenarios = names.length === 0 ? SCENARIOS : SCENARIOS.filter((s) => names.includes(s.name));
  const implArgs = list(values.impl);
  const badImpl = implArgs.filter((n) => !isImplName(n));
  if (badImpl.length > 0) throw new Error(`unknown implementation(s): ${badImpl.join(', ')}; known: ${IMPL_NAMES.join(', ')}`);
  const impls: ImplName[] = implArgs.length === 0 ? [...DEFAULT_IMPLS] : IMPL_NAMES.filter((n) => implArgs.includes(n) && IMPLEMENTATIONS[n].clusterOnly !== true);
  // The cluster scenarios' own set: `socket-io` stands for Socket.IO on both of its Redis adapters there.
  const clusterImpls: ImplName[] =
    implArgs.length === 0
      ? [...DEFAULT_CLUSTER_IMPLS]
      : CLUSTER_ORDER.filter((n) => implArgs.includes(n) || (implArgs.includes('socket-io') && (n === 'socket-io-redis' || n === 'socket-io-redis-streams')));
  // Socket.IO is bench's own dependency: say how to install it before any run, not as an n/a row at the end.
  const sioMissing = impls.includes('socket-io') ? socketIoMissing() : null;
  if (sioMissing !== null) throw new Error(`${sioMissing}, or leave Socket.IO out (--impl raw-ws,ws-ssot)`);
  const runs = values.runs === undefined ? 3 : Number.parseInt(values.runs, 10);
  if (!Number.isInteger(runs) || runs < 1 || runs > 20) throw new Error('--runs must be an integer from 1 to 20');

  // Quick phases are too short for 10 ms CPU ticks to say anything: no repeats there unless asked.
  const maxOtherLoadPct = values['max-other-load'] === undefined ? (values.quick ? 100 : 15) : Number(values['max-other-load']);
  if (!Number.isFinite(maxOtherLoadPct) || maxOtherLoadPct < 0 || maxOtherLoadPct > 100) throw new Error('--max-other-load must be a number from 0 to 100');
  const client = values.client;
  if (client !== 'node' && client !== 'native') throw new Error('--client must be node or native');
  // Built before any measurement (and a missing compiler reported before any run).
  if (client === 'native') ensureNativeClient();
  const pin = values.pin ? cpuPinning() : null;
  const ctx: ScenarioContext = { quick: values.quick, runs, impls, clusterImpls, maxOtherLoadPct, client, pin, log: (m) => console.error(m) };
  const results: ScenarioResult[] = [];
  for (const s of scenarios) {
    console.error(`\n== ${s.name}${ctx.quick ? ' (quick)' : ''}`);
    const r = await s.run(ctx);
    results.push(r);
    console.log(`\n${scenarioMarkdown(r)}\n`);
  }

  const m = machine();
  const date = new Date().toISOString();
  const command = `npm run bench -- ${argv.join(' ')}`.trim();
  const md = fullMarkdown(results, m, { date, runs, quick: ctx.quick, command, client, pin });
  const outDir = values.out ?? path.join(path.dirname(fileURLToPath(import.meta.url)), 'results');
  mkdirSync(outDir, { recursive: true });
  writeFileSync(path.join(outDir, 'latest.json'), `${JSON.stringify({ date, machine: m, runs, quick: ctx.quick, maxOtherLoadPct, impls, client, pin, results }, null, 2)}\n`);
  writeFileSync(path.join(outDir, 'latest.md'), md);
  console.log(md.slice(md.indexOf('### Targets')));
  console.error(`\nwrote ${path.join(outDir, 'latest.json')} and latest.md`);
  return results;
}

if (process.argv[1] !== undefined && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  main(process.argv.slice(2)).then(
    () => process.exit(0),
    (err: unknown) => {
      console.error(err instanceof Error ? err.message : err);
      process.exit(1);
    },
  );
}
