/**
 * The old global accessor `get_websocket_manager(user_context?)`, on the server the app bound with
 * `wss.legacy.bindGlobal()` / `bindLegacyGlobals(wss)`.
 */
import type { WebSocketManagerFactory } from '../src/factory/websocket-manager-factory.js';
import type { MigrationServer } from './migration-server.js';
import { LegacyManagerFacade } from './legacy-manager-facade.js';
import { LegacyUserBoundManager } from './legacy-user-bound-manager.js';
import { connectionIdOf, userIdOf, type LegacyUserContext } from './legacy-user-context.js';
import { resolveLegacyServer, useDeprecated } from './resolve-server.js';

/** What `getWebSocketManager()` returns for a user context with WS_ENABLE_FACTORY on. */
class GlobalUserBoundManager extends LegacyUserBoundManager {
  constructor(server: MigrationServer, context: LegacyUserContext | string | number) {
    super('WSSOT_DEP006', 'getWebSocketManager()', context, connectionIdOf(typeof context === 'object' ? context : null), { server });
  }
}

/** What `getWebSocketManager()` returns otherwise: the process-wide shared manager (the legacy path). */
class GlobalSharedManager extends LegacyManagerFacade {
  constructor(server: MigrationServer, context: LegacyUserContext | null) {
    super('WSSOT_DEP006', 'getWebSocketManager()', { server, userContext: context });
  }
}

export type LegacyGlobalManager = LegacyManagerFacade | LegacyUserBoundManager;

/**
 * The old global accessor. With `WS_ENABLE_FACTORY` on and a user in `userContext`: a manager bound to
 * that user (through the factory); otherwise the shared manager (legacy path, or the unified interface
 * with `WS_ENABLE_UNIFIED`). Throws `LegacyNotBoundError` before the app bound a server.
 * @deprecated WSSOT_DEP006: use `wss.manager`, or `wss.factory.createIsolatedManager(userId, connectionId)` ({@link WebSocketManagerFactory.createIsolatedManager}).
 */
export function getWebSocketManager(userContext?: LegacyUserContext | string | number | null): LegacyGlobalManager {
  const server = resolveLegacyServer(null, 'getWebSocketManager()');
  // Both results are legacy objects of code WSSOT_DEP006: constructing one warns (once) and counts this call.
  const userId = userIdOf(userContext ?? null);
  let factory = false;
  try {
    factory = userId !== null && server.flags.isEnabled('factory', { userId });
  } catch {
    factory = false;
  }
  if (factory) return new GlobalUserBoundManager(server, userContext as LegacyUserContext | string | number);
  return new GlobalSharedManager(server, typeof userContext === 'object' ? userContext : userId === null ? null : { userId });
}

/**
 * The seeds' snake_case name.
 * @deprecated WSSOT_DEP006 (and WSSOT_DEP009): see {@link getWebSocketManager}.
 */
export function get_websocket_manager(userContext?: LegacyUserContext | string | number | null): LegacyGlobalManager {
  useDeprecated('WSSOT_DEP009', null);
  return getWebSocketManager(userContext);
}
