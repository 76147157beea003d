/**
 * Real Redis topologies of a test's own, on 127.0.0.1 and free ports, each in a temp dir removed afterwards:
 * - a Redis Cluster of 3 masters with 1 replica each (`redis-cli --cluster create`), ready once every node
 *   says `cluster_state:ok` and every replica is in sync, so a master can be SIGKILLed and its replica
 *   promoted for real;
 * - a Sentinel setup: 1 master, 1 replica, 3 sentinels (quorum 2, short `down-after-milliseconds`), ready
 *   once the sentinels can reach a quorum and authorise a failover (`SENTINEL CKQUORUM`).
 * `describeWithRedisBinaries` fails under CI=true when `redis-server` or `redis-cli` is missing and elsewhere
 * skips loudly, like `describeWithRedis`.
 */
import { execFile, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { Redis } from 'ioredis';
import { describe } from 'vitest';
import { waitFor } from './wait-for.js';

const HOST = '127.0.0.1';
/** Cluster failure detection (ms): a master is failed over a second or two after it dies. */
const CLUSTER_NODE_TIMEOUT_MS = 1_000;
export const SENTINEL_MASTER_NAME = 'wssot-test';

function hasBinary(name: string): boolean {
  return spawnSync(name, ['--version'], { stdio: 'ignore' }).status === 0;
}

const binariesPresent = hasBinary('redis-server') && hasBinary('redis-cli');

/** `describe` when redis-server and redis-cli exist; under CI=true their absence fails; elsewhere a loud skip. */
export function describeWithRedisBinaries(name: string, body: () => void): void {
  if (binariesPresent) {
    describe(name, body);
    return;
  }
  const hint = 'install redis-server and redis-cli (Redis >= 7: apt-get install redis-server)';
  if (process.env.CI === 'true') {
    describe(name, () => {
      throw new Error(`redis-server / redis-cli not found (CI=true: the topology tests need them): ${hint}`);
    });
    return;
  }
  console.warn(`\n[topology tests] SKIPPED: redis-server / redis-cli not found; ${hint}\n`);
  describe.skip(name, body);
}

// ---- processes and ports -------------------------------------------------------------------------

function portFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = net.createServer();
    server.once('error', () => resolve(false));
    server.listen(port, HOST, () => server.close(() => resolve(true)));
  });
}

/**
 * `count` free ports, each with port + 10000 free too (a cluster node's bus), none of them given before by this
 * process. Below Linux's ephemeral range (32768 on), so no client socket or `listen(0)` takes one meanwhile;
 * another test process may still pick the same port, which the caller detects (startOwn) and retries.
 */
const handedOut = new Set<number>();
async function freePorts(count: number, withBus: boolean): Promise<number[]> {
  const ports: number[] = [];
  while (ports.length < count) {
    const port = 10_000 + Math.floor(Math.random() * 12_700);
    if (handedOut.has(port) || ports.includes(port)) continue;
    if (!(await portFree(port)) || (withBus && !(await portFree(port + 10_000)))) continue;
    handedOut.add(port);
    ports.push(port);
  }
  return ports;
}

interface Server {
  port: number;
  child: ChildProcess;
  exited: Promise<void>;
}

function startServer(port: number, args: string[]): Server {
  const child = spawn('redis-server', args, { stdio: 'ignore' });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  return { port, child, exited };
}

/** Waits until the server on `server.port` is this child (its process_id), not another test's; throws if it exited. */
async function answersAsOwn(server: Server): Promise<void> {
  let own = false;
  let asking = false;
  await waitFor(`redis-server ${server.port} up`, () => {
    if (server.child.exitCode !== null || server.child.signalCode !== null) throw new Error(`redis-server ${server.port} exited (its port taken by another process?)`);
    if (!own && !asking) {
      asking = true;
      void call(server.port, 'INFO', 'server').then((info) => void (own = field(info, 'process_id') === String(server.child.pid)), () => undefined).finally(() => (asking = false));
    }
    return own;
  }, 10_000, 25);
}

/** The last lines of a server's log file, for an error message. */
function logTail(file: string): string {
  return existsSync(file) ? readFileSync(file, 'utf8').trim().split('\n').slice(-5).join(' | ') : '(no log)';
}

/** Starts a topology, again on other ports if a start fails (another test process took a port meanwhile). */
async function withRetries<T>(what: string, start: () => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await start();
    } catch (err) {
      if (attempt === 3) throw err;
      console.warn(`[redis-topology] ${what} did not start (${(err as Error).message}); retrying on other ports`);
    }
  }
}

async function kill(server: Server): Promise<void> {
  if (server.child.exitCode === null && server.child.signalCode === null) server.child.kill('SIGKILL');
  await server.exited;
}

/** Runs one command on one server on a connection of its own; rejects if it does not answer. */
export async function call(port: number, ...args: Array<string | number>): Promise<unknown> {
  return (await callInOrder(port, [args]))[0];
}

/** Runs commands one after the other on one connection of their own (one that stays authenticated). */
export async function callInOrder(port: number, commands: Array<Array<string | number>>): Promise<unknown[]> {
  const redis = new Redis({ host: HOST, port, lazyConnect: true, retryStrategy: () => null, maxRetriesPerRequest: 0, enableOfflineQueue: false, connectTimeout: 1_000 });
  redis.on('error', () => undefined);
  try {
    await redis.connect();
    const replies: unknown[] = [];
    for (const args of commands) replies.push(await redis.call(String(args[0]), ...args.slice(1).map(String)));
    return replies;
  } finally {
    redis.disconnect();
  }
}

/** Waits until the async `check` resolves true (each check awaited before the next), polling with waitFor. */
export async function until(what: string, check: () => Promise<boolean>, timeoutMs: number, intervalMs = 50): Promise<void> {
  let ok = false;
  let running = false;
  await waitFor(what, () => {
    if (!ok && !running) {
      running = true;
      void check().catch(() => false).then((result) => {
        ok = result;
        running = false;
      });
    }
    return ok;
  }, timeoutMs, intervalMs);
}

const field = (text: unknown, name: string): string | undefined => new RegExp(`^${name}:(.*)$`, 'm').exec(String(text))?.[1]?.trim();

// ---- Redis Cluster -------------------------------------------------------------------------------

export interface ClusterNodeInfo {
  port: number;
  role: 'master' | 'replica';
  /** The port of its master (replicas only). */
  masterPort: number | null;
  /** Slot ranges, e.g. [[0, 5460]] (masters only). */
  slots: Array<[number, number]>;
}

export interface RedisClusterTopology {
  /** Every node (live or killed) as ioredis startup nodes. */
  readonly startupNodes: Array<{ host: string; port: number }>;
  /** The cluster as a live node sees it now. */
  describe(): Promise<ClusterNodeInfo[]>;
  /** The port of the master serving `slot` now. */
  masterOfSlot(slot: number): Promise<number>;
  /** SIGKILLs one node and waits for its process to exit. */
  kill(port: number): Promise<void>;
  /** After `deadPort`'s master was killed: waits until its replica serves its slots and every live node says ok. */
  waitForFailover(deadPort: number, timeoutMs?: number): Promise<number>;
  stop(): Promise<void>;
}

function parseClusterNodes(text: string, idToPort: Map<string, number>): ClusterNodeInfo[] {
  const lines = text.trim().split('\n').map((l) => l.trim().split(' '));
  for (const f of lines) idToPort.set(f[0] as string, Number((f[1] as string).split('@')[0]?.split(':')[1]));
  return lines
    .filter((f) => !(f[2] as string).includes('fail'))
    .map((f) => {
      const flags = f[2] as string;
      const master = flags.includes('master');
      return {
        port: Number((f[1] as string).split('@')[0]?.split(':')[1]),
        role: master ? 'master' : 'replica',
        masterPort: master ? null : (idToPort.get(f[3] as string) ?? null),
        slots: f.slice(8).filter((s) => !s.startsWith('[')).map((s) => {
          const [a, b] = s.split('-');
          return [Number(a), Number(b ?? a)] as [number, number];
        }),
      };
    });
}

export function startRedisCluster(): Promise<RedisClusterTopology> {
  return withRetries('a Redis Cluster', startClusterOnce);
}

async function startClusterOnce(): Promise<RedisClusterTopology> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'wssot-redis-cluster-'));
  const ports = await freePorts(6, true);
  const servers = new Map<number, Server>();
  const idToPort = new Map<string, number>();
  /** The masters serving slots just before a kill: the heir of a killed one is the master not among them. */
  let mastersBefore = new Set<number>();
  const live = (): number[] => [...servers.values()].filter((s) => s.child.exitCode === null && s.child.signalCode === null).map((s) => s.port);
  const self: RedisClusterTopology = {
    startupNodes: ports.map((port) => ({ host: HOST, port })),
    async describe() {
      let lastError: unknown = null;
      for (const port of live()) {
        try {
          return parseClusterNodes(String(await call(port, 'CLUSTER', 'NODES')), idToPort);
        } catch (err) {
          lastError = err;
        }
      }
      throw new Error(`no live cluster node answered: ${String(lastError)}`);
    },
    async masterOfSlot(slot) {
      const master = (await self.describe()).find((n) => n.role === 'master' && n.slots.some(([a, b]) => slot >= a && slot <= b));
      if (master === undefined) throw new Error(`no master serves slot ${slot}`);
      return master.port;
    },
    async kill(port) {
      const server = servers.get(port);
      if (server === undefined) return;
      mastersBefore = new Set((await self.describe()).filter((n) => n.role === 'master' && n.slots.length > 0).map((n) => n.port));
      await kill(server);
    },
    async waitForFailover(deadPort, timeoutMs = 20_000) {
      let promoted = 0;
      await until(`the replica of ${deadPort} promoted and cluster_state:ok on every live node`, async () => {
        const masters = (await self.describe()).filter((n) => n.role === 'master' && n.slots.length > 0).map((n) => n.port);
        const heir = masters.find((port) => !mastersBefore.has(port));
        if (masters.length !== 3 || masters.includes(deadPort) || heir === undefined) return false;
        for (const port of live()) if (field(await call(port, 'CLUSTER', 'INFO'), 'cluster_state') !== 'ok') return false;
        promoted = heir;
        return true;
      }, timeoutMs, 100);
      return promoted;
    },
    async stop() {
      await Promise.all([...servers.values()].map((s) => kill(s)));
      rmSync(dir, { recursive: true, force: true });
    },
  };
  try {
    for (const port of ports) {
      servers.set(port, startServer(port, [
        '--port', String(port), '--bind', HOST, '--dir', dir, '--cluster-enabled', 'yes',
        '--cluster-config-file', `nodes-${port}.conf`, '--cluster-node-timeout', String(CLUSTER_NODE_TIMEOUT_MS),
        '--save', '', '--appendonly', 'no', '--repl-diskless-sync-delay', '0', '--logfile', path.join(dir, `${port}.log`),
      ]));
    }
    for (const server of servers.values()) await answersAsOwn(server);
    await new Promise<void>((resolve, reject) => {
      execFile('redis-cli', ['--cluster', 'create', ...ports.map((p) => `${HOST}:${p}`), '--cluster-replicas', '1', '--cluster-yes'], { timeout: 30_000 }, (err, _stdout, stderr) => (err ? reject(new Error(`redis-cli --cluster create failed: ${stderr || err.message}`)) : resolve()));
    });
    await until('cluster_state:ok on all 6 nodes, 3 masters with a replica in sync each', async () => {
      for (const port of ports) {
        const info = await call(port, 'CLUSTER', 'INFO');
        if (field(info, 'cluster_state') !== 'ok' || field(info, 'cluster_known_nodes') !== '6') return false;
      }
      const nodes = await self.describe();
      const replicas = nodes.filter((n) => n.role === 'replica');
      if (nodes.filter((n) => n.role === 'master').length !== 3 || replicas.length !== 3) return false;
      for (const r of replicas) if (field(await call(r.port, 'INFO', 'replication'), 'master_link_status') !== 'up') return false;
      return true;
    }, 20_000, 100);
  } catch (err) {
    await self.stop();
    throw err;
  }
  return self;
}

// ---- Sentinel ------------------------------------------------------------------------------------

export interface RedisSentinelTopology {
  readonly name: string;
  readonly sentinels: Array<{ host: string; port: number }>;
  /** The data nodes' ports (the first started as master). */
  readonly dataPorts: number[];
  /** The master's port as every sentinel reports it now (throws if they disagree). */
  master(): Promise<number>;
  kill(port: number): Promise<void>;
  /** After `deadPort`'s master was killed: waits until every sentinel names another master and it says role:master. */
  waitForFailover(deadPort: number, timeoutMs?: number): Promise<number>;
  stop(): Promise<void>;
}

export function startRedisSentinel(): Promise<RedisSentinelTopology> {
  return withRetries('a Sentinel setup', startSentinelOnce);
}

async function startSentinelOnce(): Promise<RedisSentinelTopology> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'wssot-redis-sentinel-'));
  const [masterPort, replicaPort, ...sentinelPorts] = (await freePorts(5, false)) as [number, number, number, number, number];
  const servers: Server[] = [];
  // A replica's first sync starts at once (by default a diskless sync waits 5 s for more replicas).
  const common = ['--bind', HOST, '--dir', dir, '--save', '', '--appendonly', 'no', '--repl-diskless-sync-delay', '0'];
  const self: RedisSentinelTopology = {
    name: SENTINEL_MASTER_NAME,
    sentinels: sentinelPorts.map((port) => ({ host: HOST, port })),
    dataPorts: [masterPort, replicaPort],
    async master() {
      const named = await Promise.all(sentinelPorts.map(async (port) => Number(((await call(port, 'SENTINEL', 'GET-MASTER-ADDR-BY-NAME', SENTINEL_MASTER_NAME)) as string[])[1])));
      if (new Set(named).size !== 1) throw new Error(`the sentinels disagree on the master: ${named.join(', ')}`);
      return named[0] as number;
    },
    async kill(port) {
      const server = servers.find((s) => s.port === port);
      if (server !== undefined) await kill(server);
    },
    async waitForFailover(deadPort, timeoutMs = 30_000) {
      let promoted = 0;
      await until(`every sentinel naming a new master after ${deadPort}, and it saying role:master`, async () => {
        const port = await self.master();
        if (port === deadPort || field(await call(port, 'INFO', 'replication'), 'role') !== 'master') return false;
        promoted = port;
        return true;
      }, timeoutMs, 100);
      return promoted;
    },
    async stop() {
      await Promise.all(servers.map((s) => kill(s)));
      rmSync(dir, { recursive: true, force: true });
    },
  };
  try {
    servers.push(startServer(masterPort, ['--port', String(masterPort), ...common, '--logfile', path.join(dir, `${masterPort}.log`)]));
    servers.push(startServer(replicaPort, ['--port', String(replicaPort), ...common, '--replicaof', HOST, String(masterPort), '--logfile', path.join(dir, `${replicaPort}.log`)]));
    for (const server of servers) await answersAsOwn(server);
    await until('the replica in sync with the master', async () => field(await call(replicaPort, 'INFO', 'replication'), 'master_link_status') === 'up', 10_000)
      .catch((err: Error) => Promise.reject(new Error(`${err.message}; replica log: ${logTail(path.join(dir, `${replicaPort}.log`))}`)));
    for (const port of sentinelPorts) {
      // A sentinel rewrites its config file, so each has a writable one of its own.
      const conf = path.join(dir, `sentinel-${port}.conf`);
      writeFileSync(conf, [
        `port ${port}`, `bind ${HOST}`, `dir ${dir}`, 'protected-mode no', `logfile ${path.join(dir, `sentinel-${port}.log`)}`,
        `sentinel monitor ${SENTINEL_MASTER_NAME} ${HOST} ${masterPort} 2`,
        `sentinel down-after-milliseconds ${SENTINEL_MASTER_NAME} 1000`,
        `sentinel failover-timeout ${SENTINEL_MASTER_NAME} 5000`,
        `sentinel parallel-syncs ${SENTINEL_MASTER_NAME} 1`,
        '',
      ].join('\n'));
      servers.push(startServer(port, [conf, '--sentinel']));
    }
    for (const server of servers.slice(2)) await answersAsOwn(server);
    // The sentinels find each other through the master (hello messages every 2 s): until each knows the
    // others, no failover can be authorised.
    await until('the sentinels agreeing on the master, knowing the replica, and able to authorise a failover', async () => {
      for (const port of sentinelPorts) {
        if (!String(await call(port, 'SENTINEL', 'CKQUORUM', SENTINEL_MASTER_NAME)).startsWith('OK 3 usable')) return false;
        const replicas = (await call(port, 'SENTINEL', 'REPLICAS', SENTINEL_MASTER_NAME)) as string[][];
        if (replicas.length !== 1 || replicas[0]?.[replicas[0].indexOf('flags') + 1] !== 'slave') return false;
      }
      return (await self.master()) === masterPort;
    }, 20_000, 100);
  } catch (err) {
    await self.stop();
    throw err;
  }
  return self;
}
