/**
 * `npm run bench:check`: how long `ws-ssot check` takes on a large codebase. Generates a project of FILES modules
 * (default 2,000) in a temp dir — services on the canonical API, modules still on ws-ssot/legacy/* (ESM and
 * CommonJS, aliases, snake_case calls, module-level singletons), local look-alike classes, chains of imports
 * between them — links this package as its `ws-ssot` dependency, then times the built CLI (`node dist/cli.js
 * check`, as a user runs it) from start to exit, RUNS times. A benchmark, not a test: it prints the figures.
 *
 *   npm run build && npm run bench:check [-- --files 2000 --runs 3]
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

function option(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  const value = i === -1 ? undefined : Number(process.argv[i + 1]);
  return value !== undefined && Number.isInteger(value) && value > 0 ? value : fallback;
}

const FILES = option('files', 2_000);
const RUNS = option('runs', 3);

/** One module of the generated project; every fourth is still on the legacy API. */
function moduleText(i: number): { file: string; text: string } {
  const dir = `src/area${i % 40}`;
  const next = i + 1 < FILES ? `../area${(i + 1) % 40}/m${i + 1}${(i + 1) % 10 === 3 ? '.cjs' : '.mjs'}` : null;
  const importNext = next === null || (i + 1) % 10 === 3 ? '' : `import { run${i + 1} } from '${next}';\n`;
  const callNext = next === null || (i + 1) % 10 === 3 ? '' : `  run${i + 1}(ctx, userId);\n`;
  if (i % 10 === 3) {
    return {
      file: `${dir}/m${i}.cjs`,
      text: `'use strict';\nconst { get_websocket_manager } = require('ws-ssot/legacy');\nconst { WebSocketManagerAdapter } = require('ws-ssot/legacy/protocols');\n\nconst adapter = new WebSocketManagerAdapter();\n\nfunction run${i}(ctx, userId) {\n  if (!adapter.is_user_connected(userId)) return false;\n  get_websocket_manager({ user_id: userId }).emit_critical_event(userId, 'agent_thinking', { userId });\n  return true;\n}\n\nmodule.exports = { run${i} };\n`,
    };
  }
  if (i % 4 === 1) {
    return {
      file: `${dir}/m${i}.mjs`,
      text: `${importNext}import { WebSocketManager as Manager } from 'ws-ssot/legacy/manager';\nimport { WebSocketManagerFactory } from 'ws-ssot/legacy/websocket-manager-factory';\n\nexport const shared${i} = new Manager();\nconst factory = new WebSocketManagerFactory();\n\nexport function run${i}(ctx, userId) {\n  shared${i}.send_message(userId, { type: 'note', n: ${i} });\n  const mgr = factory.create_isolated_manager(userId, 'run-${i}');\n  mgr.emit_critical_event('agent_started', { userId, agent: 'a${i}' });\n${callNext}  return new Manager({ user_context: { userId } }).emitCriticalEvent('agent_completed', { userId });\n}\n`,
    };
  }
  if (i % 4 === 2) {
    return {
      file: `${dir}/m${i}.mjs`,
      text: `${importNext}// A local class that shares a legacy name: not a legacy use.\nclass WebSocketManager {\n  constructor(manager) {\n    this.manager = manager;\n  }\n  send(userId, n) {\n    return this.manager.sendMessage(userId, { type: 'note', n });\n  }\n}\n\nexport function run${i}(ctx, userId) {\n  new WebSocketManager(ctx.wss.manager).send(userId, ${i});\n${callNext}  return ctx.wss.factory.createIsolatedManager(userId, 'run-${i}').emitCriticalEvent('agent_started', { userId });\n}\n`,
    };
  }
  return {
    file: `${dir}/m${i}.mjs`,
    text: `${importNext}import { CRITICAL_EVENT_TYPES, isCriticalEventType } from 'ws-ssot';\n\nexport function run${i}(ctx, userId) {\n  const types = CRITICAL_EVENT_TYPES.filter((t) => isCriticalEventType(t));\n${callNext}  return ctx.wss.manager.sendMessage(userId, { type: 'types', types, n: ${i} });\n}\n`,
  };
}

function generate(): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'wssot-check-bench-'));
  mkdirSync(path.join(dir, 'node_modules'));
  symlinkSync(root, path.join(dir, 'node_modules', 'ws-ssot'), 'dir');
  const app = path.join(dir, 'app');
  for (let i = 0; i < FILES; i++) {
    const m = moduleText(i);
    mkdirSync(path.dirname(path.join(app, m.file)), { recursive: true });
    writeFileSync(path.join(app, m.file), m.text);
  }
  writeFileSync(path.join(app, 'package.json'), JSON.stringify({ name: 'bench-app', private: true, type: 'module' }));
  return dir;
}

const cli = path.join(root, 'dist', 'cli.js');
if (!existsSync(cli)) execFileSync(process.execPath, [path.join(root, 'node_modules', 'tsup', 'dist', 'cli-default.js')], { cwd: root, stdio: 'inherit' });

const dir = generate();
try {
  const times: number[] = [];
  let summary = '';
  for (let run = 0; run < RUNS; run++) {
    const started = process.hrtime.bigint();
    const r = spawnSync(process.execPath, [cli, 'check', path.join(dir, 'app'), '--json', '--no-progress'], { encoding: 'utf8', maxBuffer: 1 << 30 });
    const ms = Number(process.hrtime.bigint() - started) / 1e6;
    if (r.status !== 0 && r.status !== 1) throw new Error(`check exited ${r.status}: ${r.stderr}`);
    const report = JSON.parse(r.stdout) as { counts: { files: number; findings: number; canonicalUses: number; errors: number }; score: number };
    times.push(ms);
    summary = `${report.counts.files} files, ${report.counts.findings} findings, ${report.counts.canonicalUses} canonical uses, score ${report.score}, ${report.counts.errors} errors`;
  }
  const sorted = [...times].sort((a, b) => a - b);
  const median = sorted[Math.floor(sorted.length / 2)] as number;
  process.stdout.write(`ws-ssot check on a generated codebase: ${summary}\n`);
  process.stdout.write(`  runs: ${times.map((t) => `${(t / 1000).toFixed(2)} s`).join(', ')}; median ${(median / 1000).toFixed(2)} s (${os.cpus().length} cores, Node ${process.version})\n`);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
