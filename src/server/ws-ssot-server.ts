/**
 * The server glue on `ws`: attaches to the app's http.Server ('upgrade' + handleUpgrade, noServer),
 * authenticates before the handshake, checks Origin and the per-user limit with real HTTP statuses,
 * parses inbound JSON, runs the heartbeat, and closes gracefully.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import type { Logger } from 'pino';
import { WebSocketServer, type RawData, type WebSocket } from 'ws';
import { CloseCode } from '../close-codes.js';
import { resolveServerOptions, type AuthenticateHook, type MessageHandler, type ResolvedServerOptions, type WebSocketServerOptions } from '../config.js';
import { kConnection, type WebSocketConnection } from '../core/connection.js';
import { EventStore } from '../core/event-store.js';
import { UnifiedWebSocketManager } from '../core/unified-manager.js';
import { assertUserId } from '../core/validate.js';
import { isWsSsotError } from '../errors.js';
import { createDefaultLogger } from '../observability/logger.js';
import { WsSsotMetrics } from '../observability/metrics.js';
import type { AuthResult, CodePath } from '../types.js';
import { Heartbeat } from './heartbeat.js';
import { refuseUpgrade } from './refuse-upgrade.js';
import { waitForClose } from './wait-for-close.js';

export type ServerState = 'open' | 'closing' | 'closed';

/** What `health()` returns and `/health/websocket` serves. */
export interface WebSocketHealth {
  status: 'ok' | 'closing' | 'closed';
  connections: number;
  users: number;
  path: string;
  uptimeMs: number;
  maxConnectionsPerUser: number;
  heartbeatIntervalMs: number;
}

/** Parameters a client may put on the upgrade URL to resume (see docs/protocol.md). */
interface ResumeParams {
  sessionId: string | null;
  lastSeq: number | null;
  epoch: string | null;
}

function connectionOf(socket: WebSocket): WebSocketConnection {
  return (socket as unknown as Record<symbol, WebSocketConnection>)[kConnection] as WebSocketConnection;
}
function ignoreSocketError(): void {
  // Errors on a socket still in the upgrade phase (client went away during authentication): nothing to do.
}

function parseResume(query: string): ResumeParams {
  if (query === '') return { sessionId: null, lastSeq: null, epoch: null };
  const params = new URLSearchParams(query);
  const rawSeq = params.get('lastSeq');
  const seq = rawSeq !== null && /^\d{1,15}$/.test(rawSeq) ? Number(rawSeq) : null;
  return { sessionId: params.get('sessionId'), lastSeq: seq, epoch: params.get('epoch') };
}

/** HTTP status an `authenticate` hook asked for by throwing `{ status }` / `{ statusCode }`; 500 otherwise. */
function statusOf(err: unknown): number {
  const e = err as { status?: unknown; statusCode?: unknown } | null;
  const status = typeof e?.status === 'number' ? e.status : typeof e?.statusCode === 'number' ? e.statusCode : 500;
  return Number.isInteger(status) && status >= 400 && status <= 599 ? status : 500;
}

export class WsSsotServer {
  /** The UnifiedWebSocketManager serving this server. */
  readonly manager: UnifiedWebSocketManager;
  /** Per-user seq, epoch and replay log, shared by every code path of this server. */
  readonly store: EventStore;
  readonly metrics: WsSsotMetrics;
  readonly logger: Logger;
  readonly options: ResolvedServerOptions;
  readonly #httpServer: WebSocketServerOptions['server'];
  readonly #authenticate: AuthenticateHook;
  readonly #onMessage: MessageHandler | null;
  readonly #wss: WebSocketServer;
  readonly #heartbeat: Heartbeat;
  readonly #startedAt = Date.now();
  #state: ServerState = 'open';
  #closing: Promise<void> | null = null;
  readonly #onUpgradeListener: (req: IncomingMessage, socket: Duplex, head: Buffer) => void;
  readonly #onSocketMessage: (this: WebSocket, data: RawData, isBinary: boolean) => void;
  readonly #onSocketError: (this: WebSocket, err: Error & { code?: string }) => void;

  constructor(options: WebSocketServerOptions) {
    this.options = resolveServerOptions(options);
    this.logger = options.logger ?? createDefaultLogger();
    this.#httpServer = options.server;
    this.#authenticate = options.authenticate;
    this.#onMessage = options.onMessage ?? null;
    this.metrics = new WsSsotMetrics(
      { connectionsByPath: () => this.connectionsByPath(), users: () => this.manager.getUserCount() },
      { registry: options.metrics?.registry, prefix: this.options.metricsPrefix },
    );
    this.store = new EventStore(this.options.recovery);
    this.manager = new UnifiedWebSocketManager({ ...options, logger: this.logger }, { metrics: this.metrics, store: this.store });
    this.#wss = new WebSocketServer({ noServer: true, maxPayload: this.options.maxPayload, clientTracking: false, perMessageDeflate: false });
    this.#heartbeat = new Heartbeat(this.options.heartbeatIntervalMs, () => [this.manager], () => this.metrics.heartbeatTerminated());

    // One listener per server, shared by every socket: no closure per connection or message.
    const server = this;
    this.#onSocketMessage = function (data, isBinary) {
      server.#inbound(connectionOf(this), data, isBinary);
    };
    this.#onSocketError = function (err) {
      if (err.code === 'WS_ERR_UNSUPPORTED_MESSAGE_LENGTH') server.metrics.inbound('too_big');
    };
    this.#onUpgradeListener = (req, socket, head) => this.#onUpgrade(req, socket, head);
    this.#httpServer.on('upgrade', this.#onUpgradeListener);
    this.#heartbeat.start();
  }

  get state(): ServerState {
    return this.#state;
  }

  /** Open connections by code path. */
  connectionsByPath(): Record<CodePath, number> {
    return { ssot: this.manager.getConnectionCount(), legacy: 0 };
  }

  health(): WebSocketHealth {
    return {
      status: this.#state === 'open' ? 'ok' : this.#state,
      connections: this.manager.getConnectionCount(),
      users: this.manager.getUserCount(),
      path: this.options.path,
      uptimeMs: Date.now() - this.#startedAt,
      maxConnectionsPerUser: this.options.maxConnectionsPerUser,
      heartbeatIntervalMs: this.options.heartbeatIntervalMs,
    };
  }

  /** Writes `health()` as JSON: 200 while open, 503 while closing or closed. Mount it at /health/websocket. */
  handleHealth(_req: IncomingMessage, res: ServerResponse): void {
    const body = JSON.stringify(this.health());
    res.writeHead(this.#state === 'open' ? 200 : 503, { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' });
    res.end(body);
  }

  /** Writes the Prometheus text exposition of this server's registry. Mount it at /metrics. */
  async handleMetrics(_req: IncomingMessage, res: ServerResponse): Promise<void> {
    const text = await this.metrics.text();
    res.writeHead(200, { 'content-type': this.metrics.registry.contentType });
    res.end(text);
  }

  /**
   * Stops accepting upgrades, closes every client with 1001 and a reconnect hint, waits up to
   * `closeTimeoutMs` for them, then terminates the rest. Idempotent: every call returns the same promise.
   * The app's http.Server is left open (it is the app's).
   */
  close(): Promise<void> {
    if (this.#closing === null) this.#closing = this.#close();
    return this.#closing;
  }

  async #close(): Promise<void> {
    this.#state = 'closing';
    this.#httpServer.removeListener('upgrade', this.#onUpgradeListener);
    this.#heartbeat.stop();
    const sockets = this.manager.close(CloseCode.GOING_AWAY, 'server shutting down; reconnect');
    await waitForClose(sockets, this.options.closeTimeoutMs);
    this.store.close();
    await new Promise<void>((resolve) => this.#wss.close(() => resolve()));
    this.#state = 'closed';
    this.logger.info('ws-ssot server closed');
  }

  // ---- upgrade -----------------------------------------------------------------------------------

  #onUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    const url = req.url ?? '/';
    const q = url.indexOf('?');
    const pathname = q === -1 ? url : url.slice(0, q);
    if (pathname !== this.options.path) return; // not ours: other 'upgrade' listeners handle it
    void this.#upgrade(req, socket, head, q === -1 ? '' : url.slice(q + 1));
  }

  async #upgrade(req: IncomingMessage, socket: Duplex, head: Buffer, query: string): Promise<void> {
    socket.on('error', ignoreSocketError);
    try {
      if (this.#state !== 'open') return this.#refuse(socket, 503, 'closing', 'server is shutting down');
      const allowed = this.options.allowedOrigins;
      if (allowed !== null && !allowed.has(req.headers.origin ?? '')) return this.#refuse(socket, 403, 'forbidden_origin', 'origin not allowed');

      let auth: AuthResult | null | undefined | false;
      try {
        auth = await this.#authenticate(req);
      } catch (err) {
        const status = statusOf(err);
        if (status >= 500) this.logger.error({ err }, 'authenticate hook threw');
        return this.#refuse(socket, status, status === 401 ? 'unauthorized' : 'auth_error', status === 401 ? 'unauthorized' : undefined);
      }
      if (!auth) return this.#refuse(socket, 401, 'unauthorized', 'unauthorized');
      try {
        assertUserId(auth.userId);
      } catch (err) {
        this.logger.error({ err }, 'authenticate hook returned an invalid userId');
        return this.#refuse(socket, 500, 'auth_error');
      }
      if (this.#state !== 'open') return this.#refuse(socket, 503, 'closing', 'server is shutting down');
      if (socket.destroyed) return;

      const resume = parseResume(query);
      const userId = auth.userId;
      if (!this.manager.canAccept(userId, resume.sessionId)) {
        this.logger.info({ userId, limit: this.options.maxConnectionsPerUser }, 'connection limit reached: refusing upgrade');
        return this.#refuse(socket, 429, 'connection_limit', 'too many connections for this user');
      }
      socket.removeListener('error', ignoreSocketError);
      const accepted = auth;
      this.#wss.handleUpgrade(req, socket, head, (ws) => this.#accept(ws, accepted, resume));
    } catch (err) {
      this.logger.error({ err }, 'upgrade failed');
      this.#refuse(socket, 500, 'bad_request');
    }
  }

  #refuse(socket: Duplex, status: number, reason: Parameters<WsSsotMetrics['refused']>[0], message?: string): void {
    this.metrics.refused(reason);
    refuseUpgrade(socket, status, message);
  }

  #accept(ws: WebSocket, auth: AuthResult, resume: ResumeParams): void {
    let connection: WebSocketConnection;
    try {
      connection = this.manager.handleConnection(ws, { userId: auth.userId, auth, sessionId: resume.sessionId, lastSeq: resume.lastSeq, epoch: resume.epoch });
    } catch (err) {
      this.logger.warn({ err, userId: auth.userId }, 'connection refused after the handshake');
      ws.close(isWsSsotError(err) && err.code === 'WSSOT_ERR_CONNECTION_LIMIT' ? 1013 : 1011, 'connection refused');
      return;
    }
    ws.on('message', this.#onSocketMessage);
    ws.on('error', this.#onSocketError);
    connection.log.debug('connection accepted');
  }

  // ---- inbound -----------------------------------------------------------------------------------

  #inbound(connection: WebSocketConnection, data: RawData, isBinary: boolean): void {
    if (connection.closed) return;
    connection.messagesReceived++;
    connection.lastSeenAt = Date.now();
    if (isBinary) {
      this.metrics.inbound('binary');
      connection.socket.close(CloseCode.UNSUPPORTED_DATA, 'binary frames are not supported: send JSON text');
      return;
    }
    let message: unknown;
    try {
      message = JSON.parse(data.toString());
    } catch {
      this.metrics.inbound('invalid_json');
      connection.log.debug('invalid JSON from client: closing with 1007');
      connection.socket.close(CloseCode.INVALID_PAYLOAD, 'invalid JSON');
      return;
    }
    this.metrics.inbound('ok');
    const handler = this.#onMessage;
    if (handler === null) return;
    try {
      const result = handler(connection, message);
      if (result !== undefined && typeof (result as Promise<void>).then === 'function') {
        (result as Promise<void>).then(undefined, (err: unknown) => this.#handlerFailed(connection, err));
      }
    } catch (err) {
      this.#handlerFailed(connection, err);
    }
  }

  #handlerFailed(connection: WebSocketConnection, err: unknown): void {
    this.metrics.inbound('handler_error');
    connection.log.error({ err }, 'onMessage handler failed');
  }
}

/** Creates a ws-ssot server attached to an existing http(s).Server. See README for the options. */
export function createWebSocketServer(options: WebSocketServerOptions): WsSsotServer {
  return new WsSsotServer(options);
}
