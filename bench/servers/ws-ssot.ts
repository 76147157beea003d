/**
 * ws-ssot, imported from source through tsx. `authenticate` reads the same `?user=` query the baselines
 * use: benchmark-only auth, never a pattern for production.
 */
import http from 'node:http';
import pino from 'pino';
import type { BenchServer, BenchServerOptions, CreateBenchServer } from './types.js';

/** The slice of the ws-ssot API the benchmark drives. */
interface SsotManager {
  broadcastMessage(msg: object): number;
  sendMessage(userId: string, msg: object): boolean;
  sendAgentEvent(userId: string, type: string, data: object, options?: { runId?: string }): unknown;
  getConnectionCount(): number;
}
interface SsotServer {
  manager: SsotManager;
  close(): Promise<void>;
}
interface SsotModule {
  createWebSocketServer(options: Record<string, unknown>): SsotServer;
}

// Loaded by URL so this file type-checks before the core lands on the branch.
const SOURCE_ENTRY = new URL('../../src/index.ts', import.meta.url).href;

class WsSsotServer implements BenchServer {
  private readonly http = http.createServer();
  private readonly wss: SsotServer;
  private readonly m: SsotManager;

  constructor(mod: SsotModule, options: BenchServerOptions) {
    this.wss = mod.createWebSocketServer({
      server: this.http,
      path: '/ws',
      authenticate: async (req: http.IncomingMessage) => ({
        userId: new URL(req.url ?? '/', 'http://127.0.0.1').searchParams.get('user') ?? 'anonymous',
      }),
      logger: pino({ level: 'silent' }),
      maxConnectionsPerUser: 10,
      heartbeatIntervalMs: 25_000,
      ...options,
    });
    this.m = this.wss.manager;
  }

  start(): Promise<number> {
    return new Promise((resolve, reject) => {
      this.http.once('error', reject);
      this.http.listen(0, '127.0.0.1', () => {
        const addr = this.http.address();
        resolve(typeof addr === 'object' && addr !== null ? addr.port : 0);
      });
    });
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

  async close(): Promise<void> {
    await this.wss.close();
    await new Promise<void>((resolve) => this.http.close(() => resolve()));
  }
}

export const createServer: CreateBenchServer = async (options) => {
  const mod = (await import(SOURCE_ENTRY)) as SsotModule;
  return new WsSsotServer(mod, options);
};
