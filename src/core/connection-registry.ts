/**
 * What the managers of both code paths share: the registry of open connections by id, and every way a
 * connection leaves it — one at a time, by predicate, all at shutdown, or as a slow consumer — with the
 * bookkeeping, metrics and listener-safe events that go with it. Each subclass keeps its own user index
 * (several connections per user on the SSOT path, one on the legacy path) and releases it in `forgetUser`.
 */
import { EventEmitter } from 'node:events';
import type { Logger } from 'pino';
import type { WebSocket } from 'ws';
import { CloseCode } from '../close-codes.js';
import type { WsSsotMetrics } from '../observability/metrics.js';
import type { CodePath, ConnectionId } from '../types.js';
import type { ConnectionOwner, WebSocketConnection } from './connection.js';
import type { EventStore } from './event-store.js';
import { closeMatching, closeSocket } from './socket-lifecycle.js';

export interface ConnectionRegistryEvents {
  connection: [connection: WebSocketConnection];
  disconnection: [connection: WebSocketConnection, code: number, reason: string];
}

/** What a registry is built from; the subclass resolves its own options into it. */
export interface ConnectionRegistryParts {
  logger: Logger;
  metrics: WsSsotMetrics | null;
  /** The event store; `ownsStore` says whether closing the registry closes it too. */
  store: EventStore;
  ownsStore: boolean;
  /** How long a peer closed as slow (or replaced) may take to finish the close handshake. */
  slowCloseTimeoutMs: number;
}

export abstract class ConnectionRegistry extends EventEmitter<ConnectionRegistryEvents> implements ConnectionOwner {
  /** Which code path this manager serves. */
  abstract readonly path: CodePath;
  abstract readonly highWaterMark: number;
  readonly logger: Logger;
  /** @internal Open connections by id. */
  protected readonly connectionsById = new Map<ConnectionId, WebSocketConnection>();
  /** @internal */
  protected readonly metrics: WsSsotMetrics | null;
  /** @internal */
  protected readonly store: EventStore;
  readonly #ownsStore: boolean;
  readonly #slowCloseTimeoutMs: number;

  constructor(parts: ConnectionRegistryParts) {
    super();
    this.logger = parts.logger;
    this.metrics = parts.metrics;
    this.store = parts.store;
    this.#ownsStore = parts.ownsStore;
    this.#slowCloseTimeoutMs = parts.slowCloseTimeoutMs;
  }

  getConnectionCount(): number {
    return this.connectionsById.size;
  }

  /** Every open connection (live iterator; do not add or remove while iterating). */
  connections(): IterableIterator<WebSocketConnection> {
    return this.connectionsById.values();
  }

  /**
   * Closes every connection matching `predicate` with `code` (1012 for a path drain, 1001 at shutdown)
   * and unregisters it at once. Returns the sockets so a caller can wait for them.
   */
  closeWhere(predicate: (connection: WebSocketConnection) => boolean, code: number, reason: string): WebSocket[] {
    return closeMatching(this.connectionsById.values(), predicate, code, reason, (connection) => this.closeConnection(connection, code, reason, false));
  }

  /** Sends coalesced frames to connections whose buffers have drained (called by the heartbeat, too). */
  flushPending(): void {
    for (const connection of this.connectionsById.values()) if (connection.pending !== null) connection.flushPending();
  }

  /** Closes every connection (1001 by default), stops timers, and forgets all state. Idempotent. */
  close(code: number = CloseCode.GOING_AWAY, reason = 'server shutting down; reconnect'): WebSocket[] {
    this.flushPending(); // coalesced frames whose buffer has room go out before the close frame
    const sockets = this.closeWhere(() => true, code, reason);
    if (this.#ownsStore) this.store.close();
    return sockets;
  }

  // ---- ConnectionOwner ---------------------------------------------------------------------------

  closeSlowConsumer(connection: WebSocketConnection): void {
    connection.log.warn({ bufferedAmount: connection.socket.bufferedAmount }, 'slow consumer: closing so it reconnects and recovers');
    this.metrics?.slowConsumerClosed();
    this.closeConnection(connection, CloseCode.SLOW_CONSUMER, 'slow consumer', true);
  }

  noteTransientLoss(_connection: WebSocketConnection, reason: 'dropped' | 'coalesced'): void {
    this.metrics?.transientLoss(reason);
  }

  // ---- for subclasses ----------------------------------------------------------------------------

  /** Drops the connection from the subclass's user index (and whatever else it keeps per connection). @internal */
  protected abstract forgetUser(connection: WebSocketConnection, code: number): void;

  /**
   * Unregisters at once (nothing more is sent) and closes the socket; with `terminateSoon`, terminates it
   * if the close handshake hangs.
   * @internal
   */
  protected closeConnection(connection: WebSocketConnection, code: number, reason: string, terminateSoon: boolean): void {
    this.unregister(connection, code, reason);
    closeSocket(connection.socket, code, reason, terminateSoon ? this.#slowCloseTimeoutMs : null);
  }

  /** @internal */
  protected unregister(connection: WebSocketConnection, code: number, reason: string): void {
    const lost = connection.markClosed();
    if (lost === null) return;
    // Coalesced frames still waiting for the buffer to drain are lost with the connection: count them.
    this.metrics?.transientLoss('dropped', lost);
    this.connectionsById.delete(connection.id);
    this.forgetUser(connection, code);
    connection.log.debug({ code, reason, path: this.path }, 'connection removed');
    this.emitSafe('disconnection', connection, code, reason);
  }

  /**
   * Emits to every listener even if one throws: an application listener that throws must not break the
   * manager's bookkeeping nor a fan-out to other connections (nor escape into ws's 'close' handler).
   * @internal
   */
  protected emitSafe<K extends keyof ConnectionRegistryEvents>(event: K, ...args: ConnectionRegistryEvents[K]): void {
    if (this.listenerCount(event) === 0) return;
    // rawListeners: 'once' wrappers, so a once-listener is removed as it runs.
    for (const listener of this.rawListeners(event) as Array<(...a: ConnectionRegistryEvents[K]) => unknown>) {
      try {
        listener.apply(this, args);
      } catch (err) {
        this.logger.error({ err, event, path: this.path }, 'a manager event listener threw');
      }
    }
  }
}
