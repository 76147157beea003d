/**
 * WebSocketManagerFactory: the one way to get a user-bound manager. Keyed by (userId, connectionId);
 * at most `maxManagersPerUser` per user; managers idle for `idleTimeoutMs` expire, lazily on access and by
 * one shared unref'd sweep timer (never a timer per manager). Returning an existing manager is a Map
 * lookup without allocation; creating one does not depend on how many users there are.
 */
import { ClosedError, InvalidOptionError, ManagerLimitError } from '../errors.js';
import { assertConnectionId, assertUserId } from '../core/validate.js';
import type { ConnectionId, UserId } from '../types.js';
import { resolveFactoryOptions, type FactoryOptions, type ResolvedFactoryOptions } from './factory-options.js';
import { IsolatedManager, kDispose, kLastUsedAt, kTouch, type IsolatedManagerClock } from './isolated-manager.js';
import type { IsolationTarget } from './isolation-target.js';

/** One user's managers, and the one most recently created or returned. */
interface UserManagers {
  readonly byConnection: Map<ConnectionId, IsolatedManager>;
  latest: IsolatedManager;
}

export class WebSocketManagerFactory {
  readonly options: ResolvedFactoryOptions;
  readonly #target: IsolationTarget;
  readonly #users = new Map<UserId, UserManagers>();
  readonly #clock: IsolatedManagerClock;
  #managerCount = 0;
  #sweepTimer: NodeJS.Timeout | null = null;
  #closed = false;

  /** @param target the canonical manager (`wss.manager`) the isolated managers send through. */
  constructor(target: IsolationTarget, options: FactoryOptions = {}) {
    const t = target as Partial<IsolationTarget> | null | undefined;
    if (typeof t !== 'object' || t === null || typeof t.sendMessage !== 'function' || typeof t.sendAgentEvent !== 'function' || typeof t.emitCriticalEvent !== 'function' || typeof t.getReachableConnectionCount !== 'function') {
      throw new InvalidOptionError('target', 'the canonical manager the isolated managers send through (wss.manager), or use wss.factory', target);
    }
    this.options = resolveFactoryOptions(options);
    this.#target = target;
    const { now, idleTimeoutMs } = this.options;
    this.#clock = {
      now,
      expireIfIdle: (manager) => {
        if (now() - manager[kLastUsedAt] <= idleTimeoutMs) return false;
        this.#remove(manager, 'expired');
        return true;
      },
    };
  }

  /**
   * The user's manager for `connectionId`: the existing one if still active (its idle clock restarts),
   * else a new one. Throws `InvalidUserIdError` / `InvalidConnectionIdError` on bad ids,
   * `ManagerLimitError` over `maxManagersPerUser`, `ClosedError` after `close()`.
   */
  createIsolatedManager(userId: UserId, connectionId: ConnectionId): IsolatedManager {
    if (this.#closed) throw new ClosedError('WebSocketManagerFactory');
    assertUserId(userId);
    assertConnectionId(connectionId);
    const now = this.options.now();
    let entry = this.#users.get(userId);
    const existing = entry?.byConnection.get(connectionId);
    if (existing !== undefined && entry !== undefined) {
      if (now - existing[kLastUsedAt] <= this.options.idleTimeoutMs) {
        existing[kTouch](now);
        entry.latest = existing;
        return existing;
      }
      this.#remove(existing, 'expired');
      entry = this.#users.get(userId);
    }
    if (entry !== undefined && entry.byConnection.size >= this.options.maxManagersPerUser) {
      this.#sweepUser(entry, now);
      entry = this.#users.get(userId);
      if (entry !== undefined && entry.byConnection.size >= this.options.maxManagersPerUser) throw new ManagerLimitError(userId, this.options.maxManagersPerUser);
    }
    const manager = new IsolatedManager(userId, connectionId, this.#target, this.#clock);
    if (entry === undefined) this.#users.set(userId, { byConnection: new Map([[connectionId, manager]]), latest: manager });
    else {
      entry.byConnection.set(connectionId, manager);
      entry.latest = manager;
    }
    this.#managerCount++;
    this.#startSweeping();
    return manager;
  }

  /** The user's most recently created or returned active manager, or undefined. No allocation. */
  getManagerByUser(userId: UserId): IsolatedManager | undefined {
    assertUserId(userId);
    const entry = this.#users.get(userId);
    if (entry === undefined) return undefined;
    const latest = entry.latest;
    if (this.options.now() - latest[kLastUsedAt] <= this.options.idleTimeoutMs) return latest;
    this.#sweepUser(entry, this.options.now());
    return this.#users.get(userId)?.latest;
  }

  /** Disposes the user's managers (or only the one for `connectionId`). Returns how many. */
  cleanupManager(userId: UserId, connectionId?: ConnectionId): number {
    assertUserId(userId);
    const entry = this.#users.get(userId);
    if (entry === undefined) return 0;
    if (connectionId !== undefined) {
      assertConnectionId(connectionId);
      const manager = entry.byConnection.get(connectionId);
      if (manager === undefined) return 0;
      this.#remove(manager, 'cleaned up');
      return 1;
    }
    const managers = Array.from(entry.byConnection.values());
    for (const manager of managers) this.#remove(manager, 'cleaned up');
    return managers.length;
  }

  /** Open connections of the users this factory holds managers for, each user counted once. */
  getActiveConnectionsCount(): number {
    let total = 0;
    for (const userId of this.#users.keys()) total += this.#target.getReachableConnectionCount(userId);
    return total;
  }

  /** Active managers held. */
  getManagerCount(): number {
    return this.#managerCount;
  }

  /** Users with at least one manager. */
  getUserCount(): number {
    return this.#users.size;
  }

  /** Expires every manager idle longer than `idleTimeoutMs` at `now`. Returns how many. */
  sweep(now: number = this.options.now()): number {
    const before = this.#managerCount;
    for (const entry of Array.from(this.#users.values())) this.#sweepUser(entry, now);
    return before - this.#managerCount;
  }

  /** Disposes every manager and stops the sweep timer. Idempotent. */
  async close(): Promise<void> {
    this.#closed = true;
    this.#stopSweeping();
    for (const entry of this.#users.values()) for (const manager of entry.byConnection.values()) manager[kDispose]('factory closed');
    this.#users.clear();
    this.#managerCount = 0;
  }

  #sweepUser(entry: UserManagers, now: number): void {
    for (const manager of Array.from(entry.byConnection.values())) {
      if (now - manager[kLastUsedAt] > this.options.idleTimeoutMs) this.#remove(manager, 'expired');
    }
  }

  #remove(manager: IsolatedManager, reason: 'expired' | 'cleaned up'): void {
    manager[kDispose](reason);
    const entry = this.#users.get(manager.userId);
    if (entry === undefined || entry.byConnection.get(manager.connectionId) !== manager) return;
    entry.byConnection.delete(manager.connectionId);
    this.#managerCount--;
    if (entry.byConnection.size === 0) {
      this.#users.delete(manager.userId);
      if (this.#users.size === 0) this.#stopSweeping();
    } else if (entry.latest === manager) {
      let latest = manager;
      for (const m of entry.byConnection.values()) if (latest === manager || m[kLastUsedAt] > latest[kLastUsedAt]) latest = m;
      entry.latest = latest;
    }
  }

  #startSweeping(): void {
    if (this.#sweepTimer !== null) return;
    this.#sweepTimer = setInterval(() => this.sweep(), this.options.sweepIntervalMs);
    this.#sweepTimer.unref();
  }

  #stopSweeping(): void {
    if (this.#sweepTimer !== null) clearInterval(this.#sweepTimer);
    this.#sweepTimer = null;
  }
}
