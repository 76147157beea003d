/**
 * Resharding a real Redis Cluster (3 masters, 1 replica each) under the Redis engine: a user's slot moved to
 * another master (keys MIGRATEd, CLUSTER SETSLOT … NODE) while two node processes hold the user's tabs. Giving
 * the slot up, the old master pushes an unasked SUNSUBSCRIBE for the user's shard channel; events produced
 * after the move must still reach every tab, in order, each once, without another event to reveal a gap,
 * and each node must end up subscribed on the new master; with sends that overlap, each user's log must keep
 * the order the app sent them in, through one slot moved and through 60. The nodes run as the ACL user docs/cluster.md
 * gives, with its Redis Cluster line, so a permission the engine needs there and the doc lacks fails here.
 */
import { expect, it } from 'vitest';
import { ClusterKeys } from '../../src/cluster/cluster-keys.js';
import { startNode, type ClusterNode } from '../support/cluster-nodes.js';
import type { LogLine, NodeConfig, Produced } from '../support/cluster-node.js';
import { uniquePrefix } from '../support/redis.js';
import { documentedAcl } from '../support/redis-acl.js';
import { moveSlot } from '../support/redis-cluster-reshard.js';
import { useNodesAndTabs } from '../support/nodes-and-tabs.js';
import { useRedisCluster } from '../support/redis-cluster-suite.js';
import { call, describeWithRedisBinaries, until } from '../support/redis-topology.js';
import { gapsOf, openTab, readLog, silentLoss } from '../support/tracked-tab.js';
import { waitFor } from '../support/wait-for.js';

const PASSWORD = 'engine-secret';
const cluster = useRedisCluster();
const { nodes, tabs } = useNodesAndTabs();

type Health = { status: string; cluster: { status: string } };

/** Two node processes as the documented ACL user, set on every node of the cluster (ACLs are not propagated). */
async function deployment(extra: Partial<NodeConfig> = {}): Promise<{ keyPrefix: string; a: ClusterNode; b: ClusterNode }> {
  const keyPrefix = uniquePrefix('reshard');
  const acl = await documentedAcl(keyPrefix, PASSWORD, true);
  for (const { port } of cluster.topology.startupNodes) for (const line of acl) await call(port, 'ACL', 'SETUSER', ...line);
  const redis = { kind: 'cluster' as const, nodes: cluster.topology.startupNodes, username: 'wssot', password: PASSWORD };
  const [a, b] = await Promise.all([0, 1].map((i) => startNode({ redis, keyPrefix, nodeId: `node-${i}`, captureLogs: true, ...extra })));
  nodes.push(a!, b!);
  return { keyPrefix, a: a!, b: b! };
}

/** Where `userId`'s slot is, and another master to move it to. */
async function slotOf(userId: string): Promise<{ slot: number; from: number; to: number; masters: number[] }> {
  const slot = Number(await cluster.admin.cluster('KEYSLOT', `{u:${userId}}`));
  const masters = (await cluster.topology.describe()).filter((n) => n.role === 'master').map((n) => n.port);
  const from = await cluster.topology.masterOfSlot(slot);
  return { slot, from, to: masters.find((p) => p !== from)!, masters };
}

/** A user id (`<base>-<n>`) whose slot is not `slot` and whose master is, or is not, `master`. */
async function userOn(base: string, slot: number, master: number, same: boolean): Promise<string> {
  for (let n = 0; ; n++) {
    const s = Number(await cluster.admin.cluster('KEYSLOT', `{u:${base}-${n}}`));
    if (s !== slot && ((await cluster.topology.masterOfSlot(s)) === master) === same) return `${base}-${n}`;
  }
}

describeWithRedisBinaries('Redis engine while a Redis Cluster reshards', () => {
  it('a user’s slot moved to another master while its tabs are open on two nodes: the events sent after the move reach every tab, each once and in order; both nodes resubscribe on the new master', { timeout: 60_000 }, async () => {
    const { keyPrefix, a, b } = await deployment();
    const { slot, from, to, masters } = await slotOf('alice');
    // bob stays on the old master: sent with alice's, his events share ioredis's auto-pipelined batches to
    // it, where ioredis does not follow alice's MOVED by itself.
    const bob = await userOn('bob', slot, from, true);
    const onA = openTab(a.url, 'alice');
    const onB = openTab(b.url, 'alice');
    tabs.push(onA, onB);
    await waitFor('both tabs open', () => onA.client.state === 'open' && onB.client.state === 'open');
    for (let i = 1; i <= 5; i++) await b.call('emit', { userId: 'alice', type: 'agent_thinking', data: { i } });
    await waitFor('seqs 1–5 on both tabs', () => onA.client.lastSeq === 5 && onB.client.lastSeq === 5);

    await moveSlot(slot, from, to, masters);
    expect(await cluster.topology.masterOfSlot(slot)).toBe(to);
    // Sent after the move, the last one included: nothing after it could reveal a gap. Each is accepted
    // (a script MOVED inside a batch is sent again once the slot map is refreshed).
    for (let i = 6; i <= 15; i++) {
      expect(await Promise.all([b.call('emit', { userId: 'alice', type: 'agent_thinking', data: { i } }), b.call('emit', { userId: bob, type: 'agent_thinking', data: { i } })])).toEqual([i, i - 5]);
    }
    await waitFor('seqs 6–15 on both tabs', () => onA.client.lastSeq === 15 && onB.client.lastSeq === 15, 20_000);

    const log = await readLog(cluster.admin, keyPrefix, 'alice');
    expect([...log.keys()]).toEqual(Array.from({ length: 15 }, (_, i) => i + 1));
    for (const tab of [onA, onB]) {
      expect(silentLoss(tab, log)).toEqual([]);
      expect(gapsOf(tab)).toBe(0); // the log moved with the slot: nothing was lost, so nothing needs a refetch
    }
    const channel = new ClusterKeys(keyPrefix).user('alice').channel;
    await until('both nodes subscribed to alice’s channel on the new master', async () => {
      const [, count] = (await call(to, 'PUBSUB', 'SHARDNUMSUB', channel)) as [string, number];
      return count === 2;
    }, 10_000);
    for (const node of [a, b]) {
      await until('health ok', async () => ((await node.call('health')) as Health).status === 'ok', 10_000);
      expect(node.unhandled).toEqual([]);
    }
    // What was logged: the move noticed (and maybe a heartbeat sent to the old master meanwhile), nothing else.
    for (const node of [a, b]) {
      for (const line of (await node.call('logs')) as LogLine[]) expect(line.msg).toMatch(/redis cluster degraded|heartbeat failed|live delivery for a user stopped/);
    }
  });

  it('a slot moved while a producer keeps sending to its user, to a user left on the old master and to one elsewhere: every send accepted, every tab shows exactly its user’s log', { timeout: 60_000 }, async () => {
    const { keyPrefix, a, b } = await deployment();
    const { slot, from, to, masters } = await slotOf('dana');
    const users = ['dana', await userOn('erin', slot, from, true), await userOn('fay', slot, from, false)];
    const open = users.flatMap((userId) => [openTab(a.url, userId), openTab(b.url, userId)]);
    tabs.push(...open);
    await waitFor('every tab open', () => open.every((t) => t.client.state === 'open'));
    await b.call('produceStart', { userIds: users, pauseMs: 2 });
    await waitFor('every tab receiving', () => open.every((t) => t.seen.length >= 10), 10_000);

    await moveSlot(slot, from, to, masters);
    const movedAt = open[0]!.seen.length;
    await waitFor('dana’s tabs receiving again after the move', () => open[0]!.seen.length >= movedAt + 20 && open[1]!.seen.length >= movedAt + 20, 20_000);
    const produced = (await b.call('produceStop')) as Produced;

    expect(produced.errors).toEqual([]);
    expect(produced.rejected).toEqual(Object.fromEntries(users.map((u) => [u, 0])));
    const logs = new Map(await Promise.all(users.map(async (u) => [u, await readLog(cluster.admin, keyPrefix, u)] as const)));
    for (const userId of users) {
      // The log holds exactly what the producer was told was accepted, in order.
      expect([...logs.get(userId)!.entries()]).toEqual(produced.acknowledged[userId]);
    }
    await waitFor('every tab at its user’s last event', () => open.every((t) => t.client.lastSeq === logs.get(t.userId)!.size), 20_000);
    for (const tab of open) {
      expect(silentLoss(tab, logs.get(tab.userId)!)).toEqual([]);
      expect(gapsOf(tab)).toBe(0);
    }
    for (const node of [a, b]) expect(node.unhandled).toEqual([]);
    const resyncs = [await a.call('metric', { name: 'wssot_cluster_resyncs_total' }), await b.call('metric', { name: 'wssot_cluster_resyncs_total' })];
    console.info(`[reshard] under load: ${users.map((u) => `${u} ${logs.get(u)!.size}`).join(', ')} events accepted and delivered; resyncs per node ${resyncs.join('/')}`);
  });
  it('a slot moved while sends to its user keep coming, each before the previous ones are answered: the log keeps the order they were sent in, every accepted send logged once', { timeout: 60_000 }, async () => {
    const { keyPrefix, a, b } = await deployment();
    const { slot, from, to, masters } = await slotOf('gus');
    // A user left on the old master shares the auto-pipelined batches (where ioredis leaves a MOVED or ASK to
    // the caller); one send per user every millisecond, not waiting for the previous ones.
    const users = ['gus', await userOn('hal', slot, from, true)];
    const open = users.map((userId) => openTab(a.url, userId));
    tabs.push(...open);
    await waitFor('every tab open', () => open.every((t) => t.client.state === 'open'));
    await b.call('produceStart', { userIds: users, pauseMs: 1, overlap: true });
    await waitFor('every tab receiving', () => open.every((t) => t.seen.length >= 40), 10_000);

    await moveSlot(slot, from, to, masters);
    const movedAt = open[0]!.seen.length;
    await waitFor('gus’s tab receiving again after the move', () => open[0]!.seen.length >= movedAt + 80, 20_000);
    const produced = (await b.call('produceStop')) as Produced;

    for (const userId of users) {
      const log = await readLog(cluster.admin, keyPrefix, userId);
      const sent = [...log.values()];
      // Payloads are numbered in the order the app sent them: the log must hold them in that order.
      expect(sent).toEqual([...sent].sort((x, y) => x - y));
      expect([...log.entries()]).toEqual(produced.acknowledged[userId]);
      expect(log.size + produced.rejected[userId]!).toBeGreaterThan(movedAt);
    }
    await waitFor('every tab at its user’s last event', () => open.every((t) => t.client.lastSeq === produced.acknowledged[t.userId]!.length), 20_000);
    for (const tab of open) expect(gapsOf(tab)).toBe(0);
    for (const node of [a, b]) expect(node.unhandled).toEqual([]);
    console.info(`[reshard] overlapping sends: ${users.map((u) => `${u} ${produced.acknowledged[u]!.length} accepted, ${produced.rejected[u]} rejected`).join('; ')}`);
  });
  it('sixty slots moved one after another, as a reshard does, four of them holding users that keep being sent to (overlapping sends): every send accepted, each log in send order, every tab its user’s log, every moved user subscribed on the new master', { timeout: 120_000 }, async () => {
    // A log long enough to hold every event of the test (it compares the whole log with the sends).
    const { keyPrefix, a, b } = await deployment({ recovery: { maxEvents: 50_000 } });
    const { from, to, masters } = await slotOf('kim');
    // Four users on the same master, each on a slot of its own, and a bystander on another master.
    const moving: string[] = [];
    const slots = new Set<number>();
    for (let n = 0; moving.length < 4; n++) {
      const slot = Number(await cluster.admin.cluster('KEYSLOT', `{u:kim-${n}}`));
      if (!slots.has(slot) && (await cluster.topology.masterOfSlot(slot)) === from) {
        moving.push(`kim-${n}`);
        slots.add(slot);
      }
    }
    const users = [...moving, await userOn('lee', -1, from, false)];
    const open = users.flatMap((userId) => [openTab(a.url, userId), openTab(b.url, userId)]);
    tabs.push(...open);
    await waitFor('every tab open', () => open.every((t) => t.client.state === 'open'));
    await b.call('produceStart', { userIds: users, pauseMs: 2, overlap: true });
    await waitFor('every tab receiving', () => open.every((t) => t.seen.length >= 20), 10_000);

    // The users' slots among 56 empty ones of the same master, moved in slot order.
    const [first] = (await cluster.topology.describe()).find((n) => n.port === from)!.slots[0]!;
    for (let slot = first; slots.size < 60; slot++) slots.add(slot);
    for (const slot of [...slots].sort((x, y) => x - y)) await moveSlot(slot, from, to, masters);
    const movedAt = open.map((t) => t.seen.length);
    await waitFor('every tab receiving after the moves', () => open.every((t, k) => t.seen.length >= movedAt[k]! + 20), 20_000);
    const produced = (await b.call('produceStop')) as Produced;

    expect(produced.errors).toEqual([]);
    expect(produced.rejected).toEqual(Object.fromEntries(users.map((u) => [u, 0])));
    const logs = new Map(await Promise.all(users.map(async (u) => [u, await readLog(cluster.admin, keyPrefix, u)] as const)));
    for (const userId of users) {
      const sent = [...logs.get(userId)!.values()];
      expect(sent).toEqual([...sent].sort((x, y) => x - y));
      expect([...logs.get(userId)!.entries()]).toEqual(produced.acknowledged[userId]);
    }
    await waitFor('every tab at its user’s last event', () => open.every((t) => t.client.lastSeq === logs.get(t.userId)!.size), 20_000);
    for (const tab of open) {
      expect(silentLoss(tab, logs.get(tab.userId)!)).toEqual([]);
      expect(gapsOf(tab)).toBe(0);
    }
    const keys = new ClusterKeys(keyPrefix);
    await until('both nodes subscribed to every moved user’s channel on the new master', async () => {
      for (const userId of moving) {
        const [, count] = (await call(to, 'PUBSUB', 'SHARDNUMSUB', keys.user(userId).channel)) as [string, number];
        if (count !== 2) return false;
      }
      return true;
    }, 10_000);
    for (const node of [a, b]) expect(node.unhandled).toEqual([]);
    console.info(`[reshard] 60 slots: ${users.map((u) => `${u} ${logs.get(u)!.size}`).join(', ')} events accepted and delivered`);
  });
});
