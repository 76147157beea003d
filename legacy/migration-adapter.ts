/**
 * Old module `migration_adapter`.
 * @deprecated Import from `ws-ssot` instead; see MIGRATION.md.
 */
import type { UnifiedWebSocketManager } from '../src/core/unified-manager.js';
import { LegacyManagerFacade, type LegacyManagerOptions } from './legacy-manager-facade.js';

/**
 * The old migration adapter.
 * @deprecated WSSOT_DEP003: use the server's canonical manager, `wss.manager` ({@link UnifiedWebSocketManager}).
 */
export class WebSocketManagerAdapter extends LegacyManagerFacade {
  constructor(options?: LegacyManagerOptions | null) {
    super('WSSOT_DEP003', 'WebSocketManagerAdapter', options);
  }
}

export type { LegacyManagerOptions } from './legacy-manager-facade.js';
// The old module also re-exported the factory and the protocol types (seed 001 §1.3: two import paths of the
// factory, four of WebSocketConnection): the same classes and types as their own modules'.
export { WebSocketManagerFactory } from './websocket-manager-factory.js';
export type { WebSocketManagerProtocol } from '../src/protocol.js';
export type { WebSocketConnection } from '../src/core/connection.js';
