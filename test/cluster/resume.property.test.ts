/**
 * Produce while resuming, across nodes (separate processes): events for several users are produced on one
 * node while their tabs are dropped at random and reconnect to a random node with the shipped client. At
 * the app, every user sees seq 1..N exactly once and in order, no gap callback (the log holds them all), and
 * never another user's event.
 */
import fc from 'fast-check';
import { afterAll, beforeAll, expect, it } from 'vitest';
import WebSocket from 'ws';
import { createClient, type WsSsotClient } from '../../src/client/index.js';
import { startNode, type ClusterNode } from '../support/cluster-nodes.js';
import { describeWithRedis, REDIS_URL, uniquePrefix } from '../support/redis.js';
import { waitFor } from '../support/wait-for.js';

const USERS = ['alice', 'bob', 'carol'] as const;
const SEED = 20261202;

function wsAs(userId: string): unknown {
  return class extends WebSocket {
    constructor(url: string | URL, protocols?: string | string[]) {
      super(url, protocols, { headers: { authorization: `Bearer user:${userId}` } });
    }
  };
}

type Step = { kind: 'emit'; user: number; node: number; count: number } | { kind: 'drop'; user: number; node: number };

const step: fc.Arbitrary<Step> = fc.oneof(
  fc.record({ kind: fc.constant('emit' as const), user: fc.integer({ min: 0, max: 2 }), node: fc.integer({ min: 0, max: 2 }), count: fc.integer({ min: 20, max: 120 }) }),
  fc.record({ kind: fc.constant('drop' as const), user: fc.integer({ min: 0, max: 2 }), node: fc.integer({ min: 0, max: 2 }) }),
);

describeWithRedis('Redis engine: produce while resuming (property)', () => {
  let nodes: ClusterNode[] = [];
  beforeAll(async () => {
    const keyPrefix = uniquePrefix('property');
    nodes = await Promise.all([0, 1, 2].map((i) => startNode({ redisUrl: REDIS_URL, keyPrefix, nodeId: `p${i}` })));
  });
  afterAll(async () => {
    await Promise.all(nodes.map((n) => n.stop()));
  });

  it('0 gaps, 0 duplicates, 0 cross-user deliveries', async () => {
    let run = 0;
    let reconnects = 0;
    await fc.assert(
      fc.asyncProperty(fc.array(step, { minLength: 5, maxLength: 25 }), fc.infiniteStream(fc.integer({ min: 0, max: 2 })), async (steps, nodePicks) => {
        run++;
        // A fresh set of users per run (the same nodes): seq starts at 1 for each.
        const users = USERS.map((u) => `${u}-${run}`);
        const seen = users.map(() => [] as number[]);
        const foreign: string[] = [];
        const gaps: unknown[] = [];
        // The client resyncs on its own when a connection skips a seq: the engine must never make it.
        const protocolErrors: string[] = [];
        const picks = nodePicks[Symbol.iterator]();
        const clients: WsSsotClient[] = users.map((userId, u) => {
          const client = createClient({ url: () => nodes[picks.next().value as number]!.url, WebSocket: wsAs(userId) as never, reconnect: { initialDelayMs: 5, maxDelayMs: 50 } });
          client.on('agent_thinking', (event) => {
            if ((event.data as { user?: string }).user !== userId) foreign.push(userId);
            seen[u]!.push(event.seq);
          });
          client.onGap((gap) => void gaps.push(gap));
          client.on('disconnect', () => void reconnects++);
          client.on('error', (err) => void protocolErrors.push((err as { code?: string }).code ?? String(err)));
          return client;
        });
        try {
          await waitFor('every client open', () => clients.every((c) => c.state === 'open'), 10_000);
          const produced = users.map(() => 0);
          const inFlight: Array<Promise<unknown>> = [];
          for (const s of steps) {
            if (s.kind === 'drop') {
              inFlight.push(nodes[s.node]!.call('drop', { userId: users[s.user]! }));
              continue;
            }
            // A steady stream from any node, going on while tabs are dropped and resume elsewhere.
            produced[s.user]! += s.count;
            inFlight.push(nodes[s.node]!.call('emitSteady', { userId: users[s.user]!, count: s.count, type: 'agent_thinking' }));
          }
          await Promise.all(inFlight);
          await waitFor('every event at its app', () => seen.every((list, u) => list.length >= produced[u]!), 20_000);
          for (const [u, list] of seen.entries()) expect(list).toEqual(Array.from({ length: produced[u]! }, (_, i) => i + 1));
          expect(gaps).toEqual([]);
          expect(foreign).toEqual([]);
          expect(protocolErrors).toEqual([]);
        } finally {
          await Promise.all(clients.map((c) => c.close()));
        }
      }),
      { numRuns: 12, seed: SEED, endOnFailure: true },
    );
    for (const node of nodes) expect(node.unhandled).toEqual([]);
    console.info(`[cluster property] fast-check seed ${SEED}: ${run} runs × up to 25 steps, 3 users, 3 nodes, ${reconnects} disconnects`);
    expect(reconnects).toBeGreaterThan(0);
  });
});
