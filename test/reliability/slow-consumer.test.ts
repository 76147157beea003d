/**
 * Backpressure over real sockets: a peer that never reads is closed with 4008 (durable events are never
 * dropped silently), memory stays bounded, other clients are unaffected; transient events are coalesced or
 * dropped instead, and a slow peer recovers what it missed on reconnect.
 */
import type net from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { CloseCode } from '../../src/index.js';
import { measureHeap, MiB } from '../support/gc.js';
import { startHarness, type Harness } from '../support/harness.js';
import { connectNeverReading } from '../support/raw-client.js';
import { ResumingClient } from '../support/resuming-client.js';

let h: Harness | null = null;
let raw: net.Socket | null = null;
afterEach(async () => {
  raw?.destroy();
  raw = null;
  await h?.close();
  h = null;
});

const BLOB = 'x'.repeat(16 * 1024);

describe('backpressure', () => {
  it('closes a client that never reads with 4008, keeps memory bounded, and 50 other clients get every event', async () => {
    h = await startHarness(); // defaults: 1 MiB high-water mark, 500 events per user log
    const m = h.wss.manager;
    const others: ResumingClient[] = [];
    for (let i = 0; i < 50; i++) {
      const c = new ResumingClient(`other-${i}`);
      await c.connect(h);
      others.push(c);
    }
    raw = await connectNeverReading(h.port, h.wss.options.path, 'slow');
    expect(m.getUserConnectionCount('slow')).toBe(1);
    const before = measureHeap();
    const ROUNDS = 4_000; // 4,000 × 16 KiB = 62.5 MiB offered to the slow peer
    let closedAtRound = -1;
    let peak = 0;
    let perOther = 0;
    for (let round = 0; round < ROUNDS; round++) {
      m.emitCriticalEvent('slow', 'agent_thinking', { for: 'slow', thought: BLOB, round });
      if (closedAtRound === -1 && m.getUserConnectionCount('slow') === 0) closedAtRound = round;
      if (round % 20 === 0) {
        perOther++;
        for (const c of others) m.emitCriticalEvent(c.userId, 'tool_completed', { for: c.userId, tool: 'search', round });
        // Let the event loop write to the 50 healthy sockets (bounded: one turn per 20 rounds).
        await new Promise((resolve) => setImmediate(resolve));
      }
      if (round % 500 === 0) {
        const now = process.memoryUsage();
        peak = Math.max(peak, now.heapUsed + now.arrayBuffers - before.total);
      }
    }
    const after = measureHeap();
    const growth = after.total - before.total;
    console.log(`[slow-consumer] closed at round ${closedAtRound} (${((closedAtRound * BLOB.length) / MiB).toFixed(1)} MiB offered); heap+buffers ${(before.total / MiB).toFixed(1)} → ${(after.total / MiB).toFixed(1)} MiB (growth ${(growth / MiB).toFixed(1)} MiB, sampled peak without forced GC ${(peak / MiB).toFixed(1)} MiB) for 62.5 MiB offered`);
    expect(closedAtRound).toBeGreaterThan(0);
    expect(closedAtRound).toBeLessThan(ROUNDS);
    // Bounded by the log (500 × 16 KiB ≈ 8 MiB) plus one high-water mark, far below the 62.5 MiB offered.
    expect(growth).toBeLessThan(24 * MiB);
    expect(await h.wss.metrics.text()).toMatch(/wssot_slow_consumer_closes_total 1\b/);
    for (const c of others) {
      await c.waitForSeq(perOther, 20_000);
      expect(c.durable).toHaveLength(perOther);
      expect(c.violations).toEqual([]);
      expect(c.foreign).toEqual([]);
      expect(c.current!.ws.readyState).toBe(1);
    }
  }, 90_000);

  it('the slow peer sees 4008 "slow consumer" once it reads again, and recovers the gap on reconnect', async () => {
    // A long close timeout so the paused client still finds the close frame behind its backlog.
    h = await startHarness({ slowCloseTimeoutMs: 60_000, recovery: { maxEvents: 5_000 } });
    const m = h.wss.manager;
    const slow = new ResumingClient('slow');
    await slow.connect(h);
    const socket = (slow.current!.ws as unknown as { _socket: net.Socket })._socket;
    socket.pause();
    let sent = 0;
    for (; sent < 4_000 && m.isUserConnected('slow'); sent++) m.emitCriticalEvent('slow', 'agent_thinking', { for: 'slow', thought: BLOB });
    expect(m.isUserConnected('slow')).toBe(false);
    // Events keep coming while it is away; they are logged.
    for (let i = 0; i < 5; i++) m.emitCriticalEvent('slow', 'tool_completed', { for: 'slow', tool: 't' });
    socket.resume();
    const closed = await slow.drainUntilClosed();
    expect(closed).toEqual({ code: CloseCode.SLOW_CONSUMER, reason: 'slow consumer' });
    const seenBeforeClose = slow.lastSeq;
    expect(seenBeforeClose).toBeLessThan(sent);
    await slow.connect(h);
    expect(slow.recoveries).toEqual([{ recovered: true, fromSeq: seenBeforeClose + 1, toSeq: sent + 5 }]);
    expect(slow.durable.map((f) => f.seq)).toEqual(Array.from({ length: sent + 5 }, (_, i) => i + 1));
    expect(slow.violations).toEqual([]);
  }, 60_000);

  it('coalesces and drops transient events under pressure instead of closing, and delivers the latest coalesced one', async () => {
    h = await startHarness({ highWaterMark: 64 * 1024 });
    const m = h.wss.manager;
    const c = new ResumingClient('alice');
    await c.connect(h);
    m.emitCriticalEvent('alice', 'agent_started', { for: 'alice' });
    await c.waitForSeq(1);
    const socket = (c.current!.ws as unknown as { _socket: net.Socket })._socket;
    socket.pause();
    const connection = m.getUserConnections('alice')[0]!;
    let fillers = 0;
    while (connection.socket.bufferedAmount <= m.highWaterMark && fillers < 10_000) {
      m.sendMessage('alice', { type: 'filler', for: 'alice', blob: BLOB }, { delivery: 'droppable' });
      fillers++;
    }
    expect(connection.socket.bufferedAmount).toBeGreaterThan(m.highWaterMark);
    for (let i = 0; i < 10; i++) m.sendAgentEvent('alice', 'agent_thinking', { for: 'alice', i }, { runId: 'r1', delivery: 'coalescible' });
    for (let i = 0; i < 5; i++) m.sendMessage('alice', { type: 'ticker', for: 'alice', i }, { delivery: 'droppable' });
    expect(m.isUserConnected('alice')).toBe(true);
    expect(connection.dropped).toBe(9 + 5);
    socket.resume();
    await c.waitFor((f) => f.type === 'filler' && c.messages.filter((x) => x.type === 'filler').length === fillers, 20_000, 'all fillers');
    m.emitCriticalEvent('alice', 'agent_completed', { for: 'alice' });
    await c.waitForSeq(2);
    const thinking = c.current!.frames.filter((f) => f.type === 'agent_thinking');
    expect(thinking).toHaveLength(1);
    expect(thinking[0]).toMatchObject({ transient: true, seq: 1, data: { i: 9 } });
    expect(c.messages.some((f) => f.type === 'ticker')).toBe(false);
    expect(c.violations).toEqual([]);
    const metrics = await h.wss.metrics.text();
    expect(metrics).toMatch(/wssot_transient_events_lost_total\{reason="coalesced"\} 9/);
    expect(metrics).toMatch(/wssot_transient_events_lost_total\{reason="dropped"\} 5/);
    expect(metrics).toMatch(/wssot_slow_consumer_closes_total 0/);
  }, 60_000);
});

describe('a slow consumer met mid-broadcast', () => {
  it('is closed with 4008 while every connection before and after it in the registry still gets the frame', async () => {
    h = await startHarness({ highWaterMark: 64 * 1024 });
    const m = h.wss.manager;
    const before = await Promise.all(['a1', 'a2', 'a3'].map((u) => h!.connectReady(u)));
    const slow = await h.connectReady('slow');
    const after = await Promise.all(['b1', 'b2', 'b3'].map((u) => h!.connectReady(u)));
    (slow.ws as unknown as { _socket: net.Socket })._socket.pause();
    const connection = m.getUserConnections('slow')[0]!;
    for (let i = 0; connection.socket.bufferedAmount <= m.highWaterMark && i < 10_000; i++) m.sendMessage('slow', { type: 'filler', blob: BLOB }, { delivery: 'droppable' });
    // The slow peer sits in the middle of the registry: the broadcast unregisters it mid-loop.
    expect(m.broadcastMessage({ type: 'notice', n: 1 })).toBe(6);
    expect(m.isUserConnected('slow')).toBe(false);
    for (const client of [...before, ...after]) expect(await client.nextOfType('notice')).toMatchObject({ n: 1 });
    (slow.ws as unknown as { _socket: net.Socket })._socket.resume();
    expect((await slow.closed).code).toBe(CloseCode.SLOW_CONSUMER);
    expect(m.broadcastMessage({ type: 'notice', n: 2 })).toBe(6);
  }, 30_000);
});

describe('coalesced frames', () => {
  it('go out as soon as the buffer drains, with no further send and no heartbeat', async () => {
    h = await startHarness({ highWaterMark: 64 * 1024, heartbeatIntervalMs: 0 });
    const m = h.wss.manager;
    const c = new ResumingClient('alice');
    await c.connect(h);
    const socket = (c.current!.ws as unknown as { _socket: net.Socket })._socket;
    socket.pause();
    const connection = m.getUserConnections('alice')[0]!;
    for (let i = 0; connection.socket.bufferedAmount <= m.highWaterMark && i < 10_000; i++) m.sendMessage('alice', { type: 'filler', for: 'alice', blob: BLOB }, { delivery: 'droppable' });
    for (let i = 0; i < 5; i++) m.sendAgentEvent('alice', 'agent_thinking', { for: 'alice', i }, { runId: 'r1', delivery: 'coalescible' });
    expect(connection.pending?.size).toBe(1);
    socket.resume();
    const frame = await c.waitFor((f) => f.type === 'agent_thinking', 20_000, 'the coalesced agent_thinking');
    expect(frame).toMatchObject({ transient: true, data: { i: 4 } });
    expect(connection.pending).toBeNull();
    expect(c.violations).toEqual([]);
  }, 60_000);
});

describe('replay and the high-water mark', () => {
  it('a replay larger than the high-water mark does not get the reconnecting (reading) client closed as slow', async () => {
    // The kernel absorbs several MiB of a loopback write at once; a 16 MiB replay against a 64 KiB
    // high-water mark leaves most of it in the socket's buffer when the first live event comes.
    h = await startHarness({ highWaterMark: 64 * 1024, recovery: { maxEvents: 1_000 } });
    const m = h.wss.manager;
    const c = new ResumingClient('alice');
    await c.connect(h);
    c.drop('close');
    for (let i = 0; i < 1_000 && m.isUserConnected('alice'); i++) await new Promise((resolve) => setImmediate(resolve));
    for (let i = 0; i < 1_000; i++) m.emitCriticalEvent('alice', 'agent_thinking', { for: 'alice', thought: BLOB }); // ≈ 16 MiB to replay
    let bufferedAfterReplay = 0;
    m.once('connection', (connection) => {
      // Runs synchronously right after the replay was written: the buffer still holds most of it.
      bufferedAfterReplay = connection.socket.bufferedAmount;
      m.emitCriticalEvent('alice', 'agent_completed', { for: 'alice' });
    });
    await c.connect(h);
    expect(bufferedAfterReplay).toBeGreaterThan(m.highWaterMark);
    await c.waitForSeq(1_001, 20_000);
    expect(c.recoveries).toEqual([{ recovered: true, fromSeq: 1, toSeq: 1_000 }]);
    expect(c.durable).toHaveLength(1_001);
    expect(c.violations).toEqual([]);
    expect(await h.wss.metrics.text()).toMatch(/wssot_slow_consumer_closes_total 0/);
  }, 60_000);
});
