/**
 * The interface of a legacy code path manager: the unified protocol plus what the server needs to run it
 * beside the SSOT manager (heartbeat, drain, shutdown, cross-path delivery). {@link LegacySharedManager}
 * implements it; a team may plug in its own old manager through `createLegacyManager`.
 */
import type { Logger } from 'pino';
import type { WebSocket } from 'ws';
import type { WebSocketConnection } from '../src/core/connection.js';
import type { EventStore } from '../src/core/event-store.js';
import type { PathPeer } from '../src/core/path-peer.js';
import type { WsSsotMetrics } from '../src/observability/metrics.js';
import type { WebSocketManagerProtocol } from '../src/protocol.js';
import type { HeartbeatTarget } from '../src/server/heartbeat.js';
import type { LegacySendObserver } from '../src/shadow/legacy-send-observer.js';

export interface LegacyPathManager extends WebSocketManagerProtocol, HeartbeatTarget, PathPeer {
  readonly path: 'legacy';
  /** Unregisters after a socket closed (by user, connection id or connection). Idempotent. */
  handleDisconnection(target: string | WebSocketConnection, code?: number, reason?: string): void;
  /** Users with an open connection on this path. */
  getUserCount(): number;
  /** Closes every connection matching `predicate` and unregisters it at once; returns the sockets. */
  closeWhere(predicate: (connection: WebSocketConnection) => boolean, code: number, reason: string): WebSocket[];
  /** Closes every connection. Idempotent. */
  close(code?: number, reason?: string): WebSocket[];
}

/** What the server hands a legacy path manager. It must sequence and log through `store`. */
export interface LegacyManagerDeps {
  /** The server's EventStore: per-user seq, epoch and replay log shared with the SSOT path. */
  store: EventStore;
  metrics: WsSsotMetrics | null;
  logger: Logger;
  /** The SSOT manager: sends must reach its connections of the user too. */
  peer: () => PathPeer | null;
  /** Per-connection high-water mark on bufferedAmount, in bytes. */
  highWaterMark: number;
  /** Grace period for a replaced or slow peer to finish closing. */
  slowCloseTimeoutMs: number;
  /** Shadow mode: told about connections and sends so it can compare with the SSOT path. null = off. */
  shadow?: LegacySendObserver | null;
}
