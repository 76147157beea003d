/**
 * The demo server: the page and the browser client (dist/client.js), a sign-in, the WebSocket on /ws
 * served by the migration server (both code paths), a few demo-only endpoints that show what the
 * migration is doing, and /health/websocket and /metrics. `startDemo` is used by `npm start` and the tests.
 *
 * Demo-only endpoints (no operator auth; a signed-in user may call them, that is the point of the demo):
 *   GET  /api/me         who is signed in (userId null if nobody), and the code path of each of their
 *                        connections, by session id (the session frame does not say which path serves it)
 *   GET  /api/migration  flags, connections by path, deprecation counts
 *   POST /api/flags      ssot=true|false: flip WS_ENABLE_SSOT and drain (what an operator does during a rollout)
 *   POST /api/drop       sessionId=…&mode=replay|gap: the server cuts that connection, as a network loss would
 *   GET  /api/runs       the user's finished runs: what a client refetches after `recovered: false`
 */
import { readFile } from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { pino, type Logger } from 'pino';
import { createMigrationServer, DEPRECATIONS, type MigrationServer } from '../legacy/index.js';
import type { DemoConfig } from './config.js';
import { loadClientBundle } from './client-bundle.js';
import { LegacyToolReporter } from './legacy-tools.js';
import { SessionCookies } from './session-cookie.js';
import { SimulatedAgent } from './simulated-agent.js';

export interface Demo {
  url: string;
  wss: MigrationServer;
  agent: SimulatedAgent;
  close(): Promise<void>;
}

const NAME_PATTERN = /^[\p{L}\p{N}_ .-]{1,40}$/u;
const EVENTS_PER_RUN = 5;

/** Everything the page needs, by URL: read once at start. */
const STATIC_FILES: Record<string, { file: string; type: string }> = {
  '/': { file: 'index.html', type: 'text/html; charset=utf-8' },
  '/app.js': { file: 'app.js', type: 'text/javascript; charset=utf-8' },
  '/style.css': { file: 'style.css', type: 'text/css; charset=utf-8' },
  '/favicon.svg': { file: 'favicon.svg', type: 'image/svg+xml' },
};

/** Nothing from another origin: no CDN, no external font, no inline script. */
const CONTENT_SECURITY_POLICY = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

class HttpError extends Error {
  constructor(readonly status: number, message: string) {
    super(message);
  }
}

async function readForm(req: http.IncomingMessage, limit = 4096): Promise<URLSearchParams> {
  let body = '';
  for await (const chunk of req) {
    body += chunk;
    if (body.length > limit) throw new HttpError(413, 'body too large');
  }
  return new URLSearchParams(body);
}

function json(res: http.ServerResponse, status: number, value: unknown, headers: http.OutgoingHttpHeaders = {}): void {
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store', ...headers }).end(JSON.stringify(value));
}

export async function startDemo(config: DemoConfig, logger: Logger = pino({ name: 'ws-ssot-demo' })): Promise<Demo> {
  const files = new Map<string, { body: Buffer; type: string }>();
  for (const [url, { file, type }] of Object.entries(STATIC_FILES)) files.set(url, { body: await readFile(new URL(`./public/${file}`, import.meta.url)), type });
  const client = await loadClientBundle();
  files.set('/client.js', { body: client.code, type: 'text/javascript; charset=utf-8' });
  if (client.map !== null) files.set('/client.js.map', { body: client.map, type: 'application/json; charset=utf-8' });

  const cookies = new SessionCookies();
  const server = http.createServer((req, res) => {
    void route(req, res).catch((err: unknown) => {
      if (err instanceof HttpError) {
        if (!res.headersSent) json(res, err.status, { error: err.message });
        return;
      }
      logger.error({ err }, 'request failed');
      if (!res.headersSent) res.writeHead(500).end();
    });
  });

  // The migration server (ws-ssot/legacy): the SSOT path and the legacy path side by side, so the demo can
  // flip between them. The demo starts on the SSOT path; WS_ENABLE_SSOT=false in the environment still wins.
  const wss = createMigrationServer({
    server,
    path: '/ws',
    logger,
    flags: { ssot: true },
    recovery: { maxEvents: config.recoveryMaxEvents },
    authenticate: (req) => {
      const userId = cookies.read(req);
      return userId === null ? null : { userId };
    },
    onMessage: (connection, message) => {
      const m = message as { type?: unknown; text?: unknown };
      if (m.type === 'ask' && typeof m.text === 'string' && m.text.trim().length > 0 && m.text.length <= 500) {
        agent.run(connection.userId, m.text.trim());
      } else {
        wss.manager.sendMessage(connection.userId, { type: 'error', code: 'bad_request', message: 'send {"type":"ask","text":"…"} (1-500 characters)' });
      }
    },
  });
  const agent = new SimulatedAgent(wss.manager, new LegacyToolReporter(wss), config.stepMs);

  function signedIn(req: http.IncomingMessage): string {
    const userId = cookies.read(req);
    if (userId === null) throw new HttpError(401, 'sign in first');
    return userId;
  }

  function migration(userId: string) {
    const usage = wss.legacy.usage();
    return {
      flags: wss.flagValues({ userId }),
      /** The path a new connection of this user would take now. */
      nextPath: wss.pathFor(userId),
      paths: wss.connectionsByPath(),
      recoveryMaxEvents: config.recoveryMaxEvents,
      deprecations: Object.entries(wss.health().deprecations).map(([code, calls]) => ({
        code,
        calls,
        lastCalledAt: usage[code as keyof typeof usage]?.lastCalledAt ?? null,
        replace: DEPRECATIONS[code as keyof typeof DEPRECATIONS].replace,
        with: DEPRECATIONS[code as keyof typeof DEPRECATIONS].with,
      })),
    };
  }

  /** Cuts one of the user's connections (by its session id) as a network loss would: no close frame, the client sees 1006. */
  function drop(userId: string, sessionId: string | null): number {
    const connections = wss.manager.getUserConnections(userId).filter((c) => sessionId === null || c.sessionId === sessionId);
    for (const c of connections) {
      c.socket.terminate();
      // Unregistered now, not when the TCP close is noticed: whatever is sent from here on is missed.
      wss.manager.handleDisconnection(c, 1006, 'demo: connection dropped');
    }
    return connections.length;
  }

  async function route(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const path = (req.url ?? '/').split('?')[0] as string;
    const file = req.method === 'GET' ? files.get(path) : undefined;
    if (file !== undefined) {
      const headers: http.OutgoingHttpHeaders = { 'content-type': file.type, 'cache-control': 'no-cache', 'x-content-type-options': 'nosniff' };
      if (path === '/') headers['content-security-policy'] = CONTENT_SECURITY_POLICY;
      res.writeHead(200, headers).end(file.body);
    } else if (req.method === 'POST' && path === '/login') {
      const name = (await readForm(req)).get('name')?.trim() ?? '';
      if (!NAME_PATTERN.test(name)) throw new HttpError(400, 'Use 1-40 letters, digits, spaces, or _ . -');
      json(res, 200, { userId: name }, { 'set-cookie': cookies.issue(name) });
    } else if (req.method === 'POST' && path === '/logout') {
      json(res, 200, { ok: true }, { 'set-cookie': cookies.clear() });
    } else if (req.method === 'GET' && path === '/api/me') {
      const userId = cookies.read(req);
      if (userId === null) return json(res, 200, { userId: null, connections: [] });
      const connections = wss.manager.getUserConnections(userId).map((c) => ({ sessionId: c.sessionId, path: c.path, connectedAt: c.connectedAt }));
      json(res, 200, { userId, connections });
    } else if (req.method === 'GET' && path === '/api/migration') {
      json(res, 200, migration(signedIn(req)));
    } else if (req.method === 'POST' && path === '/api/flags') {
      const userId = signedIn(req);
      const ssot = (await readForm(req)).get('ssot');
      if (ssot !== 'true' && ssot !== 'false') throw new HttpError(400, 'ssot=true|false');
      wss.setFlags({ ssot: ssot === 'true' });
      const drained = wss.drain();
      logger.info({ ssot, drained, by: userId }, 'demo: WS_ENABLE_SSOT flipped, wrong-path connections drained (1012)');
      json(res, 200, { ...migration(userId), drained });
    } else if (req.method === 'POST' && path === '/api/drop') {
      const userId = signedIn(req);
      const form = await readForm(req);
      const mode = form.get('mode') ?? 'replay';
      if (mode !== 'replay' && mode !== 'gap') throw new HttpError(400, 'mode=replay|gap');
      const dropped = drop(userId, form.get('sessionId'));
      let missed: number;
      if (mode === 'replay') {
        // A run starts while the connection is down: its first event (at least) is missed, then replayed on resume.
        agent.run(userId, 'What happened while I was offline?');
        missed = 1;
      } else {
        // More events than the replay log keeps: the resume gets `recovered: false`, the page refetches /api/runs.
        const runs = Math.ceil((config.recoveryMaxEvents + 1) / EVENTS_PER_RUN);
        for (let i = 1; i <= runs; i++) agent.run(userId, `Background task ${i} of ${runs}`, { immediate: true });
        missed = runs * EVENTS_PER_RUN;
      }
      json(res, 200, { dropped, mode, missed });
    } else if (req.method === 'GET' && path === '/api/runs') {
      json(res, 200, { runs: agent.history(signedIn(req)) });
    } else if (req.method === 'GET' && path === '/health/websocket') {
      wss.handleHealth(req, res);
    } else if (req.method === 'GET' && path === '/metrics') {
      await wss.handleMetrics(req, res);
    } else {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not found');
    }
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(config.port, config.host, () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://${config.host}:${port}`,
    wss,
    agent,
    async close() {
      agent.stop();
      await wss.close();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
