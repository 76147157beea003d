/**
 * Lost replies and unreachable Redis for a producing node, for real: its connections go through a TCP proxy
 * (test/support/reply-cutter.ts) that drops a reply after Redis ran the command and cuts the connection, and
 * can refuse every reconnect. A publish ioredis sends again, or the engine sends again after ioredis gave up
 * on it, is logged and delivered once, with its first seq, whatever another node sent to the user meanwhile;
 * an event waiting behind a message that was rejected is not rejected with it; a command timeout on the app's
 * instance is rejected and not sent again.
 */
import { expect, it } from 'vitest';
import type { NodeConfig } from '../support/cluster-node.js';
import { startNode, type ClusterNode } from '../support/cluster-nodes.js';
import { useNodesAndTabs } from '../support/nodes-and-tabs.js';
import { describeWithRedis, uniquePrefix } from '../support/redis.js';
import { ownRedis, withRedis, type OwnRedis } from '../support/redis-server.js';
import { until } from '../support/redis-topology.js';
import { replyCutter, type ReplyCutter } from '../support/reply-cutter.js';
import { openTab, readLog, type TrackedTab } from '../support/tracked-tab.js';
import { waitFor } from '../support/wait-for.js';

const servers: OwnRedis[] = [];
const proxies: ReplyCutter[] = [];
const { nodes, tabs } = useNodesAndTabs(async () => {
  await Promise.all(proxies.splice(0).map((p) => p.close()));
  await Promise.all(servers.splice(0).map((r) => r.kill()));
});

/**
 * A redis-server of the test's own; node a talks to it directly and holds an open tab of `userId`, node b
 * (the producer) has the Redis settings `producer` gives for that server.
 */
async function nodesAndTab(name: string, userId: string, producer: (redis: OwnRedis) => Promise<Omit<NodeConfig, 'keyPrefix'>>): Promise<{ redis: OwnRedis; keyPrefix: string; a: ClusterNode; b: ClusterNode; tab: TrackedTab }> {
  const redis = await ownRedis();
  servers.push(redis);
  await redis.start();
  const keyPrefix = uniquePrefix(name);
  const [a, b] = await Promise.all([startNode({ redisUrl: redis.url, keyPrefix }), producer(redis).then((config) => startNode({ ...config, keyPrefix }))]);
  nodes.push(a, b);
  const tab = openTab(a.url, userId);
  tabs.push(tab);
  await waitFor('the tab open', () => tab.client.state === 'open');
  return { redis, keyPrefix, a, b, tab };
}

/** {@link nodesAndTab} with the producer's connections through a proxy that can lose a reply or refuse connections. */
async function producerBehindProxy(name: string, userId: string): Promise<{ redis: OwnRedis; proxy: ReplyCutter; keyPrefix: string; a: ClusterNode; b: ClusterNode; tab: TrackedTab }> {
  let proxy!: ReplyCutter; // made by the producer's settings, once the server's port is known
  const deployment = await nodesAndTab(name, userId, async (redis) => {
    proxy = await replyCutter(redis.port);
    proxies.push(proxy);
    return { redisUrl: proxy.url };
  });
  return { ...deployment, proxy };
}

describeWithRedis('Redis engine: lost replies and an unreachable Redis for the producing node', () => {
  it('a publish’s reply lost (the connection cut after Redis ran it): ioredis sends it again on reconnect, and it is logged and delivered once, with the seq it got the first time', async () => {
    const { redis, proxy, keyPrefix, b, tab } = await producerBehindProxy('lost-reply', 'kay');
    for (let i = 1; i <= 3; i++) expect(await b.call('emit', { userId: 'kay', type: 'agent_thinking', data: { i } })).toBe(i);

    const cut = proxy.cutNextReply('evalsha');
    expect(await b.call('emit', { userId: 'kay', type: 'agent_thinking', data: { i: 4 } })).toBe(4);
    await cut;
    expect(await b.call('emit', { userId: 'kay', type: 'agent_thinking', data: { i: 5 } })).toBe(5);

    const log = await withRedis(redis.url, (r) => readLog(r, keyPrefix, 'kay'));
    expect([...log.entries()]).toEqual([[1, 1], [2, 2], [3, 3], [4, 4], [5, 5]]);
    await waitFor('the tab at seq 5', () => tab.client.lastSeq === 5);
    expect(tab.seen).toEqual([1, 2, 3, 4, 5].map((i) => ({ kind: 'event', seq: i, i })));
    expect(b.unhandled).toEqual([]);
  });

  it('a publish’s reply lost and Redis then unreachable past ioredis’s retries: the engine sends it again with the same id, and it is logged and delivered once, not rejected, though another node’s send to the user ran in between', async () => {
    const { redis, proxy, keyPrefix, a, b, tab } = await producerBehindProxy('lost-reply-outage', 'lea');
    for (let i = 1; i <= 3; i++) expect(await b.call('emit', { userId: 'lea', type: 'agent_thinking', data: { i } })).toBe(i);

    // Redis runs event 4, its reply is lost and the connection cut; every reconnect is cut too, so ioredis
    // gives up on it (maxRetriesPerRequest) although it ran. An app retrying it would log it twice.
    const cut = proxy.cutNextReply('evalsha');
    const fourth = b.call('emit', { userId: 'lea', type: 'agent_thinking', data: { i: 4 } });
    fourth.catch(() => undefined); // awaited below; not an unhandled rejection if a wait fails first
    await cut;
    await proxy.refuse(true);
    await until('ioredis gave up on it and the engine sent it again', async () => ((await b.call('metric', { name: 'wssot_cluster_publish_retries_total' })) as number) >= 1, 10_000, 50);
    // The other node, which reaches Redis, sends to the same user meanwhile (each node keeps its own latest send id).
    expect(await a.call('emit', { userId: 'lea', type: 'agent_thinking', data: { i: 50 } })).toBe(5);
    // Sent during the outage: waits behind the resent one, and takes the next seq.
    const fifth = b.call('emit', { userId: 'lea', type: 'agent_thinking', data: { i: 5 } });
    fifth.catch(() => undefined);
    await proxy.refuse(false);
    expect(await fourth).toBe(4);
    expect(await fifth).toBe(6);

    const log = await withRedis(redis.url, (r) => readLog(r, keyPrefix, 'lea'));
    expect([...log.entries()]).toEqual([[1, 1], [2, 2], [3, 3], [4, 4], [5, 50], [6, 5]]);
    await waitFor('the tab at seq 6', () => tab.client.lastSeq === 6);
    expect(tab.seen).toEqual([[1, 1], [2, 2], [3, 3], [4, 4], [5, 50], [6, 5]].map(([seq, i]) => ({ kind: 'event', seq, i })));
    expect(await b.call('metric', { name: 'wssot_cluster_publish_failures_total' })).toBe(0);
    expect(b.unhandled).toEqual([]);
  });

  it('a message’s publish rejected while Redis is unreachable: the user’s event waiting behind it is not rejected with it, and is logged once Redis is back', async () => {
    const { redis, proxy, keyPrefix, b, tab } = await producerBehindProxy('message-then-event', 'max');
    expect(await b.call('emit', { userId: 'max', type: 'agent_thinking', data: { i: 1 } })).toBe(1);

    // Redis unreachable for the producer: a message (a plain publish, not sent again: it could arrive
    // twice) and then an event to the same user, which waits behind it.
    await proxy.refuse(true, true);
    expect(await b.call('message', { userId: 'max', message: { type: 'note' } })).toBe(true);
    const second = b.call('emit', { userId: 'max', type: 'agent_thinking', data: { i: 2 } });
    second.catch(() => undefined); // awaited below
    await until('the message rejected (ioredis gave up on it)', async () => ((await b.call('metric', { name: 'wssot_cluster_publish_failures_total' })) as number) >= 1, 10_000, 50);
    await proxy.refuse(false);
    expect(await second).toBe(2);
    expect(await b.call('metric', { name: 'wssot_cluster_publish_failures_total' })).toBe(1);

    const log = await withRedis(redis.url, (r) => readLog(r, keyPrefix, 'max'));
    expect([...log.entries()]).toEqual([[1, 1], [2, 2]]);
    await waitFor('the tab at seq 2', () => tab.client.lastSeq === 2);
    expect(tab.seen).toEqual([1, 2].map((i) => ({ kind: 'event', seq: i, i })));
    expect(b.unhandled).toEqual([]);
  });

  it('a command timeout on the app’s instance: the send is rejected, not sent again (ioredis keeps it queued, and it runs once Redis answers)', async () => {
    const { redis, keyPrefix, b, tab } = await nodesAndTab('command-timeout', 'ned', async (own) => ({ redis: { kind: 'timeout', url: own.url, commandTimeout: 300 } }));
    expect(await b.call('emit', { userId: 'ned', type: 'agent_thinking', data: { i: 1 } })).toBe(1);

    // Redis stops answering writes for 2 s (a slow Redis, for real): the send times out on the app's instance.
    await withRedis(redis.url, (r) => r.call('CLIENT', 'PAUSE', '2000', 'WRITE'));
    await expect(b.call('emit', { userId: 'ned', type: 'agent_thinking', data: { i: 2 } })).rejects.toThrow('Command timed out');
    expect(await b.call('metric', { name: 'wssot_cluster_publish_retries_total' })).toBe(0);
    expect(await b.call('metric', { name: 'wssot_cluster_publish_failures_total' })).toBe(1);
    // ioredis still sent it: it runs when the pause ends. Sent again too, it would have been logged twice.
    await waitFor('the rejected send logged after the pause', () => tab.client.lastSeq === 2, 10_000);
    expect(await b.call('emit', { userId: 'ned', type: 'agent_thinking', data: { i: 3 } })).toBe(3);
    const log = await withRedis(redis.url, (r) => readLog(r, keyPrefix, 'ned'));
    expect([...log.entries()]).toEqual([[1, 1], [2, 2], [3, 3]]);
    expect(b.unhandled).toEqual([]);
  });
});
