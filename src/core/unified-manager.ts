/**
 * UnifiedWebSocketManager: the single source of truth for the connections of one process.
 * userId → connections (a user may have several tabs); per-user sequenced, logged agent events;
 * per-user connection limit; backpressure by delivery class; replay on reconnect.
 */
import { randomUUID } from 'node:crypto';
import type { WebSocket } from 'ws';
import { CloseCode } from '../close-codes.js';
import { resolveManagerOptions, type ManagerOptions, type ResolvedManagerOptions } from '../config/manager-options.js';
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
import { WebSocketConnection } from './connection.js';
import { ConnectionRegistry, type ConnectionRegistryEvents } from './connection-registry.js';
import { EventStore } from './event-store.js';
import { deliverToAll } from './fan-out.js';
import { OutboundFrame } from './outbound-frame.js';
import type { LegacySendObserver } from '../shadow/legacy-send-observer.js';
import type { PathPeer } from './path-peer.js';
import { sequenceAgentEvent } from './sequence-event.js';
import { startSession } from './session-handshake.js';
import { assertAttachableSocket, attachSocket } from './socket-lifecycle.js';
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

/** Events of a manager: `connection` once the session frame (and any replay) is out, `disconnection` once unregistered. */
export type UnifiedWebSocketManagerEvents = ConnectionRegistryEvents;

// Listeners shared by every socket: they find their connection through a private slot, so no closure is
export class UnifiedWebSocketManager extends ConnectionRegistry implements WebSocketManagerProtocol {
  readonly path: CodePath = 'ssot';
  readonly options: ResolvedManagerOptions;
  /** userId → open connections, oldest first. */
  readonly #users = new Map<UserId, WebSocketConnection[]>();
  readonly #peer: () => PathPeer | null;
  readonly #shadow: LegacySendObserver | null;

  constructor(options: ManagerOptions = {}, internals: UnifiedManagerInternals = {}) {
    const resolved = resolveManagerOptions(options);
    super({
      logger: options.logger ?? createDefaultLogger(),
      metrics: internals.metrics ?? null,
      store: internals.store ?? new EventStore(resolved.recovery),
      ownsStore: internals.store === undefined,
      slowCloseTimeoutMs: resolved.slowCloseTimeoutMs,
    });
    this.options = resolved;
    this.#peer = internals.peer ?? noPeer;
    this.#shadow = internals.shadow ?? null;
  }

  get highWaterMark(): number {
    return this.options.highWaterMark;
  }

  // ---- connections -------------------------------------------------------------------------------

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
    return this.connectionsById.get(connectionId);
  }

  getConnectionHealth(connectionId: ConnectionId): ConnectionHealth | undefined {
    return this.getConnection(connectionId)?.health();
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
    this.emitSafe('connection', connection);
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
    startSession(connection, this.store.stream(connection.userId), c.lastSeq, c.epoch, this.metrics);
    this.emitSafe('connection', connection);
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
    if (ghost !== undefined) this.closeConnection(ghost, CloseCode.SESSION_REPLACED, 'session resumed on a newer connection', true);
  }

  /** PathPeer: closes this manager's own connection(s) only. */
  removeOwn(userIdOrConnectionId: string, code: number, reason: string): number {
    const connection = this.connectionsById.get(userIdOrConnectionId);
    if (connection !== undefined) {
      this.closeConnection(connection, code, reason, false);
      return 1;
    }
    const all = this.#users.get(userIdOrConnectionId)?.slice() ?? [];
    for (const c of all) this.closeConnection(c, code, reason, false);
    return all.length;
  }

  handleDisconnection(target: UserId | ConnectionId | WebSocketConnection, code = 1005, reason = ''): void {
    if (target instanceof WebSocketConnection) {
      // Only this manager's own connections: another manager's must not be marked closed from here.
      if (target.owner === this) this.unregister(target, code, reason);
      return;
    }
    assertConnectionId(target);
    const connection = this.connectionsById.get(target);
    if (connection !== undefined) {
      this.unregister(connection, code, reason);
      return;
    }
    for (const c of this.#users.get(target)?.slice() ?? []) this.unregister(c, code, reason);
  }

  // ---- sending -----------------------------------------------------------------------------------

  sendMessage(userId: UserId, message: unknown, options?: SendOptions): boolean {
    assertUserId(userId);
    const delivery = deliveryOf(options);
    const text = serialize(message);
    const delivered = this.#fanOutUser(userId, text, delivery, null);
    this.metrics?.delivered('message', delivered);
    return delivered > 0;
  }

  broadcastMessage(message: unknown, options?: SendOptions): number {
    const delivery = deliveryOf(options);
    const text = serialize(message);
    const peer = this.#peer();
    if (this.connectionsById.size === 0 && (peer === null || peer.getConnectionCount() === 0)) return 0;
    const frame = new OutboundFrame(text);
    let delivered = deliverToAll(this.connectionsById.values(), frame, delivery, null);
    if (peer !== null) {
      // Shadow mode, sampled: which legacy-path connections received it (only built when compared).
      const received: WebSocketConnection[] | null = this.#shadow?.sample() === true ? [] : null;
      delivered += deliverToAll(peer.connections(), frame, delivery, null, received);
      if (received !== null) this.#shadow?.broadcast(received);
    }
    this.metrics?.delivered('broadcast', delivered);
    return delivered;
  }

  sendAgentEvent(userId: UserId, type: string, data: unknown = {}, options?: AgentEventOptions): AgentEventEnvelope {
    assertUserId(userId);
    const started = this.metrics === null ? 0 : performance.now();
    const event = sequenceAgentEvent(this.store, userId, type, data, options);
    if (event.stream.holders > 0) {
      const delivered = this.#fanOutUser(userId, event.text, event.delivery, event.coalesceKey);
      this.metrics?.delivered('event', delivered);
      if (this.metrics !== null) this.metrics.fanoutSeconds((performance.now() - started) / 1000);
    } else {
      this.store.release(event.stream);
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
    const stream = this.store.peek(userId);
    return { seq: stream?.seq ?? 0, epoch: stream?.epoch ?? null };
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
      this.closeConnection(oldest, CloseCode.EVICTED_BY_LIMIT, 'connection limit: evicted by a newer connection', false);
    }
    const connection = new WebSocketConnection(randomUUID(), userId, socket, resumed ?? randomUUID(), auth, this.path, this);
    attachSocket(socket, connection);
    const connections = this.#users.get(userId);
    if (connections === undefined) this.#users.set(userId, [connection]);
    else connections.push(connection);
    this.store.attach(this.store.stream(userId));
    this.connectionsById.set(connection.id, connection);
    this.metrics?.connectionOpened(this.path);
    connection.log.debug('connection added');
    return connection;
  }

  /**
   * Delivers to the user's connections here and on the peer path; returns how many took the frame. Finding
   * none (an offline user, a common case for agent events) stays a few bytes, so a send inlines whole into its
   * caller within V8's inlining budget, through the legacy adapters too; the delivery itself is out of line.
   */
  #fanOutUser(userId: UserId, text: string, delivery: DeliveryClass, coalesceKey: string | null): number {
    const own = this.#users.get(userId);
    const other = this.#peer()?.userConnectionsView(userId);
    if (own === undefined && (other === undefined || other.length === 0)) return 0;
    return this.#deliverUser(userId, own, other, text, delivery, coalesceKey);
  }

  /** The delivery part of {@link #fanOutUser}: the frame is encoded once for both paths. */
  #deliverUser(userId: UserId, own: readonly WebSocketConnection[] | undefined, other: readonly WebSocketConnection[] | undefined, text: string, delivery: DeliveryClass, coalesceKey: string | null): number {
    const frame = new OutboundFrame(text); // encoded once for every connection on both paths
    const here = own === undefined ? 0 : deliverToAll(own, frame, delivery, coalesceKey);
    if (other === undefined || other.length === 0) return here;
    const shadow = this.#shadow;
    if (shadow === null || !shadow.sample(userId)) return here + deliverToAll(other, frame, delivery, coalesceKey);
    return here + deliverShadowed(shadow, userId, other, frame, delivery, coalesceKey);
  }

  /** @internal */
  protected forgetUser(connection: WebSocketConnection): void {
    const connections = this.#users.get(connection.userId);
    if (connections === undefined) return;
    const index = connections.indexOf(connection);
    if (index === -1) return;
    connections.splice(index, 1);
    if (connections.length === 0) this.#users.delete(connection.userId);
    this.store.detach(this.store.stream(connection.userId));
  }
}

/**
 * The legacy-path part of a send sampled for shadow mode: notes which connections took it (nothing extra is
 * sent). Apart from #deliverUser, which runs on every delivered send.
 */
function deliverShadowed(shadow: LegacySendObserver, userId: UserId, legacyPath: readonly WebSocketConnection[], frame: OutboundFrame, delivery: DeliveryClass, coalesceKey: string | null): number {
  const received: WebSocketConnection[] = [];
  const there = deliverToAll(legacyPath, frame, delivery, coalesceKey, received);
  shadow.userSend(userId, received);
  return there;
}
