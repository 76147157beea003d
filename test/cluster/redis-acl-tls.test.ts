/**
 * Production Redis: an ACL user limited to the engine's commands, keys and channels (the line in
 * docs/cluster.md, "Authentication, ACL and TLS", applied as written with the test's own prefix and password),
 * on a redis-server of the test's own with a TLS port. One node connects with a redis:// URL carrying the
 * user's credentials, the other over TLS (an app's ioredis instance with its own CA): delivery, broadcast, a
 * resume on the other node and presence work across them, and neither logs a permission error. With wrong
 * credentials a node does not crash: health degraded, the refusal logged.
 */
import { execFileSync } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, expect, it } from 'vitest';
import { startNode, type ClusterNode } from '../support/cluster-nodes.js';
import type { LogLine } from '../support/cluster-node.js';
import { describeWithRedis, uniquePrefix } from '../support/redis.js';
import { documentedAcl } from '../support/redis-acl.js';
import { freePort, ownRedis, withRedis, type OwnRedis } from '../support/redis-server.js';
import { gapsOf, openTab, type TrackedTab } from '../support/tracked-tab.js';
import { waitFor } from '../support/wait-for.js';

const ADMIN_PASSWORD = 'admin-secret';
const USER = 'wssot';
const PASSWORD = 'engine-secret';

const nodes: ClusterNode[] = [];
const tabs: TrackedTab[] = [];
let redis: OwnRedis;
let tlsPort: number;
let ca: string;
let dir: string;
afterEach(async () => {
  await Promise.all(tabs.splice(0).map((t) => t.client.close()));
  await Promise.all(nodes.splice(0).map((n) => n.stop()));
});
afterAll(async () => {
  await redis?.kill();
  if (dir !== undefined) await rm(dir, { recursive: true, force: true });
});

/** Runs `work` on a connection of the test's own as the server's default user (its password: ADMIN_PASSWORD). */
function asAdmin<T>(work: (r: Redis) => Promise<T>): Promise<T> {
  return withRedis(redis.url, work, ADMIN_PASSWORD);
}

async function logsOf(node: ClusterNode): Promise<LogLine[]> {
  return (await node.call('logs')) as LogLine[];
}

describeWithRedis('Redis engine with an ACL user and TLS', () => {
  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'wssot-tls-'));
    const [key, cert] = [path.join(dir, 'key.pem'), path.join(dir, 'cert.pem')];
    // A self-signed certificate for 127.0.0.1: the app's private CA and the server's certificate in one.
    execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', key, '-out', cert, '-days', '1', '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1'], { stdio: 'ignore' });
    ca = await readFile(cert, 'utf8');
    tlsPort = await freePort();
    redis = await ownRedis({ args: ['--requirepass', ADMIN_PASSWORD, '--tls-port', String(tlsPort), '--tls-cert-file', cert, '--tls-key-file', key, '--tls-ca-cert-file', cert, '--tls-auth-clients', 'no'] });
    await redis.start();
  });

  it('as the documented ACL user, one node by URL and one over TLS: delivery, broadcast, resume on the other node, presence; no permission error', async () => {
    const keyPrefix = uniquePrefix('acl');
    const [acl] = await documentedAcl(keyPrefix, PASSWORD);
    await asAdmin((r) => r.call('ACL', 'SETUSER', ...acl!));
    const [byUrl, overTls] = await Promise.all([
      startNode({ redisUrl: `redis://${USER}:${PASSWORD}@127.0.0.1:${redis.port}`, keyPrefix, captureLogs: true }),
      startNode({ redis: { kind: 'tls', host: '127.0.0.1', port: tlsPort, ca, username: USER, password: PASSWORD }, keyPrefix, captureLogs: true }),
    ]);
    nodes.push(byUrl, overTls);
    const alice = openTab(byUrl.url, 'alice');
    const bob = openTab(overTls.url, 'bob');
    tabs.push(alice, bob);
    await waitFor('both tabs open', () => alice.client.state === 'open' && bob.client.state === 'open');

    for (let i = 1; i <= 3; i++) await overTls.call('emit', { userId: 'alice', type: 'agent_thinking', data: { i } });
    for (let i = 1; i <= 3; i++) await byUrl.call('emit', { userId: 'bob', type: 'agent_thinking', data: { i } });
    await waitFor('each user’s events on its tab', () => alice.client.lastSeq === 3 && bob.client.lastSeq === 3);
    await overTls.call('broadcast', { message: { type: 'notice' } });
    await waitFor('the broadcast on both tabs', () => alice.messages.length === 1 && bob.messages.length === 1);
    expect(await byUrl.call('presence', { userId: 'bob' })).toBe(1);

    // alice's page reloads onto the other node while two events are sent: replayed from the log.
    const left = alice.client.resumeState!;
    await alice.client.close();
    for (let i = 4; i <= 5; i++) await byUrl.call('emit', { userId: 'alice', type: 'agent_thinking', data: { i } });
    const reloaded = openTab(overTls.url, 'alice', left);
    tabs.push(reloaded);
    await waitFor('the reloaded tab caught up', () => reloaded.client.state === 'open' && reloaded.client.lastSeq === 5);
    expect(reloaded.seen).toEqual([{ kind: 'event', seq: 4, i: 4 }, { kind: 'event', seq: 5, i: 5 }]);
    expect(gapsOf(reloaded)).toBe(0);

    for (const node of [byUrl, overTls]) {
      expect(((await node.call('health')) as { cluster: { status: string } }).cluster.status).toBe('ok');
      expect(await logsOf(node)).toEqual([]); // a missing permission would be a NOPERM warning here
      expect(node.unhandled).toEqual([]);
    }
  });

  it('with wrong credentials: no crash, no unhandled rejection, health degraded, the refusal logged', async () => {
    const keyPrefix = uniquePrefix('acl-wrong');
    const [acl] = await documentedAcl(keyPrefix, PASSWORD);
    await asAdmin((r) => r.call('ACL', 'SETUSER', ...acl!));
    const node = await startNode({ redisUrl: `redis://${USER}:not-the-password@127.0.0.1:${redis.port}`, keyPrefix, captureLogs: true });
    nodes.push(node);
    let lines: LogLine[] = [];
    await waitFor('the refusal logged', () => {
      void logsOf(node).then((l) => (lines = l));
      return lines.some((l) => /WRONGPASS/.test(`${l.msg} ${l.err ?? ''}`));
    }, 10_000, 50);
    expect((await node.call('health')) as unknown).toMatchObject({ status: 'degraded', cluster: { status: 'degraded' } });
    expect(node.unhandled).toEqual([]);
  });
});
