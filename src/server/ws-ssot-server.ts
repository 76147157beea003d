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
import { resolveServerOptions, type AuthenticateHook, type MessageHandler, type ResolvedServerOptions, type WebSocketServerOptions } from '../config/server-options.js';
import type { WebSocketConnection } from '../core/connection.js';
import { connectionOf } from '../core/socket-lifecycle.js';
import { EventStore } from '../core/event-store.js';
import { UnifiedWebSocketManager } from '../core/unified-manager.js';
import { assertUserId } from '../core/validate.js';
import { FlagSourceReadOnlyError, InvalidOptionError, isWsSsotError } from '../errors.js';
import { createDefaultLogger } from '../observability/logger.js';
import { WsSsotMetrics } from '../observability/metrics.js';
import type { AuthResult, CodePath, UserId } from '../types.js';
import { resolveFactoryOptions } from '../factory/factory-options.js';
import { WebSocketManagerFactory } from '../factory/websocket-manager-factory.js';
import { evaluateAll, type FlagContext, type FlagSource, type FlagSourceStatus, type FlagValues } from '../flags/flag-source.js';
import { CompositeFlagSource } from '../flags/composite-flag-source.js';
import { resolveFlagSource, settableLayer } from '../flags/resolve-flag-source.js';
import { FlagChangeDrainer } from '../routing/flag-change-drainer.js';
import { PathRouter } from '../routing/path-router.js';
import { ShadowComparator } from '../shadow/shadow-comparator.js';
import { LegacyControl } from '../../legacy/legacy-control.js';
import type { LegacyPathManager } from '../../legacy/legacy-path-manager.js';
import { LegacySharedManager } from '../../legacy/legacy-shared-manager.js';
import type { DeprecationCode } from '../../legacy/deprecation-codes.js';
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
  /** The migration flags as they stand for a connection without user context. */
  flags: FlagValues;
  /** Open connections by code path. */
  paths: Record<CodePath, number>;
  /** True if any legacy path serves: legacy connections are open, or new connections go to it. */
  legacy: boolean;
  /** Calls per deprecation code (0 = that legacy entry point is unused). */
  deprecations: Record<DeprecationCode, number>;
  /** Where the flags come from: the app's remote source (Unleash) if any, with its sync state. */
  flagSource: FlagSourceStatus;
}

/** Options of {@link WsSsotServer.drain}. */
export interface DrainOptions {
  /** Drain every connection on this path, whatever the flags say. @default the connections whose path differs from the flags' current choice for their user */
  path?: CodePath;
  /** Close reason sent with 1012. @default 'code path changed; reconnect' */
  reason?: string;
}

/** Parameters a client may put on the upgrade URL to resume (see docs/protocol.md). */
interface ResumeParams {
  sessionId: string | null;
  lastSeq: number | null;
  epoch: string | null;
}

function isFlagSourceLike(value: unknown): boolean {
  return typeof value === 'object' && value !== null && typeof (value as FlagSource).isEnabled === 'function';
}
function ignoreSocketError(): void {
  // Errors on a socket still in the upgrade phase (client went away during authentication): nothing to do.
}

const SESSION_ID_PATTERN = /^[A-Za-z0-9_-]{8,64}$/;

function parseResume(query: string): ResumeParams {
  if (query === '') return { sessionId: null, lastSeq: null, epoch: null };
  const params = new URLSearchParams(query);
  const rawSeq = params.get('lastSeq');
  const seq = rawSeq !== null && /^\d{1,15}$/.test(rawSeq) ? Number(rawSeq) : null;
  // Client-supplied: only a well-formed session id is kept (it only ever matches the same user's sessions).
  const sessionId = params.get('sessionId');
  return { sessionId: sessionId !== null && SESSION_ID_PATTERN.test(sessionId) ? sessionId : null, lastSeq: seq, epoch: params.get('epoch') };
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
  /**
   * The flag source routing new connections: always a composite (the `flags` option as given if it is one,
   * else the option or the environment layered under the environment's kill switch). A composite never throws;
   * an app's subclass of one might, so legacy dispatch still guards its calls.
   */
  readonly flags: CompositeFlagSource;
  readonly #flagsRelease: 'close' | 'detach' | 'none';
  readonly #unsubscribeFlags: () => void;
  readonly #router: PathRouter;
  /** Drains wrong-path connections after a flag change (`drainOnFlagChange`); null when off. */
  readonly #drainer: FlagChangeDrainer | null;
  /** Shadow mode's comparator (`shadow`); null when off. */
  readonly shadow: ShadowComparator | null;
  /** The legacy code path (manager), deprecation usage, and the legacy global binding. */
  readonly legacy: LegacyControl;
  /** Isolated per-user managers over `manager` (`WS_ENABLE_FACTORY` decides whether legacy callers get them). */
  readonly factory: WebSocketManagerFactory;
  readonly #startedAt = Date.now();
  #state: ServerState = 'open';
  #closing: Promise<void> | null = null;
  readonly #onUpgradeListener: (req: IncomingMessage, socket: Duplex, head: Buffer) => void;
  readonly #onSocketMessage: (this: WebSocket, data: RawData, isBinary: boolean) => void;
  readonly #onSocketError: (this: WebSocket, err: Error & { code?: string }) => void;

  constructor(options: WebSocketServerOptions) {
    this.options = resolveServerOptions(options);
    // Everything that validates comes before anything that starts timers.
    const factoryOptions = resolveFactoryOptions(options.factory);
    this.flags = resolveFlagSource(options.flags);
    // What close() releases: a composite built here over the app's own source is detached, not closed.
    this.#flagsRelease = this.flags === options.flags ? 'none' : isFlagSourceLike(options.flags) ? 'detach' : 'close';
    this.logger = options.logger ?? createDefaultLogger();
    this.#httpServer = options.server;
    this.#authenticate = options.authenticate;
    this.#onMessage = options.onMessage ?? null;
    this.metrics = new WsSsotMetrics(
      { connectionsByPath: () => this.connectionsByPath(), users: () => this.getUserCount(), flagSource: () => this.flagSourceStatus() },
      { registry: options.metrics?.registry, prefix: this.options.metricsPrefix },
    );
    this.store = new EventStore(this.options.recovery);
    const shadow = this.options.shadow;
    this.shadow = shadow === null ? null : new ShadowComparator({
      sampleRate: shadow.sampleRate,
      seed: shadow.seed,
      maxConnectionsPerUser: this.options.maxConnectionsPerUser,
      connectionLimitPolicy: this.options.connectionLimitPolicy,
      metrics: this.metrics,
      logger: this.logger,
    });
    this.manager = new UnifiedWebSocketManager({ ...options, logger: this.logger }, { metrics: this.metrics, store: this.store, peer: () => this.legacy.manager, shadow: this.shadow });
    const legacyDeps = {
      shadow: this.shadow,
      store: this.store,
      metrics: this.metrics,
      logger: this.logger,
      peer: () => this.manager,
      highWaterMark: this.options.highWaterMark,
      slowCloseTimeoutMs: this.options.slowCloseTimeoutMs,
    };
    const legacyManager: LegacyPathManager = options.createLegacyManager?.(legacyDeps) ?? new LegacySharedManager(legacyDeps);
    this.legacy = new LegacyControl(this, legacyManager);
    this.factory = new WebSocketManagerFactory(this.manager, factoryOptions);
    this.#router = new PathRouter(this.flags, this.metrics, this.logger);
    const drain = this.options.drainOnFlagChange;
    this.#drainer = drain === null ? null : new FlagChangeDrainer({
      misplacedConnections: () => this.#misplacedConnections(),
      isMisplaced: (connection) => this.#router.pathFor(connection.userId) !== connection.path,
      closeForDrain: (connection) => this.#closeForDrain(connection, 'code path changed; reconnect'),
    }, drain.ratePerSecond, this.logger);
    // Routing reads the flags per connection, so a change applies to new connections at once; log it, and
    // with drainOnFlagChange move the existing ones too.
    this.#unsubscribeFlags = this.flags.onChange(() => {
      this.logger.info({ flags: this.flagValues(), flagSource: this.flagSourceStatus() }, 'migration flags changed: new connections follow');
      this.#drainer?.flagsChanged();
    });
    this.#wss = new WebSocketServer({ noServer: true, maxPayload: this.options.maxPayload, clientTracking: false, perMessageDeflate: false });
    this.#heartbeat = new Heartbeat(this.options.heartbeatIntervalMs, () => [this.manager, this.legacy.manager], () => this.metrics.heartbeatTerminated());

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
    return { ssot: this.manager.getConnectionCount(), legacy: this.legacy.manager.getConnectionCount() };
  }

  /** Open connections on both paths. */
  getConnectionCount(): number {
    return this.manager.getConnectionCount() + this.legacy.manager.getConnectionCount();
  }

  /** Users with at least one open connection on either path. */
  getUserCount(): number {
    let users = this.manager.getUserCount();
    const legacy = this.legacy.manager;
    if (legacy.getConnectionCount() === 0) return users;
    const seen = new Set<UserId>();
    for (const connection of legacy.connections()) {
      if (seen.has(connection.userId)) continue;
      seen.add(connection.userId);
      if (this.manager.userConnectionsView(connection.userId) === undefined) users++;
    }
    return users;
  }

  /** The three flags for `context` (a user, for percentage rollouts), or as they stand without one. */
  flagValues(context?: FlagContext): FlagValues {
    return evaluateAll(this.flags, context);
  }

  /** The code path a new connection of `userId` would take now. */
  pathFor(userId: UserId): CodePath {
    assertUserId(userId);
    return this.#router.pathFor(userId);
  }

  /**
   * Changes flags at runtime (the options/bootstrap layer); new connections follow at once, existing ones
   * stay on their path until {@link drain}. An environment `false` still wins. Throws
   * `FlagSourceReadOnlyError` if the app passed a flag source without a settable layer.
   */
  setFlags(values: Partial<Record<'ssot' | 'unified' | 'factory', boolean | undefined>>): FlagValues {
    const layer = settableLayer(this.flags);
    if (layer === null) throw new FlagSourceReadOnlyError(this.flags.name);
    layer.set(values);
    return this.flagValues();
  }

  /**
   * Closes with 1012 (service restart) the connections whose path differs from what the flags now choose
   * for their user (or, with `{ path }`, every connection on that path), so clients reconnect onto the
   * new path and resume from their last seq. Returns how many were closed.
   */
  drain(options: DrainOptions = {}): number {
    if (typeof options !== 'object' || options === null) throw new InvalidOptionError('drain options', 'an object { path?, reason? }', options);
    const { path, reason = 'code path changed; reconnect' } = options;
    if (path !== undefined && path !== 'ssot' && path !== 'legacy') throw new InvalidOptionError('path', "'ssot' or 'legacy'", path);
    const misplaced = path !== undefined ? (connection: WebSocketConnection): boolean => connection.path === path : this.#misplacedByFlags();
    const fromSsot = this.manager.closeWhere(misplaced, CloseCode.SERVICE_RESTART, reason).length;
    const fromLegacy = this.legacy.manager.closeWhere(misplaced, CloseCode.SERVICE_RESTART, reason).length;
    this.metrics.drained('manual', 'ssot', fromSsot);
    this.metrics.drained('manual', 'legacy', fromLegacy);
    const closed = fromSsot + fromLegacy;
    this.logger.info({ closed, path: path ?? 'by flags' }, 'drained connections onto the current code path');
    return closed;
  }

  /** True while a `drainOnFlagChange` drain is closing connections. */
  get draining(): boolean {
    return this.#drainer?.draining ?? false;
  }

  /** A predicate: is the connection on another path than the flags now choose for its user? (one decision per user) */
  #misplacedByFlags(): (connection: WebSocketConnection) => boolean {
    const decisions = new Map<UserId, CodePath>();
    return (connection) => {
      let wanted = decisions.get(connection.userId);
      if (wanted === undefined) {
        wanted = this.#router.pathFor(connection.userId);
        decisions.set(connection.userId, wanted);
      }
      return wanted !== connection.path;
    };
  }

  #misplacedConnections(): WebSocketConnection[] {
    const misplaced = this.#misplacedByFlags();
    const out: WebSocketConnection[] = [];
    for (const connection of this.manager.connections()) if (misplaced(connection)) out.push(connection);
    for (const connection of this.legacy.manager.connections()) if (misplaced(connection)) out.push(connection);
    return out;
  }

  #closeForDrain(connection: WebSocketConnection, reason: string): void {
    const manager = connection.path === 'ssot' ? this.manager : this.legacy.manager;
    this.metrics.drained('flag_change', connection.path, manager.removeConnection(connection.id, CloseCode.SERVICE_RESTART, reason));
  }

  /** The flag source's sync state: for a composite, its primary's (Unleash), which is what operators need. */
  flagSourceStatus(): FlagSourceStatus {
    const source = this.flags.primary ?? this.flags;
    try {
      return source.status();
    } catch (err) {
      return { source: source.name, ready: false, stale: true, lastSyncAt: null, lastError: (err as Error).message };
    }
  }

  health(): WebSocketHealth {
    const flags = this.flagValues();
    const paths = this.connectionsByPath();
    return {
      status: this.#state === 'open' ? 'ok' : this.#state,
      connections: this.getConnectionCount(),
      users: this.getUserCount(),
      path: this.options.path,
      uptimeMs: Date.now() - this.#startedAt,
      maxConnectionsPerUser: this.options.maxConnectionsPerUser,
      heartbeatIntervalMs: this.options.heartbeatIntervalMs,
      flags,
      paths,
      legacy: paths.legacy > 0 || !flags.ssot,
      deprecations: this.legacy.usageCounter.counts(),
      flagSource: this.flagSourceStatus(),
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
    this.#unsubscribeFlags();
    this.#drainer?.stop();
    this.legacy.unbindGlobal();
    await this.factory.close();
    const sockets = [
      ...this.manager.close(CloseCode.GOING_AWAY, 'server shutting down; reconnect'),
      ...this.legacy.manager.close(CloseCode.GOING_AWAY, 'server shutting down; reconnect'),
    ];
    await waitForClose(sockets, this.options.closeTimeoutMs);
    this.store.close();
    if (this.#flagsRelease === 'close') await this.flags.close();
    else if (this.#flagsRelease === 'detach') this.flags.detach();
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
      // After authentication (the flags see the user) and before the limit (the legacy path has none).
      // Routed on the authenticated user only: nothing the client chooses may pick its code path.
      const path = this.#router.route(userId);
      if (path === 'ssot' && !this.manager.canAccept(userId, resume.sessionId)) {
        this.logger.info({ userId, limit: this.options.maxConnectionsPerUser }, 'connection limit reached: refusing upgrade');
        return this.#refuse(socket, 429, 'connection_limit', 'too many connections for this user');
      }
      socket.removeListener('error', ignoreSocketError);
      const accepted = auth;
      this.#wss.handleUpgrade(req, socket, head, (ws) => this.#accept(ws, accepted, resume, path));
    } catch (err) {
      this.logger.error({ err }, 'upgrade failed');
      this.#refuse(socket, 500, 'bad_request');
    }
  }

  #refuse(socket: Duplex, status: number, reason: Parameters<WsSsotMetrics['refused']>[0], message?: string): void {
    this.metrics.refused(reason);
    refuseUpgrade(socket, status, message);
  }

  #accept(ws: WebSocket, auth: AuthResult, resume: ResumeParams, path: CodePath): void {
    let connection: WebSocketConnection;
    try {
      const manager = path === 'ssot' ? this.manager : this.legacy.manager;
      connection = manager.handleConnection(ws, { userId: auth.userId, auth, sessionId: resume.sessionId, lastSeq: resume.lastSeq, epoch: resume.epoch });
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
