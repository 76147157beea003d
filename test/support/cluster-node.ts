/**
 * One node of a test deployment, as a process of its own (run by cluster-nodes.ts under tsx): an http
 * server on 127.0.0.1 with a ws-ssot server on the Redis engine, driven over IPC by the test
 * (send, broadcast, health, presence, close).
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { pino } from 'pino';
import { createMigrationServer } from '../../legacy/index.js';
import type { ConnectionLimitPolicy } from '../../src/index.js';
import { bearerAuth } from './harness.js';

export interface NodeConfig {
  redisUrl: string;
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
}

export type NodeRequest =
  | { id: number; op: 'emit'; userId: string; type: string; data: unknown; delivery?: 'durable' | 'coalescible' | 'droppable'; runId?: string }
  | { id: number; op: 'emitMany'; userId: string; count: number; type: string }
  | { id: number; op: 'emitSteady'; userId: string; count: number; type: string }
  | { id: number; op: 'legacyEmit'; userId: string; type: string; data: unknown }
  | { id: number; op: 'message'; userId: string; message: unknown }
  | { id: number; op: 'broadcast'; message: unknown }
  | { id: number; op: 'health' }
  | { id: number; op: 'presence'; userId: string }
  | { id: number; op: 'beat' }
  | { id: number; op: 'drop'; userId: string }
  | { id: number; op: 'metric'; name: string }
  | { id: number; op: 'close' };

const config = JSON.parse(process.env.WSSOT_NODE ?? '{}') as NodeConfig;
const server = http.createServer((req, res) => {
  if (req.url === '/health/websocket') return wss.handleHealth(req, res);
  res.writeHead(404).end();
});
const wss = createMigrationServer({
  server,
  authenticate: bearerAuth,
  logger: pino({ level: process.env.WSSOT_NODE_LOG ?? 'silent' }),
  heartbeatIntervalMs: 0,
  flags: { ssot: config.ssot ?? true, unified: true },
  maxConnectionsPerUser: config.maxConnectionsPerUser,
  connectionLimitPolicy: config.connectionLimitPolicy,
  recovery: config.recovery,
  slowCloseTimeoutMs: 500,
  closeTimeoutMs: 1_000,
  cluster: { redis: config.redisUrl, keyPrefix: config.keyPrefix, nodeId: config.nodeId, presenceTtlMs: config.presenceTtlMs, heartbeatIntervalMs: config.heartbeatIntervalMs, pubsub: config.pubsub },
});

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
    case 'close':
      await wss.close();
      await new Promise<void>((resolve) => server.close(() => resolve()));
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
