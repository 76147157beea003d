/**
 * Issue 16 point 7: offline users' logs are bounded in total (recovery.maxOfflineUsers), the one idle longest
 * evicted first, its user resuming with recovered: false; connected users' logs are never evicted. Real
 * sockets on 127.0.0.1 through a standalone UnifiedWebSocketManager.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { UnifiedWebSocketManager } from '../../src/index.js';
import type { TestClient } from '../support/client.js';
import { silentLogger } from '../support/harness.js';
import { socketPairs, type SocketPairs } from '../support/socket-pair.js';

let pairs: SocketPairs;
let manager: UnifiedWebSocketManager | null = null;
beforeEach(async () => {
  pairs = await socketPairs();
});
afterEach(async () => {
  manager?.close();
  manager = null;
  await pairs.close();
});

/** Connects `userId` (resuming with lastSeq/epoch if given) and returns the client with its session frame. */
async function connect(m: UnifiedWebSocketManager, userId: string, resume?: { lastSeq: number; epoch: string }): Promise<{ client: TestClient; epoch: string }> {
  const { server, client } = await pairs.open();
  m.handleConnection(server, { userId, lastSeq: resume?.lastSeq ?? null, epoch: resume?.epoch ?? null });
  const session = await client.nextOfType('session');
  return { client, epoch: session.epoch as string };
}

describe('offline users\' logs are bounded in total', () => {
  it('one event to each of 30k offline users keeps only the newest maxOfflineUsers (default 10_000) logs', () => {
    const m = (manager = new UnifiedWebSocketManager({ logger: silentLogger }));
    const users = 30_000;
    for (let i = 0; i < users; i++) m.emitCriticalEvent(`u${i}`, 'agent_started', { i });
    let retained = 0;
    for (let i = 0; i < users; i++) if (m.getUserSequence(`u${i}`).epoch !== null) retained++;
    expect(retained).toBe(10_000);
    expect(m.getUserSequence(`u${users - 10_000 - 1}`)).toEqual({ seq: 0, epoch: null }); // the oldest went first
    expect(m.getUserSequence(`u${users - 10_000}`).seq).toBe(1);
    expect(m.getUserSequence(`u${users - 1}`).seq).toBe(1);
  });

  it('the evicted user resumes with recovered: false, a later offline user recovers, a connected user keeps its log', async () => {
    const m = (manager = new UnifiedWebSocketManager({ logger: silentLogger, recovery: { maxOfflineUsers: 3 } }));
    const alice = await connect(m, 'alice');
    const carol = await connect(m, 'carol');
    const bob = await connect(m, 'bob');
    for (const [who, c] of [['alice', alice], ['carol', carol], ['bob', bob]] as const) {
      m.emitCriticalEvent(who, 'agent_started', { who });
      await c.client.nextOfType('agent_started');
    }
    m.removeConnection('alice');
    m.removeConnection('carol');
    m.emitCriticalEvent('alice', 'agent_thinking', { missed: 'alice' }); // alice seq 2, then carol seq 2: carol is the most recent
    m.emitCriticalEvent('carol', 'agent_thinking', { missed: 'carol' });
    const bobEpoch = m.getUserSequence('bob').epoch;
    // Offline now: alice, carol (2); one event each to two more offline users goes past the bound of 3.
    m.emitCriticalEvent('u1', 'agent_started', {});
    expect(m.getUserSequence('alice').seq).toBe(2);
    m.emitCriticalEvent('u2', 'agent_started', {});
    expect(m.getUserSequence('alice')).toEqual({ seq: 0, epoch: null });
    for (let i = 3; i < 20; i++) m.emitCriticalEvent(`u${i}`, 'agent_started', {}); // bob is connected: never evicted
    expect(m.getUserSequence('bob')).toEqual({ seq: 1, epoch: bobEpoch });

    const aliceBack = await connect(m, 'alice', { lastSeq: 1, epoch: alice.epoch });
    expect(aliceBack.epoch).not.toBe(alice.epoch);
    expect(await aliceBack.client.nextOfType('recovery')).toMatchObject({ recovered: false, fromSeq: 2, toSeq: 0 });

    const bobTab = await connect(m, 'bob', { lastSeq: 0, epoch: bob.epoch });
    expect(bobTab.epoch).toBe(bob.epoch);
    expect(await bobTab.client.nextOfType('agent_started')).toMatchObject({ seq: 1, data: { who: 'bob' } });
    expect(await bobTab.client.nextOfType('recovery')).toMatchObject({ recovered: true, fromSeq: 1, toSeq: 1 });

    // carol, next in line after alice, was evicted by u3: she resumes without recovery too.
    const carolBack = await connect(m, 'carol', { lastSeq: 1, epoch: carol.epoch });
    expect(await carolBack.client.nextOfType('recovery')).toMatchObject({ recovered: false });
  });

  it('an offline user within the bound recovers what it missed', async () => {
    const m = (manager = new UnifiedWebSocketManager({ logger: silentLogger, recovery: { maxOfflineUsers: 3 } }));
    const carol = await connect(m, 'carol');
    m.emitCriticalEvent('carol', 'agent_started', {});
    await carol.client.nextOfType('agent_started');
    m.removeConnection('carol');
    m.emitCriticalEvent('carol', 'agent_thinking', { missed: true });
    m.emitCriticalEvent('u1', 'agent_started', {});
    m.emitCriticalEvent('u2', 'agent_started', {});
    const back = await connect(m, 'carol', { lastSeq: 1, epoch: carol.epoch });
    expect(back.epoch).toBe(carol.epoch);
    expect(await back.client.nextOfType('agent_thinking')).toMatchObject({ seq: 2, data: { missed: true } });
    expect(await back.client.nextOfType('recovery')).toMatchObject({ recovered: true, fromSeq: 2, toSeq: 2 });
  });

  it('after close() nothing is retained for offline users', () => {
    const m = (manager = new UnifiedWebSocketManager({ logger: silentLogger }));
    m.emitCriticalEvent('offline', 'agent_started', {});
    expect(m.getUserSequence('offline').seq).toBe(1);
    m.close();
    expect(m.getUserSequence('offline')).toEqual({ seq: 0, epoch: null });
  });
});
