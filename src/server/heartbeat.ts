/**
 * One timer per server pings every connection; a peer that has not answered the previous ping is
 * terminated (half-open TCP connections otherwise go unnoticed for minutes).
 */
import type { WebSocketConnection } from '../core/connection.js';

export interface HeartbeatTarget {
  connections(): IterableIterator<WebSocketConnection>;
  flushPending(): void;
  /** Unregisters at once, so nothing more is sent to a dead peer. */
  handleDisconnection(connection: WebSocketConnection, code?: number, reason?: string): void;
}

export class Heartbeat {
  readonly #intervalMs: number;
  readonly #targets: () => readonly HeartbeatTarget[];
  readonly #onTerminate: (connection: WebSocketConnection) => void;
  #timer: NodeJS.Timeout | null = null;

  constructor(intervalMs: number, targets: () => readonly HeartbeatTarget[], onTerminate: (connection: WebSocketConnection) => void) {
    this.#intervalMs = intervalMs;
    this.#targets = targets;
    this.#onTerminate = onTerminate;
  }

  start(): void {
    if (this.#intervalMs === 0 || this.#timer !== null) return;
    this.#timer = setInterval(() => this.tick(), this.#intervalMs);
    this.#timer.unref();
  }

  stop(): void {
    if (this.#timer !== null) clearInterval(this.#timer);
    this.#timer = null;
  }

  /** One round: terminate peers that missed the last ping, ping the rest, flush coalesced frames. */
  tick(): void {
    for (const target of this.#targets()) {
      for (const connection of Array.from(target.connections())) {
        if (!connection.isOpen) continue;
        if (!connection.alive) {
          connection.log.info('heartbeat: no pong since the last ping, terminating');
          this.#onTerminate(connection);
          target.handleDisconnection(connection, 1006, 'heartbeat timeout');
          connection.socket.terminate();
          continue;
        }
        connection.alive = false;
        connection.socket.ping();
      }
      target.flushPending();
    }
  }
}
