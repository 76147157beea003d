/**
 * The one registry of a server's open connections, whatever code path admitted them: the user index (kept
 * by connection-index.ts), the ways a connection leaves it (one at a time, by predicate, at shutdown, as a
 * slow consumer or a resumed session's ghost), local fan-out by delivery class, and listener-safe events.
 * Code paths differ only in admission (see code-path.ts); everything after admission happens here, once.
 */
import { EventEmitter } from 'node:events';
import type { Logger } from 'pino';
import type { WebSocket } from 'ws';
import { CloseCode } from '../close-codes.js';
import type { DeliveryClass } from '../events/agent-events.js';
import type { WsSsotMetrics } from '../observability/metrics.js';
import type { LegacySendObserver } from '../shadow/shadow-send-observer.js';
import type { DeliveryEngine } from './delivery-engine.js';
import type { AuthResult, CodePath, ConnectionHealth, ConnectionId, UserId } from '../types.js';
import { WebSocketConnection, type ConnectionOwner } from './connection.js';
import { connectionOfSession, connectionsNamed, indexConnection, unindexConnection } from './connection-index.js';
import type { ConnectionRegistryParts } from './connection-registry-parts.js';
import type { EventStore } from './event-store.js';
import { deliverToAll, deliverToEveryConnection, deliverToUserTabs, shadowOffline } from './fan-out.js';
import { OutboundFrame } from './outbound-frame.js';
import { emitSafely } from './safe-emit.js';
import { WriteBatch } from './write-batch.js';
import { startSession } from './session-handshake.js';
import { assertAttachableSocket, attachSocket, closeMatching, closeSocket } from './socket-lifecycle.js';
import { assertCloseArgs, assertConnectionId, assertUserId } from './validate.js';
import { ClosedError } from '../errors.js';

export interface ConnectionRegistryEvents {
  connection: [connection: WebSocketConnection];
  disconnection: [connection: WebSocketConnection, code: number, reason: string];
}

export class ConnectionRegistry extends EventEmitter<ConnectionRegistryEvents> implements ConnectionOwner {
  readonly logger: Logger;
  readonly highWaterMark: number;
  /** @internal */
  readonly writes: WriteBatch;
  /** @internal Open connections by id. */
  protected readonly connectionsById = new Map<ConnectionId, WebSocketConnection>();
  /** @internal userId → open connections on every path, oldest first. */
  protected readonly users = new Map<UserId, WebSocketConnection[]>();
  /** @internal */
  protected readonly metrics: WsSsotMetrics | null;
  /** @internal */
  readonly store: EventStore;
  readonly #ownsStore: boolean;
  readonly #slowCloseTimeoutMs: number;
  readonly #shadow: LegacySendObserver | null;
  /** Open connections per code path (both keys always present: one object shape). */
  readonly #byPath: Record<CodePath, number> = { ssot: 0, legacy: 0 };
  /** The multi-node engine (the Redis engine), or null: everything in-process. @internal */
  protected engine: DeliveryEngine | null = null;

  constructor(parts: ConnectionRegistryParts) {
    super();
    this.logger = parts.logger;
    this.metrics = parts.metrics;
    this.store = parts.store;
    this.highWaterMark = parts.highWaterMark;
    this.writes = new WriteBatch(parts.highWaterMark);
    this.#ownsStore = parts.ownsStore;
    this.#slowCloseTimeoutMs = parts.slowCloseTimeoutMs;
    this.#shadow = parts.shadow;
  }

  // ---- counts and lookups ------------------------------------------------------------------------

  /**
   * True from the moment {@link close} is called: admission ({@link register}, so every code path) and every
   * send throw `ClosedError` (`WSSOT_ERR_CLOSED`); lookups answer as for an empty registry. A plain field, so
   * a send checks it with one load.
   * @internal read {@link closed}
   */
  protected isClosed = false;

  /** True once {@link close} was called. */
  get closed(): boolean {
    return this.isClosed;
  }

  /** Open connections, on every code path. */
  getConnectionCount(): number {
    return this.connectionsById.size;
  }

  /** Open connections admitted by one code path. */
  countOnPath(path: CodePath): number {
    return this.#byPath[path];
  }

  /** Users with at least one open connection. */
  getUserCount(): number {
    return this.users.size;
  }

  /** Every open connection (live iterator; do not add or remove while iterating). */
  connections(): IterableIterator<WebSocketConnection> {
    return this.connectionsById.values();
  }

  /** A live read-only view of the user's connections, oldest first: do not keep or mutate it. */
  userConnectionsView(userId: UserId): readonly WebSocketConnection[] | undefined {
    return this.users.get(userId);
  }

  /** Whether a send to the user reaches at least one connection. */
  isUserConnected(userId: UserId): boolean {
    assertUserId(userId);
    return this.users.has(userId);
  }

  getConnection(connectionId: ConnectionId): WebSocketConnection | undefined {
    assertConnectionId(connectionId);
    return this.connectionsById.get(connectionId);
  }

  getConnectionHealth(connectionId: ConnectionId): ConnectionHealth | undefined {
    return this.getConnection(connectionId)?.health();
  }

  // ---- admission's shared part (code paths call these after their own policy) ---------------------

  /**
   * Registers an attachable socket for `userId` on `path`. A resumed session first replaces its ghost (4009)
   * on whatever path holds it: a half-open old socket must not keep receiving. A code path calls this after
   * its own admission policy (see code-path.ts); `sessionId` must already be validated (or null).
   */
  register(userId: UserId, socket: WebSocket, sessionId: string | null, auth: AuthResult | null, path: CodePath): WebSocketConnection {
    if (this.isClosed) throw new ClosedError(this.constructor.name);
    assertAttachableSocket(socket);
    if (sessionId !== null) this.#closeSessionGhost(userId, sessionId);
    const connection = new WebSocketConnection(crypto.randomUUID(), userId, socket, sessionId ?? crypto.randomUUID(), auth, path, this, sessionId !== null, this.engine !== null);
    attachSocket(socket, connection);
    indexConnection(this.connectionsById, this.users, this.#byPath, connection);
    this.store.attach(this.store.stream(userId));
    this.metrics?.connectionOpened(path);
    if (path === 'legacy') this.#shadow?.connectionOpened(connection);
    connection.log.debug({ path }, 'connection added');
    return connection;
  }

  /**
   * The session frame, then the replay a resuming client asked for, written synchronously before any
   * listener can send; then the 'connection' event. A code path calls this right after {@link register}.
   */
  openSession(connection: WebSocketConnection, lastSeq: number | null | undefined, epoch: string | null | undefined, lastTs?: number | null): void {
    if (this.engine !== null) return this.engine.startSession(connection, lastSeq, epoch, true, lastTs); // it announces once started
    startSession(connection, this.store.stream(connection.userId), lastSeq, epoch, this.metrics);
    this.announce(connection);
  }

  /**
   * Emits 'connection' (for sockets added without a session handshake, `addConnection`). On an engine the
   * connection first joins its user's route (no session frame is written), and is announced once live.
   */
  announce(connection: WebSocketConnection): void {
    if (connection.starting && this.engine !== null) return this.engine.startSession(connection, null, null, false);
    this.emitSafe('connection', connection);
  }

  /**
   * Puts a multi-node engine under this registry (before any connection): sends go through it, sessions start
   * from its log, and it delivers back through the local fan-out below.
   * @internal
   */
  attachEngine(engine: DeliveryEngine): void {
    this.engine = engine;
  }

  /** A connection by id, without argument checks (ids from the engine's own messages). @internal */
  connectionById(connectionId: ConnectionId): WebSocketConnection | undefined {
    return this.connectionsById.get(connectionId);
  }

  #closeSessionGhost(userId: UserId, sessionId: string): void {
    const ghost = connectionOfSession(this.users, userId, sessionId);
    if (ghost !== undefined) this.closeConnection(ghost, CloseCode.SESSION_REPLACED, 'session resumed on a newer connection', true);
  }

  // ---- leaving -----------------------------------------------------------------------------------

  /** Closes one connection (by id) or every connection of a user (by user id); returns how many. */
  removeConnection(userIdOrConnectionId: UserId | ConnectionId, code = 1000, reason = ''): number {
    assertConnectionId(userIdOrConnectionId);
    assertCloseArgs(code, reason);
    const named = connectionsNamed(this.connectionsById, this.users, userIdOrConnectionId);
    for (const c of named) this.closeConnection(c, code, reason, true);
    return named.length;
  }

  /** Unregisters after a socket closed (by connection, connection id or user id). Idempotent. */
  handleDisconnection(target: UserId | ConnectionId | WebSocketConnection, code = 1005, reason = ''): void {
    if (target instanceof WebSocketConnection) {
      // Another registry's connection (a second server in the process) is not this one's to mark closed.
      if (target.owner === this) this.unregister(target, code, reason);
      return;
    }
    assertConnectionId(target);
    for (const c of connectionsNamed(this.connectionsById, this.users, target)) this.unregister(c, code, reason);
  }

  /**
   * Closes every connection matching `predicate` with `code` (1012 for a path drain, 1001 at shutdown)
   * and unregisters it at once. Returns the sockets so a caller can wait for them.
   */
  closeWhere(predicate: (connection: WebSocketConnection) => boolean, code: number, reason: string): WebSocket[] {
    // A peer that never reads must not hold its socket for ws's 30 s after a removal or a drain: terminated after slowCloseTimeoutMs.
    return closeMatching(this.connectionsById.values(), predicate, code, reason, (connection) => this.closeConnection(connection, code, reason, true));
  }

  /** Sends coalesced frames to connections whose buffers have drained (called by the heartbeat, too). */
  flushPending(): void {
    for (const connection of this.connectionsById.values()) if (connection.pending !== null) connection.flushPending();
  }

  /**
   * Closes every connection (1001 by default), and forgets all state it owns. Idempotent. From here on,
   * admission and sends throw `ClosedError`.
   */
  close(code: number = CloseCode.GOING_AWAY, reason = 'server shutting down; reconnect'): WebSocket[] {
    this.isClosed = true;
    this.flushPending(); // coalesced frames whose buffer has room go out before the close frame
    const sockets = this.closeWhere(() => true, code, reason);
    if (this.#ownsStore) this.store.close();
    return sockets;
  }

  // ---- local fan-out -----------------------------------------------------------------------------

  /**
   * Hands an already-serialised frame to every local connection of the user; returns how many took it.
   * Finding none (an offline user, a common case for agent events) stays a few bytes, so a send inlines
   * whole into its caller within V8's inlining budget; the delivery itself is out of line.
   * @internal
   */
  deliverToUser(userId: UserId, text: string | Buffer, delivery: DeliveryClass, coalesceKey: string | null): number {
    const connections = this.users.get(userId);
    if (connections === undefined) return this.#shadow === null ? 0 : shadowOffline(this.#shadow, userId);
    return deliverToUserTabs(userId, connections, text, delivery, coalesceKey, this.#shadow);
  }

  /** Hands an already-serialised frame to the given local connections; returns how many took it. @internal */
  deliverToConnections(connections: readonly WebSocketConnection[], text: string | Buffer, delivery: DeliveryClass, coalesceKey: string | null): number {
    return deliverToAll(connections, new OutboundFrame(text), delivery, coalesceKey);
  }

  /** Hands an already-serialised frame to every local connection; returns how many took it. @internal */
  deliverToEveryone(text: string | Buffer, delivery: DeliveryClass): number {
    if (this.connectionsById.size === 0) return 0;
    return deliverToEveryConnection(this.connectionsById.values(), text, delivery, this.#shadow);
  }

  // ---- ConnectionOwner ---------------------------------------------------------------------------

  closeSlowConsumer(connection: WebSocketConnection): void {
    connection.log.warn({ bufferedAmount: connection.socket.bufferedAmount }, 'slow consumer: closing so it reconnects and recovers');
    this.metrics?.slowConsumerClosed();
    this.closeConnection(connection, CloseCode.SLOW_CONSUMER, 'slow consumer', true);
  }

  noteTransientLoss(_connection: WebSocketConnection, reason: 'dropped' | 'coalesced'): void {
    this.metrics?.transientLoss(reason);
  }

  // ---- internals ---------------------------------------------------------------------------------

  /**
   * Unregisters at once (nothing more is sent) and closes the socket; with `terminateSoon`, terminates it
   * if the close handshake hangs (a slow, replaced, evicted or ghost peer must not hold its buffer).
   */
  closeConnection(connection: WebSocketConnection, code: number, reason: string, terminateSoon: boolean): void {
    this.unregister(connection, code, reason);
    closeSocket(connection.socket, code, reason, terminateSoon ? this.#slowCloseTimeoutMs : null);
  }

  /** @internal */
  protected unregister(connection: WebSocketConnection, code: number, reason: string): void {
    const lost = connection.markClosed();
    if (lost === null) return;
    // Coalesced frames still waiting for the buffer to drain are lost with the connection: count them.
    this.metrics?.transientLoss('dropped', lost);
    unindexConnection(this.connectionsById, this.users, this.#byPath, connection);
    this.store.detach(this.store.stream(connection.userId));
    if (connection.path === 'legacy') this.#shadow?.connectionClosed(connection, code);
    this.engine?.connectionLeft(connection);
    connection.log.debug({ code, reason, path: connection.path }, 'connection removed');
    this.emitSafe('disconnection', connection, code, reason);
  }

  /** Emits to every listener even if one throws (see safe-emit.ts). @internal */
  protected emitSafe<K extends keyof ConnectionRegistryEvents>(event: K, ...args: ConnectionRegistryEvents[K]): void {
    emitSafely(this, this.logger, event, args);
  }
}
