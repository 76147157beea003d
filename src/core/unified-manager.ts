/**
 * UnifiedWebSocketManager: the single source of truth for the connections of one process.
 * userId → connections (a user may have several tabs); per-user sequenced, logged agent events;
 * per-user connection limit; backpressure by delivery class; replay on reconnect.
 */
import { randomUUID } from 'node:crypto';
import { EventEmitter } from 'node:events';
import type { Logger } from 'pino';
import type { WebSocket } from 'ws';
import { CloseCode } from '../close-codes.js';
import { resolveManagerOptions, type ManagerOptions, type ResolvedManagerOptions } from '../config.js';
import { ConnectionLimitError, UnknownEventTypeError } from '../errors.js';
import {
  CRITICAL_EVENT_TYPES,
  isCriticalEventType,
  type AgentEventEnvelope,
  type AgentEventOptions,
  type CriticalEventDataMap,
  type CriticalEventType,
  type DeliveryClass,
} from '../events/agent-events.js';
import { createDefaultLogger } from '../observability/logger.js';
import type { WsSsotMetrics } from '../observability/metrics.js';
import type { ConnectionContext, SendOptions, WebSocketManagerProtocol } from '../protocol.js';
import type { AuthResult, CodePath, ConnectionHealth, ConnectionId, UserId } from '../types.js';
import { WebSocketConnection, type ConnectionOwner } from './connection.js';
import { EventStore } from './event-store.js';
import { deliverToAll } from './fan-out.js';
import { OutboundFrame } from './outbound-frame.js';
import type { LegacySendObserver } from '../shadow/legacy-send-observer.js';
import type { PathPeer } from './path-peer.js';
import { sequenceAgentEvent } from './sequence-event.js';
import { startSession } from './session-handshake.js';
import { assertAttachableSocket, attachSocket, closeMatching, closeSocket } from './socket-lifecycle.js';
import { assertCloseArgs, assertConnectionId, assertUserId, deliveryOf, serialize } from './validate.js';

const noPeer = (): null => null;
const SESSION_ID_PATTERN = /^[A-Za-z0-9_-]{8,64}$/;

/** Construction options beyond {@link ManagerOptions}, used by the server glue. */
export interface UnifiedManagerInternals {
  /** Metrics of the server that owns this manager. */
  metrics?: WsSsotMetrics | null;
  /** The server's event store, shared with its other code path. Default: a store of this manager's own. */
  store?: EventStore;
  /** The server's other code path: sends reach its connections too (one serialisation, one seq). */
  peer?: () => PathPeer | null;
  /** Shadow mode: the part of a send that reaches legacy-path connections is reported, sampled. */
  shadow?: LegacySendObserver | null;
}

export interface UnifiedWebSocketManagerEvents {
  connection: [connection: WebSocketConnection];
  disconnection: [connection: WebSocketConnection, code: number, reason: string];
}

// Listeners shared by every socket: they find their connection through a private slot, so no closure is
export class UnifiedWebSocketManager extends EventEmitter<UnifiedWebSocketManagerEvents> implements WebSocketManagerProtocol, ConnectionOwner {
  /** Which code path this manager serves. */
  readonly path: CodePath = 'ssot';
  readonly options: ResolvedManagerOptions;
  readonly logger: Logger;
  /** userId → open connections, oldest first. */
  readonly #users = new Map<UserId, WebSocketConnection[]>();
  readonly #connections = new Map<ConnectionId, WebSocketConnection>();
  readonly #metrics: WsSsotMetrics | null;
  readonly #store: EventStore;
  readonly #ownsStore: boolean;
  readonly #peer: () => PathPeer | null;
  readonly #shadow: LegacySendObserver | null;

  constructor(options: ManagerOptions = {}, internals: UnifiedManagerInternals = {}) {
    super();
    this.options = resolveManagerOptions(options);
    this.logger = options.logger ?? createDefaultLogger();
    this.#metrics = internals.metrics ?? null;
    this.#ownsStore = internals.store === undefined;
    this.#store = internals.store ?? new EventStore(this.options.recovery);
    this.#peer = internals.peer ?? noPeer;
    this.#shadow = internals.shadow ?? null;
  }

  get highWaterMark(): number {
    return this.options.highWaterMark;
  }

  // ---- connections -------------------------------------------------------------------------------

  getConnectionCount(): number {
    return this.#connections.size;
  }

  /** Users with at least one open connection. */
  getUserCount(): number {
    return this.#users.size;
  }

  /** Open connections of one user. */
  getUserConnectionCount(userId: UserId): number {
    assertUserId(userId);
    return this.#users.get(userId)?.length ?? 0;
  }

  /** Open connections of one user on every code path of the server (this manager's and its peer's). */
  getReachableConnectionCount(userId: UserId): number {
    assertUserId(userId);
    return (this.#users.get(userId)?.length ?? 0) + (this.#peer()?.userConnectionsView(userId)?.length ?? 0);
  }

  /** A live read-only view of the user's connections (PathPeer): do not keep or mutate it. */
  userConnectionsView(userId: UserId): readonly WebSocketConnection[] | undefined {
    return this.#users.get(userId);
  }

  /** The user's connections, oldest first (a copy). */
  getUserConnections(userId: UserId): WebSocketConnection[] {
    assertUserId(userId);
    return this.#users.get(userId)?.slice() ?? [];
  }

  /** Whether a send to the user reaches at least one connection, on either code path. */
  isUserConnected(userId: UserId): boolean {
    assertUserId(userId);
    return this.#users.has(userId) || (this.#peer()?.userConnectionsView(userId)?.length ?? 0) > 0;
  }

  getConnection(connectionId: ConnectionId): WebSocketConnection | undefined {
    assertConnectionId(connectionId);
    return this.#connections.get(connectionId);
  }

  getConnectionHealth(connectionId: ConnectionId): ConnectionHealth | undefined {
    return this.getConnection(connectionId)?.health();
  }

  /** Every open connection (live iterator; do not add or remove while iterating). */
  connections(): IterableIterator<WebSocketConnection> {
    return this.#connections.values();
  }

  /**
   * Whether a new connection of `userId` would be accepted now: under the limit, or the policy evicts
   * the oldest, or it resumes a session the user already holds (that ghost is replaced).
   */
  canAccept(userId: UserId, resumeSessionId?: string | null): boolean {
    assertUserId(userId);
    if (this.options.connectionLimitPolicy === 'evict-oldest') return true;
    const connections = this.#users.get(userId);
    if (connections === undefined || connections.length < this.options.maxConnectionsPerUser) return true;
    return typeof resumeSessionId === 'string' && connections.some((c) => c.sessionId === resumeSessionId);
  }

  addConnection(userId: UserId, socket: WebSocket, options: { sessionId?: string | null; auth?: AuthResult | null } = {}): WebSocketConnection {
    const o = options !== null && typeof options === 'object' ? options : {};
    const connection = this.#register(userId, socket, o.sessionId ?? null, o.auth ?? null);
    this.#emitSafe('connection', connection);
    return connection;
  }

  /**
   * Registers the socket, then sends the session frame and (if the client asked with `lastSeq`) the
   * replay and the recovery frame, all synchronously, before any listener runs: so the session frame is
   * always first and the replay precedes every new event.
   */
  handleConnection(socket: WebSocket, context: ConnectionContext): WebSocketConnection {
    const c: Partial<ConnectionContext> = context !== null && typeof context === 'object' ? context : {};
    const connection = this.#register(c.userId as UserId, socket, c.sessionId ?? null, c.auth ?? null);
    startSession(connection, this.#store.stream(connection.userId), c.lastSeq, c.epoch, this.#metrics);
    this.#emitSafe('connection', connection);
    return connection;
  }

  /** Closes one connection (by id) or every connection of a user (by user id), on both code paths. */
  removeConnection(userIdOrConnectionId: UserId | ConnectionId, code = 1000, reason = ''): number {
    assertConnectionId(userIdOrConnectionId);
    assertCloseArgs(code, reason);
    return this.removeOwn(userIdOrConnectionId, code, reason) + (this.#peer()?.removeOwn(userIdOrConnectionId, code, reason) ?? 0);
  }

  /** PathPeer: closes this manager's connection holding the session, if any (4009). */
  closeSessionGhost(userId: UserId, sessionId: string): void {
    const ghost = this.#users.get(userId)?.find((c) => c.sessionId === sessionId);
    if (ghost !== undefined) this.#closeConnection(ghost, CloseCode.SESSION_REPLACED, 'session resumed on a newer connection', true);
  }

  /** PathPeer: closes this manager's own connection(s) only. */
  removeOwn(userIdOrConnectionId: string, code: number, reason: string): number {
    const connection = this.#connections.get(userIdOrConnectionId);
    if (connection !== undefined) {
      this.#closeConnection(connection, code, reason, false);
      return 1;
    }
    const all = this.#users.get(userIdOrConnectionId)?.slice() ?? [];
    for (const c of all) this.#closeConnection(c, code, reason, false);
    return all.length;
  }

  handleDisconnection(target: UserId | ConnectionId | WebSocketConnection, code = 1005, reason = ''): void {
    if (target instanceof WebSocketConnection) {
      // Only this manager's own connections: another manager's must not be marked closed from here.
      if (target.owner === this) this.#unregister(target, code, reason);
      return;
    }
    assertConnectionId(target);
    const connection = this.#connections.get(target);
    if (connection !== undefined) {
      this.#unregister(connection, code, reason);
      return;
    }
    for (const c of this.#users.get(target)?.slice() ?? []) this.#unregister(c, code, reason);
  }

  /**
   * Closes every connection matching `predicate` with `code` (1012 for a path drain, 1001 at shutdown)
   * and unregisters it at once. Returns the sockets so a caller can wait for them.
   */
  closeWhere(predicate: (connection: WebSocketConnection) => boolean, code: number, reason: string): WebSocket[] {
    return closeMatching(this.#connections.values(), predicate, code, reason, (connection) => this.#closeConnection(connection, code, reason, false));
  }

  // ---- sending -----------------------------------------------------------------------------------

  sendMessage(userId: UserId, message: unknown, options?: SendOptions): boolean {
    assertUserId(userId);
    const delivery = deliveryOf(options);
    const text = serialize(message);
    const delivered = this.#fanOutUser(userId, text, delivery, null);
    this.#metrics?.delivered('message', delivered);
    return delivered > 0;
  }

  broadcastMessage(message: unknown, options?: SendOptions): number {
    const delivery = deliveryOf(options);
    const text = serialize(message);
    const peer = this.#peer();
    if (this.#connections.size === 0 && (peer === null || peer.getConnectionCount() === 0)) return 0;
    const frame = new OutboundFrame(text);
    let delivered = deliverToAll(this.#connections.values(), frame, delivery, null);
    if (peer !== null) {
      if (this.#shadow === null || !this.#shadow.sample()) {
        delivered += deliverToAll(peer.connections(), frame, delivery, null);
      } else {
        const received: WebSocketConnection[] = [];
        for (const connection of Array.from(peer.connections())) if (connection.deliver(frame, delivery, null)) received.push(connection);
        this.#shadow.broadcast(received);
        delivered += received.length;
      }
    }
    this.#metrics?.delivered('broadcast', delivered);
    return delivered;
  }

  sendAgentEvent(userId: UserId, type: string, data: unknown = {}, options?: AgentEventOptions): AgentEventEnvelope {
    assertUserId(userId);
    const started = this.#metrics === null ? 0 : performance.now();
    const event = sequenceAgentEvent(this.#store, userId, type, data, options);
    if (event.stream.holders > 0) {
      const delivered = this.#fanOutUser(userId, event.text, event.delivery, event.coalesceKey);
      this.#metrics?.delivered('event', delivered);
      if (this.#metrics !== null) this.#metrics.fanoutSeconds((performance.now() - started) / 1000);
    } else {
      this.#store.release(event.stream);
    }
    return event.envelope;
  }

  emitCriticalEvent<T extends CriticalEventType>(userId: UserId, type: T, data: CriticalEventDataMap[T], options?: { runId?: string }): AgentEventEnvelope<T, CriticalEventDataMap[T]> {
    if (!isCriticalEventType(type)) throw new UnknownEventTypeError(type, CRITICAL_EVENT_TYPES);
    const runId = options !== null && typeof options === 'object' ? options.runId : undefined;
    return this.sendAgentEvent(userId, type, data, { runId, delivery: 'durable' }) as AgentEventEnvelope<T, CriticalEventDataMap[T]>;
  }

  /** The latest durable seq and the epoch of a user's log (0 and null if the manager holds nothing for them). */
  getUserSequence(userId: UserId): { seq: number; epoch: string | null } {
    assertUserId(userId);
    const stream = this.#store.peek(userId);
    return { seq: stream?.seq ?? 0, epoch: stream?.epoch ?? null };
  }

  /** Sends coalesced frames to connections whose buffers have drained (called by the heartbeat, too). */
  flushPending(): void {
    for (const connection of this.#connections.values()) if (connection.pending !== null) connection.flushPending();
  }

  /** Closes every connection (1001 by default), stops timers, and forgets all state. Idempotent. */
  close(code: number = CloseCode.GOING_AWAY, reason = 'server shutting down; reconnect'): WebSocket[] {
    this.flushPending(); // coalesced frames whose buffer has room go out before the close frame
    const sockets = this.closeWhere(() => true, code, reason);
    if (this.#ownsStore) this.#store.close();
    return sockets;
  }

  // ---- ConnectionOwner ---------------------------------------------------------------------------

  closeSlowConsumer(connection: WebSocketConnection): void {
    connection.log.warn({ bufferedAmount: connection.socket.bufferedAmount }, 'slow consumer: closing so it reconnects and recovers');
    this.#metrics?.slowConsumerClosed();
    this.#closeConnection(connection, CloseCode.SLOW_CONSUMER, 'slow consumer', true);
  }

  noteTransientLoss(_connection: WebSocketConnection, reason: 'dropped' | 'coalesced'): void {
    this.#metrics?.transientLoss(reason);
  }

  // ---- internals ---------------------------------------------------------------------------------

  #register(userId: UserId, socket: WebSocket, sessionId: unknown, auth: AuthResult | null): WebSocketConnection {
    assertUserId(userId);
    assertAttachableSocket(socket);
    const resumed = typeof sessionId === 'string' && SESSION_ID_PATTERN.test(sessionId) ? sessionId : null;
    if (resumed !== null) {
      // A resumed session replaces its ghost: a half-open old socket must not keep receiving.
      this.closeSessionGhost(userId, resumed);
      this.#peer()?.closeSessionGhost(userId, resumed);
    }
    const existing = this.#users.get(userId);
    if (existing !== undefined && existing.length >= this.options.maxConnectionsPerUser) {
      if (this.options.connectionLimitPolicy === 'reject-newest') throw new ConnectionLimitError(userId, this.options.maxConnectionsPerUser);
      const oldest = existing[0] as WebSocketConnection;
      oldest.log.info('evicting the oldest connection: connection limit reached');
      this.#closeConnection(oldest, CloseCode.EVICTED_BY_LIMIT, 'connection limit: evicted by a newer connection', false);
    }
    const connection = new WebSocketConnection(randomUUID(), userId, socket, resumed ?? randomUUID(), auth, this.path, this);
    attachSocket(socket, connection);
    const connections = this.#users.get(userId);
    if (connections === undefined) this.#users.set(userId, [connection]);
    else connections.push(connection);
    this.#store.attach(this.#store.stream(userId));
    this.#connections.set(connection.id, connection);
    this.#metrics?.connectionOpened(this.path);
    connection.log.debug('connection added');
    return connection;
  }

  /**
   * Emits to every listener even if one throws: an application listener that throws must not break the
   * manager's bookkeeping nor a fan-out to other connections (nor escape into ws's 'close' handler).
   */
  #emitSafe<K extends keyof UnifiedWebSocketManagerEvents>(event: K, ...args: UnifiedWebSocketManagerEvents[K]): void {
    if (this.listenerCount(event) === 0) return;
    // rawListeners: 'once' wrappers, so a once-listener is removed as it runs.
    for (const listener of this.rawListeners(event) as Array<(...a: UnifiedWebSocketManagerEvents[K]) => unknown>) {
      try {
        listener.apply(this, args);
      } catch (err) {
        this.logger.error({ err, event }, 'a manager event listener threw');
      }
    }
  }

  /** Delivers to the user's connections here and on the peer path; the frame is encoded once for both. */
  #fanOutUser(userId: UserId, text: string, delivery: DeliveryClass, coalesceKey: string | null): number {
    const own = this.#users.get(userId);
    const other = this.#peer()?.userConnectionsView(userId);
    const noPeer = other === undefined || other.length === 0;
    if (own === undefined && noPeer) return 0;
    const frame = new OutboundFrame(text); // encoded once for every connection on both paths
    const here = own === undefined ? 0 : deliverToAll(own, frame, delivery, coalesceKey);
    if (noPeer) return here;
    const legacyPath = other as readonly WebSocketConnection[];
    if (this.#shadow === null || !this.#shadow.sample(userId)) return here + deliverToAll(legacyPath, frame, delivery, coalesceKey);
    // Sampled for shadow mode: note which legacy-path connections took it (nothing extra is sent).
    const received: WebSocketConnection[] = [];
    for (const connection of legacyPath.slice()) if (connection.deliver(frame, delivery, coalesceKey)) received.push(connection);
    this.#shadow.userSend(userId, received);
    return here + received.length;
  }

  /** Unregisters at once (nothing more is sent) and closes the socket; terminates it later if it hangs. */
  #closeConnection(connection: WebSocketConnection, code: number, reason: string, terminateSoon: boolean): void {
    this.#unregister(connection, code, reason);
    closeSocket(connection.socket, code, reason, terminateSoon ? this.options.slowCloseTimeoutMs : null);
  }

  #unregister(connection: WebSocketConnection, code: number, reason: string): void {
    const lost = connection.markClosed();
    if (lost === null) return;
    // Coalesced frames still waiting for the buffer to drain are lost with the connection: count them.
    this.#metrics?.transientLoss('dropped', lost);
    this.#connections.delete(connection.id);
    const connections = this.#users.get(connection.userId);
    if (connections !== undefined) {
      const index = connections.indexOf(connection);
      if (index !== -1) {
        connections.splice(index, 1);
        if (connections.length === 0) this.#users.delete(connection.userId);
        const stream = this.#store.stream(connection.userId);
        this.#store.detach(stream);
      }
    }
    connection.log.debug({ code, reason }, 'connection removed');
    this.#emitSafe('disconnection', connection, code, reason);
  }
}
