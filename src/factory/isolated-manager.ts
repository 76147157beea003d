/**
 * A manager bound to one user: every method sends to, or reports on, that user's connections only.
 * No method takes a user id, so reaching another user is impossible by construction. It wraps the
 * canonical manager (sends reach the user's connections on both code paths, sequenced once).
 * Created and expired by a {@link WebSocketManagerFactory}; not constructed directly.
 */
import { ManagerExpiredError } from '../errors.js';
import type { AgentEventEnvelope, AgentEventOptions, CriticalEventDataMap, CriticalEventType } from '../events/agent-events.js';
import type { SendOptions } from '../protocol.js';
import type { ConnectionId, UserId } from '../types.js';
import type { IsolationTarget } from './isolation-target.js';

/** Package-internal hooks of the factory (symbol-keyed: not part of the public surface). */
export const kTouch = Symbol('ws-ssot.isolated.touch');
export const kDispose = Symbol('ws-ssot.isolated.dispose');
export const kLastUsedAt = Symbol('ws-ssot.isolated.lastUsedAt');

export interface IsolatedManagerClock {
  now(): number;
  /** True if the manager has been idle too long; the factory disposes it. */
  expireIfIdle(manager: IsolatedManager): boolean;
}

export class IsolatedManager {
  readonly userId: UserId;
  /** The connection id it was created for (the factory's key with userId). */
  readonly connectionId: ConnectionId;
  readonly createdAt: number;
  [kLastUsedAt]: number;
  readonly #target: IsolationTarget;
  readonly #clock: IsolatedManagerClock;
  #disposed: 'expired' | 'cleaned up' | 'factory closed' | null;

  /** @internal use `factory.createIsolatedManager(userId, connectionId)`. */
  constructor(userId: UserId, connectionId: ConnectionId, target: IsolationTarget, clock: IsolatedManagerClock) {
    this.userId = userId;
    this.connectionId = connectionId;
    this.#target = target;
    this.#clock = clock;
    this.createdAt = clock.now();
    this[kLastUsedAt] = this.createdAt;
    this.#disposed = null;
  }

  /** False once expired, cleaned up, or its factory closed. */
  get isActive(): boolean {
    return this.#disposed === null;
  }

  get lastUsedAt(): number {
    return this[kLastUsedAt];
  }

  /** Sends to every connection of this user. True if at least one got it. */
  sendMessage(message: unknown, options?: SendOptions): boolean {
    this.#use();
    return this.#target.sendMessage(this.userId, message, options);
  }

  /** Sends a sequenced agent event to this user. */
  sendAgentEvent(type: string, data?: unknown, options?: AgentEventOptions): AgentEventEnvelope {
    this.#use();
    return this.#target.sendAgentEvent(this.userId, type, data, options);
  }

  /** Sends one of the five critical events to this user (always durable). */
  emitCriticalEvent<T extends CriticalEventType>(type: T, data: CriticalEventDataMap[T], options?: { runId?: string }): AgentEventEnvelope<T, CriticalEventDataMap[T]> {
    this.#use();
    return this.#target.emitCriticalEvent(this.userId, type, data, options);
  }

  /** Open connections of this user, on every code path. */
  getConnectionCount(): number {
    this.#use();
    return this.#target.getReachableConnectionCount(this.userId);
  }

  isConnected(): boolean {
    return this.getConnectionCount() > 0;
  }

  [kTouch](now: number): void {
    this[kLastUsedAt] = now;
  }

  [kDispose](reason: 'expired' | 'cleaned up' | 'factory closed'): void {
    if (this.#disposed === null) this.#disposed = reason;
  }

  #use(): void {
    if (this.#disposed === null && this.#clock.expireIfIdle(this)) this[kDispose]('expired');
    if (this.#disposed !== null) throw new ManagerExpiredError(this.userId, this.#disposed);
    this[kLastUsedAt] = this.#clock.now();
  }
}
