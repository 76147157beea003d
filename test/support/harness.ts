/** Starts a real http.Server on 127.0.0.1:0 with a ws-ssot server attached, and tears everything down. */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { pino } from 'pino';
import type WebSocket from 'ws';
import { CompositeFlagSource, StaticFlagSource } from '../../src/index.js';
import { createMigrationServer, type MigrationServer, type MigrationServerOptions } from '../../legacy/index.js';
import { TestClient } from './client.js';

export const silentLogger = pino({ level: 'silent' });

/** Test authentication: `Authorization: Bearer user:<id>`; anything else is refused. */
export function bearerAuth(req: http.IncomingMessage): { userId: string } | null {
  const header = req.headers.authorization ?? '';
  const match = /^Bearer user:(.+)$/.exec(header);
  return match ? { userId: match[1] as string } : null;
}

export interface Harness {
  http: http.Server;
  wss: MigrationServer;
  /** ws://127.0.0.1:<port><path> */
  url: string;
  port: number;
  clients: TestClient[];
  /** Opens a client for `userId` (tracked, closed in teardown). */
  connect(userId: string, query?: string, options?: WebSocket.ClientOptions): Promise<TestClient>;
  /** Opens a client and reads its session frame. */
  connectReady(userId: string, query?: string): Promise<TestClient>;
  close(): Promise<void>;
}

/**
 * Starts a migration server (the canonical server plus the legacy path: `ws-ssot/legacy`), so a test can put
 * connections on either path. Connections go to the SSOT path unless `options.flags` says otherwise. Flags never come
 * from the environment here (a `WS_ENABLE_SSOT` in the developer's shell must not change what a test
 * exercises): a StaticFlagSource is wrapped in a composite without an env layer; tests of the env layer
 * build their own `EnvFlagSource({ env })`.
 */
export async function startHarness(options: Partial<MigrationServerOptions> = {}): Promise<Harness> {
  const server = http.createServer((req, res) => {
    if (req.url === '/health/websocket') return wss.handleHealth(req, res);
    res.writeHead(404).end();
  });
  const flags = options.flags instanceof StaticFlagSource ? new CompositeFlagSource({ bootstrap: options.flags }) : (options.flags ?? new CompositeFlagSource({ bootstrap: new StaticFlagSource({ ssot: true }) }));
  const wss = createMigrationServer({ server, authenticate: bearerAuth, logger: silentLogger, ...options, flags });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  const url = `ws://127.0.0.1:${port}${wss.options.path}`;
  const clients: TestClient[] = [];
  const harness: Harness = {
    http: server,
    wss,
    url,
    port,
    clients,
    async connect(userId, query = '', opts = {}) {
      const client = await TestClient.open(`${url}${query ? `?${query}` : ''}`, { ...opts, headers: { authorization: `Bearer user:${userId}`, ...(opts.headers ?? {}) } });
      clients.push(client);
      return client;
    },
    async connectReady(userId, query = '') {
      const client = await harness.connect(userId, query);
      await client.nextOfType('session');
      return client;
    },
    async close() {
      await Promise.all(clients.map((c) => c.close()));
      await wss.close();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
  return harness;
}
