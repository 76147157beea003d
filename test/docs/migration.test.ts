/**
 * MIGRATION.md says what happens: its phases run on createMigrationServer from ws-ssot/legacy; its phase-5
 * example (a plain http app passing the server through its own context, no global) runs over real sockets, and
 * runs again once phase 6's diff (one import, and the call's name) is applied to it; its Express example
 * typechecks; its restart runbook says what a restart does today (a new epoch: `recovered: false`), which a
 * test of the real behaviour confirms; and no doc uses createWebSocketServer with what only the migration
 * server has.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { pino } from 'pino';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createMigrationServer, type MigrationServer } from '../../legacy/index.js';
import { StaticFlagSource } from '../../src/index.js';
import { ensureBuilt } from '../support/build.js';
import { TestClient } from '../support/client.js';
import { bearerAuth } from '../support/harness.js';
import { MIGRATION_PHASES, phaseEnv } from '../support/migration-phases.js';
import { codeBlock, codeBlocks, readDoc, runDoc, scratch, typecheck, type RunningDoc } from './doc-code.js';

const migration = readDoc('MIGRATION.md');
const phases = migration.slice(migration.indexOf('## The phases'), migration.indexOf('## Phase 5 without globals'));
const DOCS = ['README.md', 'MIGRATION.md', 'docs/unleash.md', 'docs/shadow-mode.md', 'docs/errors.md', 'docs/protocol.md'];

describe('MIGRATION.md: the phases follow the entry points', () => {
  it('phase 1 drops in createMigrationServer from ws-ssot/legacy with every flag off, and binds the globals', () => {
    const phase1 = codeBlocks(phases, 'ts')[0] as string;
    expect(phase1).toContain("import { createMigrationServer } from 'ws-ssot/legacy';");
    expect(phase1).toContain('createMigrationServer({ server, authenticate })');
    expect(phase1).toContain('wss.legacy.bindGlobal()');
    expect(phases).toMatch(/create the migration server with all flags off \(the\s+default\)/);
  });

  it('phase 6 is one import (and the call\'s name): createMigrationServer from ws-ssot/legacy → createWebSocketServer from ws-ssot', () => {
    const diff = codeBlock(phases, 'diff', 'createWebSocketServer');
    expect(diff.trim().split('\n')).toEqual([
      "- import { createMigrationServer } from 'ws-ssot/legacy';",
      "+ import { createWebSocketServer } from 'ws-ssot';",
      '- const wss = createMigrationServer({ server, authenticate });',
      '+ const wss = createWebSocketServer({ server, authenticate });',
    ]);
  });

  it('no doc uses createWebSocketServer with what only the migration server has', () => {
    for (const doc of DOCS) {
      const text = readDoc(doc);
      expect(text, doc).not.toMatch(/createWebSocketServer\(\{[^}]*(createLegacyManager|shadow|drainOnFlagChange)/);
      for (const block of codeBlocks(text, 'ts')) {
        if (!block.includes('createWebSocketServer(')) continue;
        expect(block, `${doc}: a createWebSocketServer example`).not.toMatch(/wss\.legacy|createLegacyManager|deprecations|shadow:/);
      }
    }
  });
});

describe('MIGRATION.md: phase 5 without globals', () => {
  const section = migration.slice(migration.indexOf('## Phase 5 without globals'), migration.indexOf('## Flags'));
  const httpApp = codeBlock(section, 'ts', '// app.ts: phase 5, a plain http app');
  const expressApp = codeBlock(section, 'ts', '// app.ts: phase 5, Express');
  let tmp: ReturnType<typeof scratch> | null = null;
  let app: RunningDoc | null = null;
  const clients: TestClient[] = [];

  beforeAll(() => ensureBuilt(), 120_000);
  afterEach(async () => {
    await Promise.all(clients.splice(0).map((c) => c.close()));
    await app?.stop();
    app = null;
    tmp?.dispose();
    tmp = null;
  }, 30_000);

  /** Runs `code`; alice's tab gets a run's events and summary after POST /runs; nothing on stderr. */
  async function exercise(code: string, env: Record<string, string>): Promise<void> {
    tmp = scratch();
    const file = tmp.write('app.ts', code);
    expect(await typecheck([file])).toBe('');
    app = await runDoc(file, env);
    const tab = await TestClient.open(`ws://127.0.0.1:${app.port}/ws`, { headers: { cookie: 'session=alice' } });
    clients.push(tab);
    await tab.nextOfType('session');
    const res = await fetch(`http://127.0.0.1:${app.port}/runs`, { method: 'POST', headers: { cookie: 'session=alice' } });
    expect(res.status).toBe(202);
    const runId = await res.text();
    expect(await tab.nextOfType('agent_started')).toMatchObject({ runId, data: { agent: 'triage' } });
    expect(await tab.nextOfType('agent_completed')).toMatchObject({ runId, data: { result: 'done' } });
    expect(await tab.nextOfType('run_summary')).toMatchObject({ runId });
    // No global accessor, no legacy name: not one deprecation warning.
    expect(app.stderr()).toBe('');
  }

  it('the plain http app runs as is, in phase 5 (every flag on), with no legacy name used', async () => {
    expect(httpApp.replace(/\/\/.*$/gm, '').replace(/\/\*\*[^]*?\*\//g, '')).not.toMatch(/bindGlobal|getWebSocketManager|new WebSocketManager/); // but in its comments
    await exercise(httpApp, phaseEnv(MIGRATION_PHASES.find((p) => p.phase === 5)!));
  }, 90_000);

  it('and again with phase 6 applied (the diff of the phases, nothing else): createWebSocketServer from ws-ssot', async () => {
    const [importFrom, importTo, callFrom, callTo] = codeBlock(phases, 'diff', 'createWebSocketServer').trim().split('\n').map((l) => l.slice(2)) as [string, string, string, string];
    // The import line as the diff has it; the call with the example's own arguments (its name is what changes).
    expect(httpApp).toContain(importFrom);
    const call = (line: string): string => line.slice(0, line.indexOf('(') + 1);
    expect(httpApp).toContain(call(callFrom));
    const code = httpApp.replace(importFrom, importTo).replace(call(callFrom), call(callTo));
    expect(code).not.toContain('ws-ssot/legacy');
    expect(code).not.toContain('createMigrationServer');
    await exercise(code, {});
  }, 90_000);

  it('the Express example typechecks against a minimal declaration of the Express API it uses', async () => {
    tmp = scratch();
    tmp.write('express.d.ts', `declare module 'express' {
  import type { IncomingMessage, ServerResponse } from 'node:http';
  export interface Request extends IncomingMessage { app: Application; params: Record<string, string> }
  export interface Response extends ServerResponse { status(code: number): Response; json(body: unknown): Response }
  export interface Application {
    (req: IncomingMessage, res: ServerResponse): void;
    locals: Record<string, unknown>;
    post(path: string, handler: (req: Request, res: Response) => void): Application;
  }
  export default function express(): Application;
}
`);
    const file = tmp.write('app.ts', expressApp);
    expect(await typecheck([file, `${tmp.dir}/express.d.ts`])).toBe('');
  }, 90_000);
});

describe('MIGRATION.md: the restart runbook says what a restart does today', () => {
  const runbook = migration.slice(migration.indexOf('## Rollback runbook'), migration.indexOf('## Plugging in your own old manager'));

  it('says a restart starts a new epoch (recovered: false, the client refetches), unlike a drain', () => {
    const restart = /2\. Restart the service[\s\S]*?(?=\n3\. )/.exec(runbook)?.[0] ?? '';
    expect(restart).toMatch(/new\s+epoch/);
    expect(restart).toMatch(/`recovered: false`/);
    expect(restart).toMatch(/refetches/);
    expect(restart).not.toMatch(/Restart the service[^.]*resume from their last `seq`: both paths share one event store/);
  });

  const servers: Array<{ wss: MigrationServer; http: http.Server }> = [];
  afterEach(async () => {
    for (const s of servers.splice(0)) {
      await s.wss.close();
      s.http.closeAllConnections();
      await new Promise<void>((resolve) => s.http.close(() => resolve()));
    }
  });

  /** A migration server (every flag off, as after the rollback) listening on `port` (0: any). */
  async function start(port: number): Promise<{ wss: MigrationServer; http: http.Server; port: number }> {
    const server = http.createServer();
    const wss = createMigrationServer({ server, authenticate: bearerAuth, logger: pino({ level: 'silent' }), flags: new StaticFlagSource({}), heartbeatIntervalMs: 0 });
    await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
    const s = { wss, http: server, port: (server.address() as AddressInfo).port };
    servers.push(s);
    return s;
  }

  it('does that: after a restart (a new server process state on the same port) a resume gets recovered: false and a new epoch', async () => {
    const before = await start(0);
    const tab = await TestClient.open(`ws://127.0.0.1:${before.port}/ws`, { headers: { authorization: 'Bearer user:alice' } });
    const session = await tab.nextOfType('session');
    for (let i = 0; i < 3; i++) before.wss.manager.emitCriticalEvent('alice', 'agent_thinking', { i });
    await tab.waitForCount((f) => f.type === 'agent_thinking', 3);
    // The restart: the server closes (1001), a new one takes the port with nothing of the old one's state.
    const old = servers.shift()!;
    await old.wss.close();
    expect(await tab.closed).toMatchObject({ code: 1001 });
    old.http.closeAllConnections();
    await new Promise<void>((resolve) => old.http.close(() => resolve()));
    await start(before.port);
    const query = `sessionId=${String(session['sessionId'])}&epoch=${String(session['epoch'])}&lastSeq=3`;
    const resumed = await TestClient.open(`ws://127.0.0.1:${before.port}/ws?${query}`, { headers: { authorization: 'Bearer user:alice' } });
    const fresh = await resumed.nextOfType('session');
    expect(fresh['epoch']).not.toBe(session['epoch']);
    expect(await resumed.nextOfType('recovery')).toMatchObject({ recovered: false });
    await resumed.close();
  });
});
