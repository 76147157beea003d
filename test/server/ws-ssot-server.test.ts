import { afterEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { CloseCode } from '../../src/index.js';
import { refusalStatus, TestClient } from '../support/client.js';
import { startHarness, type Harness } from '../support/harness.js';

let h: Harness | null = null;
afterEach(async () => {
  await h?.close();
  h = null;
});

const isEvent = (type: string) => (f: { type?: string }) => f.type === type;

describe('WsSsotServer', () => {
  describe('per-user delivery', () => {
    it('delivers an event to all three tabs of a user and to no other user', async () => {
      h = await startHarness();
      const tabs = await Promise.all([h.connectReady('alice'), h.connectReady('alice'), h.connectReady('alice')]);
      const bob = await h.connectReady('bob');
      h.wss.manager.emitCriticalEvent('alice', 'agent_started', { agent: 'triage' });
      h.wss.manager.emitCriticalEvent('bob', 'agent_thinking', { thought: 'for bob' });
      for (const tab of tabs) {
        const frame = await tab.nextOfType('agent_started');
        expect(frame).toMatchObject({ v: 1, type: 'agent_started', seq: 1, data: { agent: 'triage' } });
        expect(typeof frame.ts).toBe('number');
      }
      // bob's own event arrives, and nothing of alice's ever reached him
      await bob.nextOfType('agent_thinking');
      expect(bob.frames.filter((f) => f.type === 'agent_started')).toHaveLength(0);
      for (const tab of tabs) expect(tab.frames.some((f) => f.type === 'agent_thinking')).toBe(false);
    });

    it('increments seq per user, across tabs and event types, starting at 1', async () => {
      h = await startHarness();
      const [a1, a2] = await Promise.all([h.connectReady('alice'), h.connectReady('alice')]);
      const b = await h.connectReady('bob');
      const m = h.wss.manager;
      m.emitCriticalEvent('alice', 'agent_started', {});
      m.sendAgentEvent('alice', 'custom_progress', { pct: 10 });
      m.emitCriticalEvent('bob', 'agent_started', {});
      m.emitCriticalEvent('alice', 'tool_executing', { tool: 'search' });
      for (const tab of [a1, a2]) {
        const frames = await tab.waitForCount((f) => typeof f.seq === 'number' && f.type !== 'session', 3);
        expect(frames.map((f) => [f.type, f.seq])).toEqual([['agent_started', 1], ['custom_progress', 2], ['tool_executing', 3]]);
      }
      expect((await b.nextOfType('agent_started')).seq).toBe(1);
    });

    it('sendMessage reaches only that user and returns whether anyone got it', async () => {
      h = await startHarness();
      const a = await h.connectReady('alice');
      const b = await h.connectReady('bob');
      expect(h.wss.manager.sendMessage('alice', { type: 'note', text: 'hi' })).toBe(true);
      expect(h.wss.manager.sendMessage('nobody', { type: 'note' })).toBe(false);
      expect(await a.nextOfType('note')).toEqual({ type: 'note', text: 'hi' });
      h.wss.manager.sendMessage('bob', { type: 'marker' });
      await b.nextOfType('marker');
      expect(b.frames.some((f) => f.type === 'note')).toBe(false);
    });
  });

  describe('broadcast', () => {
    it('reaches every connection and returns the count', async () => {
      h = await startHarness();
      const clients = await Promise.all(['a', 'a', 'b', 'c', 'd'].map((u) => h!.connectReady(u)));
      expect(h.wss.manager.broadcastMessage({ type: 'announcement', text: 'maintenance' })).toBe(5);
      for (const c of clients) expect(await c.nextOfType('announcement')).toEqual({ type: 'announcement', text: 'maintenance' });
    });

    it('returns 0 with no connections', async () => {
      h = await startHarness();
      expect(h.wss.manager.broadcastMessage({ type: 'x' })).toBe(0);
    });
  });

  describe('upgrade', () => {
    it('refuses an unauthenticated upgrade with HTTP 401 and never registers a connection', async () => {
      let connections = 0;
      h = await startHarness();
      h.wss.manager.on('connection', () => connections++);
      expect(await refusalStatus(h.url)).toBe(401);
      expect(await refusalStatus(h.url, { headers: { authorization: 'Bearer nope' } })).toBe(401);
      expect(connections).toBe(0);
      expect(h.wss.manager.getConnectionCount()).toBe(0);
    });

    it('uses the status an authenticate hook throws with, and 500 for an unexpected throw', async () => {
      h = await startHarness({
        authenticate: (req) => {
          if (req.headers['x-case'] === 'forbidden') throw Object.assign(new Error('banned'), { status: 403 });
          throw new Error('database down');
        },
      });
      expect(await refusalStatus(h.url, { headers: { 'x-case': 'forbidden' } })).toBe(403);
      expect(await refusalStatus(h.url)).toBe(500);
    });

    it('refuses a disallowed Origin with HTTP 403 and accepts an allowed one', async () => {
      h = await startHarness({ allowedOrigins: ['https://app.example'] });
      const headers = { authorization: 'Bearer user:alice' };
      expect(await refusalStatus(h.url, { headers: { ...headers, origin: 'https://evil.example' } })).toBe(403);
      expect(await refusalStatus(h.url, { headers })).toBe(403);
      const ok = await TestClient.open(h.url, { headers, origin: 'https://app.example' });
      h.clients.push(ok);
      await ok.nextOfType('session');
    });

    it('leaves upgrades for other paths to other listeners', async () => {
      h = await startHarness();
      const { WebSocketServer } = await import('ws');
      const other = new WebSocketServer({ noServer: true });
      h.http.on('upgrade', (req, socket, head) => {
        if (req.url === '/other') other.handleUpgrade(req, socket, head, (ws) => ws.send('"from other"'));
      });
      const client = await TestClient.open(`ws://127.0.0.1:${h.port}/other`);
      h.clients.push(client);
      expect((await client.next()) as unknown).toBe('from other');
      expect(h.wss.manager.getConnectionCount()).toBe(0);
      other.close();
    });

    it('refuses the 11th connection of a user with HTTP 429 and the first ten keep working', async () => {
      h = await startHarness();
      const tabs: TestClient[] = [];
      for (let i = 0; i < 10; i++) tabs.push(await h.connectReady('alice'));
      expect(await refusalStatus(h.url, { headers: { authorization: 'Bearer user:alice' } })).toBe(429);
      expect(h.wss.manager.getUserConnectionCount('alice')).toBe(10);
      // another user is not affected by alice's limit
      await h.connectReady('bob');
      h.wss.manager.emitCriticalEvent('alice', 'agent_completed', { result: 'done' });
      for (const tab of tabs) expect((await tab.nextOfType('agent_completed')).data).toEqual({ result: 'done' });
      const metrics = await h.wss.metrics.text();
      expect(metrics).toMatch(/wssot_connection_refusals_total\{reason="connection_limit"\} 1/);
    });

    it('with policy evict-oldest, accepts the newest and closes the oldest with 4029', async () => {
      h = await startHarness({ maxConnectionsPerUser: 2, connectionLimitPolicy: 'evict-oldest' });
      const first = await h.connectReady('alice');
      const second = await h.connectReady('alice');
      const third = await h.connectReady('alice');
      expect((await first.closed).code).toBe(CloseCode.EVICTED_BY_LIMIT);
      expect(h.wss.manager.getUserConnectionCount('alice')).toBe(2);
      h.wss.manager.emitCriticalEvent('alice', 'agent_started', {});
      await second.nextOfType('agent_started');
      await third.nextOfType('agent_started');
    });
  });

  describe('inbound frames', () => {
    it('passes parsed JSON to onMessage with the connection (user from authentication only)', async () => {
      const seen: Array<[string, unknown]> = [];
      h = await startHarness({
        onMessage: (connection, message) => {
          seen.push([connection.userId, message]);
          connection.socket.send(JSON.stringify({ type: 'ack' }));
        },
      });
      const a = await h.connectReady('alice');
      a.send({ type: 'ask', userId: 'mallory', text: 'hello' });
      await a.nextOfType('ack');
      expect(seen).toEqual([['alice', { type: 'ask', userId: 'mallory', text: 'hello' }]]);
    });

    it('closes invalid JSON with 1007 while other clients keep receiving', async () => {
      h = await startHarness();
      const bad = await h.connectReady('mallory');
      const good = await h.connectReady('alice');
      bad.send('{not json');
      const closed = await bad.closed;
      expect(closed.code).toBe(1007);
      expect(closed.reason).toBe('invalid JSON');
      expect(h.wss.manager.broadcastMessage({ type: 'still-here' })).toBe(1);
      await good.nextOfType('still-here');
    });

    it('closes a frame over maxPayload with 1009 while other clients keep receiving', async () => {
      h = await startHarness({ maxPayload: 1024 });
      const bad = await h.connectReady('mallory');
      const good = await h.connectReady('alice');
      bad.send(JSON.stringify({ blob: 'x'.repeat(4096) }));
      expect((await bad.closed).code).toBe(1009);
      h.wss.manager.emitCriticalEvent('alice', 'agent_started', {});
      await good.nextOfType('agent_started');
    });

    it('uses a 1 MiB maxPayload by default', async () => {
      h = await startHarness();
      expect(h.wss.options.maxPayload).toBe(1024 * 1024);
      const big = await h.connectReady('alice');
      big.send(JSON.stringify({ blob: 'x'.repeat(1024 * 1024) }));
      expect((await big.closed).code).toBe(1009);
    });

    it('closes binary frames with 1003', async () => {
      h = await startHarness();
      const c = await h.connectReady('alice');
      c.ws.send(Buffer.from([1, 2, 3]));
      expect((await c.closed).code).toBe(1003);
    });

    it('survives a throwing or rejecting handler: the connection and others keep working', async () => {
      h = await startHarness({
        onMessage: (connection, message) => {
          const m = message as { kind: string };
          if (m.kind === 'throw') throw new Error('sync boom');
          if (m.kind === 'reject') return Promise.reject(new Error('async boom'));
          connection.socket.send(JSON.stringify({ type: 'echo', kind: m.kind }));
          return undefined;
        },
      });
      const a = await h.connectReady('alice');
      a.send({ kind: 'throw' });
      a.send({ kind: 'reject' });
      a.send({ kind: 'fine' });
      expect((await a.nextOfType('echo')).kind).toBe('fine');
      expect(await h.wss.metrics.text()).toMatch(/wssot_inbound_messages_total\{result="handler_error"\} 2/);
    });
  });

  describe('heartbeat', () => {
    it('terminates a peer that stops answering pings and keeps the live one', async () => {
      h = await startHarness({ heartbeatIntervalMs: 50 });
      const dead = await TestClient.open(h.url, { headers: { authorization: 'Bearer user:ghost' }, autoPong: false });
      h.clients.push(dead);
      const live = await h.connectReady('alice');
      const closed = await dead.closed;
      expect(closed.code).toBe(1006); // terminated: no close frame
      expect(h.wss.manager.isUserConnected('ghost')).toBe(false);
      expect(h.wss.manager.isUserConnected('alice')).toBe(true);
      h.wss.manager.emitCriticalEvent('alice', 'agent_started', {});
      await live.nextOfType('agent_started');
    });
  });

  describe('health', () => {
    it('serves health JSON for the app to mount at /health/websocket', async () => {
      h = await startHarness();
      await h.connectReady('alice');
      await h.connectReady('alice');
      await h.connectReady('bob');
      expect(h.wss.health()).toMatchObject({ status: 'ok', connections: 3, users: 2 });
      const res = await fetch(`http://127.0.0.1:${h.port}/health/websocket`);
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toMatch(/application\/json/);
      expect(await res.json()).toMatchObject({ status: 'ok', connections: 3, users: 2 });
    });
  });

  describe('#close', () => {
    it('closes clients with 1001, is idempotent, and refuses new upgrades', async () => {
      h = await startHarness();
      const a = await h.connectReady('alice');
      const first = h.wss.close();
      const second = h.wss.close();
      expect(second).toBe(first);
      await first;
      await h.wss.close();
      expect((await a.closed).code).toBe(1001);
      expect(h.wss.state).toBe('closed');
      expect(h.wss.health().status).toBe('closed');
      // the http server is the app's and still listens, but ws-ssot no longer takes its upgrades
      await expect(TestClient.open(h.url, { headers: { authorization: 'Bearer user:alice' }, handshakeTimeout: 300 })).rejects.toThrow();
    });

    it('terminates clients that do not finish closing within closeTimeoutMs', async () => {
      h = await startHarness({ closeTimeoutMs: 100 });
      const stuck = await h.connectReady('alice');
      // Pause the client's socket so it never answers the close frame.
      (stuck.ws as unknown as { _socket: { pause(): void } })._socket.pause();
      await h.wss.close();
      expect(h.wss.state).toBe('closed');
    });
  });

  describe('isolation between servers', () => {
    it('two servers in one process share no connections, users, seq or metrics', async () => {
      h = await startHarness();
      const other = await startHarness();
      try {
        const a1 = await h.connectReady('alice');
        const a2 = await other.connectReady('alice');
        h.wss.manager.emitCriticalEvent('alice', 'agent_started', {});
        expect((await a1.nextOfType('agent_started')).seq).toBe(1);
        expect(other.wss.manager.getUserSequence('alice').seq).toBe(0);
        other.wss.manager.emitCriticalEvent('alice', 'agent_started', {});
        expect((await a2.nextOfType('agent_started')).seq).toBe(1);
        expect(h.wss.metrics.registry).not.toBe(other.wss.metrics.registry);
        expect(a1.frames.filter(isEvent('agent_started'))).toHaveLength(1);
      } finally {
        await other.close();
      }
    });
  });
});

export { WebSocket };
