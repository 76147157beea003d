/**
 * `ws-ssot/legacy`: every deprecated name in one place, for call sites that imported the old package
 * root. Each name warns once with its code (see MIGRATION.md) and points to its replacement.
 * Not deprecated here: the legacy code path itself (`LegacySharedManager`), the binding and the usage
 * counters, which operate the migration.
 * @deprecated Import from `ws-ssot` instead; see MIGRATION.md.
 */
export { WebSocketManager, getWebSocketManager, get_websocket_manager, type LegacyGlobalManager } from './websocket-manager.js';
export { ConnectionManager } from './connection-manager.js';
export { WebSocketManagerAdapter } from './migration-adapter.js';
export { UnifiedWebSocketManager } from './unified-manager.js';
export { WebSocketManagerFactory, IsolatedWebSocketManager, ConnectionScopedWebSocketManager, LegacyFactoryManager, type LegacyFactoryOptions } from './websocket-manager-factory.js';
export type { WebSocketManagerProtocol, WebSocketConnection } from './protocols.js';
export { LegacyManagerFacade, type LegacyManagerOptions } from './legacy-manager-facade.js';
export { LegacyUserBoundManager, type LegacyUserBoundOptions } from './legacy-user-bound-manager.js';
export type { LegacyUserContext } from './legacy-user-context.js';
export { LegacySharedManager, type LegacySharedManagerEvents } from './legacy-shared-manager.js';
export type { LegacyPathManager, LegacyManagerDeps } from './legacy-path-manager.js';
export { bindLegacyGlobals, unbindLegacyGlobals, boundLegacyServer } from './global-binding.js';
export { LegacyUsage, type DeprecationUsageEntry } from './legacy-usage.js';
export { LegacyControl } from './legacy-control.js';
export { DEPRECATIONS, DEPRECATION_CODES, type DeprecationCode, type DeprecationInfo } from './deprecation-codes.js';
export { toUserId, toConnectionId } from './lenient-ids.js';
export { createMigrationServer, MigrationServer, type MigrationServerOptions, type MigrationHealth } from './migration-server.js';
