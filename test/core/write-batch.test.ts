/**
 * While a batch is open, frames written to one socket in one event-loop turn go to the kernel in one write, in
 * order; a socket never holds more than its limit corked (so batching cannot make a reading peer look slow); and
 * without an open batch (an app's own sends) every frame goes out at once.
 */
import type { Socket } from 'node:net';
import type { WebSocket } from 'ws';
import { afterEach, describe, expect, it } from 'vitest';
import { OutboundFrame } from '../../src/core/outbound-frame.js';
import { WriteBatch } from '../../src/core/write-batch.js';
import { socketPairs, type SocketPairs } from '../support/socket-pair.js';

let pairs: SocketPairs | null = null;
afterEach(async () => {
  await pairs?.close();
  pairs = null;
});

const transportOf = (socket: WebSocket): Socket => (socket as unknown as { _socket: Socket })._socket;

/** Counts the writes the transport hands to the kernel (each `_write`/`_writev` call is one). */
function countKernelWrites(transport: Socket): { writes: number } {
  const seen = { writes: 0 };
  const t = transport as unknown as { _write: (...a: unknown[]) => void; _writev: (...a: unknown[]) => void };
  const write = t._write.bind(transport);
  const writev = t._writev.bind(transport);
  t._write = (...a) => (seen.writes++, write(...a));
  t._writev = (...a) => (seen.writes++, writev(...a));
  return seen;
}

describe('WriteBatch', () => {
  it('merges the frames of one turn into one kernel write, in order, released at the end of the turn', async () => {
    pairs = await socketPairs();
    const { server, client } = await pairs.open();
    const batch = new WriteBatch(1024 * 1024);
    const seen = countKernelWrites(transportOf(server));
    batch.open();
    for (let i = 0; i < 50; i++) {
      batch.hold(server);
      new OutboundFrame(JSON.stringify({ type: 'n', i })).writeTo(server);
    }
    expect(transportOf(server).writableCorked).toBe(1); // held until the turn ends
    expect(seen.writes).toBe(0);
    await client.waitForCount((f) => f.type === 'n', 50);
    expect(seen.writes).toBe(1);
    expect(client.frames.map((f) => f.i)).toEqual(Array.from({ length: 50 }, (_, i) => i));
  });

  it('holds at most a quarter of the high-water mark per socket: past it, what is held goes out at once', async () => {
    pairs = await socketPairs();
    const { server, client } = await pairs.open();
    const highWaterMark = 16 * 1024;
    const batch = new WriteBatch(highWaterMark);
    const frame = new OutboundFrame(JSON.stringify({ type: 'n', pad: 'x'.repeat(1_000) }));
    let largestHeld = 0;
    batch.open();
    for (let i = 0; i < 100; i++) {
      batch.hold(server);
      frame.writeTo(server);
      largestHeld = Math.max(largestHeld, transportOf(server).writableLength);
    }
    // The kernel takes each flush at once here (a reading peer), so nothing more than one batch plus a frame waits.
    expect(largestHeld).toBeLessThanOrEqual(highWaterMark / 4 + frame.payload.length + 16);
    await client.waitForCount((f) => f.type === 'n', 100);
  });

  it('without an open batch (an app send) a frame goes to the kernel at once', async () => {
    pairs = await socketPairs();
    const { server, client } = await pairs.open();
    const batch = new WriteBatch(1024 * 1024);
    const seen = countKernelWrites(transportOf(server));
    for (let i = 0; i < 3; i++) {
      batch.hold(server);
      new OutboundFrame(JSON.stringify({ type: 'n', i })).writeTo(server);
    }
    expect(transportOf(server).writableCorked).toBe(0);
    expect(seen.writes).toBe(3);
    await client.waitForCount((f) => f.type === 'n', 3);
  });

  it('release() uncorks everything held, and a socket destroyed meanwhile is harmless', async () => {
    pairs = await socketPairs();
    const a = await pairs.open();
    const b = await pairs.open();
    const batch = new WriteBatch(1024 * 1024);
    batch.open();
    for (const s of [a.server, b.server]) {
      batch.hold(s);
      new OutboundFrame('{"type":"n"}').writeTo(s);
    }
    b.server.terminate();
    batch.release();
    expect(transportOf(a.server).writableCorked).toBe(0);
    await a.client.nextOfType('n');
  });
});
