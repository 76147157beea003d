/**
 * ws-ssot: the single source of truth for WebSocket connection management.
 * Canonical imports: `UnifiedWebSocketManager`, `createWebSocketServer` (and, with the migration layer,
 * `WebSocketManagerFactory`). Everything under `ws-ssot/legacy/*` is deprecated.
 */
export { createWebSocketServer, WsSsotServer, type WebSocketHealth, type ServerState } from './server/ws-ssot-server.js';
export { installShutdownHandler, type ShutdownHandlerOptions } from './server/shutdown.js';
export { UnifiedWebSocketManager, type UnifiedWebSocketManagerEvents } from './core/unified-manager.js';
export { WebSocketConnection } from './core/connection.js';
export type { WebSocketManagerProtocol, ConnectionContext, SendOptions } from './protocol.js';
export {
  CRITICAL_EVENT_TYPES,
  RESERVED_FRAME_TYPES,
  isCriticalEventType,
  isValidEventType,
  type AgentEventEnvelope,
  type AgentEventOptions,
  type CriticalEventDataMap,
  type CriticalEventEnvelope,
  type CriticalEventType,
  type DeliveryClass,
} from './events/agent-events.js';
export * from './errors.js';
export { CloseCode, type CloseCodeValue } from './close-codes.js';
export { MANAGER_DEFAULTS, type ConnectionLimitPolicy, type ManagerOptions, type RecoveryOptions } from './config/manager-options.js';
export {
  SERVER_DEFAULTS,
  type AuthenticateHook,
  type DrainOnFlagChangeOptions,
  type MessageHandler,
  type ShadowOptions,
  type WebSocketServerOptions,
} from './config/server-options.js';
export { WsSsotMetrics } from './observability/metrics.js';
export type { AuthResult, CodePath, ConnectionHealth, ConnectionId, OutboundMessage, UserId } from './types.js';
export * from './flags/index.js';
export { WebSocketManagerFactory } from './factory/websocket-manager-factory.js';
export { IsolatedManager } from './factory/isolated-manager.js';
export { FACTORY_DEFAULTS, type FactoryOptions } from './factory/factory-options.js';
export type { IsolationTarget } from './factory/isolation-target.js';
export { PathRouter } from './routing/path-router.js';
export type { DrainOptions } from './server/ws-ssot-server.js';
export type { CodePathHandler } from './core/code-path.js';
export { ConnectionRegistry, type ConnectionRegistryEvents } from './core/connection-registry.js';
