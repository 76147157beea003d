/**
 * One ws-ssot server per http.Server and path. Upgrades on a server's path get HTTP 503 from the moment its
 * close() is called, during the close and after it, not the app's plain HTTP answer. A second server on the
 * same http.Server and path is refused at construction (PathInUseError) while the first is open, from either
 * copy of the package; once the first's close() was called, a new one is accepted and takes the path over,
 * and the closed one's listener stands down.
 */
import http from 'node:http';
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { createMigrationServer } from '../../legacy/index.js';
import { createWebSocketServer, PathInUseError, isWsSsotError, type WsSsotServer } from '../../src/index.js';
import { refusalStatus, TestClient } from '../support/client.js';
import { bearerAuth, silentLogger } from '../support/harness.js';

const servers: WsSsotServer[] = [];
const clients: TestClient[] = [];
let httpServer: http.Server | null = null;
afterEach(async () => {
  await Promise.all(clients.splice(0).map((c) => c.close()));
  await Promise.all(servers.splice(0).map((s) => s.close()));
  httpServer?.closeAllConnections();
  await new Promise<void>((resolve) => (httpServer === null ? resolve() : httpServer.close(() => resolve())));
  httpServer = null;
});

/** An app's http.Server: plain requests (and upgrades nobody takes) get 404. */
async function listen(): Promise<{ server: http.Server; base: string }> {
  const server = http.createServer((_req, res) => res.writeHead(404).end('not found'));
  httpServer = server;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, base: `ws://127.0.0.1:${(server.address() as AddressInfo).port}` };
}

function serve(server: http.Server, extra: Record<string, unknown> = {}): WsSsotServer {
  const wss = createWebSocketServer({ server, authenticate: bearerAuth, logger: silentLogger, flags: { ssot: true }, ...extra });
  servers.push(wss);
  return wss;
}

const as = (userId: string) => ({ headers: { authorization: `Bearer user:${userId}` } });

async function connect(url: string, userId: string): Promise<TestClient> {
  const client = await TestClient.open(url, as(userId));
  clients.push(client);
  await client.nextOfType('session');
  return client;
}

function thrown(fn: () => unknown): unknown {
  try {
    fn();
  } catch (err) {
    return err;
  }
  throw new Error('did not throw');
}

describe('upgrades on the path of a closing or closed server', () => {
  it('get HTTP 503 from the moment close() is called, during the close and after it', async () => {
    const { server, base } = await listen();
    const wss = serve(server, { closeTimeoutMs: 10_000 });
    const stuck = await connect(`${base}/ws`, 'alice');
    // A client that never answers the close frame keeps close() pending.
    (stuck.ws as unknown as { _socket: { pause(): void } })._socket.pause();
    const closing = wss.close();
    expect(wss.state).toBe('closing');
    expect(await refusalStatus(`${base}/ws`, as('bob'))).toBe(503);
    expect(await refusalStatus(`${base}/ws?sessionId=abcdefgh`, as('bob'))).toBe(503);
    stuck.ws.terminate();
    await closing;
    expect(wss.state).toBe('closed');
    expect(await refusalStatus(`${base}/ws`, as('bob'))).toBe(503);
    expect(server.listenerCount('upgrade')).toBe(1);
    expect(await wss.metrics.text()).toMatch(/wssot_connection_refusals_total\{reason="closing"\} 3/);
  });

  it('other paths are still left to other listeners after close', async () => {
    const { server, base } = await listen();
    const wss = serve(server);
    server.on('upgrade', (req, socket) => {
      if (req.url?.startsWith('/other') === true) socket.end('HTTP/1.1 418 I am a teapot\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
    });
    await wss.close();
    expect(await refusalStatus(`${base}/other`, as('bob'))).toBe(418);
    expect(await refusalStatus(`${base}/ws`, as('bob'))).toBe(503);
  });
});

describe('a second server on the same http.Server and path', () => {
  it('is refused at construction with PathInUseError while the first is open; the first keeps serving', async () => {
    const { server, base } = await listen();
    const first = serve(server);
    const before = server.listenerCount('upgrade');
    const err = thrown(() => serve(server));
    expect(err).toBeInstanceOf(PathInUseError);
    expect(err).toMatchObject({ code: 'WSSOT_ERR_PATH_IN_USE', name: 'PathInUseError', path: '/ws' });
    expect(isWsSsotError(err)).toBe(true);
    // The migration server (another class over the same server) is refused the same way.
    expect(thrown(() => createMigrationServer({ server, authenticate: bearerAuth, logger: silentLogger }))).toMatchObject({ code: 'WSSOT_ERR_PATH_IN_USE' });
    expect(server.listenerCount('upgrade')).toBe(before);
    const alice = await connect(`${base}/ws`, 'alice');
    first.manager.emitCriticalEvent('alice', 'agent_started', {});
    expect(await alice.nextOfType('agent_started')).toMatchObject({ seq: 1 });
    expect(alice.ws.readyState).toBe(1);
  });

  it('is refused from the other copy of the package (dist CJS) too, with an error that is instanceof this copy’s class', async () => {
    const { server } = await listen();
    serve(server);
    const cjs = createRequire(import.meta.url)('../../dist/index.cjs') as typeof import('../../src/index.js');
    expect(cjs.createWebSocketServer).not.toBe(createWebSocketServer);
    const err = thrown(() => cjs.createWebSocketServer({ server, authenticate: bearerAuth, logger: silentLogger }));
    expect(err).toMatchObject({ code: 'WSSOT_ERR_PATH_IN_USE' });
    expect(err instanceof PathInUseError).toBe(true);
    expect(err instanceof cjs.PathInUseError).toBe(true);
    // And the other way round: a path the CJS copy holds is refused to this one.
    const cjsServer = cjs.createWebSocketServer({ server, path: '/cjs', authenticate: bearerAuth, logger: silentLogger });
    try {
      expect(thrown(() => serve(server, { path: '/cjs' }))).toMatchObject({ code: 'WSSOT_ERR_PATH_IN_USE', path: '/cjs' });
    } finally {
      await cjsServer.close();
    }
  });

  it('on another path is accepted, and each serves its own path', async () => {
    const { server, base } = await listen();
    const a = serve(server);
    const b = serve(server, { path: '/ws2' });
    const onA = await connect(`${base}/ws`, 'alice');
    const onB = await connect(`${base}/ws2`, 'alice');
    a.manager.sendMessage('alice', { type: 'from', server: 'a' });
    b.manager.sendMessage('alice', { type: 'from', server: 'b' });
    expect(await onA.nextOfType('from')).toEqual({ type: 'from', server: 'a' });
    expect(await onB.nextOfType('from')).toEqual({ type: 'from', server: 'b' });
    expect(a.getConnectionCount()).toBe(1);
    expect(b.getConnectionCount()).toBe(1);
  });

  it('is accepted once the first is closed, takes the path over, and the closed one stands down', async () => {
    const { server, base } = await listen();
    const first = serve(server);
    await first.close();
    expect(await refusalStatus(`${base}/ws`, as('alice'))).toBe(503);
    const second = serve(server);
    expect(server.listenerCount('upgrade')).toBe(1);
    const alice = await connect(`${base}/ws`, 'alice');
    expect(second.getConnectionCount()).toBe(1);
    second.manager.emitCriticalEvent('alice', 'agent_started', {});
    expect(await alice.nextOfType('agent_started')).toMatchObject({ seq: 1 });
    // The first server answered nothing for that upgrade (no 503 counted, no second handshake).
    expect(await first.metrics.text()).toMatch(/wssot_connection_refusals_total\{reason="closing"\} 1\n/);
    // And a third server is refused again while the second is open.
    expect(thrown(() => serve(server))).toMatchObject({ code: 'WSSOT_ERR_PATH_IN_USE' });
  });

  it('is accepted as soon as the first one’s close() is called, even while it is still closing', async () => {
    const { server, base } = await listen();
    const first = serve(server, { closeTimeoutMs: 10_000 });
    const stuck = await connect(`${base}/ws`, 'alice');
    (stuck.ws as unknown as { _socket: { pause(): void } })._socket.pause();
    const closing = first.close();
    const second = serve(server);
    const bob = await connect(`${base}/ws`, 'bob');
    expect(second.manager.isUserConnected('bob')).toBe(true);
    expect(first.state).toBe('closing');
    stuck.ws.terminate();
    await closing;
    second.manager.sendMessage('bob', { type: 'still-here' });
    await bob.nextOfType('still-here');
  });
});
