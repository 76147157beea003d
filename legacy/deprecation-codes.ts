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

export const DEPRECATIONS = Object.freeze({
  WSSOT_DEP001: { code: 'WSSOT_DEP001', replace: "WebSocketManager from 'ws-ssot/legacy/manager' or 'ws-ssot/legacy/websocket-manager'", with: "wss.manager (UnifiedWebSocketManager from 'ws-ssot')" },
  WSSOT_DEP002: { code: 'WSSOT_DEP002', replace: "ConnectionManager from 'ws-ssot/legacy/connection-manager'", with: "wss.manager (UnifiedWebSocketManager from 'ws-ssot')" },
  WSSOT_DEP003: { code: 'WSSOT_DEP003', replace: "WebSocketManagerAdapter from 'ws-ssot/legacy/migration-adapter' or 'ws-ssot/legacy/protocols'", with: "wss.manager (UnifiedWebSocketManager from 'ws-ssot')" },
  WSSOT_DEP004: { code: 'WSSOT_DEP004', replace: "new IsolatedWebSocketManager(userId, connectionId) from 'ws-ssot/legacy/websocket-manager-factory'", with: 'wss.factory.createIsolatedManager(userId, connectionId)' },
  WSSOT_DEP005: { code: 'WSSOT_DEP005', replace: "new ConnectionScopedWebSocketManager(userId, connectionId) from 'ws-ssot/legacy/websocket-manager-factory'", with: 'wss.factory.createIsolatedManager(userId, connectionId)' },
  WSSOT_DEP006: { code: 'WSSOT_DEP006', replace: 'getWebSocketManager(userContext?) (the global accessor)', with: 'wss.manager, or wss.factory.createIsolatedManager(userId, connectionId) for a user-bound manager' },
  WSSOT_DEP007: { code: 'WSSOT_DEP007', replace: "WebSocketManagerFactory from 'ws-ssot/legacy/websocket-manager-factory'", with: "wss.factory (WebSocketManagerFactory from 'ws-ssot')" },
  WSSOT_DEP008: { code: 'WSSOT_DEP008', replace: "UnifiedWebSocketManager from 'ws-ssot/legacy/unified-manager'", with: "wss.manager (UnifiedWebSocketManager from 'ws-ssot')" },
  WSSOT_DEP009: { code: 'WSSOT_DEP009', replace: 'snake_case method names (send_message, get_connection, emit_critical_event, …)', with: 'the camelCase methods (sendMessage, getConnection, emitCriticalEvent, …)' },
  WSSOT_DEP010: { code: 'WSSOT_DEP010', replace: 'emitCriticalEvent(type, data) without a user id', with: "isolated.emitCriticalEvent(type, data) on wss.factory.createIsolatedManager(…), or wss.manager.emitCriticalEvent(userId, type, data)" },
} as const satisfies Record<string, DeprecationInfo>);

export type DeprecationCode = keyof typeof DEPRECATIONS;

export const DEPRECATION_CODES = Object.freeze(Object.keys(DEPRECATIONS) as DeprecationCode[]);
