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
export {
  MANAGER_DEFAULTS,
  SERVER_DEFAULTS,
  type AuthenticateHook,
  type ConnectionLimitPolicy,
  type ManagerOptions,
  type MessageHandler,
  type RecoveryOptions,
  type WebSocketServerOptions,
} from './config.js';
export { WsSsotMetrics } from './observability/metrics.js';
export type { AuthResult, CodePath, ConnectionHealth, ConnectionId, OutboundMessage, UserId } from './types.js';
export * from './flags/flag-source.js';
