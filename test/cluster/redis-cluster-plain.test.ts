/**
 * The Redis engine on plain channels (`pubsub: 'plain'`, as with Redis < 7) on a real Redis Cluster of the
 * test's own (3 masters, 1 replica each): delivery across nodes for users on every master, the start-up
 * warning, and the cluster node holding a node's plain subscriber SIGKILLed while events are produced (a
 * master: its replica is promoted for real). A cluster of its own: the kill leaves a shard without a replica.
 */
import { expect, it } from 'vitest';
import { ClusterKeys } from '../../src/cluster/cluster-keys.js';
import { startNode, type ClusterNode } from '../support/cluster-nodes.js';
import type { LogLine } from '../support/cluster-node.js';
import { uniquePrefix } from '../support/redis.js';
import { useNodesAndTabs } from '../support/nodes-and-tabs.js';
import { useRedisCluster } from '../support/redis-cluster-suite.js';
import { call, describeWithRedisBinaries, until } from '../support/redis-topology.js';
import { gapsOf, openTab, readLog, silentLoss } from '../support/tracked-tab.js';
import { waitFor } from '../support/wait-for.js';

const cluster = useRedisCluster();
const { nodes, tabs } = useNodesAndTabs();

const warnings = async (node: ClusterNode): Promise<LogLine[]> => (await node.call('logs')) as LogLine[];

/** The port of a cluster node on which a connection is subscribed (plain SUBSCRIBE) to `channel`. */
async function subscriberHolder(channel: string): Promise<number> {
  for (const { port } of await cluster.topology.describe()) {
    const [, count] = (await call(port, 'PUBSUB', 'NUMSUB', channel)) as [string, number];
    if (count > 0) return port;
  }
  throw new Error('no cluster node holds a subscriber of the channel');
}

describeWithRedisBinaries('Redis engine on plain channels on a real Redis Cluster', () => {
  it('plain channels (pubsub: \'plain\'): delivery across nodes for users on every master, and the cluster node holding a node’s subscriber SIGKILLed while events are produced: no crash, every tab ends with exactly its user’s log', { timeout: 60_000 }, async () => {
    const keyPrefix = uniquePrefix('redis-cluster-plain');
    const [a, b] = await Promise.all([0, 1].map((i) => startNode({ redis: { kind: 'cluster', nodes: cluster.topology.startupNodes }, keyPrefix, nodeId: `node-${i}`, captureLogs: true, pubsub: 'plain', recovery: { maxEvents: 10_000 } })));
    nodes.push(a!, b!);
    const { users } = await cluster.usersOnEveryMaster(1);
    for (const userId of users) tabs.push(openTab(a!.url, userId), openTab(b!.url, userId));
    await waitFor('every tab open', () => tabs.every((t) => t.client.state === 'open'), 10_000);
    for (const node of [a!, b!]) expect((await warnings(node)).map((l) => l.msg)).toContainEqual(expect.stringMatching(/plain pub\/sub on a Redis Cluster/));
    // Broadcasts reach both nodes (on a fresh cluster under load, ioredis can refuse a node's first plain
    // subscribe: "Connection in subscriber mode…"; the node subscribes again).
    await until('a broadcast on every tab', async () => {
      await b!.call('broadcast', { message: { type: 'hello' } });
      return tabs.every((t) => t.messages.some((m) => (m as { type?: string }).type === 'hello'));
    }, 10_000, 200);
    await b!.call('produceStart', { userIds: users, pauseMs: 20 });
    await waitFor('every tab receiving', () => tabs.every((t) => t.seen.length >= 5), 10_000);

    // Plain channels: each node has one subscriber connection, on any cluster node (a PUBLISH reaches every
    // cluster node). The one holding node A's is killed: a master (then its replica is promoted) or a replica.
    const holder = await subscriberHolder(new ClusterKeys(keyPrefix).user(users[0]!).channel);
    const wasMaster = (await cluster.topology.describe()).find((n) => n.port === holder)!.role === 'master';
    await cluster.topology.kill(holder);
    if (wasMaster) await cluster.topology.waitForFailover(holder);
    const before = tabs.map((t) => t.seen.length);
    await waitFor('every tab receiving again', () => tabs.every((t, k) => t.seen.length >= before[k]! + 5), 20_000);
    await b!.call('produceStop');
    // One more event each: a tab that missed the last ones live learns it from this one's seq.
    const finals = new Map<string, number>();
    for (const userId of users) finals.set(userId, (await a!.call('emit', { userId, type: 'agent_thinking', data: { user: userId, i: 0 } })) as number);
    await waitFor('every tab at its user’s last event', () => tabs.every((t) => t.client.lastSeq === finals.get(t.userId)), 15_000);
    const problems: string[] = [];
    for (const tab of tabs) problems.push(...silentLoss(tab, await readLog(cluster.admin, keyPrefix, tab.userId)));
    expect(problems).toEqual([]);
    for (const node of [a!, b!]) expect(node.unhandled).toEqual([]);
    console.info(`[redis-cluster] plain channels: killed ${wasMaster ? 'master' : 'replica'} ${holder}; gaps: ${tabs.reduce((n, t) => n + gapsOf(t), 0)}`);
  });
});
