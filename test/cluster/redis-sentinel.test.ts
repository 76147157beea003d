/**
 * The Redis engine behind real Redis Sentinel (a master, a replica and 3 sentinels of the test's own, quorum
 * 2), with node processes that each build an ioredis `Redis` from the sentinels as an app does: delivery and
 * a resume across nodes; the master SIGKILLed while events are produced, Sentinel promoting the replica for
 * real, and the nodes carrying on (health degraded then ok, resubscribed, every tab showing exactly its
 * user's log); and writes the replica never got (asynchronous replication): the log goes back in the
 * failover, gets a new epoch, and the tabs that were ahead are resynchronised and told recovered: false, not
 * left silently ahead of the log.
 */
import { Redis } from 'ioredis';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { ClusterKeys } from '../../src/cluster/cluster-keys.js';
import { TestClient } from '../support/client.js';
import { startNode, type ClusterNode } from '../support/cluster-nodes.js';
import type { NodeConfig, Produced } from '../support/cluster-node.js';
import { uniquePrefix } from '../support/redis.js';
import { call, callInOrder, describeWithRedisBinaries, startRedisSentinel, until, type RedisSentinelTopology } from '../support/redis-topology.js';
import { gapsOf, openTab, readLog, silentLoss, type TrackedTab } from '../support/tracked-tab.js';
import { waitFor } from '../support/wait-for.js';

let topology: RedisSentinelTopology | null = null;
/** The test's own connection to the master, through the sentinels (it follows the failover, as the nodes do). */
let admin: Redis | null = null;
const nodes: ClusterNode[] = [];
const clients: TestClient[] = [];
const tabs: TrackedTab[] = [];

// Each test gets a fresh topology: a failover leaves no replica to fail over to.
beforeEach(async () => {
  topology = await startRedisSentinel();
  admin = new Redis({ sentinels: topology.sentinels, name: topology.name, retryStrategy: (times) => Math.min(times * 50, 200) });
  admin.on('error', () => undefined);
}, 60_000);
afterEach(async () => {
  await Promise.all(tabs.splice(0).map((t) => t.client.close()));
  await Promise.all(clients.splice(0).map((c) => c.close()));
  await Promise.all(nodes.splice(0).map((n) => n.stop()));
  admin?.disconnect();
  await topology?.stop();
});

type Health = { status: string; cluster: { status: string; redis: string } };

async function deployment(count: number, extra: Partial<NodeConfig> = {}): Promise<{ keyPrefix: string; started: ClusterNode[] }> {
  const keyPrefix = uniquePrefix('redis-sentinel');
  const started = await Promise.all(Array.from({ length: count }, (_, i) => startNode({ redis: { kind: 'sentinel', sentinels: topology!.sentinels, name: topology!.name }, keyPrefix, nodeId: `node-${i}`, captureLogs: true, ...extra })));
  nodes.push(...started);
  return { keyPrefix, started };
}

const health = async (node: ClusterNode): Promise<Health> => (await node.call('health')) as Health;
const metric = async (node: ClusterNode, name: string): Promise<number> => (await node.call('metric', { name })) as number;
const seqsOf = (client: TestClient): number[] => client.frames.filter((f) => f.type === 'agent_thinking').map((f) => f.seq as number);

/** Waits until every node in `watched` was seen reporting degraded health. */
async function allSeenDegraded(watched: ClusterNode[], deadline: number): Promise<void> {
  const degraded = new Set<ClusterNode>();
  await until('every node reporting degraded health', async () => {
    for (const node of watched) if ((await health(node)).cluster.status === 'degraded') degraded.add(node);
    return degraded.size === watched.length;
  }, deadline, 25);
}

describeWithRedisBinaries('Redis engine behind real Redis Sentinel (1 master, 1 replica, 3 sentinels)', () => {
  it('delivers across nodes through the master Sentinel names, and a client resumes on the other node (recovered: true)', async () => {
    const { started: [a, b] } = await deployment(2);
    const first = await TestClient.open(a!.url, { headers: { authorization: 'Bearer user:alice' } });
    clients.push(first);
    const session = await first.nextOfType('session');
    for (let i = 1; i <= 5; i++) await b!.call('emit', { userId: 'alice', type: 'agent_thinking', data: { i } });
    await first.waitForCount((f) => f.type === 'agent_thinking', 5);
    expect(seqsOf(first)).toEqual([1, 2, 3, 4, 5]);
    await first.close();
    for (let i = 6; i <= 8; i++) await a!.call('emit', { userId: 'alice', type: 'agent_thinking', data: { i } });
    const resumed = await TestClient.open(`${b!.url}?lastSeq=5&epoch=${String(session.epoch)}`, { headers: { authorization: 'Bearer user:alice' } });
    clients.push(resumed);
    expect(await resumed.nextOfType('recovery')).toMatchObject({ recovered: true, fromSeq: 6, toSeq: 8 });
    expect(seqsOf(resumed)).toEqual([6, 7, 8]);
    for (const node of [a!, b!]) {
      expect((await health(node)).cluster.redis).toBe('commands ready, subscriber ready');
      expect(node.unhandled).toEqual([]);
      expect(await node.call('logs')).toEqual([]);
    }
  });

  it('the master SIGKILLed while events are produced: Sentinel promotes the replica, the nodes carry on (degraded, then ok, resubscribed), every tab shows exactly its user’s log', { timeout: 60_000 }, async () => {
    const { keyPrefix, started: [a, b] } = await deployment(2, { recovery: { maxEvents: 10_000 }, sendRetryMs: 40_000 });
    const users = ['alice', 'bob', 'carol'];
    for (const userId of users) tabs.push(openTab(a!.url, userId), openTab(b!.url, userId));
    await waitFor('every tab open', () => tabs.every((t) => t.client.state === 'open'), 10_000);
    await b!.call('produceStart', { userIds: users, pauseMs: 20 });
    await waitFor('every tab receiving', () => tabs.every((t) => t.seen.length >= 5), 10_000);

    const master = await topology!.master();
    await topology!.kill(master);
    await allSeenDegraded([a!, b!], 10_000);
    const promoted = await topology!.waitForFailover(master);
    // Still producing while the nodes reconnect to the promoted replica (each connection on its own time).
    await until('both nodes ok again', async () => (await health(a!)).status === 'ok' && (await health(b!)).status === 'ok', 15_000, 50);
    const produced = (await b!.call('produceStop')) as Produced;
    await until('both nodes resubscribed', async () => (await metric(a!, 'wssot_cluster_resubscriptions_total')) >= 1 && (await metric(b!, 'wssot_cluster_resubscriptions_total')) >= 1, 10_000);
    const keys = new ClusterKeys(keyPrefix);
    const logged = new Map<string, number>();
    for (const userId of users) logged.set(userId, Number(await admin!.hget(keys.user(userId).meta, 'seq')));
    await waitFor('every tab at its user’s last logged event', () => tabs.every((t) => t.client.lastSeq === logged.get(t.userId)), 15_000);
    const finals = new Map<string, number>();
    for (const userId of users) finals.set(userId, (await a!.call('emit', { userId, type: 'agent_thinking', data: { user: userId, i: 0 } })) as number);
    await waitFor('every tab at its user’s event sent after the failover', () => tabs.every((t) => t.client.lastSeq === finals.get(t.userId)), 15_000);

    const problems: string[] = [];
    for (const tab of tabs) problems.push(...silentLoss(tab, await readLog(admin!, keyPrefix, tab.userId)));
    expect(problems).toEqual([]);
    for (const node of [a!, b!]) expect(node.unhandled).toEqual([]);
    // Sends in flight when the master died were sent again (by ioredis, then by the engine) with their send id: none logged twice.
    for (const userId of users) {
      const payloads = [...(await readLog(admin!, keyPrefix, userId)).values()];
      expect(payloads.filter((i, at) => payloads.indexOf(i) !== at)).toEqual([]);
    }
    // Acknowledged before the kill but not in the promoted replica's log: asynchronous replication lost them.
    let lost = 0;
    for (const userId of users) {
      const log = await readLog(admin!, keyPrefix, userId);
      lost += (produced.acknowledged[userId] ?? []).filter(([seq, i]) => log.get(seq) !== i).length;
    }
    const acknowledged = Object.values(produced.acknowledged).reduce((n, list) => n + list.length, 0);
    const rejected = Object.values(produced.rejected).reduce((n, count) => n + count, 0);
    expect(rejected).toBe(0); // the failover (waited for 30 s at most) is over within sendRetryMs: every send was taken
    console.info(`[redis-sentinel] failover ${master} -> ${promoted}: ${acknowledged} sends acknowledged (${lost} of them not in the promoted replica's log), ${rejected} rejected; resyncs per node ${await metric(a!, 'wssot_cluster_resyncs_total')}/${await metric(b!, 'wssot_cluster_resyncs_total')}; gaps: ${tabs.reduce((n, t) => n + gapsOf(t), 0)}`);
  });

  it('writes the replica never got are lost in the failover: the log goes back, and the tabs ahead of it are resynchronised and told recovered: false', { timeout: 60_000 }, async () => {
    const { keyPrefix, started: [a, b] } = await deployment(2);
    const tab = openTab(a!.url, 'alice');
    tabs.push(tab);
    await waitFor('the tab open', () => tab.client.state === 'open', 10_000);
    for (let i = 1; i <= 5; i++) await b!.call('emit', { userId: 'alice', type: 'agent_thinking', data: { i } });
    const master = await topology!.master();
    const [replica] = topology!.dataPorts.filter((p) => p !== master);
    const offset = Number(/master_repl_offset:(\d+)/.exec(String(await call(master, 'INFO', 'replication')))?.[1]);
    await until('seqs 1–5 on the replica', async () => Number(/slave_repl_offset:(\d+)/.exec(String(await call(replica!, 'INFO', 'replication')))?.[1]) >= offset, 5_000);
    // Cut the replica off for real: the default user can no longer authenticate new connections (the nodes'
    // and the sentinels' open ones stay), and the replica's link is dropped, so it cannot reconnect.
    await callInOrder(master, [['ACL', 'SETUSER', 'default', 'off'], ['CLIENT', 'KILL', 'TYPE', 'replica']]);
    await until('the replica cut off', async () => /master_link_status:down/.test(String(await call(replica!, 'INFO', 'replication'))), 5_000);
    for (let i = 6; i <= 8; i++) await b!.call('emit', { userId: 'alice', type: 'agent_thinking', data: { i } });
    await waitFor('seqs 6–8 on the tab', () => tab.client.lastSeq === 8, 5_000);

    await topology!.kill(master);
    await allSeenDegraded([a!], 10_000);
    await topology!.waitForFailover(master);
    await until('both nodes ok again', async () => (await health(a!)).status === 'ok' && (await health(b!)).status === 'ok', 15_000, 50);
    // The promoted replica's log ends at seq 5: the node holding the tab sees it went back, gives it a new
    // epoch (a lost log) and closes the tab (1012); its resume from lastSeq 8 is answered recovered: false.
    await waitFor('the gap reported', () => gapsOf(tab) === 1, 15_000);
    expect(tab.seen.filter((s) => s.kind === 'gap')).toEqual([{ kind: 'gap', fromSeq: 9, toSeq: 5, epochChanged: true }]);
    expect(tab.closes).toContain(1012);
    expect(await metric(a!, 'wssot_cluster_resyncs_total')).toBeGreaterThanOrEqual(1);
    expect(await metric(a!, 'wssot_cluster_rewritten_logs_total')).toBe(1);
    // Then the tab follows the log of record again: the next event is seq 6 of the new history.
    const next = (await b!.call('emit', { userId: 'alice', type: 'agent_thinking', data: { i: 106 } })) as number;
    expect(next).toBe(6);
    await waitFor('the new seq 6 on the tab', () => tab.client.lastSeq === 6, 10_000);
    expect(tab.seen.map((s) => (s.kind === 'gap' ? 'gap' : `${s.seq}:${s.i}`))).toEqual(['1:1', '2:2', '3:3', '4:4', '5:5', '6:6', '7:7', '8:8', 'gap', '6:106']);
    expect(silentLoss(tab, await readLog(admin!, keyPrefix, 'alice'))).toEqual([]);
    expect(a!.unhandled).toEqual([]);
  });
});
