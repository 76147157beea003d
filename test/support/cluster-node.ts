/**
 * One node of a test deployment, as a process of its own (run by cluster-nodes.ts under tsx): an http
 * server on 127.0.0.1 with a ws-ssot server on the Redis engine, driven over IPC by the test
 * (send, broadcast, health, presence, a paced producer, close). Redis is a URL, or an ioredis instance the
 * node builds itself, as an app does: a `Cluster` from startup nodes, or a `Redis` from sentinels.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { Cluster, Redis } from 'ioredis';
import { pino } from 'pino';
import { createMigrationServer } from '../../legacy/index.js';
import type { ConnectionLimitPolicy } from '../../src/index.js';
import { bearerAuth } from './harness.js';

/**
 * An ioredis instance for the node to build: a Redis Cluster (startup nodes), a master behind Sentinel,
 * one server over TLS with the app's own CA and an ACL user, or one server with a `commandTimeout`.
 */
export type NodeRedis =
  | { kind: 'cluster'; nodes: Array<{ host: string; port: number }>; username?: string; password?: string }
  | { kind: 'sentinel'; sentinels: Array<{ host: string; port: number }>; name: string }
  | { kind: 'tls'; host: string; port: number; ca: string; username: string; password: string }
  | { kind: 'timeout'; url: string; commandTimeout: number };

export interface NodeConfig {
  /** A redis:// URL (ws-ssot opens its own connections), or… */
  redisUrl?: string;
  /** …an instance the node builds and passes (and closes when it stops). */
  redis?: NodeRedis;
  /** Keep warn and error log lines for the `logs` op (the logger is silent otherwise). */
  captureLogs?: boolean;
  keyPrefix: string;
  nodeId?: string;
  port?: number;
  presenceTtlMs?: number;
  heartbeatIntervalMs?: number;
  maxConnectionsPerUser?: number;
  connectionLimitPolicy?: ConnectionLimitPolicy;
  /** The SSOT path (true) or the legacy path (false) for every user. */
  ssot?: boolean;
  recovery?: { maxEvents?: number; maxAgeMs?: number };
  pubsub?: 'auto' | 'sharded' | 'plain';
  sendRetryMs?: number;
}

export type NodeRequest =
  | { id: number; op: 'emit'; userId: string; type: string; data: unknown; delivery?: 'durable' | 'coalescible' | 'droppable'; runId?: string }
  | { id: number; op: 'emitMany'; userId: string; count: number; type: string }
  | { id: number; op: 'emitAtOnce'; userId: string; count: number }
  | { id: number; op: 'emitSteady'; userId: string; count: number; type: string }
  | { id: number; op: 'legacyEmit'; userId: string; type: string; data: unknown }
  | { id: number; op: 'message'; userId: string; message: unknown }
  | { id: number; op: 'broadcast'; message: unknown }
  | { id: number; op: 'health' }
  | { id: number; op: 'presence'; userId: string }
  | { id: number; op: 'beat' }
  | { id: number; op: 'drop'; userId: string }
  | { id: number; op: 'loseSubscription'; userId: string }
  | { id: number; op: 'metric'; name: string }
  | { id: number; op: 'logs' }
  | { id: number; op: 'produceStart'; userIds: string[]; pauseMs: number; overlap?: boolean }
  | { id: number; op: 'produceStop' }
  | { id: number; op: 'close' };

/** What a paced producer did, per user: the events Redis acknowledged (seq and the payload's `i`) and the sends it rejected. */
export interface Produced {
  acknowledged: Record<string, Array<[seq: number, i: number]>>;
  rejected: Record<string, number>;
  /** What the rejected sends were rejected with: each distinct message once (at most 5). */
  errors: string[];
}

export interface LogLine {
  level: number;
  msg: string;
  err?: string;
}

const config = JSON.parse(process.env.WSSOT_NODE ?? '{}') as NodeConfig;

/** The node's own ioredis instance (an app's), with the options an app would give it. */
function buildRedis(target: NodeRedis): Redis | Cluster {
  if (target.kind === 'cluster') return new Cluster(target.nodes, { enableAutoPipelining: true, redisOptions: { username: target.username, password: target.password } });
  if (target.kind === 'timeout') return new Redis(target.url, { enableAutoPipelining: true, commandTimeout: target.commandTimeout });
  if (target.kind === 'tls') {
    const { host, port, ca, username, password } = target;
    return new Redis({ host, port, username, password, tls: { ca }, enableAutoPipelining: true, retryStrategy: (times) => Math.min(times * 50, 200) });
  }
  // A short reconnect cap, so the node is back soon after Sentinel promotes the replica.
  return new Redis({ sentinels: target.sentinels, name: target.name, enableAutoPipelining: true, retryStrategy: (times) => Math.min(times * 50, 200) });
}
const ownRedis = config.redis === undefined ? null : buildRedis(config.redis);
ownRedis?.on('error', () => undefined); // ws-ssot logs its own connections' errors; the app's are the app's

const logLines: LogLine[] = [];
const printLogs = process.env.WSSOT_NODE_LOG !== undefined;
const logger = config.captureLogs === true || printLogs
  ? pino({ level: process.env.WSSOT_NODE_LOG ?? 'warn' }, {
      write(line: string) {
        if (printLogs) process.stdout.write(line);
        const record = JSON.parse(line) as { level: number; msg: string; err?: { message?: string } };
        if (record.level >= 40) logLines.push({ level: record.level, msg: record.msg, err: record.err?.message });
      },
    })
  : pino({ level: 'silent' });
const server = http.createServer((req, res) => {
  if (req.url === '/health/websocket') return wss.handleHealth(req, res);
  res.writeHead(404).end();
});
const wss = createMigrationServer({
  server,
  authenticate: bearerAuth,
  logger,
  heartbeatIntervalMs: 0,
  flags: { ssot: config.ssot ?? true, unified: true },
  maxConnectionsPerUser: config.maxConnectionsPerUser,
  connectionLimitPolicy: config.connectionLimitPolicy,
  recovery: config.recovery,
  slowCloseTimeoutMs: 500,
  closeTimeoutMs: 1_000,
  cluster: { redis: ownRedis ?? (config.redisUrl as string), keyPrefix: config.keyPrefix, nodeId: config.nodeId, presenceTtlMs: config.presenceTtlMs, heartbeatIntervalMs: config.heartbeatIntervalMs, pubsub: config.pubsub, sendRetryMs: config.sendRetryMs },
});

/**
 * A paced producer: one loop per user, until stopped, sending events numbered (payload `i`) in send order.
 * Each send after the previous one settled; or, with `overlap`, one every `pauseMs` whether or not the
 * previous ones have settled (an app emitting an agent's events as they happen).
 */
let producing: { stop: boolean; done: Promise<unknown>; produced: Produced } | null = null;
let payloads = 0;

function startProducing(userIds: string[], pauseMs: number, overlap: boolean): void {
  const produced: Produced = { acknowledged: {}, rejected: {}, errors: [] };
  const state = { stop: false, done: Promise.resolve() as Promise<unknown>, produced };
  state.done = Promise.all(userIds.map(async (userId) => {
    const acknowledged: Array<[number, number]> = (produced.acknowledged[userId] = []);
    produced.rejected[userId] = 0;
    const pending: Array<Promise<void>> = [];
    while (!state.stop) {
      const i = ++payloads;
      const sent = wss.manager.publishAgentEvent(userId, 'agent_thinking', { user: userId, i }).then(
        ({ seq }) => void acknowledged.push([seq, i]),
        (err: unknown) => {
          produced.rejected[userId] = (produced.rejected[userId] ?? 0) + 1;
          const message = `${(err as Error).name}: ${(err as Error).message}`;
          if (produced.errors.length < 5 && !produced.errors.includes(message)) produced.errors.push(message);
        },
      );
      if (overlap) pending.push(sent);
      else await sent;
      // Pacing (the load's shape), not synchronisation.
      await new Promise((resolve) => setTimeout(resolve, pauseMs));
    }
    await Promise.all(pending);
    acknowledged.sort((x, y) => x[0] - y[0]);
  }));
  producing = state;
}

async function handle(request: NodeRequest): Promise<unknown> {
  const manager = wss.manager;
  switch (request.op) {
    case 'emit':
      return (await manager.publishAgentEvent(request.userId, request.type, request.data, { delivery: request.delivery ?? 'durable', runId: request.runId })).seq;
    case 'emitMany': {
      const all: Array<Promise<unknown>> = [];
      for (let i = 0; i < request.count; i++) all.push(manager.publishAgentEvent(request.userId, request.type, { i }));
      return (await Promise.all(all)).length;
    }
    case 'emitAtOnce': {
      // `count` sends to one user at once: how many had settled by the turn after the first one settled, the
      // order they settled in, and how many were rejected.
      const order: number[] = [];
      let counted: (n: number) => void = () => undefined;
      const withFirst = new Promise<number>((resolve) => (counted = resolve));
      const outcomes = await Promise.all(Array.from({ length: request.count }, (_, i) => manager.publishAgentEvent(request.userId, 'agent_thinking', { i }).then(() => 'accepted', () => 'rejected').then((outcome) => {
        if (order.push(i) === 1) setImmediate(() => setImmediate(() => counted(order.length)));
        return outcome;
      })));
      return { withFirst: await withFirst, order, rejected: outcomes.filter((o) => o === 'rejected').length };
    }
    case 'emitSteady': {
      // One at a time, each after the previous is in Redis: a stream spread over time, not a burst.
      for (let i = 0; i < request.count; i++) await manager.publishAgentEvent(request.userId, request.type, { user: request.userId, i });
      return request.count;
    }
    case 'legacyEmit':
      return wss.legacy.manager.emitCriticalEvent(request.userId, request.type as 'agent_started', request.data as never).type;
    case 'message':
      return manager.sendMessage(request.userId, request.message);
    case 'broadcast':
      return manager.broadcastMessage(request.message);
    case 'health':
      return wss.health();
    case 'presence':
      return wss.cluster?.userConnectionCount(request.userId);
    case 'beat':
      return wss.cluster?.presence.beat();
    case 'metric': {
      // The sum of a metric's samples (all label sets) in the Prometheus text.
      const text = await wss.metrics.text();
      let sum = 0;
      for (const line of text.split('\n')) if (line.startsWith(request.name) && (line[request.name.length] === ' ' || line[request.name.length] === '{')) sum += Number(line.slice(line.lastIndexOf(' ') + 1));
      return sum;
    }
    case 'drop': {
      // The network dropping the user's tabs here: no close frame, the client sees 1006.
      const tabs = manager.getUserConnections(request.userId);
      for (const c of tabs) c.socket.terminate();
      return tabs.length;
    }
    case 'loseSubscription': {
      // The subscription to the user's channel gone at the server behind the engine's back (as a server push
      // or a client library's slip would leave it): a fault the engine gets no event for.
      const engine = wss.cluster!;
      await engine.redis.unsubscribeUser(engine.keys.user(request.userId).channel);
      return true;
    }
    case 'logs':
      return logLines;
    case 'produceStart':
      startProducing(request.userIds, request.pauseMs, request.overlap === true);
      return true;
    case 'produceStop': {
      const state = producing;
      producing = null;
      if (state === null) return { acknowledged: {}, rejected: {}, errors: [] };
      state.stop = true;
      await state.done;
      return state.produced;
    }
    case 'close':
      if (producing !== null) producing.stop = true;
      await wss.close();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await ownRedis?.quit().catch(() => ownRedis.disconnect());
      return true;
  }
}

process.on('message', (request: NodeRequest) => {
  handle(request).then(
    (result) => process.send?.({ id: request.id, result }),
    (err: unknown) => process.send?.({ id: request.id, error: { message: (err as Error).message, code: (err as { code?: string }).code } }),
  );
});
process.on('unhandledRejection', (err) => {
  process.send?.({ unhandled: String(err) });
});

server.listen(config.port ?? 0, '127.0.0.1', () => process.send?.({ ready: (server.address() as AddressInfo).port }));
