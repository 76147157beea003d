/**
 * Old module `manager`.
 * @deprecated Import from `ws-ssot` instead; see MIGRATION.md.
 */
export { WebSocketManager, type LegacyManagerOptions } from './websocket-manager.js';
