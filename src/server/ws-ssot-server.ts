/**
 * The server glue on `ws`: attaches to the app's http.Server ('upgrade' + handleUpgrade, noServer), routes
 * each authenticated upgrade to a code path, and owns what every path shares: the registry (the SSOT
 * manager), the event store, flags, metrics, heartbeat, drain, health and a graceful close. The canonical
 * server has one path, the SSOT manager; `ws-ssot/legacy`'s migration server adds the legacy path.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Logger } from 'pino';
import { WebSocketServer } from 'ws';
import { CloseCode } from '../close-codes.js';
import { resolveServerOptions, type ResolvedServerOptions, type WebSocketServerOptions } from '../config/server-options.js';
import type { CodePathHandler } from '../core/code-path.js';
import { EventStore } from '../core/event-store.js';
import { UnifiedWebSocketManager } from '../core/unified-manager.js';
import { assertUserId } from '../core/validate.js';
import { ClosedError, InvalidOptionError } from '../errors.js';
import { resolveFactoryOptions } from '../factory/factory-options.js';
import { WebSocketManagerFactory } from '../factory/websocket-manager-factory.js';
import { CompositeFlagSource } from '../flags/composite-flag-source.js';
import { evaluateAll, type FlagContext, type FlagSourceStatus, type FlagValues } from '../flags/flag-source.js';
import { resolveFlagSource } from '../flags/resolve-flag-source.js';
import { createDefaultLogger } from '../observability/logger.js';
import { WsSsotMetrics } from '../observability/metrics.js';
import { FlagChangeDrainer } from '../routing/flag-change-drainer.js';
import { PathRouter } from '../routing/path-router.js';
import { ShadowComparator } from '../shadow/shadow-comparator.js';
import { ClusterMetrics } from '../cluster/cluster-metrics.js';
import { RedisEngine } from '../cluster/redis-engine.js';
import type { CodePath, UserId } from '../types.js';
import type { ServerState, WebSocketHealth } from './health.js';
import { Heartbeat } from './heartbeat.js';
import { InboundFrames } from './inbound-frames.js';
import { assertPathFree, listenOnPath, type UpgradeClaim } from './upgrade-claims.js';
import { UpgradeHandler } from './upgrade-handler.js';
import { PathDrain, type DrainOptions } from './path-drain.js';
import { flagSourceStatusOf, flagsReleaseOf, setSettableFlags, type FlagsRelease } from './server-flags.js';
import { waitForClose } from './wait-for-close.js';

export type { ServerState, WebSocketHealth } from './health.js';

export type { DrainOptions } from './path-drain.js';

export class WsSsotServer {
  /** The UnifiedWebSocketManager: every connection of this server, whichever path admitted it, and the one send path. */
  readonly manager: UnifiedWebSocketManager;
  /** Per-user seq, epoch and replay log, shared by every code path of this server. */
  readonly store: EventStore;
  readonly metrics: WsSsotMetrics;
  readonly logger: Logger;
  readonly options: ResolvedServerOptions;
  /**
   * The flag source: always a composite (the `flags` option as given if it is one, else the option or the
   * environment layered under the environment's kill switch).
   */
  readonly flags: CompositeFlagSource;
  /** Shadow mode's comparator (`shadow`); null when off. */
  readonly shadow: ShadowComparator | null;
  /** Isolated per-user managers over `manager` (`WS_ENABLE_FACTORY` decides whether legacy callers get them). */
  readonly factory: WebSocketManagerFactory;
  /** The Redis engine (`cluster`): cross-node delivery, the shared log, presence; null in-process. */
  readonly cluster: RedisEngine | null;
  readonly #flagsRelease: FlagsRelease;
  readonly #unsubscribeFlags: () => void;
  /** The code paths by name; the SSOT manager is always one of them. */
  readonly #paths = new Map<CodePath, CodePathHandler>();
  readonly #router: PathRouter;
  readonly #drainer: FlagChangeDrainer | null;
  readonly #pathDrain: PathDrain;
  readonly #wss: WebSocketServer;
  readonly #heartbeat: Heartbeat;
  readonly #startedAt = Date.now();
  #state: ServerState = 'open';
  #closing: Promise<void> | null = null;
  readonly #upgrades: UpgradeHandler;
  /** This server's claim on its path of the http.Server (see upgrade-claims.ts). */
  readonly #claim: UpgradeClaim;

  constructor(options: WebSocketServerOptions) {
    this.options = resolveServerOptions(options);
    // Everything that validates comes before anything that starts timers.
    const factoryOptions = resolveFactoryOptions(options.factory);
    // Another open ws-ssot server on this http.Server and path: refused before anything is built or registered.
    assertPathFree(options.server, this.options.path);
    this.flags = resolveFlagSource(options.flags);
    // What close() releases: a composite built here over the app's own source is detached, not closed.
    this.#flagsRelease = flagsReleaseOf(options.flags, this.flags);
    this.logger = options.logger ?? createDefaultLogger();
    this.metrics = new WsSsotMetrics(
      { connectionsByPath: () => this.connectionsByPath(), users: () => this.getUserCount(), flagSource: () => this.flagSourceStatus() },
      { registry: options.metrics?.registry, prefix: this.options.metricsPrefix },
    );
    this.store = new EventStore(this.options.recovery, { onEvict: (_userId, limit) => this.metrics.recoveryLogEvicted(limit) });
    const shadow = this.options.shadow;
    this.shadow = shadow === null ? null : new ShadowComparator({
      sampleRate: shadow.sampleRate,
      seed: shadow.seed,
      maxConnectionsPerUser: this.options.maxConnectionsPerUser,
      connectionLimitPolicy: this.options.connectionLimitPolicy,
      metrics: this.metrics,
      logger: this.logger,
    });
    this.manager = new UnifiedWebSocketManager({ ...options, logger: this.logger }, { metrics: this.metrics, store: this.store, shadow: this.shadow });
    const cluster = this.options.cluster;
    this.cluster = cluster === null ? null : new RedisEngine(cluster, {
      registry: this.manager,
      logger: this.logger,
      metrics: this.metrics,
      clusterMetrics: new ClusterMetrics(this.metrics.registry, this.options.metricsPrefix),
      recovery: this.options.recovery,
      limit: { maxConnectionsPerUser: this.options.maxConnectionsPerUser, policy: this.options.connectionLimitPolicy },
    });
    if (this.cluster !== null) this.manager.attachEngine(this.cluster);
    this.#paths.set('ssot', this.manager);
    this.factory = new WebSocketManagerFactory(this.manager, factoryOptions);
    this.#router = new PathRouter(this.flags, this.metrics, this.logger, (path) => this.#paths.has(path));
    this.#pathDrain = new PathDrain(this.manager, this.#router, this.metrics, this.logger);
    const drain = this.options.drainOnFlagChange;
    this.#drainer = drain === null ? null : new FlagChangeDrainer({
      misplacedConnections: () => this.#pathDrain.misplacedConnections(),
      isMisplaced: (connection) => this.#router.pathFor(connection.userId) !== connection.path,
      closeForDrain: (connection) => this.#pathDrain.closeForFlagChange(connection),
    }, drain.ratePerSecond, this.logger);
    // Routing reads the flags per connection, so a change applies to new connections at once; log it, and
    // with drainOnFlagChange move the existing ones too.
    this.#unsubscribeFlags = this.flags.onChange(() => {
      this.logger.info({ flags: this.flagValues(), flagSource: this.flagSourceStatus() }, 'migration flags changed: new connections follow');
      this.#drainer?.flagsChanged();
    });
    this.#wss = new WebSocketServer({ noServer: true, maxPayload: this.options.maxPayload, clientTracking: false, perMessageDeflate: false });
    this.#heartbeat = new Heartbeat(this.options.heartbeatIntervalMs, () => [this.manager], () => this.metrics.heartbeatTerminated());
    this.#upgrades = new UpgradeHandler({
      options: this.options,
      authenticate: options.authenticate,
      logger: this.logger,
      metrics: this.metrics,
      wss: this.#wss,
      inbound: new InboundFrames(this.metrics, options.onMessage ?? null, this.manager),
      isOpen: () => this.#state === 'open',
      route: (userId) => this.#paths.get(this.#router.route(userId)) as CodePathHandler,
    });
    this.#claim = listenOnPath(options.server, this.options.path, this.#upgrades);
    this.#heartbeat.start();
  }

  /**
   * Adds a code path beside the SSOT manager (the migration server adds the legacy path). Connections are
   * routed to it when the flags choose its name for their user.
   */
  protected addCodePath(handler: CodePathHandler): void {
    if (this.#paths.has(handler.path)) throw new InvalidOptionError('code path', `a path not yet served (${handler.path} is)`, handler.path);
    this.#paths.set(handler.path, handler);
  }

  get state(): ServerState {
    return this.#state;
  }

  /** Open connections by the code path that admitted them. */
  connectionsByPath(): Record<CodePath, number> {
    return { ssot: this.manager.countOnPath('ssot'), legacy: this.manager.countOnPath('legacy') };
  }

  /** Open connections on every path. */
  getConnectionCount(): number {
    return this.manager.getConnectionCount();
  }

  /** Users with at least one open connection on any path. */
  getUserCount(): number {
    return this.manager.getUserCount();
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
   * `FlagSourceReadOnlyError` if the app passed a flag source without a settable layer, `ClosedError` once
   * `close()` was called.
   */
  setFlags(values: Partial<Record<'ssot' | 'unified' | 'factory', boolean | undefined>>): FlagValues {
    this.#assertOpen();
    setSettableFlags(this.flags, values);
    return this.flagValues();
  }

  /**
   * Closes with 1012 (service restart) the connections whose path differs from what the flags now choose
   * for their user (or, with `{ path }`, every connection on that path), so clients reconnect onto the
   * new path and resume from their last seq. Returns how many were closed. Throws `ClosedError` once
   * `close()` was called (close() itself closes every connection, with 1001).
   */
  drain(options: DrainOptions = {}): number {
    this.#assertOpen();
    return this.#pathDrain.drain(options);
  }

  #assertOpen(): void {
    if (this.#state !== 'open') throw new ClosedError('WsSsotServer');
  }

  /** True while a `drainOnFlagChange` drain is closing connections. */
  get draining(): boolean {
    return this.#drainer?.draining ?? false;
  }

  /** The flag source's sync state: for a composite, its primary's (Unleash), which is what operators need. */
  flagSourceStatus(): FlagSourceStatus {
    return flagSourceStatusOf(this.flags);
  }

  health(): WebSocketHealth {
    const cluster = this.cluster?.health() ?? null;
    return {
      status: this.#state !== 'open' ? this.#state : cluster?.status === 'degraded' ? 'degraded' : 'ok',
      connections: this.getConnectionCount(),
      users: this.getUserCount(),
      path: this.options.path,
      uptimeMs: Date.now() - this.#startedAt,
      maxConnectionsPerUser: this.options.maxConnectionsPerUser,
      heartbeatIntervalMs: this.options.heartbeatIntervalMs,
      flags: this.flagValues(),
      paths: this.connectionsByPath(),
      flagSource: this.flagSourceStatus(),
      cluster,
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
   * The app's http.Server is left open (it is the app's): upgrades on this server's path get HTTP 503 from
   * the moment close() is called, during and after it, until another ws-ssot server is created on the same
   * http.Server and path (which takes the path over). From the moment it is called (synchronously),
   * sends, admission, `setFlags` and `drain` throw `ClosedError` (`WSSOT_ERR_CLOSED`), and the factory's
   * isolated managers are disposed.
   */
  close(): Promise<void> {
    if (this.#closing === null) this.#closing = this.#close();
    return this.#closing;
  }

  async #close(): Promise<void> {
    this.#state = 'closing';
    // The listener stays: upgrades on our path get 503 from now on, until another ws-ssot server claims the
    // path (which removes it), rather than falling through to the app's plain HTTP handler.
    this.#claim.open = false;
    this.#upgrades.abortPending(); // those waiting on authenticate get their 503 now, not after it settles
    this.#heartbeat.stop();
    this.#unsubscribeFlags();
    this.#drainer?.stop();
    // Both before the first await: nothing sent after close() was called can go out (or be sequenced).
    const factoryClosed = this.factory.close();
    const sockets = this.manager.close(CloseCode.GOING_AWAY, 'server shutting down; reconnect');
    await factoryClosed;
    await waitForClose(sockets, this.options.closeTimeoutMs);
    await this.cluster?.close();
    this.store.close();
    this.metrics.release(); // a closed server drops out of gauges it shares with other servers
    if (this.#flagsRelease === 'close') await this.flags.close();
    else if (this.#flagsRelease === 'detach') this.flags.detach();
    await new Promise<void>((resolve) => this.#wss.close(() => resolve()));
    this.#state = 'closed';
    this.logger.info('ws-ssot server closed');
  }
}

/** Creates a ws-ssot server attached to an existing http(s).Server. See README for the options. */
export function createWebSocketServer(options: WebSocketServerOptions): WsSsotServer {
  return new WsSsotServer(options);
}
