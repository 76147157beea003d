/**
 * The heartbeat's audit of live delivery (src/cluster/route-audit.ts): a node whose subscription to a user's
 * channel is gone at the server with no event saying so (injected: the node's subscriber unsubscribes behind
 * the engine's back) notices within two heartbeats that the tabs are behind a log that moved, subscribes
 * again and resynchronises them: they get exactly the events they missed, then live ones, with no other
 * event needed to reveal the gap. A node that is merely slow is not the case here (it moves its cursor).
 */
import { afterEach, expect, it } from 'vitest';
import { CloseCode } from '../../src/index.js';
import { startNode, type ClusterNode } from '../support/cluster-nodes.js';
import type { LogLine } from '../support/cluster-node.js';
import { describeWithRedis, REDIS_URL, uniquePrefix } from '../support/redis.js';
import { gapsOf, openTab, type TrackedTab } from '../support/tracked-tab.js';
import { waitFor } from '../support/wait-for.js';

const nodes: ClusterNode[] = [];
const tabs: TrackedTab[] = [];
afterEach(async () => {
  await Promise.all(tabs.splice(0).map((t) => t.client.close()));
  await Promise.all(nodes.splice(0).map((n) => n.stop()));
});

describeWithRedis('Redis engine: the audit of live delivery', () => {
  it('a subscription lost without any event: within two heartbeats the tabs are resynchronised and get the missed events, the last included, then live ones', async () => {
    const keyPrefix = uniquePrefix('audit');
    const config = { redisUrl: REDIS_URL, keyPrefix, presenceTtlMs: 1_000, heartbeatIntervalMs: 200, captureLogs: true };
    const [holder, producer] = await Promise.all([startNode(config), startNode(config)]);
    nodes.push(holder, producer);
    const tab = openTab(holder.url, 'alice');
    tabs.push(tab);
    await waitFor('the tab open', () => tab.client.state === 'open');
    for (let i = 1; i <= 3; i++) await producer.call('emit', { userId: 'alice', type: 'agent_thinking', data: { i } });
    await waitFor('seqs 1–3', () => tab.client.lastSeq === 3);

    await holder.call('loseSubscription', { userId: 'alice' });
    for (let i = 4; i <= 6; i++) await producer.call('emit', { userId: 'alice', type: 'agent_thinking', data: { i } });
    await waitFor('seqs 4–6 after the resync', () => tab.client.lastSeq === 6 && tab.client.state === 'open', 5_000);
    expect(tab.closes).toEqual([CloseCode.SERVICE_RESTART]);
    expect(gapsOf(tab)).toBe(0);
    expect(await holder.call('metric', { name: 'wssot_cluster_resyncs_total{reason="stalled"}' })).toBe(1);
    expect(((await holder.call('logs')) as LogLine[]).map((l) => l.msg)).toEqual([expect.stringMatching(/live delivery for a user stopped/)]);

    // Subscribed again: the next event arrives live, without another resync.
    await producer.call('emit', { userId: 'alice', type: 'agent_thinking', data: { i: 7 } });
    await waitFor('seq 7 live', () => tab.client.lastSeq === 7);
    expect(tab.closes).toHaveLength(1);
    expect(tab.seen).toEqual([1, 2, 3, 4, 5, 6, 7].map((i) => ({ kind: 'event', seq: i, i })));
    expect(holder.unhandled).toEqual([]);
  });
});
