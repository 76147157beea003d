/**
 * A real ws-ssot server on 127.0.0.1 for the client's tests, and the clients under test (with `ws` as
 * their WebSocket on Node 20). Users authenticate with `?user=<id>`, as a browser could (no headers).
 * Every upgrade is counted, with how many are live at once, so a test can see "one attempt at a time".
 * Everything started here is closed by `cleanup()` (each file calls it in afterEach). Waits are on
 * events or polled conditions with a deadline, never sleeps.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import WebSocket from 'ws';
import { CompositeFlagSource, createWebSocketServer, StaticFlagSource, type WebSocketServerOptions, type WsSsotServer } from '../../src/index.js';
import { createClient, type ClientOptions, type ClientState, type EventDataMap, type WsSsotClient } from '../../src/client/index.js';
import type { CriticalEventDataMap } from '../../src/events/agent-events.js';
import { silentLogger } from '../support/harness.js';

export interface TestServer {
  http: http.Server;
  wss: WsSsotServer;
  port: number;
  /** Upgrade requests on the ws path, refused ones included. */
  upgrades: number;
  /** Upgrade sockets not closed yet (attempts in flight and open connections), and the most at once. */
  live: number;
  maxLive: number;
  url(userId: string): string;
  /** Closes the ws-ssot server (1001 to every client) and the http server. Idempotent. */
  kill(): Promise<void>;
}

export interface ServerOptions extends Partial<Omit<WebSocketServerOptions, 'server' | 'authenticate'>> {
  /** Listen on this port (a restart on the port a previous server got). @default 0 */
  port?: number;
  /** Refuse the first N upgrades with HTTP 503 (after counting them). */
  refuseFirst?: number;
}

const servers = new Set<TestServer>();
const clients = new Set<WsSsotClient<EventDataMap>>();

export async function startServer(options: ServerOptions = {}): Promise<TestServer> {
  const { port = 0, refuseFirst = 0, ...rest } = options;
  const server = http.createServer((_req, res) => res.writeHead(404).end());
  let refused = 0;
  const flags = new CompositeFlagSource({ bootstrap: new StaticFlagSource({ ssot: true }) });
  const wss = createWebSocketServer({
    logger: silentLogger,
    flags,
    ...rest,
    server,
    authenticate: (req) => {
      if (refused < refuseFirst) {
        refused++;
        throw Object.assign(new Error('not yet'), { status: 503 });
      }
      const user = new URL(req.url ?? '/', 'http://x').searchParams.get('user');
      return user ? { userId: user } : null;
    },
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve());
  });
  let killing: Promise<void> | null = null;
  const t: TestServer = {
    http: server,
    wss,
    port: (server.address() as AddressInfo).port,
    upgrades: 0,
    live: 0,
    maxLive: 0,
    url: (userId) => `ws://127.0.0.1:${t.port}${wss.options.path}?user=${encodeURIComponent(userId)}`,
    kill() {
      killing ??= (async () => {
        await wss.close();
        server.closeAllConnections();
        await new Promise<void>((resolve) => server.close(() => resolve()));
        servers.delete(t);
      })();
      return killing;
    },
  };
  server.on('upgrade', (req: http.IncomingMessage, socket) => {
    if (!(req.url ?? '').startsWith(wss.options.path)) return;
    t.upgrades++;
    t.live++;
    t.maxLive = Math.max(t.maxLive, t.live);
    socket.once('close', () => t.live--);
    // A closing ws-ssot server no longer listens to 'upgrade': without this, our listener would keep the
    // socket hanging (Node only destroys unhandled upgrades when no listener is left).
    if (wss.state !== 'open') socket.destroy();
  });
  servers.add(t);
  return t;
}

/** Fast retries for tests; `random` fixed so delays are predictable (the ceiling's half). */
export const FAST_RECONNECT = { initialDelayMs: 10, maxDelayMs: 40, factor: 2, random: () => 0.5 };

export function connect<Extra extends EventDataMap = Record<never, never>>(server: TestServer, userId: string, options: Partial<ClientOptions> = {}): WsSsotClient<CriticalEventDataMap & Extra> {
  const client = createClient<Extra>({ url: server.url(userId), WebSocket, reconnect: FAST_RECONNECT, ...options });
  clients.add(client as unknown as WsSsotClient<EventDataMap>);
  return client;
}

export async function cleanup(): Promise<void> {
  await Promise.all([...clients].map((c) => c.close()));
  clients.clear();
  await Promise.all([...servers].map((s) => s.kill()));
}

/** Polls `condition` until it holds; throws with `what` after the deadline. */
export async function until(condition: () => boolean, what: string, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 2));
  }
}

/** Resolves when the client reaches `state`. */
export function reach(client: { readonly state: ClientState }, state: ClientState, timeoutMs = 5_000): Promise<void> {
  return until(() => client.state === state, `state ${state} (now ${client.state})`, timeoutMs);
}
