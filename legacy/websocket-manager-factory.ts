/**
 * Old module `websocket_manager_factory`: the old factory and its user-bound managers.
 * @deprecated Import `WebSocketManagerFactory` from `ws-ssot` and use `wss.factory`; see MIGRATION.md.
 */
import type { WebSocketManagerFactory as CanonicalFactory } from '../src/factory/websocket-manager-factory.js';
import { FACTORY_DEFAULTS } from '../src/factory/factory-options.js';
import { ClosedError, InvalidOptionError } from '../src/errors.js';
import type { MigrationServer } from './migration-server.js';
import type { ConnectionId, UserId } from '../src/types.js';
import { toConnectionId, toUserId } from './lenient-ids.js';
import { LegacyManagerFacade } from './legacy-manager-facade.js';
import { LegacyUserBoundManager, type LegacyUserBoundOptions } from './legacy-user-bound-manager.js';
import { boundLegacyServer } from './global-binding.js';
import { connectionIdOf, userIdOf, type LegacyUserContext } from './legacy-user-context.js';
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

/** Options of the old factory. */
export interface LegacyFactoryOptions {
  /** The server to act on. @default the server bound with `wss.legacy.bindGlobal()` */
  server?: MigrationServer;
  /**
   * A user's manager not handed out for this long is replaced by a new one at the next
   * `createIsolatedManager` (the old `_connection_timeout`, 30 minutes). @default 1_800_000
   */
  idleTimeoutMs?: number;
  /**
   * Accepted for compatibility (the old `_max_managers_per_user`, 20). The old factory keyed its managers by
   * user alone, so a user never held more than one and this cap was never reached; it still is not.
   * @default 20
   */
  maxManagersPerUser?: number;
  /** The clock, injectable for tests. @default Date.now */
  now?: () => number;
}

/** Why a manager of the old factory is no longer the one it hands out. */
type Retired = 'expired' | 'cleaned up' | 'factory closed';

/**
 * A manager of the old factory: the user-bound legacy manager (the old unified interface, camelCase and
 * snake_case, both `emit_critical_event` forms), plus the old factory-managed state. Unlike the canonical
 * `IsolatedManager`, it keeps working after it expired or was cleaned up, as the old objects did: the
 * factory only stops handing it out.
 * @deprecated WSSOT_DEP007: use `wss.factory.createIsolatedManager(userId, connectionId)` ({@link CanonicalFactory.createIsolatedManager}).
 */
export class LegacyFactoryManager extends LegacyUserBoundManager {
  readonly createdAt: number;
  #lastUsedAt: number;
  #retired: Retired | null = null;
  readonly #idleTimeoutMs: number;
  readonly #now: () => number;

  /** @internal made by {@link WebSocketManagerFactory.createIsolatedManager}. */
  constructor(userId: UserId, connectionId: ConnectionId, server: MigrationServer | null, idleTimeoutMs: number, now: () => number) {
    super('WSSOT_DEP007', 'WebSocketManagerFactory (legacy path)', userId, connectionId, server === null ? null : { server });
    this.#idleTimeoutMs = idleTimeoutMs;
    this.#now = now;
    this.createdAt = now();
    this.#lastUsedAt = this.createdAt;
  }

  /** When the factory last handed this manager out. */
  get lastUsedAt(): number {
    return this.#lastUsedAt;
  }

  /** False once expired, cleaned up or its factory closed (the factory then hands out a new one). */
  get isActive(): boolean {
    return this.#retired === null && !this.isExpired();
  }

  /** The old `is_expired()`: not handed out for longer than the factory's idle timeout (or retired). */
  isExpired(): boolean {
    return this.#retired !== null || this.#now() - this.#lastUsedAt > this.#idleTimeoutMs;
  }

  /** @deprecated WSSOT_DEP009: use {@link LegacyFactoryManager.isExpired | isExpired}. */
  is_expired(): boolean {
    useDeprecated('WSSOT_DEP009', null);
    return this.isExpired();
  }

  /** @internal */
  touch(now: number): void {
    this.#lastUsedAt = now;
  }

  /** @internal */
  retire(reason: Retired): void {
    this.#retired ??= reason;
  }
}

/** What the old factory's `create_manager()` returns without a user: the shared manager, counted as WSSOT_DEP007. */
class LegacyFactorySharedManager extends LegacyManagerFacade {
  constructor(server: MigrationServer | null) {
    super('WSSOT_DEP007', 'WebSocketManagerFactory (legacy path)', server === null ? null : { server });
  }
}

function positiveInteger(field: string, value: unknown, fallback: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1) throw new InvalidOptionError(field, 'a positive integer', value);
  return value;
}

/**
 * The old factory, by its old import path, as the old code was: one manager per user (keyed by user id; the
 * connection id of the first call is the manager's), returned again on every `createIsolatedManager` for that
 * user until it is cleaned up or idle for `idleTimeoutMs`, so old code that passes a fresh connection id per
 * agent run gets the user's manager each time and never a limit error. Its managers are user-bound legacy
 * managers: with all flags off they act on the legacy path as is; `WS_ENABLE_UNIFIED` translates them onto
 * `wss.manager`, `WS_ENABLE_FACTORY` sends through `wss.factory`'s isolated manager for (userId, connectionId).
 * @deprecated WSSOT_DEP007: use `wss.factory` ({@link CanonicalFactory | WebSocketManagerFactory} from `ws-ssot`).
 */
export class WebSocketManagerFactory {
  readonly options: Readonly<{ idleTimeoutMs: number; maxManagersPerUser: number; now: () => number }>;
  readonly #server: MigrationServer | null;
  readonly #managers = new Map<UserId, LegacyFactoryManager>();
  #closed = false;

  constructor(options: LegacyFactoryOptions = {}) {
    const o: LegacyFactoryOptions = typeof options === 'object' && options !== null ? options : {};
    // Warned and counted before validating: the call site learns its code even when it is wrong.
    useDeprecated('WSSOT_DEP007', o.server ?? null);
    if (o.now !== undefined && typeof o.now !== 'function') throw new InvalidOptionError('factory.now', 'a function returning epoch ms', o.now);
    this.options = Object.freeze({
      idleTimeoutMs: positiveInteger('factory.idleTimeoutMs', o.idleTimeoutMs, FACTORY_DEFAULTS.idleTimeoutMs),
      maxManagersPerUser: positiveInteger('factory.maxManagersPerUser', o.maxManagersPerUser, FACTORY_DEFAULTS.maxManagersPerUser),
      now: o.now ?? Date.now,
    });
    this.#server = o.server ?? null;
  }

  /**
   * The user's manager: the existing one unless it was cleaned up or idle too long, else a new one for
   * `connectionId`. Throws `InvalidUserIdError` / `InvalidConnectionIdError` on bad ids, `ClosedError` after
   * `close()`, `LegacyNotBoundError` when no server is bound.
   */
  createIsolatedManager(userId: UserId | number, connectionId: ConnectionId | number): LegacyFactoryManager {
    const server = this.#use();
    if (this.#closed) throw new ClosedError('WebSocketManagerFactory');
    const user = toUserId(userId);
    const connection = toConnectionId(connectionId);
    const now = this.options.now();
    const existing = this.#managers.get(user);
    if (existing !== undefined) {
      if (!existing.isExpired()) {
        existing.touch(now);
        return existing;
      }
      this.#retire(server, existing, 'expired');
    }
    const manager = new LegacyFactoryManager(user, connection, this.#server, this.options.idleTimeoutMs, this.options.now);
    this.#managers.set(user, manager);
    return manager;
  }

  /** The user's active manager, or undefined. */
  getManagerByUser(userId: UserId | number): LegacyFactoryManager | undefined {
    const server = this.#use();
    const user = toUserId(userId);
    const manager = this.#managers.get(user);
    if (manager === undefined || !manager.isExpired()) return manager;
    this.#retire(server, manager, 'expired');
    return undefined;
  }

  /**
   * The old `create_manager(user_context?)`: with a user in the context, that user's manager (its connection
   * id from the context, else `'legacy'`); without one, the shared manager (as `getWebSocketManager()`).
   */
  createManager(userContext?: LegacyUserContext | UserId | number | null): LegacyFactoryManager | LegacyManagerFacade {
    const userId = userIdOf(userContext ?? null);
    if (userId === null) {
      this.#use();
      return new LegacyFactorySharedManager(this.#server);
    }
    const connectionId = connectionIdOf(typeof userContext === 'object' ? userContext : null) ?? 'legacy';
    return this.createIsolatedManager(userId, connectionId);
  }

  /** Forgets the user's manager (the connection id, if given, must be its own). Returns how many (0 or 1). */
  cleanupManager(userId: UserId | number, connectionId?: ConnectionId | number): number {
    const server = this.#use();
    const user = toUserId(userId);
    const manager = this.#managers.get(user);
    if (manager === undefined) return 0;
    if (connectionId !== undefined && toConnectionId(connectionId) !== manager.connectionId) return 0;
    this.#retire(server, manager, 'cleaned up');
    return 1;
  }

  /** Open connections of the users this factory holds a manager for (the old sum of `get_connection_count()`). */
  getActiveConnectionsCount(): number {
    const server = this.#use();
    let total = 0;
    for (const userId of this.#managers.keys()) total += server.manager.getReachableConnectionCount(userId);
    return total;
  }

  /** Managers held (one per user at most). */
  getManagerCount(): number {
    return this.#managers.size;
  }

  /** Forgets every manager. Idempotent. */
  async close(): Promise<void> {
    this.#closed = true;
    const server = this.#server ?? boundLegacyServer();
    for (const manager of this.#managers.values()) this.#retire(server, manager, 'factory closed');
    this.#managers.clear();
  }

  /** @deprecated WSSOT_DEP009: use {@link WebSocketManagerFactory.createIsolatedManager | createIsolatedManager}. */
  create_isolated_manager(userId: UserId | number, connectionId: ConnectionId | number): LegacyFactoryManager {
    useDeprecated('WSSOT_DEP009', this.#server);
    return this.createIsolatedManager(userId, connectionId);
  }
  /** @deprecated WSSOT_DEP009: use {@link WebSocketManagerFactory.getManagerByUser | getManagerByUser}. */
  get_manager_by_user(userId: UserId | number): LegacyFactoryManager | undefined {
    useDeprecated('WSSOT_DEP009', this.#server);
    return this.getManagerByUser(userId);
  }
  /** @deprecated WSSOT_DEP009: use {@link WebSocketManagerFactory.createManager | createManager}. */
  create_manager(userContext?: LegacyUserContext | UserId | number | null): LegacyFactoryManager | LegacyManagerFacade {
    useDeprecated('WSSOT_DEP009', this.#server);
    return this.createManager(userContext);
  }
  /** @deprecated WSSOT_DEP009: use {@link WebSocketManagerFactory.cleanupManager | cleanupManager}. */
  cleanup_manager(userId: UserId | number, connectionId?: ConnectionId | number): number {
    useDeprecated('WSSOT_DEP009', this.#server);
    return this.cleanupManager(userId, connectionId);
  }
  /** @deprecated WSSOT_DEP009: use {@link WebSocketManagerFactory.getActiveConnectionsCount | getActiveConnectionsCount}. */
  get_active_connections_count(): number {
    useDeprecated('WSSOT_DEP009', this.#server);
    return this.getActiveConnectionsCount();
  }

  /** Resolves the server for this call (per call, so a module-level `new WebSocketManagerFactory()` works once the app binds one), warns once, counts it. */
  #use(): MigrationServer {
    const server = resolveLegacyServer(this.#server, 'WebSocketManagerFactory (legacy path)');
    useDeprecated('WSSOT_DEP007', server);
    return server;
  }

  /**
   * Stops handing `manager` out; with `WS_ENABLE_FACTORY` it sent through `wss.factory`'s isolated manager for
   * its (userId, connectionId), which is released too, so the canonical factory's cap is not filled by old runs.
   */
  #retire(server: MigrationServer | null, manager: LegacyFactoryManager, reason: Retired): void {
    manager.retire(reason);
    if (this.#managers.get(manager.userId) === manager) this.#managers.delete(manager.userId);
    server?.factory.cleanupManager(manager.userId, manager.connectionId);
  }
}

export type { LegacyUserBoundOptions } from './legacy-user-bound-manager.js';
export type { LegacyUserContext } from './legacy-user-context.js';
/** The old module's protocol types (seed 001 §1.3): the same types as `ws-ssot/legacy/protocols`'. */
export type { WebSocketManagerProtocol } from '../src/protocol.js';
export type { WebSocketConnection } from '../src/core/connection.js';
