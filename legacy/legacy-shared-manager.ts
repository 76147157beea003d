/**
 * The legacy code path: the pre-consolidation behaviour a rollback returns to, shipped and tested.
 * - one connection per user on this path: a new connection replaces the previous one, which is closed
 *   with 4010 (a resumed session's own ghost is closed with 4009, as on the SSOT path);
 * - no per-user limit (so never a 429);
 * - lenient signatures: numeric and `{ value }` ids are accepted.
 * It is an admission policy over the server's one registry (the canonical manager): its connections sit in
 * the same user index, and every send goes through the canonical send path, so events, seq, replay and the
 * coded errors of bad input are identical on both paths.
 *
 * Not deprecated itself (it is the rollback target); the deprecated names live in the other legacy modules.
 */
import { EventEmitter } from 'node:events';
import type { WebSocket } from 'ws';
import { CloseCode } from '../src/close-codes.js';
import type { WebSocketConnection } from '../src/core/connection.js';
import type { ConnectionRegistryEvents } from '../src/core/connection-registry.js';
import { emitSafely } from '../src/core/safe-emit.js';
import { assertAttachableSocket } from '../src/core/socket-lifecycle.js';
import { UnifiedWebSocketManager } from '../src/core/unified-manager.js';
import { sessionIdOrNull } from '../src/core/validate.js';
import type { AgentEventEnvelope, AgentEventOptions, CriticalEventDataMap, CriticalEventType } from '../src/events/agent-events.js';
import { createDefaultLogger } from '../src/observability/logger.js';
import type { ConnectionContext, SendOptions } from '../src/protocol.js';
import type { AuthResult, ConnectionHealth, ConnectionId, UserId } from '../src/types.js';
import type { LegacyManagerDeps, LegacyPathManager } from './legacy-path-manager.js';
import { toConnectionId, toUserId } from './lenient-ids.js';

export type LegacySharedManagerEvents = ConnectionRegistryEvents;

function* onLegacyPath(connections: Iterable<WebSocketConnection>): IterableIterator<WebSocketConnection> {
  for (const c of connections) if (c.path === 'legacy') yield c;
}

export class LegacySharedManager extends EventEmitter<LegacySharedManagerEvents> implements LegacyPathManager {
  readonly path = 'legacy' as const;
  /** The canonical manager this path admits into and sends through. */
  readonly #manager: UnifiedWebSocketManager;
  readonly #ownsManager: boolean;

  /** Standalone (tests, a team's own wiring): pass nothing and it keeps a canonical manager of its own. In a server: the server's deps. */
  constructor(deps: Partial<LegacyManagerDeps> = {}) {
    super();
    this.#ownsManager = deps.manager === undefined;
    this.#manager = deps.manager ?? new UnifiedWebSocketManager({ logger: deps.logger ?? createDefaultLogger() });
    // This path's listeners hear about this path's connections only.
    this.#manager.on('connection', (connection) => {
      if (connection.path === 'legacy') emitSafely(this, this.#manager.logger, 'connection', [connection]);
    });
    this.#manager.on('disconnection', (connection, code, reason) => {
      if (connection.path === 'legacy') emitSafely(this, this.#manager.logger, 'disconnection', [connection, code, reason]);
    });
  }

  get highWaterMark(): number {
    return this.#manager.highWaterMark;
  }

  // ---- connections -------------------------------------------------------------------------------

  getConnectionCount(): number {
    return this.#manager.countOnPath('legacy');
  }

  connections(): IterableIterator<WebSocketConnection> {
    return onLegacyPath(this.#manager.connections());
  }

  getUserCount(): number {
    const users = new Set<UserId>();
    for (const c of this.connections()) users.add(c.userId);
    return users.size;
  }

  /** Whether a send to the user reaches at least one connection, on either code path. */
  isUserConnected(userId: UserId | number): boolean {
    return this.#manager.isUserConnected(toUserId(userId));
  }

  getConnection(connectionId: ConnectionId | number): WebSocketConnection | undefined {
    return this.#manager.getConnection(toConnectionId(connectionId));
  }

  getConnectionHealth(connectionId: ConnectionId | number): ConnectionHealth | undefined {
    return this.getConnection(connectionId)?.health();
  }

  /** The user's connection on this path (at most one). */
  getUserConnection(userId: UserId | number): WebSocketConnection | undefined {
    return this.#ownOf(toUserId(userId));
  }

  /** No per-user limit on this path. */
  canAccept(): boolean {
    return true;
  }

  /** Registers a socket; the user's previous legacy connection, if any, is closed with 4010 (last one wins). */
  addConnection(userId: UserId | number, socket: WebSocket, options: { sessionId?: string | null; auth?: AuthResult | null } = {}): WebSocketConnection {
    const connection = this.#admit(userId, socket, options?.sessionId, options?.auth ?? null);
    this.#manager.announce(connection);
    return connection;
  }

  handleConnection(socket: WebSocket, context: ConnectionContext): WebSocketConnection {
    const c: Partial<ConnectionContext> = context !== null && typeof context === 'object' ? context : {};
    const connection = this.#admit(c.userId as UserId, socket, c.sessionId, c.auth ?? null);
    // The session frame and replay go out before 'connection' listeners can send anything.
    this.#manager.openSession(connection, c.lastSeq, c.epoch, c.lastTs);
    return connection;
  }

  /** Closes one connection (by id) or the user's connections (by user id), on both code paths. */
  removeConnection(userIdOrConnectionId: UserId | ConnectionId | number, code = 1000, reason = ''): number {
    return this.#manager.removeConnection(toConnectionId(userIdOrConnectionId), code, reason);
  }

  /** Unregisters one of this path's connections; another path's connection is not this path's to unregister. */
  handleDisconnection(target: UserId | ConnectionId | number | WebSocketConnection, code = 1005, reason = ''): void {
    if (typeof target === 'object' && target !== null && 'socket' in target) {
      if (target.path === 'legacy') this.#manager.handleDisconnection(target, code, reason);
      return;
    }
    const id = toConnectionId(target);
    const connection = this.#manager.userConnectionsView(id) === undefined ? this.#manager.getConnection(id) : this.#ownOf(id);
    if (connection !== undefined && connection.path === 'legacy') this.#manager.handleDisconnection(connection, code, reason);
  }

  closeWhere(predicate: (connection: WebSocketConnection) => boolean, code: number, reason: string): WebSocket[] {
    return this.#manager.closeWhere((c) => c.path === 'legacy' && predicate(c), code, reason);
  }

  flushPending(): void {
    this.#manager.flushPending();
  }

  /** Closes this path's connections (standalone: the manager of its own, store included). Idempotent. */
  close(code: number = CloseCode.GOING_AWAY, reason = 'server shutting down; reconnect'): WebSocket[] {
    if (this.#ownsManager) return this.#manager.close(code, reason);
    return this.closeWhere(() => true, code, reason);
  }

  // ---- sending: the canonical send path, reaching the user's connections on both paths -------------

  sendMessage(userId: UserId | number, message: unknown, options?: SendOptions): boolean {
    return this.#manager.sendMessage(toUserId(userId), message, options);
  }

  broadcastMessage(message: unknown, options?: SendOptions): number {
    return this.#manager.broadcastMessage(message, options);
  }

  sendAgentEvent(userId: UserId | number, type: string, data: unknown = {}, options?: AgentEventOptions): AgentEventEnvelope {
    return this.#manager.sendAgentEvent(toUserId(userId), type, data, options);
  }

  /** `(userId, type, data)`; lenient ids. The user-less `(type, data)` form belongs to user-bound adapters. */
  emitCriticalEvent<T extends CriticalEventType>(userId: UserId | number, type: T, data: CriticalEventDataMap[T], options?: { runId?: string }): AgentEventEnvelope<T, CriticalEventDataMap[T]> {
    return this.#manager.emitCriticalEvent(toUserId(userId), type, data, options);
  }

  // ---- internals ---------------------------------------------------------------------------------

  #ownOf(userId: UserId): WebSocketConnection | undefined {
    return this.#manager.userConnectionsView(userId)?.find((c) => c.path === 'legacy');
  }

  /** Legacy admission: no limit, and the newest connection replaces the user's previous one on this path (4010). */
  #admit(userId: UserId | number, socket: WebSocket, requestedSessionId: unknown, auth: AuthResult | null): WebSocketConnection {
    const id = toUserId(userId);
    assertAttachableSocket(socket);
    const resumed = sessionIdOrNull(requestedSessionId);
    const previous = this.#ownOf(id);
    // A resumed session's own ghost is closed by register() with 4009; any other previous tab is replaced.
    if (previous !== undefined && previous.sessionId !== resumed) {
      previous.log.info('legacy path: replaced by a newer connection of the same user');
      this.#manager.closeConnection(previous, CloseCode.REPLACED_BY_NEWER, 'replaced by a newer connection', true);
    }
    return this.#manager.register(id, socket, resumed, auth, this.path);
  }
}
