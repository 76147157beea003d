/**
 * Broker faults for real, on a redis-server of the test's own: killed mid-run (no crash, no unhandled
 * rejection, health degraded, sends retried for sendRetryMs, then rejected and counted), restarted empty
 * (the log is really lost: the tabs are closed to resume and get recovered: false, never a silent gap), and the subscriber's
 * connection killed (CLIENT KILL) while events are produced elsewhere: resubscribed by itself, nothing lost;
 * and restarted from an earlier snapshot in which the lost seqs were given to new events (what a failover
 * that lost acknowledged writes leaves): a new epoch, the tabs told recovered: false, never the new events
 * skipped because their seqs match; and a tab that was closed through it resumes, naming its last event, on a
 * node of the promoted Redis: told recovered: false too. Lost replies (a proxy between a node and Redis) are
 * in lost-replies.test.ts.
 */
import { copyFile, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, expect, it } from 'vitest';
import WebSocket from 'ws';
import { createClient, type WsSsotClient } from '../../src/client/index.js';
import { CloseCode } from '../../src/index.js';
import { TestClient } from '../support/client.js';
import { startNode, type ClusterNode } from '../support/cluster-nodes.js';
import { describeWithRedis, uniquePrefix } from '../support/redis.js';
import { ownRedis, withRedis, type OwnRedis } from '../support/redis-server.js';
import { gapsOf, openTab, readLog, silentLoss, type TrackedTab } from '../support/tracked-tab.js';
import { waitFor } from '../support/wait-for.js';

const nodes: ClusterNode[] = [];
const clients: TestClient[] = [];
const shipped: Array<WsSsotClient> = [];
const tabs: TrackedTab[] = [];
const servers: OwnRedis[] = [];
const dirs: string[] = [];
let redis: OwnRedis | null = null;
/** The key prefix of the rewritten-history tests. */
let historyPrefix = '';
afterEach(async () => {
  await Promise.all(tabs.splice(0).map((t) => t.client.close()));
  await Promise.all(shipped.splice(0).map((c) => c.close()));
  await Promise.all(clients.splice(0).map((c) => c.close()));
  await Promise.all(nodes.splice(0).map((n) => n.stop()));
  await redis?.kill();
  redis = null;
  await Promise.all(servers.splice(0).map((r) => r.kill()));
  await Promise.all(dirs.splice(0).map((d) => rm(d, { recursive: true, force: true })));
});

type Health = { status: string; cluster: { status: string } };

async function health(node: ClusterNode): Promise<Health> {
  return (await node.call('health')) as Health;
}

/** A `ws` WebSocket that authenticates as `userId` (what a browser does with its cookie). */
function wsAs(userId: string): unknown {
  return class extends WebSocket {
    constructor(url: string | URL, protocols?: string | string[]) {
      super(url, protocols, { headers: { authorization: `Bearer user:${userId}` } });
    }
  };
}

describeWithRedis('Redis engine under broker faults', () => {
  it('Redis killed mid-run: no crash, degraded health, sends retried for sendRetryMs then rejected and counted; restarted empty: tabs resume with recovered: false, then carry on', async () => {
    redis = await ownRedis();
    await redis.start();
    const sendRetryMs = 1_000;
    const node = await startNode({ redisUrl: redis.url, keyPrefix: uniquePrefix('fault'), sendRetryMs });
    nodes.push(node);
    const received: number[] = [];
    const gaps: unknown[] = [];
    const client = createClient({ url: node.url, WebSocket: wsAs('alice') as never, reconnect: { initialDelayMs: 50, maxDelayMs: 200 } });
    shipped.push(client);
    client.on('agent_thinking', (event) => void received.push(event.seq));
    client.onGap((gap) => void gaps.push(gap));
    await waitFor('the client open', () => client.state === 'open');
    for (let i = 1; i <= 3; i++) await node.call('emit', { userId: 'alice', type: 'agent_thinking', data: { i } });
    await waitFor('3 events', () => received.length === 3);

    await redis.kill();
    await waitFor('degraded health', () => {
      void health(node).then((h) => (degraded = h.status === 'degraded' && h.cluster.status === 'degraded'));
      return degraded;
    }, 10_000, 50);
    const sentAt = Date.now();
    await expect(node.call('emit', { userId: 'alice', type: 'agent_thinking', data: { i: 4 } })).rejects.toThrow();
    // Sent again (ioredis gave up on it) until the retry window was over, then rejected.
    expect(Date.now() - sentAt).toBeGreaterThanOrEqual(sendRetryMs);
    expect(await node.call('metric', { name: 'wssot_cluster_publish_retries_total' })).toBeGreaterThanOrEqual(1);
    expect(await node.call('metric', { name: 'wssot_cluster_publish_failures_total' })).toBe(1);
    // Five sends to the user at once (one goes to Redis, four wait behind it): rejected together (not one
    // per reconnect cycle of ioredis), in send order.
    expect(await node.call('emitAtOnce', { userId: 'alice', count: 5 })).toEqual({ withFirst: 5, order: [0, 1, 2, 3, 4], rejected: 5 });
    expect(await node.call('metric', { name: 'wssot_cluster_publish_failures_total' })).toBe(6);
    const metrics = await fetch(`http://127.0.0.1:${node.port}/health/websocket`);
    expect(metrics.status).toBe(200); // degraded, still serving its local connections

    await redis.start();
    // The restarted Redis kept nothing: the node sees the log gone and closes the tab (1012); the client
    // resumes, is told recovered: false (so the app refetches), and live events flow again.
    await waitFor('the gap reported', () => gaps.length === 1, 15_000);
    await waitFor('the client open again', () => client.state === 'open', 15_000);
    await node.call('emit', { userId: 'alice', type: 'agent_thinking', data: { i: 5 } });
    await waitFor('the event after the restart', () => received.length === 4, 10_000);
    expect(received).toEqual([1, 2, 3, 1]); // a new epoch starts at seq 1, after the gap callback
    expect(await node.call('metric', { name: 'wssot_cluster_resyncs_total' })).toBeGreaterThanOrEqual(1);
    expect((await health(node)).status).toBe('ok');
    expect(node.unhandled).toEqual([]);
  });

  it('the subscriber’s connection killed: ioredis resubscribes by itself; events produced meanwhile arrive, none lost or doubled', async () => {
    redis = await ownRedis();
    await redis.start();
    const keyPrefix = uniquePrefix('client-kill');
    const [holder, producer] = await Promise.all([startNode({ redisUrl: redis.url, keyPrefix }), startNode({ redisUrl: redis.url, keyPrefix })]);
    nodes.push(holder!, producer!);
    const tab = await TestClient.open(holder!.url, { headers: { authorization: 'Bearer user:alice' } });
    clients.push(tab);
    await tab.nextOfType('session');
    await producer!.call('emit', { userId: 'alice', type: 'agent_thinking', data: { i: 1 } });
    await tab.nextOfType('agent_thinking');

    // No event while it is away: it resubscribes and the same tab keeps receiving (nothing to resync).
    await killSubscribers(redis);
    await waitFor('the holder resubscribed', () => {
      void producer!.call('emit', { userId: 'alice', type: 'agent_thinking', data: { probe: true }, delivery: 'droppable' });
      return tab.frames.some((f) => f.type === 'agent_thinking' && f.transient === true);
    }, 10_000, 100);
    await producer!.call('emit', { userId: 'alice', type: 'agent_thinking', data: { i: 2 } });
    await tab.waitForCount((f) => f.type === 'agent_thinking' && f.transient !== true, 2);
    expect(tab.frames.filter((f) => f.type === 'agent_thinking' && f.transient !== true).map((f) => f.seq)).toEqual([1, 2]);
    expect(tab.ws.readyState).toBe(WebSocket.OPEN);
    expect(await holder!.call('metric', { name: 'wssot_cluster_resubscriptions_total' })).toBe(1);
    expect(await holder!.call('metric', { name: 'wssot_cluster_resyncs_total' })).toBe(0);
    expect(holder!.unhandled).toEqual([]);
  });

  it('the subscriber’s connection killed while events are produced: the tab resumes exactly (resynchronised with 1012 if it missed any)', async () => {
    redis = await ownRedis();
    await redis.start();
    const keyPrefix = uniquePrefix('client-kill-busy');
    const [holder, producer] = await Promise.all([startNode({ redisUrl: redis.url, keyPrefix }), startNode({ redisUrl: redis.url, keyPrefix })]);
    nodes.push(holder!, producer!);
    const received: number[] = [];
    const gaps: unknown[] = [];
    const client = createClient({ url: holder!.url, WebSocket: wsAs('alice') as never, reconnect: { initialDelayMs: 20, maxDelayMs: 100 } });
    shipped.push(client);
    client.on('agent_thinking', (event) => void received.push(event.seq));
    client.onGap((gap) => void gaps.push(gap));
    await waitFor('the client open', () => client.state === 'open');
    const producing = producer!.call('emitMany', { userId: 'alice', count: 300, type: 'agent_thinking' });
    await killSubscribers(redis);
    await producing;
    await waitFor('all 300 events at the app', () => received.length >= 300, 15_000);
    expect(received).toEqual(Array.from({ length: 300 }, (_, i) => i + 1));
    expect(gaps).toEqual([]);
    console.info(`[redis-faults] resyncs during the kill: ${String(await holder!.call('metric', { name: 'wssot_cluster_resyncs_total' }))}`);
    expect(producer!.unhandled).toEqual([]);
  });

  // Lost: 3 acknowledged events (seqs 6–8). Then `fresh` new events get seqs 6… on the Redis that comes
  // back: 3 (the seq the tab has is there again) or 4 (the log is ahead, a resume by seq would skip 6–8).
  it.each([3, 4])('restarted from an earlier snapshot where %i new events took the lost seqs: a new epoch, the tab told recovered: false, nothing skipped silently', async (fresh) => {
    const { dir, holder, producer, tab } = await historyOfEight();
    const promoted = await promote(dir, fresh);
    await withRedis(promoted.url, (r) => r.save());
    await promoted.kill();
    // …and it is what the holder finds when Redis is back on its address.
    await copyFile(path.join(promoted.dir, 'dump.rdb'), path.join(dir, 'dump.rdb'));
    await redis!.start();

    await waitFor('the gap reported', () => gapsOf(tab) === 1, 15_000);
    await waitFor('the tab open again', () => tab.client.state === 'open', 15_000);
    expect(tab.seen.filter((s) => s.kind === 'gap')).toEqual([{ kind: 'gap', fromSeq: 9, toSeq: 5 + fresh, epochChanged: true }]);
    expect(await holder.call('metric', { name: 'wssot_cluster_rewritten_logs_total' })).toBe(1);
    await nextEventArrives(producer, tab, redis!.url);
    expect(tab.seen.map((s) => (s.kind === 'gap' ? 'gap' : `${s.seq}:${s.i}`))).toEqual(['1:1', '2:2', '3:3', '4:4', '5:5', '6:6', '7:7', '8:8', 'gap', `${6 + fresh}:200`]);
    expect(holder.unhandled).toEqual([]);
  });

  // The same history, but the tab was closed through it: no node held the user to notice, and the page,
  // reloaded, resumes on a node of the promoted Redis. Its resume names its event at seq 8 by `ts`.
  // The tab either saw events 1–8, or opened after them (a fresh start at seq 8: it knows event 8 only by the
  // ts its session frame gave).
  it.each([
    [3, 'saw them'],
    [4, 'saw them'],
    [3, 'opened after them'],
  ])('a tab offline through it (%i new events; it %s): its resume names its last event, so it is told recovered: false, not handed the new events as its own', async (fresh, how) => {
    const history = await historyOfEight();
    const { dir } = history;
    let tab = history.tab;
    if (how === 'opened after them') {
      await tab.client.close();
      tab = openTab(history.holder.url, 'alice');
      tabs.push(tab);
      await waitFor('the later tab open', () => tab.client.state === 'open');
      expect(tab.seen).toEqual([]);
    }
    const left = tab.client.resumeState!;
    expect(left).toMatchObject({ lastSeq: 8, lastTs: expect.any(Number) });
    await tab.client.close();
    const promoted = await promote(dir, fresh);
    const third = nodes.at(-1)!;
    const reloaded = openTab(third.url, 'alice', left);
    tabs.push(reloaded);
    await waitFor('the reloaded tab open', () => reloaded.client.state === 'open', 15_000);
    expect(reloaded.seen).toEqual([{ kind: 'gap', fromSeq: 9, toSeq: 5 + fresh, epochChanged: true }]);
    expect(await third.call('metric', { name: 'wssot_cluster_rewritten_logs_total' })).toBe(1);
    await nextEventArrives(third, reloaded, promoted.url);
    expect(third.unhandled).toEqual([]);
  });
});

/**
 * On a Redis of the test's own (kept in `redis`) with its data in a directory: a holder node with a tab of
 * alice, a producer node, seqs 1–5 (saved: the state a replica had), then 6–8, all on the tab.
 */
async function historyOfEight(): Promise<{ dir: string; holder: ClusterNode; producer: ClusterNode; tab: TrackedTab }> {
  const dir = await mkdtemp(path.join(tmpdir(), 'wssot-rdb-'));
  dirs.push(dir);
  redis = await ownRedis({ dir });
  await redis.start();
  historyPrefix = uniquePrefix('rewritten');
  const [holder, producer] = await Promise.all([startNode({ redisUrl: redis.url, keyPrefix: historyPrefix }), startNode({ redisUrl: redis.url, keyPrefix: historyPrefix })]);
  nodes.push(holder!, producer!);
  const tab = openTab(holder!.url, 'alice');
  tabs.push(tab);
  await waitFor('the tab open', () => tab.client.state === 'open');
  for (let i = 1; i <= 5; i++) await producer!.call('emit', { userId: 'alice', type: 'agent_thinking', data: { i } });
  await waitFor('seqs 1–5 on the tab', () => tab.client.lastSeq === 5);
  await withRedis(redis.url, (r) => r.save()); // the state the replica had
  for (let i = 6; i <= 8; i++) await producer!.call('emit', { userId: 'alice', type: 'agent_thinking', data: { i } });
  await waitFor('seqs 6–8 on the tab', () => tab.client.lastSeq === 8);
  return { dir, holder: holder!, producer: producer!, tab };
}

/**
 * Redis killed; its replica, promoted (the saved seqs 1–5, in a directory of its own), gets `fresh` new events
 * from a third node (the last in `nodes`), which take seqs 6….
 */
async function promote(dir: string, fresh: number): Promise<OwnRedis & { dir: string }> {
  await redis!.kill();
  const elsewhere = await mkdtemp(path.join(tmpdir(), 'wssot-rdb-'));
  dirs.push(elsewhere);
  await copyFile(path.join(dir, 'dump.rdb'), path.join(elsewhere, 'dump.rdb'));
  const promoted = await ownRedis({ dir: elsewhere });
  servers.push(promoted);
  await promoted.start();
  const third = await startNode({ redisUrl: promoted.url, keyPrefix: historyPrefix });
  nodes.push(third);
  for (let i = 0; i < fresh; i++) expect(await third.call('emit', { userId: 'alice', type: 'agent_thinking', data: { i: 106 + i } })).toBe(6 + i);
  return Object.assign(promoted, { dir: elsewhere });
}

/** After the gap the tab goes on with the next event, and since the gap it shows the log as it is. */
async function nextEventArrives(producer: ClusterNode, tab: TrackedTab, redisUrl: string): Promise<void> {
  const next = (await producer.call('emit', { userId: 'alice', type: 'agent_thinking', data: { i: 200 } })) as number;
  await waitFor('the next event on the tab', () => tab.client.lastSeq === next, 10_000);
  expect(tab.seen.at(-1)).toEqual({ kind: 'event', seq: next, i: 200 });
  const log = await withRedis(redisUrl, (r) => readLog(r, historyPrefix, 'alice'));
  expect(silentLoss(tab, log)).toEqual([]);
}

let degraded = false;

/** CLIENT KILL TYPE pubsub on the test's own Redis: every subscriber connection drops at once. */
async function killSubscribers(server: OwnRedis): Promise<void> {
  const { Redis } = await import('ioredis');
  const admin = new Redis(server.url, { lazyConnect: true });
  await admin.connect();
  await admin.client('KILL', 'TYPE', 'pubsub');
  await admin.quit();
}

void CloseCode;
