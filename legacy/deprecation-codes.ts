/**
 * Every deprecation code of ws-ssot, what it replaces, and with what. The single list MIGRATION.md's table,
 * the warnings (deprecations.ts) and the usage counters (legacy-usage.ts) are built from; a test keeps the
 * table in MIGRATION.md in sync. Codes are never reused: a removed entry stays here, marked `removed`.
 */
export interface DeprecationInfo {
  readonly code: string;
  /** The deprecated name or call. */
  readonly replace: string;
  /** What to use instead. */
  readonly with: string;
}

/** The server's own manager: the replacement of every process-wide name (constructing one would hold none of the server's connections). */
const SERVER_MANAGER = "wss.manager, the server's own UnifiedWebSocketManager (not a new UnifiedWebSocketManager(): that one holds none of the server's connections)";
const ISOLATED = 'wss.factory.createIsolatedManager(userId, connectionId), and wss.factory.cleanupManager(userId, connectionId) when that connection ends (at most factory.maxManagersPerUser per user)';

export const DEPRECATIONS = Object.freeze({
  WSSOT_DEP001: { code: 'WSSOT_DEP001', replace: "WebSocketManager from 'ws-ssot/legacy/manager' or 'ws-ssot/legacy/websocket-manager'", with: SERVER_MANAGER },
  WSSOT_DEP002: { code: 'WSSOT_DEP002', replace: "ConnectionManager from 'ws-ssot/legacy/connection-manager'", with: SERVER_MANAGER },
  WSSOT_DEP003: { code: 'WSSOT_DEP003', replace: "WebSocketManagerAdapter from 'ws-ssot/legacy/migration-adapter' or 'ws-ssot/legacy/protocols'", with: SERVER_MANAGER },
  WSSOT_DEP004: { code: 'WSSOT_DEP004', replace: "new IsolatedWebSocketManager(userId, connectionId) from 'ws-ssot/legacy/websocket-manager-factory'", with: ISOLATED },
  WSSOT_DEP005: { code: 'WSSOT_DEP005', replace: "new ConnectionScopedWebSocketManager(userId, connectionId) from 'ws-ssot/legacy/websocket-manager-factory'", with: ISOLATED },
  WSSOT_DEP006: { code: 'WSSOT_DEP006', replace: 'getWebSocketManager(userContext?) / get_websocket_manager() (the global accessor)', with: "wss.manager, or wss.factory.createIsolatedManager(userId, connectionId) for a user-bound manager, with wss passed through the app's own context (phase 5)" },
  WSSOT_DEP007: { code: 'WSSOT_DEP007', replace: "WebSocketManagerFactory from 'ws-ssot/legacy/websocket-manager-factory' (one manager per user)", with: 'wss.factory with one fixed connection id per user, createIsolatedManager(userId, userId), for one manager per user as before (wss.factory is keyed by user and connection: a fresh id per call is a new manager each time, WSSOT_ERR_MANAGER_LIMIT past factory.maxManagersPerUser)' },
  WSSOT_DEP008: { code: 'WSSOT_DEP008', replace: "UnifiedWebSocketManager from 'ws-ssot/legacy/unified-manager' (direct instantiation)", with: SERVER_MANAGER },
  WSSOT_DEP009: { code: 'WSSOT_DEP009', replace: 'snake_case method names (send_message, get_connection, emit_critical_event, create_isolated_manager, …)', with: 'the camelCase methods of the same object (sendMessage, getConnection, emitCriticalEvent, createIsolatedManager, …)' },
  WSSOT_DEP010: { code: 'WSSOT_DEP010', replace: 'emitCriticalEvent(type, data) without a user id', with: 'isolated.emitCriticalEvent(type, data) on wss.factory.createIsolatedManager(userId, connectionId), or wss.manager.emitCriticalEvent(userId, type, data)' },
} as const satisfies Record<string, DeprecationInfo>);

export type DeprecationCode = keyof typeof DEPRECATIONS;

export const DEPRECATION_CODES = Object.freeze(Object.keys(DEPRECATIONS) as DeprecationCode[]);
