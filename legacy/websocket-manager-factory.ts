/**
 * Old module `websocket_manager_factory`: the old factory and its user-bound managers.
 * @deprecated Import `WebSocketManagerFactory` from `ws-ssot` and use `wss.factory`; see MIGRATION.md.
 */
import { WebSocketManagerFactory as CanonicalFactory } from '../src/factory/websocket-manager-factory.js';
import type { FactoryOptions } from '../src/factory/factory-options.js';
import type { IsolatedManager } from '../src/factory/isolated-manager.js';
import type { MigrationServer } from './migration-server.js';
import type { ConnectionId, UserId } from '../src/types.js';
import { toConnectionId, toUserId } from './lenient-ids.js';
import { LegacyUserBoundManager, type LegacyUserBoundOptions } from './legacy-user-bound-manager.js';
import type { LegacyUserContext } from './legacy-user-context.js';
import { resolveLegacyServer, useDeprecated } from './resolve-server.js';

/**
 * A manager bound to one user, constructed directly.
 * @deprecated WSSOT_DEP004: use `wss.factory.createIsolatedManager(userId, connectionId)` ({@link CanonicalFactory.createIsolatedManager}).
 */
export class IsolatedWebSocketManager extends LegacyUserBoundManager {
  constructor(user: LegacyUserContext | UserId | number, connectionId?: ConnectionId | number | null, options?: LegacyUserBoundOptions | null) {
    super('WSSOT_DEP004', 'IsolatedWebSocketManager', user, connectionId, options);
  }
}

/**
 * A manager scoped to one user's connection, constructed directly.
 * @deprecated WSSOT_DEP005: use `wss.factory.createIsolatedManager(userId, connectionId)` ({@link CanonicalFactory.createIsolatedManager}).
 */
export class ConnectionScopedWebSocketManager extends LegacyUserBoundManager {
  constructor(user: LegacyUserContext | UserId | number, connectionId?: ConnectionId | number | null, options?: LegacyUserBoundOptions | null) {
    super('WSSOT_DEP005', 'ConnectionScopedWebSocketManager', user, connectionId, options);
  }
}

/** Options of the old factory: the canonical factory's, plus the server it works on. */
export interface LegacyFactoryOptions extends FactoryOptions {
  /** @default the server bound with `wss.legacy.bindGlobal()` */
  server?: MigrationServer;
}

/**
 * The old factory, by its old import path: the canonical factory over the (bound) server's manager, with
 * lenient ids and the old snake_case names.
 * @deprecated WSSOT_DEP007: use `wss.factory` ({@link CanonicalFactory | WebSocketManagerFactory} from `ws-ssot`).
 */
export class WebSocketManagerFactory extends CanonicalFactory {
  readonly #server: MigrationServer | null;

  constructor(options: LegacyFactoryOptions = {}) {
    const { server, ...factoryOptions } = typeof options === 'object' && options !== null ? options : ({} as LegacyFactoryOptions);
    const explicit = server ?? null;
    const manager = (): MigrationServer['manager'] => resolveLegacyServer(explicit, 'WebSocketManagerFactory (legacy path)').manager;
    // Resolved per call, so an old module-level `new WebSocketManagerFactory()` works once the app binds a server.
    super({
      sendMessage: (userId, message, o) => manager().sendMessage(userId, message, o),
      sendAgentEvent: (userId, type, data, o) => manager().sendAgentEvent(userId, type, data, o),
      emitCriticalEvent: (userId, type, data, o) => manager().emitCriticalEvent(userId, type, data, o),
      getReachableConnectionCount: (userId) => manager().getReachableConnectionCount(userId),
    }, factoryOptions);
    this.#server = explicit;
    useDeprecated('WSSOT_DEP007', explicit);
  }

  override createIsolatedManager(userId: UserId | number, connectionId: ConnectionId | number): IsolatedManager {
    useDeprecated('WSSOT_DEP007', this.#server);
    return super.createIsolatedManager(toUserId(userId), toConnectionId(connectionId));
  }

  override getManagerByUser(userId: UserId | number): IsolatedManager | undefined {
    useDeprecated('WSSOT_DEP007', this.#server);
    return super.getManagerByUser(toUserId(userId));
  }

  override cleanupManager(userId: UserId | number, connectionId?: ConnectionId | number): number {
    useDeprecated('WSSOT_DEP007', this.#server);
    return super.cleanupManager(toUserId(userId), connectionId === undefined ? undefined : toConnectionId(connectionId));
  }

  override getActiveConnectionsCount(): number {
    useDeprecated('WSSOT_DEP007', this.#server);
    return super.getActiveConnectionsCount();
  }

  /** @deprecated WSSOT_DEP009: use {@link CanonicalFactory.createIsolatedManager | createIsolatedManager}. */
  create_isolated_manager(userId: UserId | number, connectionId: ConnectionId | number): IsolatedManager {
    useDeprecated('WSSOT_DEP009', this.#server);
    return this.createIsolatedManager(userId, connectionId);
  }
  /** @deprecated WSSOT_DEP009: use {@link CanonicalFactory.getManagerByUser | getManagerByUser}. */
  get_manager_by_user(userId: UserId | number): IsolatedManager | undefined {
    useDeprecated('WSSOT_DEP009', this.#server);
    return this.getManagerByUser(userId);
  }
  /** @deprecated WSSOT_DEP009: use {@link CanonicalFactory.cleanupManager | cleanupManager}. */
  cleanup_manager(userId: UserId | number, connectionId?: ConnectionId | number): number {
    useDeprecated('WSSOT_DEP009', this.#server);
    return this.cleanupManager(userId, connectionId);
  }
  /** @deprecated WSSOT_DEP009: use {@link CanonicalFactory.getActiveConnectionsCount | getActiveConnectionsCount}. */
  get_active_connections_count(): number {
    useDeprecated('WSSOT_DEP009', this.#server);
    return this.getActiveConnectionsCount();
  }
}

export type { LegacyUserBoundOptions } from './legacy-user-bound-manager.js';
export type { LegacyUserContext } from './legacy-user-context.js';
