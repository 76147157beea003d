/**
 * The cluster scenarios' harness (lib/cluster.ts) against a real Redis (REDIS_URL, default redis://127.0.0.1:6379):
 * the quick cross-node targeted scenario for ws-ssot on its Redis engine (both sends: messages and logged agent
 * events) and Socket.IO on `@socket.io/redis-adapter`, two nodes each (connections on one, the events produced on
 * the other), must deliver every event exactly once and leave no key under the run's prefix. Correctness only,
 * never a timing. Without Redis: a failure under CI=true (.ci/run starts one), elsewhere a loud skip.
 */
import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { redisUnreachable, REDIS_START_HINT, REDIS_URL } from '../lib/redis.js';
import type { ScenarioContext } from '../lib/types.js';
import { clusterTargeted, clusterTargetedSizes, SSOT_LOGGED } from '../scenarios/cluster-targeted.js';

const unreachable = await redisUnreachable(REDIS_URL);
if (unreachable !== null && process.env['CI'] !== 'true') {
  console.warn(`\n[bench cluster tests] SKIPPED: ${unreachable}. Start one with: ${REDIS_START_HINT}\n`);
}
const suite = unreachable !== null && process.env['CI'] !== 'true' ? describe.skip : describe;

const version = (from: string, name: string): string => (createRequire(new URL(from, import.meta.url))(`${name}/package.json`) as { version: string }).version;

suite('cluster scenarios (two nodes over one Redis)', () => {
  it('has a Redis to run against', () => {
    expect(unreachable).toBeNull();
  });

  it('the Socket.IO baselines use the ioredis version the engine uses (bench/package.json pins it to the root’s)', () => {
    expect(version('../servers/socket-io-redis.ts', 'ioredis')).toBe(version('../../src/cluster/redis-connections.ts', 'ioredis'));
  });

  it('cluster-targeted --quick: every event reaches every connection once, across nodes, and the run leaves no key', async () => {
    const ctx: ScenarioContext = { quick: true, runs: 1, impls: [], clusterImpls: ['socket-io-redis', 'ws-ssot'], maxOtherLoadPct: 100, client: 'node', pin: null, log: () => {} };
    const { events, perUser } = clusterTargetedSizes(true);
    const result = await clusterTargeted.run(ctx);
    expect(result.rows.map((r) => r.name)).toEqual(['Socket.IO + redis-adapter', 'ws-ssot', SSOT_LOGGED]);
    for (const row of result.rows) {
      expect(row.notes, row.name).toEqual([]);
      expect(row.metrics['expected'], row.name).toBe(events * perUser);
      expect(row.metrics['delivered'], row.name).toBe(events * perUser);
      expect(row.metrics['lost'], row.name).toBe(0);
      expect(row.metrics['surplus'], row.name).toBe(0);
      expect(row.metrics['complete'], row.name).toBe(1);
      const run = row.perRun?.[0];
      expect(run?.['keysLeft'], row.name).toBe(0);
      // Every delivering node, the producer and the Redis server report CPU for the phase.
      for (const key of ['nodeCpuMsPer1k', 'producerCpuMsPer1k', 'redisCpuMsPer1k']) expect(run?.[key], `${row.name} ${key}`).toBeGreaterThan(0);
      expect(row.metrics['p99'], row.name).toBeGreaterThan(0);
    }
    const targets = result.targets.map((t) => t.target);
    expect(targets).toContain('cluster targeted: 0 deliveries lost');
    expect(result.targets.find((t) => t.target === 'cluster targeted: 0 deliveries lost')?.pass).toBe(true);
  }, 90_000);
});
