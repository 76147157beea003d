/**
 * Two tabs of one user on the legacy path (one connection per user: the newest replaces the previous with
 * 4010), with the shipped client: `createClient` in Node with `ws` as its WebSocket, against a migration
 * server on 127.0.0.1. The tabs settle: the replaced one ends (4010 is 'end' in the close-code table), the
 * newer one stays and gets every event once, and the upgrades are bounded (no two tabs replacing each
 * other forever, which is what a client that reconnects on 4010 does).
 */
import type http from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { createClient, type ClientEvent, type ClientOptions, type DisconnectInfo, type GapInfo, type WebSocketConstructor, type WsSsotClient } from '../../src/client/index.js';
import type { CriticalEventDataMap } from '../../src/events/agent-events.js';
import { CloseCode, CompositeFlagSource, StaticFlagSource } from '../../src/index.js';
import { startHarness, type Harness } from '../support/harness.js';
import { waitFor } from '../support/wait-for.js';

let h: Harness | null = null;
const clients: Array<WsSsotClient<CriticalEventDataMap>> = [];
afterEach(async () => {
  await Promise.all(clients.splice(0).map((c) => c.close()));
  await h?.close();
  h = null;
});

/** Upgrade requests the server saw, refused ones included. */
function countUpgrades(server: http.Server): { readonly total: number } {
  const counter = { total: 0 };
  server.on('upgrade', () => counter.total++);
  return counter;
}

/** `ws` with the harness's `Authorization: Bearer user:<id>`: a WebSocket constructor passed in, as Node apps do. */
function wsAs(userId: string): WebSocketConstructor {
  return class BearerWebSocket extends WebSocket {
    constructor(url: string, protocols?: string | string[]) {
      super(url, protocols, { headers: { authorization: `Bearer user:${userId}` } });
    }
  };
}

/** A tab: a client, and what its app saw. */
function tab(userId: string, options: Partial<ClientOptions> = {}) {
  const client = createClient({ url: h!.url, WebSocket: wsAs(userId), reconnect: { initialDelayMs: 10, maxDelayMs: 40, random: () => 0.5 }, ...options });
  clients.push(client);
  const seen = { events: [] as ClientEvent[], gaps: [] as GapInfo[], disconnects: [] as DisconnectInfo[] };
  client.on('event', (e) => seen.events.push(e));
  client.onGap((g) => seen.gaps.push(g));
  client.on('disconnect', (d) => seen.disconnects.push(d));
  return { client, seen };
}

const seqs = (events: readonly ClientEvent[]) => events.map((e) => e.seq);
const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => from + i);

function emitRun(userId: string, n: number): void {
  for (let i = 0; i < n; i++) h!.wss.manager.emitCriticalEvent(userId, 'tool_executing', { tool: `t${i}` });
}

describe('ws-ssot/client, two tabs of one user on the legacy path', () => {
  it('a second tab replaces the first: the first ends on 4010 and never reconnects, the second gets every event once', async () => {
    h = await startHarness({ flags: new StaticFlagSource({ ssot: false }) });
    const upgrades = countUpgrades(h.http);
    const first = tab('alice');
    await waitFor('the first tab open', () => first.client.state === 'open');
    expect(h.wss.connectionsByPath()).toEqual({ ssot: 0, legacy: 1 });
    emitRun('alice', 2);
    await waitFor('two events in the first tab', () => first.seen.events.length === 2);

    const second = tab('alice');
    await waitFor('the second tab open and the first closed', () => second.client.state === 'open' && first.client.state === 'closed');
    expect(first.client.closeInfo).toEqual({ code: CloseCode.REPLACED_BY_NEWER, reason: expect.any(String), by: 'server' });
    expect(first.seen.disconnects).toEqual([{ code: 4010, reason: expect.any(String), action: 'end', delayMs: null, retry: null }]);
    expect(() => first.client.send({ type: 'ask' })).toThrow(expect.objectContaining({ code: 'WSSOT_ERR_CLIENT_CLOSED', closeCode: 4010 }));

    emitRun('alice', 3);
    await waitFor('three events in the second tab', () => second.seen.events.length === 3);
    expect(seqs(second.seen.events)).toEqual([3, 4, 5]); // a fresh tab starts at the server's seq
    expect(seqs(first.seen.events)).toEqual([1, 2]);
    // Settled: two upgrades in all, one live connection; the ended tab has no retry pending (state 'closed').
    expect(upgrades.total).toBe(2);
    expect(h.wss.connectionsByPath()).toEqual({ ssot: 0, legacy: 1 });
    expect([first.seen.gaps, second.seen.gaps]).toEqual([[], []]);
  });

  it('a rollback drains both tabs at once (1012) onto the legacy path: they race, one ends on 4010, the other resumes with nothing lost', async () => {
    // Slow backoff: a reconnect after 1012 must be immediate, and a retry that backed off would time the test out.
    const flags = new CompositeFlagSource({ bootstrap: new StaticFlagSource({ ssot: true }) });
    h = await startHarness({ flags });
    const upgrades = countUpgrades(h.http);
    const slow = { reconnect: { initialDelayMs: 30_000, maxDelayMs: 30_000 } };
    const a = tab('bob', slow);
    const b = tab('bob', slow);
    await waitFor('both tabs open on the SSOT path', () => a.client.state === 'open' && b.client.state === 'open');
    expect(h.wss.connectionsByPath()).toEqual({ ssot: 2, legacy: 0 });
    emitRun('bob', 3);
    await waitFor('three events in both tabs', () => a.seen.events.length === 3 && b.seen.events.length === 3);

    h.wss.setFlags({ ssot: false });
    expect(h.wss.drain()).toBe(2);
    emitRun('bob', 2); // sent while both are away: the survivor gets them replayed
    await waitFor('one tab open on the legacy path, the other ended', () => {
      const states = [a.client.state, b.client.state].sort();
      return states[0] === 'closed' && states[1] === 'open' && h!.wss.getConnectionCount() === 1;
    });
    const [survivor, replaced] = a.client.state === 'open' ? [a, b] : [b, a];
    expect(replaced.client.closeInfo).toMatchObject({ code: CloseCode.REPLACED_BY_NEWER, by: 'server' });
    // Both came back at once on 1012, then one was replaced: no backoff anywhere.
    for (const t of [a, b]) expect(t.seen.disconnects[0]).toEqual({ code: 1012, reason: expect.any(String), action: 'reconnect', delayMs: 0, retry: 1 });
    expect(replaced.seen.disconnects.at(-1)).toMatchObject({ code: 4010, action: 'end' });
    expect(h.wss.connectionsByPath()).toEqual({ ssot: 0, legacy: 1 });

    await waitFor('the replayed events in the survivor', () => survivor.seen.events.length === 5);
    emitRun('bob', 2);
    await waitFor('seven events in the survivor', () => survivor.seen.events.length === 7);
    expect(seqs(survivor.seen.events)).toEqual(range(1, 7));
    expect(survivor.seen.gaps).toEqual([]);
    // Bounded: two first connections and two reconnects, nothing after the race was decided.
    expect(upgrades.total).toBe(4);
  });

  it('the surviving tab that loses its socket resumes its own session on the legacy path: no 4010 to anyone, nothing lost', async () => {
    h = await startHarness({ flags: new StaticFlagSource({ ssot: false }) });
    const upgrades = countUpgrades(h.http);
    const first = tab('carol');
    await waitFor('the first tab open', () => first.client.state === 'open');
    const second = tab('carol');
    await waitFor('the second tab open, the first ended', () => second.client.state === 'open' && first.client.state === 'closed');
    emitRun('carol', 2);
    await waitFor('two events', () => second.seen.events.length === 2);

    const [connection] = h.wss.manager.getUserConnections('carol');
    connection!.socket.terminate(); // a network loss: the client sees 1006 and backs off
    emitRun('carol', 3); // after the socket is destroyed: never written to it, replayed on resume
    await waitFor('the second tab back with five events', () => second.client.state === 'open' && second.seen.events.length === 5);
    expect(second.seen.disconnects).toEqual([{ code: 1006, reason: expect.any(String), action: 'backoff', delayMs: expect.any(Number), retry: 1 }]);
    expect(seqs(second.seen.events)).toEqual(range(1, 5));
    expect(second.seen.gaps).toEqual([]);
    expect(first.client.state).toBe('closed');
    expect(upgrades.total).toBe(3);
    expect(h.wss.connectionsByPath()).toEqual({ ssot: 0, legacy: 1 });
  });
});
