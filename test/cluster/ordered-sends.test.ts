/**
 * A user's events keep the order the app sent them in when Redis refuses some without running them: here
 * NOSCRIPT, after the script cache is dropped (SCRIPT FLUSH, as a restart or a failover to a replica that
 * never ran the scripts leaves it) while an agent's events keep coming, each sent before the previous ones
 * are answered. The refused ones are sent again with the script's text; without the ordering, the events
 * sent meanwhile by sha overtook them (their payloads landed in the log out of order). The slot-move case is
 * in redis-cluster-reshard.test.ts.
 */
import { expect, it } from 'vitest';
import { startNode } from '../support/cluster-nodes.js';
import type { Produced } from '../support/cluster-node.js';
import { useNodesAndTabs } from '../support/nodes-and-tabs.js';
import { describeWithRedis, uniquePrefix } from '../support/redis.js';
import { ownRedis, withRedis, type OwnRedis } from '../support/redis-server.js';
import { gapsOf, openTab, readLog, silentLoss } from '../support/tracked-tab.js';
import { waitFor } from '../support/wait-for.js';

let redis: OwnRedis | null = null;
const { nodes, tabs } = useNodesAndTabs(async () => {
  await redis?.kill();
  redis = null;
});

describeWithRedis('Redis engine: the send order kept through refused commands', () => {
  it('the script cache dropped three times while sends to two users keep coming: every send accepted, each user’s log in the order the app sent, every tab its user’s log', { timeout: 60_000 }, async () => {
    redis = await ownRedis();
    await redis.start();
    const keyPrefix = uniquePrefix('order');
    const [a, b] = await Promise.all([0, 1].map((i) => startNode({ redisUrl: redis!.url, keyPrefix, nodeId: `node-${i}` })));
    nodes.push(a!, b!);
    const users = ['ivy', 'jon'];
    const open = users.flatMap((userId) => [openTab(a!.url, userId), openTab(b!.url, userId)]);
    tabs.push(...open);
    await waitFor('every tab open', () => open.every((t) => t.client.state === 'open'));
    // One send per user every millisecond, not waiting for the previous ones.
    await b!.call('produceStart', { userIds: users, pauseMs: 1, overlap: true });
    for (let flush = 0; flush < 3; flush++) {
      const before = open[0]!.seen.length;
      await waitFor('ivy’s tab receiving', () => open[0]!.seen.length >= before + 30, 10_000);
      await withRedis(redis.url, (r) => r.script('FLUSH'));
    }
    const after = open[0]!.seen.length;
    await waitFor('ivy’s tab receiving after the last flush', () => open[0]!.seen.length >= after + 30, 10_000);
    const produced = (await b!.call('produceStop')) as Produced;

    expect(produced.errors).toEqual([]);
    expect(produced.rejected).toEqual({ ivy: 0, jon: 0 });
    for (const userId of users) {
      const log = await withRedis(redis.url, (r) => readLog(r, keyPrefix, userId));
      const sent = [...log.values()];
      // Payloads are numbered in the order the app sent them.
      expect(sent).toEqual([...sent].sort((x, y) => x - y));
      expect([...log.entries()]).toEqual(produced.acknowledged[userId]);
    }
    await waitFor('every tab at its user’s last event', () => open.every((t) => t.client.lastSeq === produced.acknowledged[t.userId]!.length), 20_000);
    for (const tab of open) {
      expect(gapsOf(tab)).toBe(0);
      expect(silentLoss(tab, await withRedis(redis.url, (r) => readLog(r, keyPrefix, tab.userId)))).toEqual([]);
    }
    for (const node of [a!, b!]) expect(node.unhandled).toEqual([]);
  });
});
