/**
 * The Redis engine across nodes that are separate processes, each with its own Redis connections: delivery
 * routed by user (every tab once), broadcast to every node, recovery on another node and after a restart
 * (same epoch), the per-user limit and presence across nodes, a SIGKILLed node's presence expiring.
 */
import { afterEach, expect, it } from 'vitest';
import { CloseCode } from '../../src/index.js';
import { TestClient } from '../support/client.js';
import { startNode, type ClusterNode } from '../support/cluster-nodes.js';
import type { NodeConfig } from '../support/cluster-node.js';
import { describeWithRedis, REDIS_URL, uniquePrefix } from '../support/redis.js';
import { waitFor } from '../support/wait-for.js';

const nodes: ClusterNode[] = [];
const clients: TestClient[] = [];
afterEach(async () => {
  await Promise.all(clients.splice(0).map((c) => c.close()));
  await Promise.all(nodes.splice(0).map((n) => n.stop()));
});

async function deployment(count: number, extra: Partial<NodeConfig> = {}): Promise<ClusterNode[]> {
  const keyPrefix = uniquePrefix('cross-node');
  const started = await Promise.all(Array.from({ length: count }, (_, i) => startNode({ redisUrl: REDIS_URL, keyPrefix, nodeId: `node-${i}`, ...extra })));
  nodes.push(...started);
  return started;
}

async function connect(node: ClusterNode, userId: string, query = ''): Promise<TestClient> {
  const client = await TestClient.open(`${node.url}${query ? `?${query}` : ''}`, { headers: { authorization: `Bearer user:${userId}` } });
  clients.push(client);
  return client;
}

async function connectReady(node: ClusterNode, userId: string, query = ''): Promise<{ client: TestClient; session: Record<string, unknown> }> {
  const client = await connect(node, userId, query);
  return { client, session: await client.nextOfType('session') };
}

const seqsOf = (client: TestClient, type = 'agent_thinking'): number[] => client.frames.filter((f) => f.type === type).map((f) => f.seq as number);

describeWithRedis('Redis engine across nodes', () => {
  it('delivers a send from a third node to a user’s tabs on two nodes, each tab once and in order, and never to another user', async () => {
    const [a, b, c] = await deployment(3);
    const { client: onA } = await connectReady(a!, 'alice');
    const { client: onB } = await connectReady(b!, 'alice');
    const { client: bob } = await connectReady(b!, 'bob');
    for (let i = 1; i <= 20; i++) await c!.call('emit', { userId: 'alice', type: 'agent_thinking', data: { i } });
    await c!.call('message', { userId: 'bob', message: { type: 'marker' } });
    for (const tab of [onA, onB]) {
      await tab.waitForCount((f) => f.type === 'agent_thinking', 20);
      expect(seqsOf(tab)).toEqual(Array.from({ length: 20 }, (_, i) => i + 1));
    }
    await bob.nextOfType('marker');
    expect(bob.frames.some((f) => f.type === 'agent_thinking')).toBe(false);
    // The frame every tab got is the bytes the producing node serialised once.
    expect(onA.frames.find((f) => f.seq === 7)).toEqual(onB.frames.find((f) => f.seq === 7));
  });

  it('hands on a coalescible event with a non-ASCII runId byte for byte (the coalesce key is counted in bytes)', async () => {
    const [a, b] = await deployment(2);
    const { client } = await connectReady(a!, 'alice');
    const data = { text: 'Grüße | 你好 \u0000 😀', n: 1 };
    await b!.call('emit', { userId: 'alice', type: 'agent_thinking', data, delivery: 'coalescible', runId: 'rün|1 😀' });
    await b!.call('emit', { userId: 'alice', type: 'agent_thinking', data: { n: 2 }, delivery: 'coalescible', runId: 'plain' });
    await client.waitForCount((f) => f.type === 'agent_thinking', 2);
    const [first, second] = client.frames.filter((f) => f.type === 'agent_thinking');
    expect(first).toMatchObject({ runId: 'rün|1 😀', data, transient: true });
    expect(second).toMatchObject({ runId: 'plain', data: { n: 2 } });
  });

  it('broadcasts across three nodes', async () => {
    const all = await deployment(3);
    const tabs = await Promise.all(all.flatMap((node, i) => [connectReady(node, `u${i}a`), connectReady(node, `u${i}b`)]));
    await all[1]!.call('broadcast', { message: { type: 'maintenance', at: 1 } });
    for (const { client } of tabs) expect(await client.nextOfType('maintenance')).toMatchObject({ at: 1 });
  });

  it('a client that reconnects to another node gets exactly the missed events, then live ones', async () => {
    const [a, b] = await deployment(2);
    const { client: first, session } = await connectReady(a!, 'alice');
    for (let i = 1; i <= 5; i++) await b!.call('emit', { userId: 'alice', type: 'agent_thinking', data: { i } });
    await first.waitForCount((f) => f.type === 'agent_thinking', 5);
    await first.close();
    for (let i = 6; i <= 9; i++) await b!.call('emit', { userId: 'alice', type: 'agent_thinking', data: { i } });
    const resumed = await connect(b!, 'alice', `lastSeq=5&epoch=${String(session.epoch)}`);
    expect(await resumed.nextOfType('session')).toMatchObject({ epoch: session.epoch, lastSeq: 9 });
    expect(await resumed.nextOfType('recovery')).toMatchObject({ recovered: true, fromSeq: 6, toSeq: 9 });
    await a!.call('emit', { userId: 'alice', type: 'agent_thinking', data: { i: 10 } });
    await resumed.waitForCount((f) => f.type === 'agent_thinking', 5);
    expect(seqsOf(resumed)).toEqual([6, 7, 8, 9, 10]);
  });

  it('a node restart resumes: same epoch, recovered: true', async () => {
    const [a, b] = await deployment(2);
    const { client, session } = await connectReady(a!, 'alice');
    await b!.call('emit', { userId: 'alice', type: 'agent_started', data: {} });
    await client.nextOfType('agent_started');
    await a!.stop();
    expect((await client.closed).code).toBe(CloseCode.GOING_AWAY);
    await b!.call('emit', { userId: 'alice', type: 'agent_thinking', data: { i: 2 } });
    const restarted = await startNode({ ...a!.config, port: a!.port });
    nodes.push(restarted);
    const resumed = await connect(restarted, 'alice', `lastSeq=1&epoch=${String(session.epoch)}`);
    expect(await resumed.nextOfType('session')).toMatchObject({ epoch: session.epoch, lastSeq: 2 });
    expect(await resumed.nextOfType('recovery')).toMatchObject({ recovered: true, fromSeq: 2, toSeq: 2 });
    expect(seqsOf(resumed)).toEqual([2]);
  });

  it('enforces the per-user limit across nodes: reject-newest closes the extra tab with 1013', async () => {
    const [a, b] = await deployment(2, { maxConnectionsPerUser: 2 });
    await connectReady(a!, 'alice');
    await connectReady(b!, 'alice');
    const third = await connect(a!, 'alice');
    expect((await third.closed).code).toBe(CloseCode.TRY_AGAIN_LATER);
    expect(third.frames.some((f) => f.type === 'session')).toBe(false);
    expect(await b!.call('presence', { userId: 'alice' })).toBe(2);
  });

  it('enforces the per-user limit across nodes: evict-oldest closes the oldest tab, on the other node, with 4029', async () => {
    const [a, b] = await deployment(2, { maxConnectionsPerUser: 2, connectionLimitPolicy: 'evict-oldest' });
    const { client: oldest } = await connectReady(a!, 'alice');
    await connectReady(b!, 'alice');
    const { client: newest } = await connectReady(b!, 'alice');
    expect((await oldest.closed).code).toBe(CloseCode.EVICTED_BY_LIMIT);
    expect(await a!.call('presence', { userId: 'alice' })).toBe(2);
    await a!.call('emit', { userId: 'alice', type: 'agent_started', data: {} });
    await newest.nextOfType('agent_started');
  });

  it('a node killed with SIGKILL stops counting within the presence TTL', async () => {
    const [a, b] = await deployment(2, { presenceTtlMs: 1_500, heartbeatIntervalMs: 300 });
    await connectReady(a!, 'alice');
    await connectReady(b!, 'alice');
    expect(await b!.call('presence', { userId: 'alice' })).toBe(2);
    const killedAt = Date.now();
    await a!.kill('SIGKILL');
    let count = 2;
    await waitFor('the killed node’s presence to expire', () => {
      void b!.call('presence', { userId: 'alice' }).then((n) => (count = n as number));
      return count === 1;
    }, 5_000, 100);
    expect(Date.now() - killedAt).toBeLessThan(1_500 + 1_000);
    await b!.call('beat');
    const health = (await b!.call('health')) as { cluster: { cluster: { nodes: number; connections: number } } };
    expect(health.cluster.cluster).toMatchObject({ nodes: 1, connections: 1 });
  });

  it('serves the legacy path on the engine too: a legacy-path send reaches an SSOT-path tab on another node', async () => {
    const keyPrefix = uniquePrefix('legacy');
    const legacyNode = await startNode({ redisUrl: REDIS_URL, keyPrefix, ssot: false });
    const ssotNode = await startNode({ redisUrl: REDIS_URL, keyPrefix, ssot: true });
    nodes.push(legacyNode, ssotNode);
    const { client: ssotTab } = await connectReady(ssotNode, 'alice');
    const { client: legacyTab } = await connectReady(legacyNode, 'alice');
    await legacyNode.call('legacyEmit', { userId: 'alice', type: 'agent_started', data: {} });
    expect(await ssotTab.nextOfType('agent_started')).toMatchObject({ seq: 1 });
    expect(await legacyTab.nextOfType('agent_started')).toMatchObject({ seq: 1 });
    for (const node of nodes) expect(node.unhandled).toEqual([]);
  });
});

describeWithRedis('Redis engine: routing and isolation', () => {
  it('routes by user: a node holding no tab of the user neither subscribes to nor receives its events', async () => {
    const [holder, bystander, producer] = await deployment(3);
    const { client } = await connectReady(holder!, 'alice');
    await connectReady(bystander!, 'bob');
    for (let i = 1; i <= 10; i++) await producer!.call('emit', { userId: 'alice', type: 'agent_thinking', data: { i } });
    await client.waitForCount((f) => f.type === 'agent_thinking', 10);
    expect(await holder!.call('metric', { name: 'wssot_cluster_routed_deliveries_total' })).toBe(10);
    expect(await bystander!.call('metric', { name: 'wssot_cluster_routed_deliveries_total' })).toBe(0);
    expect(((await bystander!.call('health')) as { cluster: { routedUsers: number } }).cluster.routedUsers).toBe(1); // bob only
  });

  it('keyPrefix isolates deployments on one Redis: the same user id in two prefixes shares nothing', async () => {
    const [staging] = await deployment(1);
    const production = await startNode({ redisUrl: REDIS_URL, keyPrefix: uniquePrefix('production') });
    nodes.push(production);
    const { client: onStaging } = await connectReady(staging!, 'alice');
    const { client: onProduction } = await connectReady(production, 'alice');
    await staging!.call('emit', { userId: 'alice', type: 'agent_started', data: { env: 'staging' } });
    await production.call('emit', { userId: 'alice', type: 'agent_started', data: { env: 'production' } });
    expect(await onStaging.nextOfType('agent_started')).toMatchObject({ seq: 1, data: { env: 'staging' } });
    expect(await onProduction.nextOfType('agent_started')).toMatchObject({ seq: 1, data: { env: 'production' } });
    await production.call('message', { userId: 'alice', message: { type: 'marker' } });
    await onProduction.nextOfType('marker');
    expect(onStaging.frames.filter((f) => f.type === 'agent_started')).toHaveLength(1);
    expect(await production.call('presence', { userId: 'alice' })).toBe(1);
  });

  it('works on plain channels too (pubsub: plain, as on Redis < 7)', async () => {
    const [a, b] = await deployment(2, { pubsub: 'plain' });
    const { client } = await connectReady(a!, 'alice');
    for (let i = 1; i <= 5; i++) await b!.call('emit', { userId: 'alice', type: 'agent_thinking', data: { i } });
    await client.waitForCount((f) => f.type === 'agent_thinking', 5);
    expect(seqsOf(client)).toEqual([1, 2, 3, 4, 5]);
  });
});
