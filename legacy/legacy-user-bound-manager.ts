/**
 * The common body of the deprecated user-bound names (`IsolatedWebSocketManager`,
 * `ConnectionScopedWebSocketManager`, the managers of the old `WebSocketManagerFactory`, and what
 * `getWebSocketManager(ctx)` returns with `WS_ENABLE_FACTORY`). Bound to one user: the old signatures with a
 * user id are accepted only for that same user (`CrossUserAccessError` otherwise), so isolation holds whatever
 * the caller passes. It has the whole old unified interface, camelCase and snake_case, scoped to its user (as
 * the old per-user `UnifiedWebSocketManager(user_id, connection_id)` instances were): a broadcast reaches this
 * user's connections, a lookup finds only this user's connections. Each send goes to
 * - `WS_ENABLE_FACTORY` on: the factory's isolated manager for (userId, connectionId);
 * - else `WS_ENABLE_UNIFIED` on: `wss.manager`; off: the legacy path manager, as is.
 * How the old arguments are read: legacy-user-bound-arguments.ts; the out-of-line routes: legacy-user-bound-routing.ts.
 */
import type { WebSocket } from 'ws';
import type { WebSocketConnection } from '../src/core/connection.js';
import { CrossUserAccessError, UnknownEventTypeError } from '../src/errors.js';
import { CRITICAL_EVENT_TYPES, isCriticalEventType, type AgentEventEnvelope, type AgentEventOptions, type CriticalEventDataMap, type CriticalEventType } from '../src/events/agent-events.js';
import type { FlagContext } from '../src/flags/flag-source.js';
import type { ConnectionContext, SendOptions } from '../src/protocol.js';
import type { MigrationServer } from './migration-server.js';
import type { ConnectionHealth, ConnectionId, UserId } from '../src/types.js';
import type { DeprecationCode } from './deprecation-codes.js';
import { toConnectionId } from './lenient-ids.js';
import { connectionIdOf, userIdOf, type LegacyUserContext } from './legacy-user-context.js';
import {
  assertSameUser,
  EVENT_OPTION_KEYS,
  isOptionsObject,
  ownTarget,
  SEND_OPTION_KEYS,
  startsWithUserId,
  type LegacyConnectionContext,
  type SendAgentEventArgs,
  type SendMessageArgs,
} from './legacy-user-bound-arguments.js';
import { askedManager, emitCriticalEventViaFactory, sendAgentEventViaFactory, sendMessageViaFactory, unifiedOrLegacy, type RoutedManager } from './legacy-user-bound-routing.js';
import { LegacyEntryPoint, useDeprecated } from './resolve-server.js';
import { InvalidUserIdError } from '../src/errors.js';

/** Options of the legacy user-bound names. */
export interface LegacyUserBoundOptions {
  /** The server to act on. @default the server bound with `wss.legacy.bindGlobal()` */
  server?: MigrationServer;
}

/** The connection id used with the factory when an old call site gave none. */
export const LEGACY_DEFAULT_CONNECTION_ID = 'legacy';

export class LegacyUserBoundManager {
  readonly userId: UserId;
  readonly connectionId: ConnectionId;
  readonly #server: MigrationServer | null;
  readonly #entry: LegacyEntryPoint;
  /** The flag context of every call (this user), made once: no allocation per call. */
  readonly #flagContext: Readonly<FlagContext>;

  /** @internal subclasses pass their deprecation code and old name. */
  constructor(code: DeprecationCode, name: string, user: LegacyUserContext | UserId | number, connectionId?: ConnectionId | number | null, options?: LegacyUserBoundOptions | null) {
    const userId = userIdOf(user);
    if (userId === null) throw new InvalidUserIdError(user);
    this.userId = userId;
    this.#flagContext = { userId };
    this.connectionId = connectionId !== undefined && connectionId !== null
      ? toConnectionId(connectionId)
      : connectionIdOf(typeof user === 'object' ? user : null) ?? LEGACY_DEFAULT_CONNECTION_ID;
    this.#server = options?.server ?? null;
    this.#entry = new LegacyEntryPoint(code, name, this.#server);
    useDeprecated(code, this.#server);
  }

  /**
   * `(message, options?)`, or the old `(userId, message, options?)` for this same user. The form is told by the
   * number of arguments passed (`arguments.length`, which allocates nothing), as the old code called it.
   */
  sendMessage(message: unknown, options?: SendOptions): boolean;
  sendMessage(userId: UserId | number, message: unknown, options?: SendOptions): boolean;
  sendMessage(a: unknown, b?: unknown, c?: unknown): boolean {
    // The old form starts with a user id; a new-form call may also pass a string payload, so a second
    // argument that is an options object (`{ delivery }`) means the new form.
    const n = arguments.length;
    const withUser = n >= 3 || (n === 2 && startsWithUserId(a, b, SEND_OPTION_KEYS));
    if (withUser) assertSameUser(this.userId, a);
    const message = withUser ? b : a;
    const options = (withUser ? c : b) as SendOptions | undefined;
    const server = this.#use();
    const manager = this.#manager(server);
    if (manager === null) return sendMessageViaFactory(server, this.userId, this.connectionId, this.#flagContext, message, options);
    return manager.sendMessage(this.userId, message, options);
  }

  /** `(type, data?, options?)`, or the old `(userId, type, data, options?)` for this same user. */
  sendAgentEvent(type: string, data?: unknown, options?: AgentEventOptions): AgentEventEnvelope;
  sendAgentEvent(userId: UserId | number, type: string, data: unknown, options?: AgentEventOptions): AgentEventEnvelope;
  sendAgentEvent(a: unknown, b?: unknown, c?: unknown, d?: unknown): AgentEventEnvelope {
    // Old: (userId, type, data, options?); new: (type, data?, options?). Three arguments ending in an
    // options object (`{ runId, delivery }`) are the new form.
    const n = arguments.length;
    const withUser = n >= 4 || (n === 3 && typeof b === 'string' && !isOptionsObject(c, EVENT_OPTION_KEYS));
    if (withUser) assertSameUser(this.userId, a);
    const type = (withUser ? b : a) as string;
    const data = withUser ? c : b;
    const options = (withUser ? d : c) as AgentEventOptions | undefined;
    const server = this.#use();
    const manager = this.#manager(server);
    if (manager === null) return sendAgentEventViaFactory(server, this.userId, this.connectionId, this.#flagContext, type, data, options);
    return manager.sendAgentEvent(this.userId, type, data, options);
  }

  /** `(type, data, options?)`, or the old `(userId, type, data, options?)` for this same user. */
  emitCriticalEvent<T extends CriticalEventType>(type: T, data: CriticalEventDataMap[T], options?: { runId?: string }): AgentEventEnvelope<T, CriticalEventDataMap[T]>;
  emitCriticalEvent<T extends CriticalEventType>(userId: UserId | number, type: T, data: CriticalEventDataMap[T], options?: { runId?: string }): AgentEventEnvelope<T, CriticalEventDataMap[T]>;
  emitCriticalEvent(a: unknown, b?: unknown, c?: unknown, d?: unknown): AgentEventEnvelope {
    const withUser = !isCriticalEventType(a);
    if (withUser) assertSameUser(this.userId, a);
    const type = withUser ? b : a;
    const payload = (withUser ? c : b) as CriticalEventDataMap[CriticalEventType];
    const options = (withUser ? d : c) as { runId?: string } | undefined;
    if (!isCriticalEventType(type)) throw new UnknownEventTypeError(type, CRITICAL_EVENT_TYPES);
    const server = this.#use();
    const manager = this.#manager(server);
    if (manager === null) return emitCriticalEventViaFactory(server, this.userId, this.connectionId, this.#flagContext, type, payload, options);
    return manager.emitCriticalEvent(this.userId, type, payload, options);
  }

  /** Open connections of this user, on every path. */
  getConnectionCount(): number {
    const server = this.#use();
    return server.manager.getReachableConnectionCount(this.userId);
  }

  isConnected(): boolean {
    return this.getConnectionCount() > 0;
  }

  /** `isUserConnected()` or the old `isUserConnected(userId)` for this same user. */
  isUserConnected(userId?: UserId | number): boolean {
    if (userId !== undefined) assertSameUser(this.userId, userId);
    return this.isConnected();
  }

  // ---- the rest of the old unified interface, scoped to this user ---------------------------------

  /** The old `broadcast_message`: to every connection of this user (all this manager reaches). Returns how many were reached. */
  broadcastMessage(message: unknown, options?: SendOptions): number {
    const server = this.#use();
    const sent = unifiedOrLegacy(server, this.#flagContext).sendMessage(this.userId, message, options);
    return sent ? server.manager.getReachableConnectionCount(this.userId) : 0;
  }

  /** `(userId, socket)` for this same user: registers the socket on the path the flags choose (as the shared manager does). */
  addConnection(userId: UserId | number, socket: WebSocket): WebSocketConnection {
    assertSameUser(this.userId, userId);
    const server = this.#use();
    return unifiedOrLegacy(server, this.#flagContext).addConnection(this.userId, socket);
  }

  /** `(socket, context)` with this user (or no user) in the context. */
  handleConnection(socket: WebSocket, context?: LegacyConnectionContext | null): WebSocketConnection {
    const c = typeof context === 'object' && context !== null ? context : {};
    if (c.userId !== undefined) assertSameUser(this.userId, c.userId);
    const server = this.#use();
    return unifiedOrLegacy(server, this.#flagContext).handleConnection(socket, { ...c, userId: this.userId } as ConnectionContext);
  }

  /** Closes this user's connections (no argument, or this user's id) or one of them (its connection id). Returns how many. */
  removeConnection(userIdOrConnectionId?: UserId | ConnectionId | number, code?: number, reason?: string): number {
    const server = this.#use();
    const target = ownTarget(server, this.userId, userIdOrConnectionId);
    if (target === null) return 0;
    return server.manager.removeConnection(target, code, reason);
  }

  /** Unregisters this user's connections, or one of them, after their sockets closed. Idempotent. */
  handleDisconnection(target?: UserId | ConnectionId | number | WebSocketConnection): void {
    const server = this.#use();
    if (typeof target === 'object' && target !== null && 'socket' in target) {
      if (target.userId !== this.userId) throw new CrossUserAccessError(this.userId, target.userId);
      server.manager.handleDisconnection(target);
      return;
    }
    const id = ownTarget(server, this.userId, target);
    if (id === null) return;
    if (id === this.userId) for (const connection of server.manager.getUserConnections(this.userId)) server.manager.handleDisconnection(connection);
    else server.manager.handleDisconnection(id);
  }

  /** One of this user's connections by id; another user's is not found (undefined). */
  getConnection(connectionId: ConnectionId | number): WebSocketConnection | undefined {
    const server = this.#use();
    const connection = server.manager.getConnection(toConnectionId(connectionId));
    return connection !== undefined && connection.userId === this.userId ? connection : undefined;
  }

  getConnectionHealth(connectionId: ConnectionId | number): ConnectionHealth | undefined {
    return this.getConnection(connectionId)?.health();
  }

  /** @deprecated WSSOT_DEP009: use {@link LegacyUserBoundManager.sendMessage | sendMessage}. */
  send_message(...args: SendMessageArgs): boolean {
    this.#snake();
    return (this.sendMessage as (...a: SendMessageArgs) => boolean)(...args);
  }
  /** @deprecated WSSOT_DEP009: use {@link LegacyUserBoundManager.sendAgentEvent | sendAgentEvent}. */
  send_agent_event(...args: SendAgentEventArgs): AgentEventEnvelope {
    this.#snake();
    return (this.sendAgentEvent as (...a: SendAgentEventArgs) => AgentEventEnvelope)(...args);
  }
  /** @deprecated WSSOT_DEP009: use {@link LegacyUserBoundManager.emitCriticalEvent | emitCriticalEvent}. */
  emit_critical_event(...args: [type: CriticalEventType, data: Record<string, unknown>] | [userId: UserId | number, type: CriticalEventType, data: Record<string, unknown>]): AgentEventEnvelope {
    this.#snake();
    return (this.emitCriticalEvent as (...a: unknown[]) => AgentEventEnvelope)(...args);
  }
  /** @deprecated WSSOT_DEP009: use {@link LegacyUserBoundManager.getConnectionCount | getConnectionCount}. */
  get_connection_count(): number {
    this.#snake();
    return this.getConnectionCount();
  }
  /** @deprecated WSSOT_DEP009: use {@link LegacyUserBoundManager.isUserConnected | isUserConnected}. */
  is_user_connected(userId?: UserId | number): boolean {
    this.#snake();
    return this.isUserConnected(userId);
  }
  /** @deprecated WSSOT_DEP009: use {@link LegacyUserBoundManager.broadcastMessage | broadcastMessage}. */
  broadcast_message(message: unknown, options?: SendOptions): number {
    this.#snake();
    return this.broadcastMessage(message, options);
  }
  /** @deprecated WSSOT_DEP009: use {@link LegacyUserBoundManager.addConnection | addConnection}. */
  add_connection(userId: UserId | number, socket: WebSocket): WebSocketConnection {
    this.#snake();
    return this.addConnection(userId, socket);
  }
  /** @deprecated WSSOT_DEP009: use {@link LegacyUserBoundManager.handleConnection | handleConnection}. */
  handle_connection(socket: WebSocket, context?: LegacyConnectionContext | null): WebSocketConnection {
    this.#snake();
    return this.handleConnection(socket, context);
  }
  /** @deprecated WSSOT_DEP009: use {@link LegacyUserBoundManager.removeConnection | removeConnection}. */
  remove_connection(userIdOrConnectionId?: UserId | ConnectionId | number, code?: number, reason?: string): number {
    this.#snake();
    return this.removeConnection(userIdOrConnectionId, code, reason);
  }
  /** @deprecated WSSOT_DEP009: use {@link LegacyUserBoundManager.handleDisconnection | handleDisconnection}. */
  handle_disconnection(target?: UserId | ConnectionId | number | WebSocketConnection): void {
    this.#snake();
    this.handleDisconnection(target);
  }
  /** @deprecated WSSOT_DEP009: use {@link LegacyUserBoundManager.getConnection | getConnection}. */
  get_connection(connectionId: ConnectionId | number): WebSocketConnection | undefined {
    this.#snake();
    return this.getConnection(connectionId);
  }
  /** @deprecated WSSOT_DEP009: use {@link LegacyUserBoundManager.getConnectionHealth | getConnectionHealth}. */
  get_connection_health(connectionId: ConnectionId | number): ConnectionHealth | undefined {
    this.#snake();
    return this.getConnectionHealth(connectionId);
  }

  /** Resolves the server, warns once, counts the call. */
  #use(): MigrationServer {
    return this.#entry.use();
  }

  /**
   * The manager a call goes to, or null when `WS_ENABLE_FACTORY` is on (the caller then goes through the
   * factory, out of line). The flags are read on every call, so a rollback applies at once: over in-process
   * layers as two field reads of the composite's `localDecisions()`, else by asking the source (out of line).
   * Kept small so that a send through this object, the canonical send included, fits V8's inlining budget at
   * the caller's call site.
   */
  #manager(server: MigrationServer): RoutedManager | null {
    const decided = server.flags.localDecisions();
    if (decided === null) return askedManager(server, this.#flagContext);
    if (decided.factory) return null;
    return decided.unified ? server.manager : server.legacy.manager;
  }

  #snake(): void {
    useDeprecated('WSSOT_DEP009', this.#server);
  }
}
