/**
 * The old global accessor `get_websocket_manager(user_context?)`, on the server the app bound with
 * `wss.legacy.bindGlobal()` / `bindLegacyGlobals(wss)`.
 */
import type { WebSocket } from 'ws';
import type { WebSocketConnection } from '../src/core/connection.js';
import type { AgentEventEnvelope, AgentEventOptions, CriticalEventDataMap, CriticalEventType } from '../src/events/agent-events.js';
import type { WebSocketManagerFactory } from '../src/factory/websocket-manager-factory.js';
import type { ConnectionContext, SendOptions } from '../src/protocol.js';
import type { ConnectionHealth, ConnectionId, UserId } from '../src/types.js';
import type { MigrationServer } from './migration-server.js';
import { LegacyManagerFacade } from './legacy-manager-facade.js';
import { LegacyUserBoundManager } from './legacy-user-bound-manager.js';
import { readFlag } from '../src/flags/read-flag.js';
import { warnDeprecated } from './deprecations.js';
import { connectionIdOf, userIdOf, type LegacyUserContext } from './legacy-user-context.js';
import { resolveLegacyServer, useDeprecated } from './resolve-server.js';

/** What `getWebSocketManager()` returns for a user context with WS_ENABLE_FACTORY on. */
class GlobalUserBoundManager extends LegacyUserBoundManager {
  constructor(server: MigrationServer, context: LegacyUserContext | string | number) {
    super('WSSOT_DEP006', 'getWebSocketManager()', context, connectionIdOf(typeof context === 'object' ? context : null), { server });
  }
}

/** What `getWebSocketManager()` returns otherwise: the process-wide shared manager (the legacy path). */
class GlobalSharedManager extends LegacyManagerFacade {
  constructor(server: MigrationServer, context: LegacyUserContext | null) {
    super('WSSOT_DEP006', 'getWebSocketManager()', { server, userContext: context });
  }
}

type Id = UserId | number;
type Target = UserId | ConnectionId | number;
type CriticalData = CriticalEventDataMap[CriticalEventType];

/**
 * What `getWebSocketManager()` returns, whichever flag decides: the old unified interface, camelCase and
 * snake_case, both `emitCriticalEvent` forms. (A `LegacyManagerFacade`, or with `WS_ENABLE_FACTORY` and a user a
 * `LegacyUserBoundManager`, which accepts the calls naming a user for that same user only.)
 */
export interface LegacyGlobalManager {
  sendMessage(userId: Id, message: unknown, options?: SendOptions): boolean;
  broadcastMessage(message: unknown, options?: SendOptions): number;
  getConnectionCount(): number;
  addConnection(userId: Id, socket: WebSocket): WebSocketConnection;
  removeConnection(userIdOrConnectionId: Target, code?: number, reason?: string): number;
  isUserConnected(userId: Id): boolean;
  handleConnection(socket: WebSocket, context: Omit<ConnectionContext, 'userId'> & { userId: Id }): WebSocketConnection;
  handleDisconnection(target: Target | WebSocketConnection): void;
  sendAgentEvent(userId: Id, type: string, data: unknown, options?: AgentEventOptions): AgentEventEnvelope;
  emitCriticalEvent<T extends CriticalEventType>(userId: Id, type: T, data: CriticalEventDataMap[T], options?: { runId?: string }): AgentEventEnvelope<T, CriticalEventDataMap[T]>;
  emitCriticalEvent<T extends CriticalEventType>(type: T, data: CriticalEventDataMap[T]): AgentEventEnvelope<T, CriticalEventDataMap[T]>;
  getConnection(connectionId: ConnectionId | number): WebSocketConnection | undefined;
  getConnectionHealth(connectionId: ConnectionId | number): ConnectionHealth | undefined;
  send_message(userId: Id, message: unknown, options?: SendOptions): boolean;
  broadcast_message(message: unknown, options?: SendOptions): number;
  get_connection_count(): number;
  add_connection(userId: Id, socket: WebSocket): WebSocketConnection;
  remove_connection(userIdOrConnectionId: Target, code?: number, reason?: string): number;
  is_user_connected(userId: Id): boolean;
  handle_connection(socket: WebSocket, context: Omit<ConnectionContext, 'userId'> & { userId: Id }): WebSocketConnection;
  handle_disconnection(target: Target | WebSocketConnection): void;
  send_agent_event(userId: Id, type: string, data: unknown, options?: AgentEventOptions): AgentEventEnvelope;
  emit_critical_event(...args: [userId: Id, type: CriticalEventType, data: CriticalData] | [type: CriticalEventType, data: CriticalData]): AgentEventEnvelope;
  get_connection(connectionId: ConnectionId | number): WebSocketConnection | undefined;
  get_connection_health(connectionId: ConnectionId | number): ConnectionHealth | undefined;
}

/**
 * The old global accessor. With `WS_ENABLE_FACTORY` on and a user in `userContext`: a manager bound to
 * that user (through the factory); otherwise the shared manager (legacy path, or the unified interface
 * with `WS_ENABLE_UNIFIED`). Throws `LegacyNotBoundError` before the app bound a server.
 * @deprecated WSSOT_DEP006: use `wss.manager`, or `wss.factory.createIsolatedManager(userId, connectionId)` ({@link WebSocketManagerFactory.createIsolatedManager}).
 */
export function getWebSocketManager(userContext?: LegacyUserContext | string | number | null): LegacyGlobalManager {
  // Warned first, so a call before the app bound a server still tells the call site its code.
  warnDeprecated('WSSOT_DEP006');
  const server = resolveLegacyServer(null, 'getWebSocketManager()');
  // Both results are legacy objects of code WSSOT_DEP006: constructing one counts this call.
  const userId = userIdOf(userContext ?? null);
  const factory = userId !== null && readFlag(server.flags, 'factory', { userId }, server.logger);
  if (factory) return new GlobalUserBoundManager(server, userContext as LegacyUserContext | string | number);
  return new GlobalSharedManager(server, typeof userContext === 'object' ? userContext : userId === null ? null : { userId });
}

/**
 * The seeds' snake_case name.
 * @deprecated WSSOT_DEP006 (and WSSOT_DEP009): see {@link getWebSocketManager}.
 */
export function get_websocket_manager(userContext?: LegacyUserContext | string | number | null): LegacyGlobalManager {
  // Two deprecations in one name: both warned before anything can throw, the snake_case one counted once bound.
  warnDeprecated('WSSOT_DEP009');
  const manager = getWebSocketManager(userContext);
  useDeprecated('WSSOT_DEP009', null);
  return manager;
}
