/**
 * Every deprecated name, in child processes against the built package (`ws-ssot/legacy/*`), in ESM and
 * CJS: it works, warns exactly once with its code, is silenced by --no-deprecation and throws under
 * --throw-deprecation. No mocks: Node's own warning machinery.
 */
import { execFile } from 'node:child_process';
import { beforeAll, describe, expect, it } from 'vitest';
import { DEPRECATION_CODES } from '../../legacy/deprecation-codes.js';
import { ensureBuilt, packageRoot } from '../support/build.js';

interface Case {
  name: string;
  subpath: string;
  /** JS run twice with `mod` (the subpath's exports) and a bound server. */
  use: string;
  /** Codes expected, each exactly once. */
  codes: string[];
}

const CASES: Case[] = [
  { name: 'WebSocketManager (legacy/manager)', subpath: 'legacy/manager', use: 'new mod.WebSocketManager().getConnectionCount()', codes: ['WSSOT_DEP001'] },
  { name: 'WebSocketManager (legacy/websocket-manager)', subpath: 'legacy/websocket-manager', use: 'new mod.WebSocketManager().isUserConnected(1)', codes: ['WSSOT_DEP001'] },
  { name: 'ConnectionManager', subpath: 'legacy/connection-manager', use: 'new mod.ConnectionManager().getConnectionCount()', codes: ['WSSOT_DEP002'] },
  { name: 'WebSocketManagerAdapter (legacy/migration-adapter)', subpath: 'legacy/migration-adapter', use: "new mod.WebSocketManagerAdapter().broadcastMessage({ type: 'x' })", codes: ['WSSOT_DEP003'] },
  { name: 'WebSocketManagerAdapter (legacy/protocols)', subpath: 'legacy/protocols', use: "new mod.WebSocketManagerAdapter().broadcastMessage({ type: 'x' })", codes: ['WSSOT_DEP003'] },
  { name: 'IsolatedWebSocketManager', subpath: 'legacy/websocket-manager-factory', use: "new mod.IsolatedWebSocketManager('u1', 'c1').getConnectionCount()", codes: ['WSSOT_DEP004'] },
  { name: 'ConnectionScopedWebSocketManager', subpath: 'legacy/websocket-manager-factory', use: "new mod.ConnectionScopedWebSocketManager('u1', 'c1').isConnected()", codes: ['WSSOT_DEP005'] },
  { name: 'getWebSocketManager', subpath: 'legacy/websocket-manager', use: "mod.getWebSocketManager({ userId: 'u1' }).getConnectionCount()", codes: ['WSSOT_DEP006'] },
  { name: 'WebSocketManagerFactory (old path)', subpath: 'legacy/websocket-manager-factory', use: 'new mod.WebSocketManagerFactory().getActiveConnectionsCount()', codes: ['WSSOT_DEP007'] },
  { name: 'UnifiedWebSocketManager (old path)', subpath: 'legacy/unified-manager', use: 'new mod.UnifiedWebSocketManager().getConnectionCount()', codes: ['WSSOT_DEP008'] },
  { name: 'snake_case method names', subpath: 'legacy', use: 'new mod.ConnectionManager().get_connection_count()', codes: ['WSSOT_DEP002', 'WSSOT_DEP009'] },
  { name: 'emitCriticalEvent(type, data)', subpath: 'legacy', use: "new mod.WebSocketManager({ userContext: { userId: 'u1' } }).emitCriticalEvent('agent_started', {}).type", codes: ['WSSOT_DEP001', 'WSSOT_DEP010'] },
];

const SUBPATHS = ['legacy', 'legacy/manager', 'legacy/unified-manager', 'legacy/websocket-manager', 'legacy/websocket-manager-factory', 'legacy/migration-adapter', 'legacy/connection-manager', 'legacy/protocols'];

type Format = 'esm' | 'cjs';

function script(format: Format, c: Case): string {
  const imports = format === 'cjs'
    ? `const http = require('node:http'); const { pino } = require('pino'); const { StaticFlagSource } = require('ws-ssot'); const { createMigrationServer } = require('ws-ssot/legacy'); const mod = require('ws-ssot/${c.subpath}');`
    : `import http from 'node:http'; import { pino } from 'pino'; import { StaticFlagSource } from 'ws-ssot'; import { createMigrationServer } from 'ws-ssot/legacy'; import * as mod from 'ws-ssot/${c.subpath}';`;
  return `${imports}
const warnings = [];
process.on('warning', (w) => { if (w.name === 'DeprecationWarning') warnings.push(w.code); });
const wss = createMigrationServer({ server: http.createServer(), authenticate: () => null, flags: new StaticFlagSource({}), heartbeatIntervalMs: 0, logger: pino({ level: 'silent' }) });
wss.legacy.bindGlobal();
const results = [${c.use}, ${c.use}];
setImmediate(() => {
  const usage = wss.legacy.usage();
  wss.close().then(() => process.stdout.write(JSON.stringify({ warnings, results, usage })));
});`;
}

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

function run(format: Format, source: string, nodeFlags: string[] = []): Promise<Run> {
  const args = [...nodeFlags, ...(format === 'esm' ? ['--input-type=module'] : []), '-e', source];
  return new Promise((resolve) => {
    execFile(process.execPath, args, { cwd: packageRoot, timeout: 20_000 }, (err, stdout, stderr) => {
      resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr });
    });
  });
}

beforeAll(() => ensureBuilt(), 120_000);

describe('legacy subpaths', () => {
  it.each(['esm', 'cjs'] as const)('every subpath imports in %s, and importing alone never warns', async (format) => {
    const cjsSource = `const out = {}; const warnings = []; process.on('warning', (w) => warnings.push(w.code));
${SUBPATHS.map((p) => `out[${JSON.stringify(p)}] = Object.keys(require('ws-ssot/${p}')).sort();`).join('\n')}
setImmediate(() => process.stdout.write(JSON.stringify({ out, warnings })));`;
    // ESM hoists imports, so the namespaces are read after them.
    const esmSource = `${SUBPATHS.map((p, i) => `import * as m${i} from 'ws-ssot/${p}';`).join('\n')}
const out = {}; const warnings = []; process.on('warning', (w) => warnings.push(w.code));
${SUBPATHS.map((p, i) => `out[${JSON.stringify(p)}] = Object.keys(m${i}).sort();`).join('\n')}
setImmediate(() => process.stdout.write(JSON.stringify({ out, warnings })));`;
    const result = await run(format, format === 'esm' ? esmSource : cjsSource);
    expect(result.stderr).toBe('');
    const { out, warnings } = JSON.parse(result.stdout) as { out: Record<string, string[]>; warnings: string[] };
    expect(warnings).toEqual([]);
    expect(out['legacy/manager']).toContain('WebSocketManager');
    expect(out['legacy/websocket-manager']).toEqual(expect.arrayContaining(['WebSocketManager', 'getWebSocketManager', 'get_websocket_manager']));
    expect(out['legacy/unified-manager']).toEqual(expect.arrayContaining(['UnifiedWebSocketManager', 'getWebSocketManager']));
    expect(out['legacy/websocket-manager-factory']).toEqual(expect.arrayContaining(['WebSocketManagerFactory', 'IsolatedWebSocketManager', 'ConnectionScopedWebSocketManager']));
    expect(out['legacy/migration-adapter']).toContain('WebSocketManagerAdapter');
    expect(out['legacy/connection-manager']).toContain('ConnectionManager');
    expect(out['legacy/protocols']).toContain('WebSocketManagerAdapter');
    expect(out.legacy).toEqual(expect.arrayContaining(['WebSocketManager', 'ConnectionManager', 'WebSocketManagerAdapter', 'IsolatedWebSocketManager', 'ConnectionScopedWebSocketManager', 'getWebSocketManager', 'WebSocketManagerFactory', 'UnifiedWebSocketManager']));
  });
});

describe.each(CASES)('$name', (c) => {
  it.each(['esm', 'cjs'] as const)('works and warns exactly once with its code (%s)', async (format) => {
    const result = await run(format, script(format, c));
    expect(result.code, result.stderr).toBe(0);
    const { warnings, results, usage } = JSON.parse(result.stdout) as { warnings: string[]; results: unknown[]; usage: Record<string, { calls: number }> };
    expect(warnings.slice().sort()).toEqual(c.codes.slice().sort());
    expect(results[0]).toEqual(results[1]);
    for (const code of c.codes) expect(usage[code]!.calls).toBeGreaterThanOrEqual(2);
  });

  it('is silenced by --no-deprecation', async () => {
    const result = await run('cjs', script('cjs', c), ['--no-deprecation']);
    expect(result.code, result.stderr).toBe(0);
    expect(JSON.parse(result.stdout)).toMatchObject({ warnings: [] });
    expect(result.stderr).not.toContain('WSSOT_DEP');
  });

  it('throws under --throw-deprecation', async () => {
    const result = await run('esm', script('esm', c), ['--throw-deprecation']);
    expect(result.code).not.toBe(0);
    expect(result.stderr).toContain(c.codes[0]);
    expect(result.stderr).toContain('DeprecationWarning');
  });
});

describe('dual package', () => {
  it('warns once per code per process even when the ESM and the CJS copies are both used', async () => {
    const source = `import { createRequire } from 'node:module';
import http from 'node:http';
import { pino } from 'pino';
import { StaticFlagSource } from 'ws-ssot'; import { createMigrationServer } from 'ws-ssot/legacy';
import * as esm from 'ws-ssot/legacy/connection-manager';
const cjs = createRequire(process.cwd() + '/')('ws-ssot/legacy/connection-manager');
const warnings = [];
process.on('warning', (w) => { if (w.name === 'DeprecationWarning') warnings.push(w.code); });
const wss = createMigrationServer({ server: http.createServer(), authenticate: () => null, flags: new StaticFlagSource({}), heartbeatIntervalMs: 0, logger: pino({ level: 'silent' }) });
wss.legacy.bindGlobal();
new esm.ConnectionManager().getConnectionCount();
new cjs.ConnectionManager().getConnectionCount();
setImmediate(() => { const calls = wss.legacy.usage().WSSOT_DEP002.calls; wss.close().then(() => process.stdout.write(JSON.stringify({ warnings, calls, distinct: esm.ConnectionManager !== cjs.ConnectionManager }))); });`;
    const result = await run('esm', source);
    expect(result.code, result.stderr).toBe(0);
    expect(JSON.parse(result.stdout)).toEqual({ warnings: ['WSSOT_DEP002'], calls: 4, distinct: true });
  });
});

describe('deprecation codes', () => {
  it('every code has a case here', () => {
    const covered = new Set(CASES.flatMap((c) => c.codes));
    expect(DEPRECATION_CODES.filter((code) => !covered.has(code))).toEqual([]);
  });
});

describe('warn on first use, always', () => {
  /** Runs `body` with the legacy index as `legacy`, no server bound; prints { warnings, errors } (codes, in order). */
  function unbound(format: Format, body: string): string {
    const imports = format === 'cjs' ? "const legacy = require('ws-ssot/legacy');" : "import * as legacy from 'ws-ssot/legacy';";
    return `${imports}
const warnings = [];
const errors = [];
process.on('warning', (w) => { if (w.name === 'DeprecationWarning') warnings.push(w.code); });
const attempt = (fn) => { try { fn(); errors.push(null); } catch (err) { errors.push({ code: err.code, message: err.message }); } };
${body}
setImmediate(() => process.stdout.write(JSON.stringify({ warnings, errors })));`;
  }

  it.each(['esm', 'cjs'] as const)('getWebSocketManager() before a server is bound warns once with its code, then throws the coded not-bound error (%s)', async (format) => {
    const result = await run(format, unbound(format, 'attempt(() => legacy.getWebSocketManager()); attempt(() => legacy.getWebSocketManager({ userId: "alice" })); attempt(() => legacy.get_websocket_manager());'));
    expect(result.code, result.stderr).toBe(0);
    const { warnings, errors } = JSON.parse(result.stdout) as { warnings: string[]; errors: Array<{ code: string; message: string }> };
    expect(warnings).toEqual(['WSSOT_DEP006', 'WSSOT_DEP009']);
    expect(errors.map((e) => e.code)).toEqual(['WSSOT_ERR_LEGACY_NOT_BOUND', 'WSSOT_ERR_LEGACY_NOT_BOUND', 'WSSOT_ERR_LEGACY_NOT_BOUND']);
    expect(errors[0]!.message).toMatch(/getWebSocketManager\(\) has no server: call wss\.legacy\.bindGlobal\(\)/);
  });

  it('under --throw-deprecation the call still throws its deprecation, even when the app catches the not-bound error', async () => {
    const result = await run('esm', unbound('esm', 'attempt(() => legacy.getWebSocketManager());'), ['--throw-deprecation']);
    expect(result.code).not.toBe(0);
    expect(result.stderr).toContain('WSSOT_DEP006');
    expect(result.stderr).toContain('DeprecationWarning');
  });

  it('every legacy class used before a server is bound warns with its code first, then throws not-bound', async () => {
    const body = [
      'attempt(() => new legacy.WebSocketManager().getConnectionCount());',
      'attempt(() => new legacy.IsolatedWebSocketManager("alice", "c1").sendMessage({}));',
      'attempt(() => new legacy.WebSocketManagerFactory().create_isolated_manager("alice", "run-1"));',
    ].join('\n');
    const result = await run('cjs', unbound('cjs', body));
    const { warnings, errors } = JSON.parse(result.stdout) as { warnings: string[]; errors: Array<{ code: string }> };
    expect(warnings).toEqual(['WSSOT_DEP001', 'WSSOT_DEP004', 'WSSOT_DEP007', 'WSSOT_DEP009']);
    expect(errors.map((e) => e.code)).toEqual(['WSSOT_ERR_LEGACY_NOT_BOUND', 'WSSOT_ERR_LEGACY_NOT_BOUND', 'WSSOT_ERR_LEGACY_NOT_BOUND']);
  });

  it('a user-less emitCriticalEvent(type, data) on a manager bound to no user says what is wrong, with or without a server', async () => {
    const body = `attempt(() => new legacy.WebSocketManager().emitCriticalEvent('agent_started', {}));
const http = require('node:http'); const { pino } = require('pino');
const wss = legacy.createMigrationServer({ server: http.createServer(), authenticate: () => null, heartbeatIntervalMs: 0, logger: pino({ level: 'silent' }) });
wss.legacy.bindGlobal();
attempt(() => legacy.getWebSocketManager().emitCriticalEvent('agent_started', {}));
attempt(() => legacy.getWebSocketManager({ userId: 'alice' }).emitCriticalEvent('agent_started', {}));
wss.close();`;
    const result = await run('cjs', unbound('cjs', body));
    expect(result.code, result.stderr).toBe(0);
    const { warnings, errors } = JSON.parse(result.stdout) as { warnings: string[]; errors: Array<{ code: string; message: string } | null> };
    expect(warnings).toEqual(['WSSOT_DEP001', 'WSSOT_DEP010', 'WSSOT_DEP006']);
    expect(errors.slice(0, 2).map((e) => e?.code)).toEqual(['WSSOT_ERR_USER_REQUIRED', 'WSSOT_ERR_USER_REQUIRED']);
    expect(errors[0]!.message).toBe(
      'emitCriticalEvent("agent_started", data) names no user and this object is bound to none: pass the user, emitCriticalEvent(userId, type, data), or create this manager bound to one with { userContext: { userId } } (WSSOT_DEP010)',
    );
    expect(errors[0]!.message).not.toMatch(/received undefined/);
    expect(errors[2]).toBeNull(); // bound to alice through getWebSocketManager({ userId }): the old form works
  });
});
