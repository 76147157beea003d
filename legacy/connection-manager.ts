/**
 * Old module `connection_manager`.
 * @deprecated Import from `ws-ssot` instead; see MIGRATION.md.
 */
import type { UnifiedWebSocketManager } from '../src/core/unified-manager.js';
import { LegacyManagerFacade, type LegacyManagerOptions } from './legacy-manager-facade.js';

/**
 * The old connection manager.
 * @deprecated WSSOT_DEP002: use the server's canonical manager, `wss.manager` ({@link UnifiedWebSocketManager}).
 */
export class ConnectionManager extends LegacyManagerFacade {
  constructor(options?: LegacyManagerOptions | null) {
    super('WSSOT_DEP002', 'ConnectionManager', options);
  }
}

export type { LegacyManagerOptions } from './legacy-manager-facade.js';
