/**
 * ws-ssot/client against a real ws-ssot server on 127.0.0.1: the handshake and ordered delivery, a drain
 * (1012) and a restart (new epoch), the close codes that end the client (4029, 4009), sending, and the
 * events() iterator.
 */
import { afterEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { CloseCode } from '../../src/close-codes.js';
import type { ClientEvent, DisconnectInfo, GapInfo, StateChange, WsSsotClientError } from '../../src/client/index.js';
import { cleanup, connect, FAST_RECONNECT, reach, startServer, until } from './helpers.js';

afterEach(cleanup);

/** Records what the app sees. */
function record(client: ReturnType<typeof connect>) {
  const seen = { events: [] as ClientEvent[], gaps: [] as GapInfo[], states: [] as StateChange[], disconnects: [] as DisconnectInfo[], messages: [] as unknown[], errors: [] as WsSsotClientError[] };
  client.on('event', (e) => seen.events.push(e));
  client.onGap((g) => seen.gaps.push(g));
  client.on('state', (s) => seen.states.push(s));
  client.on('disconnect', (d) => seen.disconnects.push(d));
  client.on('message', (m) => seen.messages.push(m));
  client.on('error', (e) => seen.errors.push(e));
  return seen;
}

const seqs = (events: readonly ClientEvent[]) => events.filter((e) => e.transient !== true).map((e) => e.seq);
const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => from + i);

describe('ws-ssot/client on a real server', () => {
  it('reads the session frame, then delivers events in order, typed by type', async () => {
    const server = await startServer();
    const client = connect(server, 'alice');
    const seen = record(client);
    const tools: string[] = [];
    client.on('tool_executing', (event) => tools.push(event.data.tool)); // data narrowed: `tool` is a string
    const sessions: string[] = [];
    client.on('session', (s) => sessions.push(s.sessionId));
    expect(client.state).toBe('connecting');
    await reach(client, 'open');
    expect(client.sessionId).toMatch(/^[A-Za-z0-9_-]{8,64}$/);
    expect(client.epoch).toEqual(expect.any(String));
    expect(client.lastSeq).toBe(0);
    expect(sessions).toEqual([client.sessionId]);

    const m = server.wss.manager;
    m.emitCriticalEvent('alice', 'agent_started', { agent: 'a' }, { runId: 'r1' });
    m.sendAgentEvent('alice', 'agent_thinking', { thought: '…' }, { runId: 'r1', delivery: 'coalescible' });
    m.emitCriticalEvent('alice', 'tool_executing', { tool: 'search' }, { runId: 'r1' });
    m.emitCriticalEvent('alice', 'tool_completed', { tool: 'search', result: 3 }, { runId: 'r1' });
    m.emitCriticalEvent('alice', 'agent_completed', { result: 'done' }, { runId: 'r1' });
    m.sendMessage('alice', { hello: 'app' });
    await until(() => seen.events.length === 5 && seen.messages.length === 1, 'five events and a message');

    expect(seen.events.map((e) => e.type)).toEqual(['agent_started', 'agent_thinking', 'tool_executing', 'tool_completed', 'agent_completed']);
    expect(seqs(seen.events)).toEqual([1, 2, 3, 4]);
    expect(seen.events[1]).toMatchObject({ transient: true, seq: 1 });
    expect(tools).toEqual(['search']);
    expect(seen.messages).toEqual([{ hello: 'app' }]);
    expect(client.lastSeq).toBe(4);
    expect(seen.states).toEqual([{ state: 'open', previous: 'connecting' }]);
    expect(seen.gaps).toEqual([]);
    expect(seen.errors).toEqual([]);
  });

  it('drain (1012): reconnects at once, resumes, every seq exactly once and no gap', async () => {
    const server = await startServer();
    const client = connect(server, 'bob', { reconnect: { ...FAST_RECONNECT, initialDelayMs: 5_000, maxDelayMs: 5_000 } }); // a backoff would time out the test
    const seen = record(client);
    await reach(client, 'open');
    const m = server.wss.manager;
    for (let i = 0; i < 5; i++) m.emitCriticalEvent('bob', 'agent_started', { i });
    await until(() => seen.events.length === 5, 'the first five');

    expect(server.wss.drain({ path: 'ssot' })).toBe(1);
    // Sent while the client is away: the resume must replay them.
    for (let i = 5; i < 10; i++) m.emitCriticalEvent('bob', 'tool_executing', { tool: `t${i}` });
    await until(() => seen.events.length === 10 && client.state === 'open', 'ten events after the drain');
    for (let i = 10; i < 12; i++) m.emitCriticalEvent('bob', 'agent_completed', { i });
    await until(() => seen.events.length === 12, 'twelve events');

    expect(seqs(seen.events)).toEqual(range(1, 12));
    expect(seen.gaps).toEqual([]);
    expect(seen.disconnects).toEqual([{ code: CloseCode.SERVICE_RESTART, reason: 'code path changed; reconnect', action: 'reconnect', delayMs: 0, retry: 1 }]);
    expect(seen.states.map((s) => s.state)).toEqual(['open', 'reconnecting', 'open']);
    expect(server.upgrades).toBe(2);
  });

  it('server killed and restarted on the same port: backs off one attempt at a time, then a new epoch → one gap', async () => {
    const first = await startServer();
    const port = first.port;
    const client = connect(first, 'carol');
    const seen = record(client);
    await reach(client, 'open');
    for (let i = 0; i < 3; i++) first.wss.manager.emitCriticalEvent('carol', 'agent_started', { i });
    await until(() => seen.events.length === 3, 'three events');
    const oldEpoch = client.epoch;

    await first.kill();
    // Nothing listens: each attempt is refused, and each failure schedules exactly one retry.
    await until(() => seen.disconnects.length >= 4, 'four lost attempts');
    // The restarted server refuses its first two upgrades (503) before accepting.
    const second = await startServer({ port, refuseFirst: 2 });
    await reach(client, 'open');
    second.wss.manager.emitCriticalEvent('carol', 'tool_executing', { tool: 'x' });
    await until(() => seen.events.length === 4, 'the new epoch\'s first event');

    expect(second.upgrades).toBe(3); // two refused, one accepted: never a second attempt in parallel
    expect(second.maxLive).toBe(1);
    const [shutdown, ...failures] = seen.disconnects;
    expect(shutdown).toMatchObject({ code: CloseCode.GOING_AWAY, action: 'reconnect', delayMs: 0, retry: 1 });
    // Exponential with the cap: ceilings 10, 20, 40, 40… (random() = 0.5 gives half of each).
    expect(failures.map((d) => [d.code, d.action, d.retry, d.delayMs])).toEqual(failures.map((_, i) => [1006, 'backoff', i + 2, Math.min(40, 10 * 2 ** (i + 1)) / 2]));
    expect(seen.gaps).toHaveLength(1);
    expect(seen.gaps[0]).toEqual({ fromSeq: 4, toSeq: 0, epoch: client.epoch, previousEpoch: oldEpoch, epochChanged: true });
    expect(client.epoch).not.toBe(oldEpoch);
    expect(seen.events.map((e) => e.seq)).toEqual([1, 2, 3, 1]); // seqs restart in the new epoch, after the gap
    expect(seen.states.map((s) => s.state)).toEqual(['open', 'reconnecting', 'open']);
  });

  it('4029 (evicted by the connection limit): the evicted client ends and does not reconnect', async () => {
    const server = await startServer({ maxConnectionsPerUser: 1, connectionLimitPolicy: 'evict-oldest' });
    const older = connect(server, 'dave');
    const seen = record(older);
    await reach(older, 'open');
    const newer = connect(server, 'dave');
    await reach(newer, 'open');
    await reach(older, 'closed');
    expect(older.closeInfo).toEqual({ code: CloseCode.EVICTED_BY_LIMIT, reason: expect.any(String), by: 'server' });
    expect(seen.disconnects).toEqual([expect.objectContaining({ code: 4029, action: 'end', delayMs: null })]);
    expect(() => older.send({ x: 1 })).toThrow(expect.objectContaining({ code: 'WSSOT_ERR_CLIENT_CLOSED', closeCode: 4029 }));
    // The newer one still gets events; a reconnect of the older one would have evicted it.
    const got: number[] = [];
    newer.on('event', (e) => got.push(e.seq));
    server.wss.manager.emitCriticalEvent('dave', 'agent_started', {});
    await until(() => got.length === 1, 'an event on the newer client');
    expect(newer.state).toBe('open');
    expect(server.upgrades).toBe(2);
  });

  it('4009 (session resumed elsewhere): the ghost ends; the resumed client goes on from its lastSeq', async () => {
    const server = await startServer();
    const ghost = connect(server, 'erin');
    const ghostSeen = record(ghost);
    await reach(ghost, 'open');
    server.wss.manager.emitCriticalEvent('erin', 'agent_started', {});
    await until(() => ghostSeen.events.length === 1, 'one event');
    const live = connect(server, 'erin', { resumeFrom: ghost.resumeState ?? undefined });
    const liveSeen = record(live);
    await reach(live, 'open');
    await reach(ghost, 'closed');
    expect(ghost.closeInfo).toMatchObject({ code: CloseCode.SESSION_REPLACED, by: 'server' });
    expect(live.sessionId).toBe(ghost.sessionId);
    server.wss.manager.emitCriticalEvent('erin', 'agent_completed', {});
    await until(() => liveSeen.events.length === 1, 'the next event on the live client');
    expect(liveSeen.events.map((e) => e.seq)).toEqual([2]);
    expect(liveSeen.gaps).toEqual([]);
  });

  it('4008 (slow consumer): backs off, resumes, and recovers what the server could not send', async () => {
    const server = await startServer({ highWaterMark: 1024 });
    const client = connect(server, 'fay');
    const seen = record(client);
    await reach(client, 'open');
    // One synchronous burst: the client (same process) cannot read meanwhile, so the buffer fills.
    const big = 'x'.repeat(64 * 1024);
    let last = 0;
    for (let i = 0; i < 200 && server.wss.manager.getConnectionCount() > 0; i++) last = server.wss.manager.sendAgentEvent('fay', 'chunk', { big }).seq;
    await until(() => client.lastSeq === last && client.state === 'open', `seq ${last}`);
    expect(seen.disconnects[0]).toMatchObject({ code: CloseCode.SLOW_CONSUMER, action: 'backoff', retry: 1 });
    expect(seqs(seen.events)).toEqual(range(1, last));
    expect(seen.gaps).toEqual([]);
  });

  it('send(): written when open, queued (bounded) while reconnecting, a coded error when closed', async () => {
    const received: unknown[] = [];
    const server = await startServer({ onMessage: (_c, message) => void received.push(message) });
    const client = connect(server, 'gus', { maxQueued: 2, reconnect: { ...FAST_RECONNECT, initialDelayMs: 5_000, maxDelayMs: 5_000 } });
    expect(client.send({ n: 0 })).toBe(false); // queued: not open yet
    await reach(client, 'open');
    expect(client.send({ n: 1 })).toBe(true);
    await until(() => received.length === 2, 'two messages');
    // The reconnect after a drain is immediate: send from the 'state' event, while it is under way.
    const whileReconnecting: Array<boolean | string> = [];
    client.on('state', ({ state }) => {
      if (state !== 'reconnecting') return;
      whileReconnecting.push(client.send({ n: 2 }), client.send({ n: 3 }));
      try {
        client.send({ n: 4 });
      } catch (err) {
        whileReconnecting.push((err as WsSsotClientError).code);
      }
    });
    server.wss.drain({ path: 'ssot' });
    await until(() => whileReconnecting.length === 3 && client.state === 'open', 'a reconnect');
    expect(whileReconnecting).toEqual([false, false, 'WSSOT_ERR_CLIENT_OUTBOX_FULL']);
    await until(() => received.length === 4, 'the queued messages');
    expect(received).toEqual([{ n: 0 }, { n: 1 }, { n: 2 }, { n: 3 }]);
    expect(() => client.send(() => 1)).toThrow(expect.objectContaining({ code: 'WSSOT_ERR_CLIENT_NOT_SERIALIZABLE' }));
    await client.close();
    expect(client.closeInfo).toEqual({ code: 1000, reason: 'client closed', by: 'client' });
    expect(() => client.send({ n: 5 })).toThrow(expect.objectContaining({ code: 'WSSOT_ERR_CLIENT_CLOSED' }));
  });

  it('events(): an async iterator that ends on close(), and errors when it falls behind', async () => {
    const server = await startServer();
    const client = connect(server, 'hal');
    await reach(client, 'open');
    const slow = client.events({ bufferSize: 3 });
    const reader = (async () => {
      const got: number[] = [];
      for await (const event of client.events()) got.push(event.seq);
      return got;
    })();
    for (let i = 0; i < 5; i++) server.wss.manager.emitCriticalEvent('hal', 'agent_started', {});
    await until(() => client.lastSeq === 5, 'five events');
    await client.close();
    expect(await reader).toEqual([1, 2, 3, 4, 5]);
    // The slow one kept its 3, then says where it stopped.
    const slowGot: number[] = [];
    await expect((async () => {
      for await (const event of slow) slowGot.push(event.seq);
    })()).rejects.toMatchObject({ code: 'WSSOT_ERR_CLIENT_ITERATOR_OVERFLOW', message: expect.stringContaining('seq 4') });
    expect(slowGot).toEqual([1, 2, 3]);
  });

  it('events() throws WSSOT_ERR_CLIENT_ENDED when the server ended the session', async () => {
    const server = await startServer({ maxConnectionsPerUser: 1, connectionLimitPolicy: 'evict-oldest' });
    const older = connect(server, 'ivy');
    await reach(older, 'open');
    const iterator = older.events();
    const pending = iterator.next();
    connect(server, 'ivy');
    await expect(pending).rejects.toMatchObject({ code: 'WSSOT_ERR_CLIENT_ENDED', closeCode: 4029 });
  });

  it('a throwing listener is reported on "error" and does not stop delivery', async () => {
    const server = await startServer();
    const client = connect(server, 'jo');
    const errors: WsSsotClientError[] = [];
    client.on('error', (e) => errors.push(e));
    client.on('event', () => {
      throw new Error('app bug');
    });
    const got: number[] = [];
    client.on('event', (e) => got.push(e.seq));
    await reach(client, 'open');
    server.wss.manager.emitCriticalEvent('jo', 'agent_started', {});
    server.wss.manager.emitCriticalEvent('jo', 'agent_completed', {});
    await until(() => got.length === 2, 'two events');
    expect(errors.map((e) => [e.code, (e.cause as Error).message])).toEqual([['WSSOT_ERR_CLIENT_LISTENER', 'app bug'], ['WSSOT_ERR_CLIENT_LISTENER', 'app bug']]);
  });

  it('gives up after reconnect.maxRetries failed retries', async () => {
    const server = await startServer();
    const url = server.url('kim');
    await server.kill();
    const client = connect(server, 'kim', { url, reconnect: { ...FAST_RECONNECT, maxRetries: 3 } });
    const seen = record(client);
    await reach(client, 'closed');
    expect(seen.disconnects.map((d) => d.retry)).toEqual([1, 2, 3, null]);
    expect(client.closeInfo).toMatchObject({ code: 1006, by: 'retries' });
    expect(seen.states.map((s) => s.state)).toEqual(['closed']);
  });

  it('works with a WebSocket constructor that adds headers (ws options)', async () => {
    const server = await startServer();
    class Authed extends WebSocket {
      constructor(url: string, protocols?: string | string[]) {
        super(url, protocols, { headers: { 'x-test': '1' } });
      }
    }
    const client = connect(server, 'lee', { WebSocket: Authed });
    await reach(client, 'open');
  });
});
