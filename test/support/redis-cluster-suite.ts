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
  /** `perMaster` user ids (`user-<n>`) for each of the three masters, found by their hash tag's slot. */
  usersOnEveryMaster(perMaster: number): Promise<{ users: string[]; masterOf: Map<string, number> }>;
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
  const suite: RedisClusterSuite = {
    get topology() {
      if (topology === null) throw new Error('the Redis Cluster is not started (use it inside a test)');
      return topology;
    },
    get admin() {
      if (admin === null) throw new Error('the Redis Cluster is not started (use it inside a test)');
      return admin;
    },
    async usersOnEveryMaster(perMaster) {
      const byMaster = new Map<number, string[]>();
      const masterOf = new Map<string, number>();
      for (let n = 0; [...byMaster.values()].filter((u) => u.length >= perMaster).length < 3; n++) {
        const userId = `user-${n}`;
        const master = await suite.topology.masterOfSlot(Number(await suite.admin.cluster('KEYSLOT', `{u:${userId}}`)));
        const list = byMaster.get(master) ?? [];
        if (list.length >= perMaster) continue;
        list.push(userId);
        byMaster.set(master, list);
        masterOf.set(userId, master);
      }
      return { users: [...byMaster.values()].flat(), masterOf };
    },
  };
  return suite;
}
