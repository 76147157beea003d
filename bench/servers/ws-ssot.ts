/**
 * ws-ssot, imported from source through tsx, with default options apart from a silent logger.
 * `authenticate` reads the same `?user=` query the baselines use: benchmark-only auth, never a pattern
 * for production. The cluster scenarios pass `cluster: { redis, keyPrefix }` (the Redis engine) in the options.
 */
import http from 'node:http';
import pino from 'pino';
import { createWebSocketServer, type UnifiedWebSocketManager, type WsSsotServer } from '../../src/index.js';
import type { BenchServer, BenchServerOptions, CreateBenchServer } from './types.js';
import { listenOnLoopback } from '../lib/listen.js';

export class WsSsotBenchServer implements BenchServer {
  private readonly http = http.createServer();
  private readonly wss: WsSsotServer;
  protected readonly m: UnifiedWebSocketManager;

  constructor(options: BenchServerOptions) {
    this.wss = createWebSocketServer({
      server: this.http,
      path: '/ws',
      authenticate: async (req) => ({
        userId: new URL(req.url ?? '/', 'http://127.0.0.1').searchParams.get('user') ?? 'anonymous',
      }),
      logger: pino({ level: 'silent' }),
      maxConnectionsPerUser: 10,
      // Every connection on the canonical SSOT path (the flags default to the legacy path).
      flags: { ssot: true },
      heartbeatIntervalMs: 25_000,
      ...options,
    });
    this.m = this.wss.manager;
  }

  start(): Promise<number> {
    return listenOnLoopback(this.http);
  }

  broadcast(msg: object): number {
    return this.m.broadcastMessage(msg);
  }

  sendToUser(userId: string, msg: object): boolean {
    return this.m.sendMessage(userId, msg);
  }

  sendAgentEvent(userId: string, type: string, data: object, runId: string): void {
    this.m.sendAgentEvent(userId, type, data, { runId });
  }

  connectionCount(): number {
    return this.m.getConnectionCount();
  }

  /** On the Redis engine a session starts asynchronously: only connections whose session frame is out can receive. */
  readyCount(): number {
    let n = 0;
    for (const c of this.m.connections()) if (!c.starting) n++;
    return n;
  }

  /** The manager, for scenario phases that need more than the BenchServer sends (redis-memory: publishAgentEvent). */
  get manager(): UnifiedWebSocketManager {
    return this.m;
  }

  async close(): Promise<void> {
    await this.wss.close();
    // ws-ssot leaves the app's http.Server open; the benchmark owns it.
    await new Promise<void>((resolve) => this.http.close(() => resolve()));
  }
}

export const createServer: CreateBenchServer = (options) => new WsSsotBenchServer(options);
