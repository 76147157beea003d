/**
 * docs/cluster.md's Redis Cluster and Sentinel examples, as pasted: each typechecks (strict) against the built
 * package and runs against a real topology of the test's own (given by the environment variables the example
 * reads), and a tab connecting to it gets its session and the event the example sends.
 */
import { afterAll, afterEach, beforeAll, expect, it } from 'vitest';
import { ensureBuilt } from '../support/build.js';
import { TestClient } from '../support/client.js';
import { describeWithRedisBinaries, startRedisCluster, startRedisSentinel, type RedisClusterTopology, type RedisSentinelTopology } from '../support/redis-topology.js';
import { codeBlock, readDoc, runDoc, scratch, typecheck, type RunningDoc } from './doc-code.js';

const doc = readDoc('docs/cluster.md');
const clusterExample = codeBlock(doc, 'ts', 'new Cluster(startupNodes');
const sentinelExample = codeBlock(doc, 'ts', 'sentinels,');

let tmp: ReturnType<typeof scratch> | null = null;
let app: RunningDoc | null = null;
let cluster: RedisClusterTopology | null = null;
let sentinel: RedisSentinelTopology | null = null;
const clients: TestClient[] = [];

beforeAll(() => ensureBuilt(), 120_000);
afterEach(async () => {
  await Promise.all(clients.splice(0).map((c) => c.close()));
  await app?.stop();
  app = null;
  await cluster?.stop();
  cluster = null;
  await sentinel?.stop();
  sentinel = null;
});
afterAll(() => tmp?.dispose());

async function sessionAndEvent(port: number): Promise<void> {
  const tab = await TestClient.open(`ws://127.0.0.1:${port}/ws`, { headers: { cookie: 'session=alice' } });
  clients.push(tab);
  expect(await tab.nextOfType('session')).toMatchObject({ type: 'session', lastSeq: 0 });
  expect(await tab.nextOfType('agent_started', 10_000)).toMatchObject({ seq: 1, runId: 'run-1', data: { agent: 'triage' } });
}

describeWithRedisBinaries('docs/cluster.md: the Redis Cluster and Sentinel examples, as pasted', () => {
  it('both typecheck (strict) against the built package', async () => {
    tmp = scratch();
    expect(await typecheck([tmp.write('cluster.ts', clusterExample), tmp.write('sentinel.ts', sentinelExample)])).toBe('');
  }, 120_000);

  it('the Redis Cluster example runs on a real cluster: a tab gets its session and the event', async () => {
    cluster = await startRedisCluster();
    tmp ??= scratch();
    app = await runDoc(tmp.write('cluster-run.ts', clusterExample), { REDIS_CLUSTER_NODES: cluster.startupNodes.map((n) => `${n.host}:${n.port}`).join(',') });
    await sessionAndEvent(app.port);
    expect(app.stderr()).toBe('');
  }, 60_000);

  it('the Sentinel example runs behind real sentinels: a tab gets its session and the event', async () => {
    sentinel = await startRedisSentinel();
    tmp ??= scratch();
    app = await runDoc(tmp.write('sentinel-run.ts', sentinelExample), { REDIS_SENTINELS: sentinel.sentinels.map((n) => `${n.host}:${n.port}`).join(','), REDIS_SENTINEL_NAME: sentinel.name });
    await sessionAndEvent(app.port);
    expect(app.stderr()).toBe('');
  }, 60_000);
});
