/**
 * A socket added with `addConnection` (no session handshake, as old code did) on the engine: it joins its
 * user's route and goes live without a session frame ('connection' is emitted once it is live), and a send
 * from any node reaches it, on both paths.
 */
import http from 'node:http';
import { afterEach, expect, it } from 'vitest';
import { createMigrationServer, type MigrationServer } from '../../legacy/index.js';
import { silentLogger } from '../support/harness.js';
import { describeWithRedis, REDIS_URL, uniquePrefix } from '../support/redis.js';
import { socketPairs, type SocketPairs } from '../support/socket-pair.js';
import { waitFor } from '../support/wait-for.js';

let pairs: SocketPairs | null = null;
const servers: MigrationServer[] = [];
afterEach(async () => {
  await pairs?.close();
  pairs = null;
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

function node(keyPrefix: string): MigrationServer {
  const wss = createMigrationServer({ server: http.createServer(), authenticate: () => null, logger: silentLogger, heartbeatIntervalMs: 0, flags: { ssot: true }, cluster: { redis: REDIS_URL, keyPrefix } });
  servers.push(wss);
  return wss;
}

describeWithRedis('Redis engine: addConnection', () => {
  it('a socket added without a handshake goes live (no session frame) and gets sends from another node, on both paths', async () => {
    const keyPrefix = uniquePrefix('add-connection');
    const a = node(keyPrefix);
    const b = node(keyPrefix);
    pairs = await socketPairs();
    const ssot = await pairs.open();
    const legacy = await pairs.open();
    const connected: string[] = [];
    a.manager.on('connection', (c) => void connected.push(c.path));
    a.manager.addConnection('alice', ssot.server);
    a.legacy.manager.addConnection('bob', legacy.server);
    await waitFor('both live', () => connected.length === 2);
    await b.manager.publishAgentEvent('alice', 'agent_started', {});
    await b.manager.publishAgentEvent('bob', 'agent_started', {});
    expect(await ssot.client.nextOfType('agent_started')).toMatchObject({ seq: 1 });
    expect(await legacy.client.nextOfType('agent_started')).toMatchObject({ seq: 1 });
    expect([...ssot.client.frames, ...legacy.client.frames].some((f) => f.type === 'session')).toBe(false);
    expect(connected.sort()).toEqual(['legacy', 'ssot']);
  });
});
