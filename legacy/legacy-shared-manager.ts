/**
 * The legacy code path: the pre-consolidation behaviour a rollback returns to, shipped and tested.
 * - one shared manager per server (process-wide through the legacy global binding);
 * - one connection per user: a new connection replaces the previous one, which is closed with 4010;
 * - no per-user limit (so never a 429);
 * - lenient signatures: numeric and `{ value }` ids are accepted, `emitCriticalEvent(type, data)` and
 *   `(userId, type, data)` both work.
 * It sequences and logs through the server's EventStore, so events, seq and replay are identical on both
 * paths, and its sends reach the user's SSOT connections too.
 *
 * Not deprecated itself (it is the rollback target); the deprecated names live in the other legacy modules.
 */
import { randomUUID } from 'node:crypto';
import type { WebSocket } from 'ws';
import { CloseCode } from '../src/close-codes.js';
import { MANAGER_DEFAULTS } from '../src/config/manager-options.js';
import { WebSocketConnection } from '../src/core/connection.js';
import { ConnectionRegistry, type ConnectionRegistryEvents } from '../src/core/connection-registry.js';
import { EventStore } from '../src/core/event-store.js';
import { deliverToAll } from '../src/core/fan-out.js';
import { OutboundFrame } from '../src/core/outbound-frame.js';
import type { PathPeer } from '../src/core/path-peer.js';
import { sequenceAgentEvent } from '../src/core/sequence-event.js';
import { startSession } from '../src/core/session-handshake.js';
import { assertAttachableSocket, attachSocket } from '../src/core/socket-lifecycle.js';
import { assertCloseArgs, serialize } from '../src/core/validate.js';
import { UnknownEventTypeError } from '../src/errors.js';
import { CRITICAL_EVENT_TYPES, isCriticalEventType, type AgentEventEnvelope, type AgentEventOptions, type CriticalEventDataMap, type CriticalEventType, type DeliveryClass } from '../src/events/agent-events.js';
import { createDefaultLogger } from '../src/observability/logger.js';
import type { ConnectionContext, SendOptions } from '../src/protocol.js';
import type { LegacySendObserver } from '../src/shadow/legacy-send-observer.js';
import type { AuthResult, ConnectionHealth, ConnectionId, UserId } from '../src/types.js';
import type { LegacyManagerDeps, LegacyPathManager } from './legacy-path-manager.js';
import { toConnectionId, toUserId } from './lenient-ids.js';

const noPeer = (): null => null;

export type LegacySharedManagerEvents = ConnectionRegistryEvents;

export class LegacySharedManager extends ConnectionRegistry implements LegacyPathManager {
  readonly path = 'legacy' as const;
  readonly highWaterMark: number;
  /** userId → [its one connection]; a one-element array so cross-path sends need no allocation. */
  readonly #users = new Map<UserId, [WebSocketConnection]>();
  readonly #peer: () => PathPeer | null;
  readonly #shadow: LegacySendObserver | null;

  /** Standalone (tests, a team's own wiring): pass nothing and it keeps its own store. In a server: the server's deps. */
  constructor(deps: Partial<LegacyManagerDeps> = {}) {
    super({
      logger: deps.logger ?? createDefaultLogger(),
      metrics: deps.metrics ?? null,
      store: deps.store ?? new EventStore(MANAGER_DEFAULTS.recovery),
      ownsStore: deps.store === undefined,
      slowCloseTimeoutMs: deps.slowCloseTimeoutMs ?? MANAGER_DEFAULTS.slowCloseTimeoutMs,
    });
    this.highWaterMark = deps.highWaterMark ?? MANAGER_DEFAULTS.highWaterMark;
    this.#peer = deps.peer ?? noPeer;
    this.#shadow = deps.shadow ?? null;
  }

  // ---- connections -------------------------------------------------------------------------------

  getUserCount(): number {
    return this.#users.size;
  }

  /** Whether a send to the user reaches at least one connection, on either code path. */
  isUserConnected(userId: UserId | number): boolean {
    const id = toUserId(userId);
    return this.#users.has(id) || (this.#peer()?.userConnectionsView(id)?.length ?? 0) > 0;
  }

  getConnection(connectionId: ConnectionId | number): WebSocketConnection | undefined {
    return this.connectionsById.get(toConnectionId(connectionId));
  }

  getConnectionHealth(connectionId: ConnectionId | number): ConnectionHealth | undefined {
    return this.getConnection(connectionId)?.health();
  }

  /** The user's connection on this path (at most one). */
  getUserConnection(userId: UserId | number): WebSocketConnection | undefined {
    return this.#users.get(toUserId(userId))?.[0];
  }

  userConnectionsView(userId: UserId): readonly WebSocketConnection[] | undefined {
    return this.#users.get(userId);
  }

  /** Registers a socket; the user's previous legacy connection, if any, is closed with 4010 (last one wins). */
  addConnection(userId: UserId | number, socket: WebSocket, options: { sessionId?: string | null; auth?: AuthResult | null } = {}): WebSocketConnection {
    const connection = this.#register(userId, socket, options?.sessionId, options?.auth ?? null);
    this.emitSafe('connection', connection);
    return connection;
  }

  handleConnection(socket: WebSocket, context: ConnectionContext): WebSocketConnection {
    const c: Partial<ConnectionContext> = context !== null && typeof context === 'object' ? context : {};
    const connection = this.#register(c.userId as UserId, socket, c.sessionId, c.auth ?? null);
    // The session frame and replay go out before 'connection' listeners can send anything.
    startSession(connection, this.store.stream(connection.userId), c.lastSeq, c.epoch, this.metrics);
    this.emitSafe('connection', connection);
    return connection;
  }

  #register(userId: UserId | number, socket: WebSocket, requestedSessionId: unknown, auth: AuthResult | null): WebSocketConnection {
    const id = toUserId(userId);
    assertAttachableSocket(socket);
    const previous = this.#users.get(id)?.[0];
    if (previous !== undefined) {
      previous.log.info('legacy path: replaced by a newer connection of the same user');
      this.closeConnection(previous, CloseCode.REPLACED_BY_NEWER, 'replaced by a newer connection', true);
    }
    const resumed = typeof requestedSessionId === 'string' && /^[A-Za-z0-9_-]{8,64}$/.test(requestedSessionId) ? requestedSessionId : null;
    // A session resumed here after a path flip: its ghost on the SSOT path must stop receiving.
    if (resumed !== null) this.#peer()?.closeSessionGhost(id, resumed);
    const sessionId = resumed ?? randomUUID();
    const connection = new WebSocketConnection(randomUUID(), id, socket, sessionId, auth, this.path, this);
    attachSocket(socket, connection);
    this.#users.set(id, [connection]);
    this.connectionsById.set(connection.id, connection);
    this.store.attach(this.store.stream(id));
    this.metrics?.connectionOpened(this.path);
    this.#shadow?.connectionOpened(connection);
    connection.log.debug('legacy path: connection added');
    return connection;
  }

  /** Closes one connection (by id) or the user's connections (by user id), on both code paths. */
  removeConnection(userIdOrConnectionId: UserId | ConnectionId | number, code = 1000, reason = ''): number {
    const id = toConnectionId(userIdOrConnectionId);
    assertCloseArgs(code, reason);
    return this.removeOwn(id, code, reason) + (this.#peer()?.removeOwn(id, code, reason) ?? 0);
  }

  /** PathPeer: closes this path's connection holding the session, if any (4009). */
  closeSessionGhost(userId: UserId, sessionId: string): void {
    const ghost = this.#users.get(userId)?.[0];
    if (ghost !== undefined && ghost.sessionId === sessionId) this.closeConnection(ghost, CloseCode.SESSION_REPLACED, 'session resumed on a newer connection', true);
  }

  /** PathPeer: closes this path's own connection only. */
  removeOwn(id: string, code: number, reason: string): number {
    const connection = this.connectionsById.get(id) ?? this.#users.get(id)?.[0];
    if (connection === undefined) return 0;
    this.closeConnection(connection, code, reason, false);
    return 1;
  }

  handleDisconnection(target: UserId | ConnectionId | number | WebSocketConnection, code = 1005, reason = ''): void {
    if (target instanceof WebSocketConnection) {
      // Another manager's connection (the SSOT path's) is not this manager's to unregister.
      if (target.owner === this) this.unregister(target, code, reason);
      return;
    }
    const id = toConnectionId(target);
    const connection = this.connectionsById.get(id) ?? this.#users.get(id)?.[0];
    if (connection !== undefined) this.unregister(connection, code, reason);
  }

  // ---- sending (reaches the user's connections on both paths) ------------------------------------

  sendMessage(userId: UserId | number, message: unknown, options?: SendOptions): boolean {
    const id = toUserId(userId);
    const text = serialize(message);
    const delivered = this.#fanOutUser(id, text, options?.delivery ?? 'durable', null);
    this.metrics?.delivered('message', delivered);
    return delivered > 0;
  }

  broadcastMessage(message: unknown, options?: SendOptions): number {
    const text = serialize(message);
    const peer = this.#peer();
    if (this.connectionsById.size === 0 && (peer === null || peer.getConnectionCount() === 0)) return 0;
    const frame = new OutboundFrame(text);
    const delivery = options?.delivery ?? 'durable';
    // Shadow mode, sampled: which legacy-path connections received it (only built when compared).
    const shadowed: WebSocketConnection[] | null = this.#shadow?.sample() === true ? [] : null;
    let delivered = deliverToAll(this.connectionsById.values(), frame, delivery, null, shadowed);
    if (peer !== null) delivered += deliverToAll(peer.connections(), frame, delivery, null);
    if (shadowed !== null) this.#shadow?.broadcast(shadowed);
    this.metrics?.delivered('broadcast', delivered);
    return delivered;
  }

  sendAgentEvent(userId: UserId | number, type: string, data: unknown = {}, options?: AgentEventOptions): AgentEventEnvelope {
    const id = toUserId(userId);
    const event = sequenceAgentEvent(this.store, id, type, data, options);
    if (event.stream.holders > 0) this.metrics?.delivered('event', this.#fanOutUser(id, event.text, event.delivery, event.coalesceKey));
    else this.store.release(event.stream);
    return event.envelope;
  }

  /** `(userId, type, data)`; lenient ids. The user-less `(type, data)` form belongs to user-bound adapters. */
  emitCriticalEvent<T extends CriticalEventType>(userId: UserId | number, type: T, data: CriticalEventDataMap[T], options?: { runId?: string }): AgentEventEnvelope<T, CriticalEventDataMap[T]> {
    if (!isCriticalEventType(type)) throw new UnknownEventTypeError(type, CRITICAL_EVENT_TYPES);
    return this.sendAgentEvent(userId, type, data, { runId: options?.runId, delivery: 'durable' }) as AgentEventEnvelope<T, CriticalEventDataMap[T]>;
  }

  // ---- internals ---------------------------------------------------------------------------------

  #fanOutUser(userId: UserId, text: string, delivery: DeliveryClass, coalesceKey: string | null): number {
    const own = this.#users.get(userId)?.[0];
    const other = this.#peer()?.userConnectionsView(userId);
    const noPeer = other === undefined || other.length === 0;
    if (own === undefined && noPeer) {
      this.#compareInShadow(userId, own, false);
      return 0;
    }
    const frame = new OutboundFrame(text); // encoded once for both paths
    const ownDelivered = own?.deliver(frame, delivery, coalesceKey) === true;
    const delivered = (ownDelivered ? 1 : 0) + (noPeer ? 0 : deliverToAll(other as readonly WebSocketConnection[], frame, delivery, coalesceKey));
    this.#compareInShadow(userId, own, ownDelivered);
    return delivered;
  }

  /** Shadow mode: reports what this path delivered to the user; the comparator samples and compares. Sends nothing. */
  #compareInShadow(userId: UserId, own: WebSocketConnection | undefined, delivered: boolean): void {
    const shadow = this.#shadow;
    if (shadow === null || !shadow.sample(userId)) return;
    shadow.userSend(userId, delivered && own !== undefined ? [own] : []);
  }

  /** @internal */
  protected forgetUser(connection: WebSocketConnection, code: number): void {
    if (this.#users.get(connection.userId)?.[0] === connection) this.#users.delete(connection.userId);
    this.store.detach(this.store.stream(connection.userId));
    this.#shadow?.connectionClosed(connection, code);
  }
}
