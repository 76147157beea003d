/**
 * The engine's scripts: every command they and the engine call is in the documented ACL (a missing one
 * fails only on the path that calls it, e.g. the prune below), and the publish script's per-node send ids:
 * each node keeps its own latest send to a user (so another node's sends do not make a resend
 * unrecognisable: lost-replies.test.ts has that for real), and nodes replaced by deploys do not grow the
 * user's meta hash without bound, nor does dropping their ids touch the user's other fields.
 */
import { readFile } from 'node:fs/promises';
import http from 'node:http';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { ClusterKeys } from '../../src/cluster/cluster-keys.js';
import { MAX_META_FIELDS } from '../../src/cluster/cluster-scripts.js';
import { createWebSocketServer, type WsSsotServer } from '../../src/index.js';
import { silentLogger } from '../support/harness.js';
import { describeWithRedis, REDIS_URL, uniquePrefix } from '../support/redis.js';
import { documentedAcl } from '../support/redis-acl.js';
import { withRedis } from '../support/redis-server.js';

const here = path.dirname(fileURLToPath(import.meta.url));

describe('the documented ACL', () => {
  it('allows every command the scripts call', async () => {
    const scripts = await readFile(path.join(here, '../../src/cluster/cluster-scripts.ts'), 'utf8');
    const called = new Set([...scripts.matchAll(/redis\.call\('([A-Z]+)'/g)].map((m) => m[1]!.toLowerCase()));
    const [base] = await documentedAcl('p', 'x');
    const allowed = new Set(base!.filter((arg) => arg.startsWith('+')).map((arg) => arg.slice(1)));
    expect(called.size).toBeGreaterThan(10);
    expect([...called].filter((command) => !allowed.has(command))).toEqual([]);
  });
});

const servers: WsSsotServer[] = [];
afterEach(async () => {
  await closeAll();
});

async function closeAll(): Promise<void> {
  await Promise.all(servers.splice(0).map((s) => s.close()));
}

function node(keyPrefix: string): WsSsotServer {
  const wss = createWebSocketServer({ server: http.createServer(), authenticate: () => null, logger: silentLogger, heartbeatIntervalMs: 0, cluster: { redis: REDIS_URL, keyPrefix } });
  servers.push(wss);
  return wss;
}

describeWithRedis('Redis engine: the publish script’s send ids', () => {
  it('one field per producing node, with its latest send number and seq', async () => {
    const keyPrefix = uniquePrefix('send-ids');
    const [first, second] = [node(keyPrefix), node(keyPrefix)];
    expect((await first.manager.publishAgentEvent('ann', 'agent_thinking', { i: 1 })).seq).toBe(1);
    expect((await second.manager.publishAgentEvent('ann', 'agent_thinking', { i: 2 })).seq).toBe(2);
    expect((await first.manager.publishAgentEvent('ann', 'agent_thinking', { i: 3 })).seq).toBe(3);
    const fields = await withRedis(REDIS_URL, (r) => r.hgetall(new ClusterKeys(keyPrefix).user('ann').meta));
    // `l<node>` = `<send number>|<seq>`: the first node's latest is its 2nd send (seq 3), the second's its 1st (seq 2).
    expect(Object.entries(fields).filter(([field]) => field.startsWith('l')).map(([, value]) => value).sort()).toEqual(['1|2', '2|3']);
  });

  it('nodes replaced one after another (deploys): at most MAX_META_FIELDS + 1 fields, and dropping their ids keeps epoch, seq, ms and tm', async () => {
    const keyPrefix = uniquePrefix('send-ids-pruned');
    const meta = new ClusterKeys(keyPrefix).user('bea').meta;
    const start = node(keyPrefix);
    expect((await start.manager.publishAgentEvent('bea', 'agent_thinking', { i: 0 })).seq).toBe(1);
    await closeAll();
    const kept = await withRedis(REDIS_URL, (r) => r.hmget(meta, 'epoch', 'seq', 'ms', 'tm'));
    // Not logged (droppable): the script writes only the node's own send id, so the other fields must stay as they were.
    const lengths: number[] = [];
    for (let deploy = 0; deploy < 2 * MAX_META_FIELDS; deploy++) {
      await node(keyPrefix).manager.publishAgentEvent('bea', 'agent_thinking', { i: deploy }, { delivery: 'droppable' });
      await closeAll();
      lengths.push(await withRedis(REDIS_URL, (r) => r.hlen(meta)));
    }
    expect(Math.max(...lengths)).toBe(MAX_META_FIELDS + 1);
    // Dropped once the hash had more than MAX_META_FIELDS fields: the 4 kept ones and the dropping node's own id.
    expect(lengths).toContain(5);
    expect(await withRedis(REDIS_URL, (r) => r.hmget(meta, 'epoch', 'seq', 'ms', 'tm'))).toEqual(kept);
  });
});
