/**
 * The demo chat server: a page, a sign-in, the WebSocket on /ws, /health/websocket and /metrics.
 * `startDemo` is used by `npm start` and by the browser test.
 */
import { readFile } from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { pino, type Logger } from 'pino';
import { createWebSocketServer, type WsSsotServer } from '../src/index.js';
import type { DemoConfig } from './config.js';
import { SessionCookies } from './session-cookie.js';
import { SimulatedAgent } from './simulated-agent.js';

export interface Demo {
  url: string;
  wss: WsSsotServer;
  close(): Promise<void>;
}

const NAME_PATTERN = /^[\p{L}\p{N}_ .-]{1,40}$/u;

async function readBody(req: http.IncomingMessage, limit = 4096): Promise<string> {
  let body = '';
  for await (const chunk of req) {
    body += chunk;
    if (body.length > limit) throw new Error('body too large');
  }
  return body;
}

export async function startDemo(config: DemoConfig, logger: Logger = pino({ name: 'ws-ssot-demo' })): Promise<Demo> {
  const page = await readFile(new URL('./public/index.html', import.meta.url));
  const cookies = new SessionCookies();

  const server = http.createServer((req, res) => {
    void route(req, res).catch((err: unknown) => {
      logger.error({ err }, 'request failed');
      if (!res.headersSent) res.writeHead(500).end();
    });
  });

  const wss = createWebSocketServer({
    server,
    path: '/ws',
    logger,
    // The demo shows the SSOT path (tabs, recovery); WS_ENABLE_SSOT=false in the environment moves new
    // connections to the legacy path, as in production.
    flags: { ssot: true },
    authenticate: (req) => {
      const userId = cookies.read(req);
      return userId === null ? null : { userId };
    },
    onMessage: (connection, message) => {
      const m = message as { type?: unknown; text?: unknown };
      if (m.type === 'ask' && typeof m.text === 'string' && m.text.length > 0 && m.text.length <= 500) {
        agent.run(connection.userId, m.text);
      } else {
        connection.socket.send(JSON.stringify({ v: 1, type: 'error', code: 'bad_request', message: 'send {"type":"ask","text":"…"}' }));
      }
    },
  });
  const agent = new SimulatedAgent(wss.manager, config.stepMs);

  async function route(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const path = (req.url ?? '/').split('?')[0];
    if (req.method === 'GET' && path === '/') {
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(page);
    } else if (req.method === 'POST' && path === '/login') {
      const name = new URLSearchParams(await readBody(req)).get('name')?.trim() ?? '';
      if (!NAME_PATTERN.test(name)) {
        res.writeHead(400, { 'content-type': 'text/plain' }).end('a name of 1-40 letters, digits, spaces, _ . -');
        return;
      }
      res.writeHead(200, { 'set-cookie': cookies.issue(name), 'content-type': 'application/json' }).end(JSON.stringify({ userId: name }));
    } else if (req.method === 'POST' && path === '/flags') {
      // Demo only (no auth): flip WS_ENABLE_SSOT live and drain, as an operator would during a rollout.
      const ssot = new URLSearchParams(await readBody(req)).get('ssot');
      if (ssot !== 'true' && ssot !== 'false') {
        res.writeHead(400, { 'content-type': 'text/plain' }).end('ssot=true|false');
        return;
      }
      const flags = wss.setFlags({ ssot: ssot === 'true' });
      const drained = wss.drain();
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ flags, drained }));
    } else if (req.method === 'GET' && path === '/health/websocket') {
      wss.handleHealth(req, res);
    } else if (req.method === 'GET' && path === '/metrics') {
      await wss.handleMetrics(req, res);
    } else {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not found');
    }
  }

  await new Promise<void>((resolve) => server.listen(config.port, config.host, resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://${config.host}:${port}`,
    wss,
    async close() {
      agent.stop();
      await wss.close();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
