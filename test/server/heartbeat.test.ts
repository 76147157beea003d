/**
 * The heartbeat (src/server/heartbeat.ts) over real sockets on 127.0.0.1: each round terminates the peers
 * that did not answer the previous ping, pings the rest, and flushes coalesced frames waiting for room in a
 * buffer. Rounds are driven by `tick()` where the round is the subject; where time is (start(), stop(),
 * heartbeatIntervalMs), setInterval/clearInterval are faked and advanced, the sockets still run on real time.
 */
import { once, type EventEmitter } from 'node:events';
import type net from 'node:net';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { WebSocketConnection } from '../../src/index.js';
import { OutboundFrame } from '../../src/core/outbound-frame.js';
import { Heartbeat } from '../../src/server/heartbeat.js';
import type { TestClient } from '../support/client.js';
import { startHarness, type Harness } from '../support/harness.js';
import { waitFor } from '../support/wait-for.js';

let h: Harness | null = null;
let heartbeat: Heartbeat | null = null;
afterEach(async () => {
  heartbeat?.stop();
  heartbeat = null;
  await h?.close();
  h = null;
  vi.useRealTimers();
});

/** A server whose own heartbeat is off, and a heartbeat of the test's over its manager. */
async function serverAndHeartbeat(options: Parameters<typeof startHarness>[0] = {}, intervalMs = 60_000): Promise<{ h: Harness; heartbeat: Heartbeat; terminated: WebSocketConnection[] }> {
  h = await startHarness({ heartbeatIntervalMs: 0, ...options });
  const terminated: WebSocketConnection[] = [];
  const harness = h;
  heartbeat = new Heartbeat(intervalMs, () => [harness.wss.manager], (connection) => terminated.push(connection));
  return { h, heartbeat, terminated };
}

/** Opens a client whose `ws` does not answer pings (a peer gone silent), registered once its session frame came. */
async function silentPeer(harness: Harness, userId: string): Promise<TestClient> {
  const client = await harness.connect(userId, '', { autoPong: false });
  await client.nextOfType('session');
  return client;
}

/** The next `name` event of `emitter` (a ping at a client, a pong at the server), or an error naming `what` after 5 s. */
function nextEvent(emitter: EventEmitter, name: string, what: string): Promise<unknown> {
  return once(emitter, name, { signal: AbortSignal.timeout(5_000) }).catch((err: unknown) => {
    throw new Error(`no ${name} ${what} within 5 s`, { cause: err });
  });
}

const connectionOf = (harness: Harness, userId: string): WebSocketConnection => harness.wss.manager.getUserConnections(userId)[0] as WebSocketConnection;

describe('Heartbeat#tick', () => {
  it('pings every open connection and marks it as waiting; its pong marks it alive again', async () => {
    const { h, heartbeat } = await serverAndHeartbeat();
    const clients = [await h.connectReady('alice'), await h.connectReady('alice'), await h.connectReady('bob')];
    const connections = [...h.wss.manager.getUserConnections('alice'), ...h.wss.manager.getUserConnections('bob')];
    expect(connections.map((c) => c.alive)).toEqual([true, true, true]);
    const pinged = clients.map((c, i) => nextEvent(c.ws, 'ping', `at client ${i}`));
    const ponged = connections.map((c) => nextEvent(c.socket, 'pong', `from ${c.userId}'s connection ${c.id}`));
    heartbeat.tick();
    expect(connections.map((c) => c.alive)).toEqual([false, false, false]);
    await Promise.all([...pinged, ...ponged]); // at each pong the connection's own listener ran first
    expect(connections.map((c) => c.alive)).toEqual([true, true, true]);
    expect(h.wss.manager.getConnectionCount()).toBe(3);
  });

  it('terminates a peer that missed the previous ping (1006, unregistered at once, reported) and pings the rest again', async () => {
    const { h, heartbeat, terminated } = await serverAndHeartbeat();
    const silent = await silentPeer(h, 'ghost');
    const live = await h.connectReady('alice');
    const ghost = connectionOf(h, 'ghost');
    const alice = connectionOf(h, 'alice');

    const ghostPinged = nextEvent(silent.ws, 'ping', 'at the silent peer');
    const alicePonged = nextEvent(alice.socket, 'pong', 'from alice’s client');
    heartbeat.tick();
    await Promise.all([ghostPinged, alicePonged]); // the ping reached the silent peer; it does not answer
    expect([ghost.alive, alice.alive]).toEqual([false, true]);
    expect(terminated).toEqual([]);

    const alicePingedAgain = nextEvent(live.ws, 'ping', 'at alice’s client');
    heartbeat.tick();
    expect(terminated).toEqual([ghost]);
    expect(h.wss.manager.isUserConnected('ghost')).toBe(false); // before the socket even closed
    expect(h.wss.manager.isUserConnected('alice')).toBe(true);
    expect(alice.alive).toBe(false); // pinged again
    await alicePingedAgain;
    expect((await silent.closed).code).toBe(1006); // terminated: no close frame
    h.wss.manager.emitCriticalEvent('alice', 'agent_started', {});
    await live.nextOfType('agent_started');
  });

  it('does not terminate a peer that answered, however many rounds', async () => {
    const { h, heartbeat, terminated } = await serverAndHeartbeat();
    await h.connectReady('alice');
    const alice = connectionOf(h, 'alice');
    for (let round = 0; round < 5; round++) {
      const ponged = nextEvent(alice.socket, 'pong', 'from alice’s client');
      heartbeat.tick();
      await ponged;
    }
    expect(terminated).toEqual([]);
    expect(h.wss.manager.isUserConnected('alice')).toBe(true);
  });

  it('flushes coalesced frames waiting on a connection once its buffer has room, and keeps them while it has none', async () => {
    const { h, heartbeat } = await serverAndHeartbeat({ highWaterMark: 64 * 1024 });
    const m = h.wss.manager;
    const client = await h.connectReady('alice');
    const alice = connectionOf(h, 'alice');
    // Over the high-water mark: the peer stops reading and droppable fillers fill its buffer.
    const socket = (client.ws as unknown as { _socket: net.Socket })._socket;
    socket.pause();
    const blob = 'x'.repeat(16 * 1024);
    for (let i = 0; alice.socket.bufferedAmount <= m.highWaterMark && i < 10_000; i++) m.sendMessage('alice', { type: 'filler', blob }, { delivery: 'droppable' });
    expect(alice.socket.bufferedAmount).toBeGreaterThan(m.highWaterMark);
    // A coalesced frame waiting as the delivery path leaves one (set here so that only the heartbeat sends it).
    alice.pending = new Map([['agent_thinking\u0000r1', new OutboundFrame(JSON.stringify({ type: 'agent_thinking', transient: true, data: { i: 4 } }))]]);
    heartbeat.tick();
    expect(alice.pending?.size).toBe(1); // no room yet
    socket.resume();
    await waitFor('alice’s buffer to drain below the high-water mark', () => alice.socket.bufferedAmount <= m.highWaterMark, 20_000);
    // The first round's ping waited behind the fillers: its pong must be back, or this round terminates her.
    await waitFor('alice’s pong to the first round', () => alice.alive, 20_000);
    heartbeat.tick();
    expect(alice.pending).toBeNull();
    expect(await client.nextOfType('agent_thinking', 20_000)).toMatchObject({ transient: true, data: { i: 4 } });
  }, 60_000);
});

describe('Heartbeat over time (fake intervals)', () => {
  it('start() runs a round every intervalMs, once however often called; stop() ends them', async () => {
    const { h, heartbeat } = await serverAndHeartbeat({}, 1_000);
    await h.connectReady('alice');
    const alice = connectionOf(h, 'alice');
    vi.useFakeTimers({ toFake: ['setInterval', 'clearInterval'] });
    heartbeat.start();
    heartbeat.start();
    expect(vi.getTimerCount()).toBe(1);
    vi.advanceTimersByTime(999);
    expect(alice.alive).toBe(true); // no round yet
    let ponged = nextEvent(alice.socket, 'pong', 'from alice’s client');
    vi.advanceTimersByTime(1);
    expect(alice.alive).toBe(false); // a round: pinged
    await ponged;
    ponged = nextEvent(alice.socket, 'pong', 'from alice’s client');
    vi.advanceTimersByTime(1_000);
    expect(alice.alive).toBe(false); // the next round
    await ponged;
    heartbeat.stop();
    expect(vi.getTimerCount()).toBe(0);
    vi.advanceTimersByTime(10_000);
    expect(alice.alive).toBe(true); // no round after stop()
  });

  it('with intervalMs 0 never starts', async () => {
    const { h, heartbeat } = await serverAndHeartbeat({}, 0);
    await h.connectReady('alice');
    vi.useFakeTimers({ toFake: ['setInterval', 'clearInterval'] });
    heartbeat.start();
    expect(vi.getTimerCount()).toBe(0);
    vi.advanceTimersByTime(3_600_000);
    expect(connectionOf(h, 'alice').alive).toBe(true);
  });

  it('the server’s heartbeat runs every heartbeatIntervalMs, terminates a silent peer on the second round and counts it', async () => {
    vi.useFakeTimers({ toFake: ['setInterval', 'clearInterval'] });
    h = await startHarness({ heartbeatIntervalMs: 1_000 });
    const silent = await silentPeer(h, 'ghost');
    const live = await h.connectReady('alice');
    const alice = connectionOf(h, 'alice');
    const pinged = nextEvent(silent.ws, 'ping', 'at the silent peer');
    const ponged = nextEvent(alice.socket, 'pong', 'from alice’s client');
    vi.advanceTimersByTime(1_000);
    await Promise.all([pinged, ponged]);
    expect(h.wss.manager.isUserConnected('ghost')).toBe(true);
    vi.advanceTimersByTime(1_000);
    expect(h.wss.manager.isUserConnected('ghost')).toBe(false);
    expect((await silent.closed).code).toBe(1006);
    expect(await h.wss.metrics.text()).toMatch(/wssot_heartbeat_terminations_total 1\b/);
    h.wss.manager.emitCriticalEvent('alice', 'agent_started', {});
    await live.nextOfType('agent_started');
  });
});
