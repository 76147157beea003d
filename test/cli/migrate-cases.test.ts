/**
 * `ws-ssot migrate` on small projects of its own (temp dirs): what it cannot prove equivalent it leaves as it is
 * and lists with the reason — a manager passed on as a value, a function that cannot take the context, no
 * server to pass — while the rest is rewritten, and a second run changes nothing even then; `--only` keeps to
 * the codes given; TypeScript gets a typed context and still typechecks; formatting and comments are kept.
 */
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ensureBuilt, packageRoot } from '../support/build.js';
import { checkJson, cli } from './helpers/run-cli.js';
import { cleanTemp, snapshot, writeProject } from './helpers/temp-project.js';

beforeAll(() => ensureBuilt(), 120_000);
afterEach(() => cleanTemp());

interface MigrateReport {
  changedFiles: string[];
  rewritten: Array<{ file: string; line: number; code: string | null; name: string }>;
  notRewritten: Array<{ file: string; line: number; code: string | null; name: string; reason: string }>;
  notes: Array<{ text: string }>;
}

function migrate(dir: string, ...extra: string[]): { code: number; report: MigrateReport } {
  const r = cli('migrate', dir, '--json', ...extra);
  return { code: r.code, report: JSON.parse(r.stdout) as MigrateReport };
}

const SERVER = "import http from 'node:http';\nimport { createWebSocketServer } from 'ws-ssot';\nimport { handle } from './handler.mjs';\n\nconst server = http.createServer((req, res) => handle(req, res));\nconst wss = createWebSocketServer({ server, authenticate: () => null });\nexport { wss };\n";

describe('what migrate leaves, and why', () => {
  it('a manager passed on as a value and a call inside a class method stay, with the reason; the rest is rewritten; a second run changes nothing', () => {
    const dir = writeProject({
      'server.mjs': SERVER,
      'handler.mjs': [
        "import { WebSocketManager } from 'ws-ssot/legacy/manager';",
        "import { getWebSocketManager } from 'ws-ssot/legacy/websocket-manager';",
        "import { audit } from './audit.mjs';",
        '',
        'export function handle(req, res) {',
        '  const manager = new WebSocketManager();',
        '  manager.send_message(req.user, { type: "hello" }); // greet',
        '  audit(getWebSocketManager());',
        '  res.end();',
        '}',
        '',
        'export class Stats {',
        '  count() {',
        '    return getWebSocketManager().get_connection_count();',
        '  }',
        '}',
        '',
      ].join('\n'),
      'audit.mjs': 'export function audit(m) {\n  return m;\n}\n',
    });
    const first = migrate(dir);
    expect(first.code).toBe(1);
    expect(first.report.notRewritten.map((u) => `${u.line} ${u.code} ${u.name}`)).toEqual(['2 WSSOT_DEP006 getWebSocketManager', '8 WSSOT_DEP006 getWebSocketManager', '14 WSSOT_DEP006 getWebSocketManager']);
    const reasons = first.report.notRewritten.map((u) => u.reason);
    expect(reasons[1]).toContain('getWebSocketManager at handler.mjs:8:9 is not held in a variable or used at once: rewrite by hand');
    expect(reasons[2]).toContain('pass wss to it by hand (MIGRATION.md phase 5)');
    expect(reasons[0]).toBe('still used by code that was not rewritten (see the other entries)');
    const files = snapshot(dir);
    expect(files['handler.mjs']).toContain('export function handle(ctx, req, res) {\n  const manager = ctx.wss.manager;\n  manager.sendMessage(req.user, { type: "hello" }); // greet');
    // The snake_case call on the object that stays legacy still gets its camelCase twin.
    expect(files['handler.mjs']).toContain('return getWebSocketManager().getConnectionCount();');
    expect(files['handler.mjs']).not.toContain("from 'ws-ssot/legacy/manager'");
    expect(files['server.mjs']).toContain('const ctx = { wss };');
    expect(files['server.mjs']).toContain('handle(ctx, req, res)');
    // Still there: the global accessor's import, its uses. A second run finds the same and changes nothing.
    const second = migrate(dir);
    expect(second.code).toBe(1);
    expect(second.report.changedFiles).toEqual([]);
    // (one line up: the import of the legacy manager went.)
    expect(second.report.notRewritten.map((u) => `${u.line} ${u.code}`)).toEqual(['1 WSSOT_DEP006', '7 WSSOT_DEP006', '13 WSSOT_DEP006']);
    expect(snapshot(dir)).toEqual(files);
  }, 60_000);

  it('without a module that creates the server, nothing that needs it is rewritten, and the reason says so', () => {
    const dir = writeProject({ 'lib.mjs': "import { ConnectionManager } from 'ws-ssot/legacy/connection-manager';\n\nexport function count() {\n  return new ConnectionManager().get_connection_count();\n}\n" });
    const { code, report } = migrate(dir);
    expect(code).toBe(1);
    expect(report.notRewritten.find((u) => u.line === 4 && u.code === 'WSSOT_DEP002')?.reason).toContain('no module-level const wss = createWebSocketServer(…) was found');
    // The snake_case name alone is safe on the legacy object itself.
    expect(snapshot(dir)['lib.mjs']).toContain('return new ConnectionManager().getConnectionCount();');
  }, 60_000);

  it('a manager given its server ({ server }) needs no context: it becomes that server’s own manager', () => {
    const dir = writeProject({ 'lib.mjs': "import { WebSocketManager } from 'ws-ssot/legacy/manager';\n\nexport function hello(wss, userId) {\n  return new WebSocketManager({ server: wss }).send_message(userId, 'hi');\n}\n" });
    const { code } = migrate(dir);
    expect(code).toBe(0);
    expect(snapshot(dir)['lib.mjs']).toBe("\nexport function hello(wss, userId) {\n  return wss.manager.sendMessage(userId, 'hi');\n}\n");
  }, 60_000);

  it('--only rewrites the codes given and lists the others as not selected', () => {
    const dir = writeProject({
      'server.mjs': SERVER,
      'handler.mjs': "import { WebSocketManager } from 'ws-ssot/legacy/manager';\n\nexport function handle(req, res) {\n  new WebSocketManager().send_message(req.user, 'x');\n  res.end();\n}\n",
    });
    const { code, report } = migrate(dir, '--only', 'WSSOT_DEP009');
    expect(code).toBe(1);
    expect(report.rewritten.map((f) => `${f.line} ${f.code}`)).toEqual(['4 WSSOT_DEP009']);
    expect(new Set(report.notRewritten.map((u) => u.reason))).toEqual(new Set(['not selected by --only', 'still used by code that was not rewritten (see the other entries)']));
    expect(snapshot(dir)['handler.mjs']).toContain("new WebSocketManager().sendMessage(req.user, 'x');");
    expect(migrate(dir, '--only', 'WSSOT_DEP001').code).toBe(0);
    expect(checkJson(dir).report.score).toBe(100);
  }, 60_000);
});

describe('migrate on TypeScript', () => {
  it('types the context it adds, keeps the formatting, and the result typechecks (strict)', () => {
    const dir = writeProject({
      'tsconfig.json': JSON.stringify({ compilerOptions: { module: 'nodenext', moduleResolution: 'nodenext', target: 'es2022', strict: true, noEmit: true, skipLibCheck: true, types: ['node'] }, include: ['src'] }),
      'package.json': JSON.stringify({ type: 'module' }),
      'src/server.ts': "import http from 'node:http';\nimport { createMigrationServer } from 'ws-ssot/legacy';\nimport { runAgent } from './agent.js';\n\nconst server = http.createServer(async (_req, res) => {\n  res.end(JSON.stringify(await runAgent('alice')));\n});\nconst wss = createMigrationServer({ server, authenticate: () => ({ userId: 'alice' }) });\nwss.legacy.bindGlobal();\n",
      'src/agent.ts': [
        "import {",
        "  WebSocketManagerFactory, // the old factory",
        "} from 'ws-ssot/legacy/websocket-manager-factory';",
        '',
        'const factory = new WebSocketManagerFactory();',
        '',
        '/** One run. */',
        'export const runAgent = async (userId: string): Promise<number> => {',
        '  const mgr = factory.create_isolated_manager(',
        '    userId,',
        "    'run-1',",
        '  );',
        "  mgr.emit_critical_event('agent_started', { agent: 'a' });",
        '  return factory.get_manager_count();',
        '};',
        '',
      ].join('\n'),
    });
    const { code, report } = migrate(dir);
    // get_manager_count is not a method of the old factory: that call stays, and with it the factory.
    expect(report.notRewritten.map((u) => u.name)).toEqual(expect.arrayContaining(['WebSocketManagerFactory']));
    expect(code).toBe(1);
    const fixed = writeProject({
      'tsconfig.json': JSON.stringify({ compilerOptions: { module: 'nodenext', moduleResolution: 'nodenext', target: 'es2022', strict: true, noEmit: true, skipLibCheck: true, types: ['node'] }, include: ['src'] }),
      'package.json': JSON.stringify({ type: 'module' }),
      'src/server.ts': snapshot(dir)['src/server.ts'] as string,
      'src/agent.ts': (snapshot(dir)['src/agent.ts'] as string).replace('get_manager_count', 'getManagerCount'),
    });
    expect(migrate(fixed).code).toBe(0);
    const files = snapshot(fixed);
    expect(files['src/agent.ts']).toBe(
      [
        '',
        '/** One run. */',
        "export const runAgent = async (ctx: { readonly wss: import('ws-ssot').WsSsotServer }, userId: string): Promise<number> => {",
        '  const mgr = ctx.wss.factory.createIsolatedManager(',
        '    userId,',
        '    userId,',
        '  );',
        "  mgr.emitCriticalEvent('agent_started', { agent: 'a' });",
        '  return ctx.wss.factory.getManagerCount();',
        '};',
        '',
      ].join('\n'),
    );
    expect(files['src/server.ts']).toContain("res.end(JSON.stringify(await runAgent(ctx, 'alice')));");
    expect(files['src/server.ts']).not.toContain('bindGlobal');
    execFileSync(process.execPath, [path.join(packageRoot, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', fixed], { encoding: 'utf8' });
  }, 120_000);
});
