/**
 * Peers the server closes to make room for a newer connection (4029 evicted, 4010 replaced on the legacy
 * path, 4009 a resumed session's ghost) are unregistered at once and, if they never read (so never answer
 * the close frame), terminated after `slowCloseTimeoutMs`, not after ws's own 30 s close timeout: a peer
 * that stopped reading must not hold its buffered frames that long.
 */
import type net from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import type { WebSocket } from 'ws';
import { StaticFlagSource } from '../../src/index.js';
import { startHarness, type Harness } from '../support/harness.js';
import { connectNeverReading } from '../support/raw-client.js';
import { waitFor } from '../support/wait-for.js';

let h: Harness | null = null;
const raws: net.Socket[] = [];
afterEach(async () => {
  for (const raw of raws.splice(0)) raw.destroy();
  await h?.close();
  h = null;
});

const CLOSED = 3;
const SLOW_CLOSE_MS = 300;

/** A never-reading peer of `userId`, with some frames buffered for it; returns its server-side socket. */
async function neverReadingPeer(userId: string): Promise<WebSocket> {
  const raw = await connectNeverReading(h!.port, h!.wss.options.path, userId);
  raws.push(raw);
  const connection = h!.wss.manager.getUserConnections(userId)[0]!;
  // Frames it will never read: the kernel takes some, the rest waits in the socket's buffer.
  for (let i = 0; i < 64; i++) h!.wss.manager.sendMessage(userId, { type: 'filler', blob: 'x'.repeat(16 * 1024) }, { delivery: 'droppable' });
  return connection.socket;
}

describe('a peer closed to make room for a newer connection, that never reads', () => {
  it('evicted (4029, evict-oldest): unregistered at once, terminated after slowCloseTimeoutMs', async () => {
    h = await startHarness({ maxConnectionsPerUser: 1, connectionLimitPolicy: 'evict-oldest', slowCloseTimeoutMs: SLOW_CLOSE_MS });
    const evicted = await neverReadingPeer('alice');
    const started = Date.now();
    const newer = await h.connectReady('alice');
    expect(h.wss.manager.getUserConnections('alice').map((c) => c.socket)).not.toContain(evicted);
    const after = await waitFor('the evicted peer to be terminated', () => evicted.readyState === CLOSED, 5_000);
    expect(Date.now() - started).toBeGreaterThanOrEqual(SLOW_CLOSE_MS - 20);
    expect(after).toBeLessThan(5_000);
    expect(newer.ws.readyState).toBe(1);
    expect(h.wss.getConnectionCount()).toBe(1);
  });

  it('replaced on the legacy path (4010): terminated after slowCloseTimeoutMs', async () => {
    h = await startHarness({ flags: new StaticFlagSource({ ssot: false }), slowCloseTimeoutMs: SLOW_CLOSE_MS });
    const replaced = await neverReadingPeer('alice');
    await h.connectReady('alice');
    await waitFor('the replaced peer to be terminated', () => replaced.readyState === CLOSED, 5_000);
    expect(h.wss.connectionsByPath()).toEqual({ ssot: 0, legacy: 1 });
  });

  it("a resumed session's ghost (4009): terminated after slowCloseTimeoutMs", async () => {
    h = await startHarness({ slowCloseTimeoutMs: SLOW_CLOSE_MS });
    const ghost = await neverReadingPeer('alice');
    const sessionId = h.wss.manager.getUserConnections('alice')[0]!.sessionId;
    await h.connectReady('alice', `sessionId=${sessionId}`);
    await waitFor('the ghost to be terminated', () => ghost.readyState === CLOSED, 5_000);
    expect(h.wss.getConnectionCount()).toBe(1);
  });
});

describe('a peer the app removes or a drain closes, that never reads', () => {
  it.each([
    ['removeConnection (1000)', (harness: Harness): number => harness.wss.manager.removeConnection('alice')],
    ['drain (1012)', (harness: Harness): number => harness.wss.drain({ path: 'ssot' })],
  ])('%s: unregistered at once, terminated after slowCloseTimeoutMs (not ws’s 30 s)', async (_name, close) => {
    h = await startHarness({ slowCloseTimeoutMs: SLOW_CLOSE_MS });
    const peer = await neverReadingPeer('alice');
    expect(close(h)).toBe(1);
    expect(h.wss.getConnectionCount()).toBe(0);
    await waitFor('the peer to be terminated', () => peer.readyState === CLOSED, 5_000);
  });
});
