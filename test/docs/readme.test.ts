/**
 * README.md says what happens: its quick start typechecks and runs as pasted (its emit reaches a client, its
 * Origin allow-list refuses a client without a listed Origin), it says how to install the package and what the
 * test suite needs, its options table lists every option of the servers, and `installShutdownHandler` reads
 * the same wherever the docs show it.
 */
import ts from 'typescript';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { pino } from 'pino';
import { createWebSocketServer } from '../../src/index.js';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ensureBuilt, packageRoot } from '../support/build.js';
import { refusalStatus, TestClient } from '../support/client.js';
import { codeBlock, codeBlocks, readDoc, runDoc, scratch, typecheck, type RunningDoc } from './doc-code.js';

const readme = readDoc('README.md');
const section = (heading: string): string => {
  const start = readme.indexOf(`\n## ${heading}\n`);
  expect(start, heading).toBeGreaterThan(-1);
  const end = readme.indexOf('\n## ', start + 1);
  return readme.slice(start, end === -1 ? undefined : end);
};

describe('README: install and set-up', () => {
  it('says how to install the package', () => {
    expect(codeBlocks(section('Install'), 'sh')[0]).toMatch(/^npm install ws-ssot$/m);
  });

  it('lists what the test suite needs: PostgreSQL (real Unleash), Redis (cluster), Debian\'s Chromium', () => {
    const setup = section('Developing ws-ssot');
    expect(setup).toMatch(/PostgreSQL on 127\.0\.0\.1:5432 \| the real-Unleash tests/);
    expect(setup).toMatch(/Redis on 127\.0\.0\.1:6379 \| the cluster tests/);
    expect(setup).toMatch(/Debian's Chromium \| the demo page's browser tests \| `apt-get install chromium`/);
    expect(setup).toContain('DATABASE_URL');
    expect(setup).toContain('REDIS_URL');
  });

  it('links no CHANGELOG.md (changesets write it at release time)', () => {
    expect(readme).not.toMatch(/\]\(CHANGELOG\.md\)/);
  });
});

describe('README: the quick start, as pasted', () => {
  const code = codeBlock(section('Quick start'), 'ts', 'createWebSocketServer');
  let tmp: ReturnType<typeof scratch> | null = null;
  let app: RunningDoc | null = null;
  const clients: TestClient[] = [];

  beforeAll(() => ensureBuilt(), 120_000);
  afterEach(async () => {
    await Promise.all(clients.splice(0).map((c) => c.close()));
    const code = await app?.stop();
    app = null;
    tmp?.dispose();
    tmp = null;
    if (code !== undefined) expect(code).toBe(0); // installShutdownHandler: SIGTERM closes and exits 0
  }, 30_000);

  it('typechecks (strict) and runs: a client of the allowed origin gets the session, the agent event and the note', async () => {
    tmp = scratch();
    const file = tmp.write('server.ts', code);
    expect(await typecheck([file])).toBe('');
    app = await runDoc(file);
    const url = `ws://127.0.0.1:${app.port}/ws`;
    const alice = await TestClient.open(url, { headers: { cookie: 'session=alice' }, origin: 'https://app.example' });
    clients.push(alice);
    expect(await alice.nextOfType('session')).toMatchObject({ type: 'session', lastSeq: 0 });
    expect(await alice.nextOfType('agent_started')).toMatchObject({ type: 'agent_started', seq: 1, runId: 'run-1', data: { agent: 'triage' } });
    expect(await alice.nextOfType('note')).toMatchObject({ text: 'every tab of this user gets this' });
    // What the comments say: no session → 401; another Origin, or none (a server-side client) → 403.
    expect(await refusalStatus(url, { origin: 'https://app.example' })).toBe(401);
    expect(await refusalStatus(url, { headers: { cookie: 'session=alice' }, origin: 'https://evil.example' })).toBe(403);
    expect(await refusalStatus(url, { headers: { cookie: 'session=alice' } })).toBe(403);
    expect(app.stderr()).toBe('');
  }, 90_000);
});

describe('README: the options table', () => {
  /** Every option of `createMigrationServer` (the canonical server's and its own), from the declarations. */
  function optionNames(): string[] {
    const file = path.join(packageRoot, 'legacy', 'migration-server.ts');
    const program = ts.createProgram([file], { module: ts.ModuleKind.NodeNext, moduleResolution: ts.ModuleResolutionKind.NodeNext, target: ts.ScriptTarget.ES2022, strict: true, noEmit: true });
    const checker = program.getTypeChecker();
    const source = program.getSourceFile(file)!;
    let names: string[] = [];
    ts.forEachChild(source, (node) => {
      if (ts.isInterfaceDeclaration(node) && node.name.text === 'MigrationServerOptions') {
        names = checker.getTypeAtLocation(node).getProperties().map((p) => p.getName());
      }
    });
    return names.sort();
  }

  it('has a row for every option of createWebSocketServer and createMigrationServer', () => {
    const table = readme.slice(readme.indexOf('### Server options'), readme.indexOf('Invalid options throw'));
    const rows = new Set([...table.matchAll(/^\| `(\w+)/gm)].map((m) => m[1]));
    const names = optionNames();
    expect(names).toEqual(expect.arrayContaining(['server', 'authenticate', 'slowCloseTimeoutMs', 'createLegacyManager', 'allowedOrigins']));
    expect(names.filter((n) => !rows.has(n))).toEqual([]);
  });

  it('documents clients that send no Origin under allowedOrigins, and what to do about them', () => {
    const row = /^\| `allowedOrigins` \|.*$/m.exec(readme)?.[0] ?? '';
    expect(row).toMatch(/or none\*\* → HTTP 403/);
    expect(row).toContain("new WebSocket(url, { origin: 'https://app.example' })");
    expect(row).toContain('authenticate');
  });
});

describe('README: clients without an Origin, the way the options row says', () => {
  let close: (() => Promise<void>) | null = null;
  afterEach(async () => {
    await close?.();
    close = null;
  });

  it('allowedOrigins unset, the Origin checked in authenticate: a browser of the app, or a service with its token and no Origin', async () => {
    const server = http.createServer();
    const wss = createWebSocketServer({
      server,
      logger: pino({ level: 'silent' }),
      authenticate: (req) => {
        const origin = req.headers.origin;
        if (origin === undefined) return req.headers.authorization === 'Bearer service-token' ? { userId: 'billing-service' } : null;
        if (origin !== 'https://app.example') throw Object.assign(new Error('origin not allowed'), { status: 403 });
        return { userId: 'alice' };
      },
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    close = async () => {
      await wss.close();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    };
    const url = `ws://127.0.0.1:${(server.address() as AddressInfo).port}/ws`;
    const service = await TestClient.open(url, { headers: { authorization: 'Bearer service-token' } });
    await service.nextOfType('session');
    const browser = await TestClient.open(url, { origin: 'https://app.example' });
    await browser.nextOfType('session');
    expect(wss.manager.getUserConnectionCount('billing-service')).toBe(1);
    expect(await refusalStatus(url)).toBe(401); // no Origin, no token
    expect(await refusalStatus(url, { origin: 'https://evil.example' })).toBe(403);
    await Promise.all([service.close(), browser.close()]);
  });
});

describe('installShutdownHandler, the same everywhere', () => {
  it('is shown as installShutdownHandler(wss, { httpServer… }) in every doc', () => {
    const docs = ['README.md', 'MIGRATION.md', 'docs/unleash.md', 'docs/shadow-mode.md', 'docs/errors.md', 'docs/protocol.md'];
    let uses = 0;
    for (const doc of docs) {
      for (const m of readDoc(doc).matchAll(/installShutdownHandler\(([^)]*)\)/g)) {
        uses++;
        expect(m[1], `${doc}: ${m[0]}`).toMatch(/^wss, \{ httpServer/);
      }
    }
    expect(uses).toBeGreaterThanOrEqual(2);
  });
});
