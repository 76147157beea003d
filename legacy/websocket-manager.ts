/**
 * Old module `websocket_manager` (the seeds' "authoritative" `WebSocketManager` + `get_websocket_manager`).
 * @deprecated Import from `ws-ssot` instead; see MIGRATION.md.
 */
import type { UnifiedWebSocketManager } from '../src/core/unified-manager.js';
import { LegacyManagerFacade, type LegacyManagerOptions } from './legacy-manager-facade.js';

/**
 * The old process-wide manager.
 * @deprecated WSSOT_DEP001: use the server's canonical manager, `wss.manager` ({@link UnifiedWebSocketManager}).
 */
export class WebSocketManager extends LegacyManagerFacade {
  constructor(options?: LegacyManagerOptions | null) {
    super('WSSOT_DEP001', 'WebSocketManager', options);
  }
}

export { getWebSocketManager, get_websocket_manager, type LegacyGlobalManager } from './get-websocket-manager.js';
export type { LegacyManagerOptions } from './legacy-manager-facade.js';
