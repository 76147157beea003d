/**
 * Old module `unified_manager`: the old import path of the unified manager, where code instantiated it
 * directly instead of using the server's.
 * @deprecated Import from `ws-ssot` instead; see MIGRATION.md.
 */
import type { UnifiedWebSocketManager as CanonicalUnifiedWebSocketManager } from '../src/core/unified-manager.js';
import { LegacyManagerFacade, type LegacyManagerOptions } from './legacy-manager-facade.js';

/**
 * The unified manager by its old import path.
 * @deprecated WSSOT_DEP008: use the server's canonical manager, `wss.manager` ({@link CanonicalUnifiedWebSocketManager | UnifiedWebSocketManager} from `ws-ssot`).
 */
export class UnifiedWebSocketManager extends LegacyManagerFacade {
  constructor(options?: LegacyManagerOptions | null) {
    super('WSSOT_DEP008', 'UnifiedWebSocketManager (legacy path)', options);
  }
}

export { WebSocketManager } from './websocket-manager.js';
export { getWebSocketManager, get_websocket_manager } from './get-websocket-manager.js';
export type { LegacyManagerOptions } from './legacy-manager-facade.js';
/** The old module's connection type (seed 001 §1.3): the same type as `ws-ssot/legacy/protocols`'. */
export type { WebSocketConnection } from '../src/core/connection.js';
