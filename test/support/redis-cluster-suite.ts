/**
 * A test file's own Redis Cluster (3 masters, 1 replica each; redis-topology.ts), started before its tests
 * and stopped after them, with the test's own ioredis `Cluster` to read slots and keys as an app would.
 */
import { Cluster } from 'ioredis';
import { afterAll, beforeAll } from 'vitest';
import { startRedisCluster, type RedisClusterTopology } from './redis-topology.js';

export interface RedisClusterSuite {
  /** The cluster's processes and view (after beforeAll). */
  readonly topology: RedisClusterTopology;
  /** The test's own client of it (after beforeAll). */
  readonly admin: Cluster;
}

/** Registers the file's beforeAll / afterAll; the returned object's fields are usable inside tests. */
export function useRedisCluster(): RedisClusterSuite {
  let topology: RedisClusterTopology | null = null;
  let admin: Cluster | null = null;
  beforeAll(async () => {
    topology = await startRedisCluster();
    admin = new Cluster(topology.startupNodes);
    await new Promise((resolve) => admin!.once('ready', resolve));
  }, 60_000);
  afterAll(async () => {
    admin?.disconnect();
    await topology?.stop();
  });
  return {
    get topology() {
      if (topology === null) throw new Error('the Redis Cluster is not started (use it inside a test)');
      return topology;
    },
    get admin() {
      if (admin === null) throw new Error('the Redis Cluster is not started (use it inside a test)');
      return admin;
    },
  };
}
