/**
 * The publish script's per-node send ids: each node keeps its own latest send to a user (so another node's
 * sends do not make a resend unrecognisable: redis-faults.test.ts has that for real), and nodes replaced
 * by deploys do not grow the user's meta hash without bound.
 */
import http from 'node:http';
import { afterEach, expect, it } from 'vitest';
import { ClusterKeys } from '../../src/cluster/cluster-keys.js';
import { createWebSocketServer, type WsSsotServer } from '../../src/index.js';
import { silentLogger } from '../support/harness.js';
import { describeWithRedis, REDIS_URL, uniquePrefix } from '../support/redis.js';
import { withRedis } from '../support/redis-server.js';

const servers: WsSsotServer[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

function node(keyPrefix: string): WsSsotServer {
  const wss = createWebSocketServer({ server: http.createServer(), authenticate: () => null, logger: silentLogger, heartbeatIntervalMs: 0, cluster: { redis: REDIS_URL, keyPrefix } });
  servers.push(wss);
  return wss;
}

describeWithRedis('Redis engine: the publish script’s send ids', () => {
  it('one field per producing node; 40 nodes replaced one after another (deploys) leave at most 16 fields, and the seqs run on', async () => {
    const keyPrefix = uniquePrefix('send-ids');
    const meta = new ClusterKeys(keyPrefix).user('ann').meta;
    const [first, second] = [node(keyPrefix), node(keyPrefix)];
    expect((await first.manager.publishAgentEvent('ann', 'agent_thinking', { i: 1 })).seq).toBe(1);
    expect((await second.manager.publishAgentEvent('ann', 'agent_thinking', { i: 2 })).seq).toBe(2);
    expect((await first.manager.publishAgentEvent('ann', 'agent_thinking', { i: 3 })).seq).toBe(3);
    const fields = await withRedis(REDIS_URL, (r) => r.hgetall(meta));
    const sendIds = Object.entries(fields).filter(([field]) => field.startsWith('l'));
    // `l<node>` = `<send number>|<seq>`: the first node's latest is its 2nd send (seq 3), the second's its 1st (seq 2).
    expect(sendIds.map(([, value]) => value).sort()).toEqual(['1|2', '2|3']);
    await Promise.all(servers.splice(0).map((s) => s.close()));

    let seq = 3;
    for (let deploy = 0; deploy < 40; deploy++) {
      const wss = node(keyPrefix);
      expect((await wss.manager.publishAgentEvent('ann', 'agent_thinking', { i: deploy })).seq).toBe(++seq);
      await Promise.all(servers.splice(0).map((s) => s.close()));
      expect(await withRedis(REDIS_URL, (r) => r.hlen(meta))).toBeLessThanOrEqual(17);
    }
    const after = await withRedis(REDIS_URL, (r) => r.hgetall(meta));
    expect(Object.keys(after).filter((field) => !field.startsWith('l')).sort()).toEqual(['epoch', 'ms', 'seq', 'tm']);
    expect(after.seq).toBe(String(seq));
  });
});
