/**
 * The common body of the deprecated process-wide manager names (`WebSocketManager`, `ConnectionManager`,
 * `WebSocketManagerAdapter`, the old-path `UnifiedWebSocketManager`, and what `getWebSocketManager()`
 * returns without the factory flag). Thin: each call warns once with the class's code, is counted, has
 * its ids normalised, and goes to
 * - `WS_ENABLE_UNIFIED` on: the unified interface (`wss.manager`, with answers covering both paths);
 * - off: the legacy path manager, as is.
 * Sends reach the user's connections on both paths either way (one seq in the shared store).
 */
import type { WebSocket } from 'ws';
import type { WebSocketConnection } from '../src/core/connection.js';
import { CRITICAL_EVENT_TYPES, isCriticalEventType, type AgentEventEnvelope, type AgentEventOptions, type CriticalEventDataMap, type CriticalEventType } from '../src/events/agent-events.js';
import { UnknownEventTypeError, UserRequiredError } from '../src/errors.js';
import type { FlagContext } from '../src/flags/flag-source.js';
import { readFlag } from '../src/flags/read-flag.js';
import type { ConnectionContext, SendOptions, WebSocketManagerProtocol } from '../src/protocol.js';
import type { MigrationServer } from './migration-server.js';
import type { ConnectionHealth, ConnectionId, UserId } from '../src/types.js';
import type { DeprecationCode } from './deprecation-codes.js';
import { toConnectionId, toUserId } from './lenient-ids.js';
import { userIdOf, type LegacyUserContext } from './legacy-user-context.js';
import { LegacyEntryPoint, unifiedFor, useDeprecated } from './resolve-server.js';

/** Options every legacy manager name accepts. */
export interface LegacyManagerOptions {
  /** The server to act on. @default the server bound with `wss.legacy.bindGlobal()` */
  server?: MigrationServer;
  /**
   * Binds the object to a user, so the old `emitCriticalEvent(type, data)` works. The old spellings
   * `user_context`, `isolationContext` and `isolation_context` are read too. @default null
   */
  userContext?: LegacyUserContext | null;
  user_context?: LegacyUserContext | null;
  isolationContext?: LegacyUserContext | null;
  isolation_context?: LegacyUserContext | null;
  /** Other old options (`mode: 'emergency'`…) are accepted and ignored. */
  [key: string]: unknown;
}

export class LegacyManagerFacade implements WebSocketManagerProtocol {
  /** The user this object is bound to through `userContext`, or null. */
  readonly boundUserId: UserId | null;
  readonly #server: MigrationServer | null;
  readonly #entry: LegacyEntryPoint;
  /** The flag context of the calls that name no user (the bound user), made once: no allocation per call. */
  readonly #flagContext: Readonly<FlagContext> | undefined;

  /** @internal subclasses pass their deprecation code and old name. */
  constructor(code: DeprecationCode, name: string, options?: LegacyManagerOptions | null) {
    const o: LegacyManagerOptions = typeof options === 'object' && options !== null ? options : {};
    this.#server = o.server ?? null;
    this.boundUserId = userIdOf(o.userContext ?? o.user_context ?? o.isolationContext ?? o.isolation_context);
    this.#flagContext = this.boundUserId === null ? undefined : { userId: this.boundUserId };
    this.#entry = new LegacyEntryPoint(code, name, this.#server);
    useDeprecated(code, this.#server);
  }

  // ---- the unified interface ----------------------------------------------------------------------

  sendMessage(userId: UserId | number, message: unknown, options?: SendOptions): boolean {
    const id = toUserId(userId);
    return this.#entry.targetFor(id).sendMessage(id, message, options);
  }

  broadcastMessage(message: unknown, options?: SendOptions): number {
    return this.#target().broadcastMessage(message, options);
  }

  getConnectionCount(): number {
    const server = this.#use();
    return this.#unified(server) ? server.getConnectionCount() : server.legacy.manager.getConnectionCount();
  }

  addConnection(userId: UserId | number, socket: WebSocket): WebSocketConnection {
    const id = toUserId(userId);
    return this.#entry.targetFor(id).addConnection(id, socket);
  }

  removeConnection(userIdOrConnectionId: UserId | ConnectionId | number, code?: number, reason?: string): number {
    const server = this.#use();
    const id = toConnectionId(userIdOrConnectionId);
    if (!this.#unified(server)) return server.legacy.manager.removeConnection(id, code, reason);
    return server.manager.removeConnection(id, code, reason) + server.legacy.manager.removeConnection(id, code, reason);
  }

  isUserConnected(userId: UserId | number): boolean {
    const server = this.#use();
    const id = toUserId(userId);
    return unifiedFor(server, id) ? server.manager.getReachableConnectionCount(id) > 0 : server.legacy.manager.isUserConnected(id);
  }

  handleConnection(socket: WebSocket, context: ConnectionContext | (Omit<ConnectionContext, 'userId'> & { userId: UserId | number })): WebSocketConnection {
    const userId = toUserId(context?.userId);
    return this.#entry.targetFor(userId).handleConnection(socket, { ...context, userId });
  }

  handleDisconnection(target: UserId | ConnectionId | number | WebSocketConnection): void {
    const server = this.#use();
    const id = typeof target === 'object' && target !== null && 'socket' in target ? target : toConnectionId(target);
    if (this.#unified(server)) server.manager.handleDisconnection(id);
    server.legacy.manager.handleDisconnection(id);
  }

  sendAgentEvent(userId: UserId | number, type: string, data?: unknown, options?: AgentEventOptions): AgentEventEnvelope {
    const id = toUserId(userId);
    return this.#entry.targetFor(id).sendAgentEvent(id, type, data, options);
  }

  /**
   * `(userId, type, data, options?)`, or the old user-less `(type, data)` on an object bound to a user
   * through `userContext` (counted and warned as WSSOT_DEP010).
   */
  emitCriticalEvent<T extends CriticalEventType>(userId: UserId | number, type: T, data: CriticalEventDataMap[T], options?: { runId?: string }): AgentEventEnvelope<T, CriticalEventDataMap[T]>;
  emitCriticalEvent<T extends CriticalEventType>(type: T, data: CriticalEventDataMap[T]): AgentEventEnvelope<T, CriticalEventDataMap[T]>;
  emitCriticalEvent(...args: unknown[]): AgentEventEnvelope {
    if (args.length <= 2 && isCriticalEventType(args[0])) {
      useDeprecated('WSSOT_DEP010', this.#server);
      const bound = this.boundUserId;
      if (bound === null) {
        throw new UserRequiredError(
          `emitCriticalEvent(${JSON.stringify(args[0])}, data)`,
          'pass the user, emitCriticalEvent(userId, type, data), or create this manager bound to one with { userContext: { userId } } (WSSOT_DEP010)',
        );
      }
      return this.#entry.targetFor(bound).emitCriticalEvent(bound, args[0], args[1] as CriticalEventDataMap[CriticalEventType]);
    }
    const [userId, type, data, options] = args;
    if (!isCriticalEventType(type)) throw new UnknownEventTypeError(type, CRITICAL_EVENT_TYPES);
    const id = toUserId(userId);
    return this.#entry.targetFor(id).emitCriticalEvent(id, type, data as CriticalEventDataMap[CriticalEventType], options as { runId?: string } | undefined);
  }

  getConnection(connectionId: ConnectionId | number): WebSocketConnection | undefined {
    const server = this.#use();
    const id = toConnectionId(connectionId);
    return this.#unified(server) ? server.manager.getConnection(id) ?? server.legacy.manager.getConnection(id) : server.legacy.manager.getConnection(id);
  }

  getConnectionHealth(connectionId: ConnectionId | number): ConnectionHealth | undefined {
    return this.getConnection(connectionId)?.health();
  }

  // ---- the old snake_case names (WSSOT_DEP009) -----------------------------------------------------

  /** @deprecated WSSOT_DEP009: use {@link LegacyManagerFacade.sendMessage | sendMessage}. */
  send_message(userId: UserId | number, message: unknown, options?: SendOptions): boolean {
    this.#snake();
    return this.sendMessage(userId, message, options);
  }
  /** @deprecated WSSOT_DEP009: use {@link LegacyManagerFacade.broadcastMessage | broadcastMessage}. */
  broadcast_message(message: unknown, options?: SendOptions): number {
    this.#snake();
    return this.broadcastMessage(message, options);
  }
  /** @deprecated WSSOT_DEP009: use {@link LegacyManagerFacade.getConnectionCount | getConnectionCount}. */
  get_connection_count(): number {
    this.#snake();
    return this.getConnectionCount();
  }
  /** @deprecated WSSOT_DEP009: use {@link LegacyManagerFacade.addConnection | addConnection}. */
  add_connection(userId: UserId | number, socket: WebSocket): WebSocketConnection {
    this.#snake();
    return this.addConnection(userId, socket);
  }
  /** @deprecated WSSOT_DEP009: use {@link LegacyManagerFacade.removeConnection | removeConnection}. */
  remove_connection(userIdOrConnectionId: UserId | ConnectionId | number, code?: number, reason?: string): number {
    this.#snake();
    return this.removeConnection(userIdOrConnectionId, code, reason);
  }
  /** @deprecated WSSOT_DEP009: use {@link LegacyManagerFacade.isUserConnected | isUserConnected}. */
  is_user_connected(userId: UserId | number): boolean {
    this.#snake();
    return this.isUserConnected(userId);
  }
  /** @deprecated WSSOT_DEP009: use {@link LegacyManagerFacade.handleConnection | handleConnection}. */
  handle_connection(socket: WebSocket, context: Parameters<LegacyManagerFacade['handleConnection']>[1]): WebSocketConnection {
    this.#snake();
    return this.handleConnection(socket, context);
  }
  /** @deprecated WSSOT_DEP009: use {@link LegacyManagerFacade.handleDisconnection | handleDisconnection}. */
  handle_disconnection(target: UserId | ConnectionId | number | WebSocketConnection): void {
    this.#snake();
    this.handleDisconnection(target);
  }
  /** @deprecated WSSOT_DEP009: use {@link LegacyManagerFacade.sendAgentEvent | sendAgentEvent}. */
  send_agent_event(userId: UserId | number, type: string, data?: unknown, options?: AgentEventOptions): AgentEventEnvelope {
    this.#snake();
    return this.sendAgentEvent(userId, type, data, options);
  }
  /** @deprecated WSSOT_DEP009: use {@link LegacyManagerFacade.emitCriticalEvent | emitCriticalEvent}. */
  emit_critical_event(...args: [userId: UserId | number, type: CriticalEventType, data: Record<string, unknown>] | [type: CriticalEventType, data: Record<string, unknown>]): AgentEventEnvelope {
    this.#snake();
    return (this.emitCriticalEvent as (...a: unknown[]) => AgentEventEnvelope)(...args);
  }
  /** @deprecated WSSOT_DEP009: use {@link LegacyManagerFacade.getConnection | getConnection}. */
  get_connection(connectionId: ConnectionId | number): WebSocketConnection | undefined {
    this.#snake();
    return this.getConnection(connectionId);
  }
  /** @deprecated WSSOT_DEP009: use {@link LegacyManagerFacade.getConnectionHealth | getConnectionHealth}. */
  get_connection_health(connectionId: ConnectionId | number): ConnectionHealth | undefined {
    this.#snake();
    return this.getConnectionHealth(connectionId);
  }

  // ---- internals ---------------------------------------------------------------------------------

  /** Resolves the server, warns once, counts the call. */
  #use(): MigrationServer {
    return this.#entry.use();
  }

  /** `WS_ENABLE_UNIFIED` for a call that names no user: asked with the bound user, if any. */
  #unified(server: MigrationServer): boolean {
    return readFlag(server.flags, 'unified', this.#flagContext, server.logger);
  }

  /**
   * Resolves the server, warns once, counts the call, and picks the manager it goes to (translated onto the
   * unified interface, or the legacy path as is), for a call that names no user: asked with the bound user.
   */
  #target(): WebSocketManagerProtocol {
    return this.#entry.target(this.#flagContext);
  }

  #snake(): void {
    useDeprecated('WSSOT_DEP009', this.#server);
  }
}
