/**
 * The interface of a legacy code path: a code path (admission) over the server's one registry, with the
 * unified protocol in its lenient old form, and what the migration server needs to run it (its counts, its
 * drain and shutdown). {@link LegacySharedManager} implements it; a team may plug in its own old manager
 * through `createLegacyManager`, admitting into `deps.manager` (see code-path.ts in the package source).
 */
import type { Logger } from 'pino';
import type { WebSocket } from 'ws';
import type { CodePathHandler } from '../src/core/code-path.js';
import type { WebSocketConnection } from '../src/core/connection.js';
import type { UnifiedWebSocketManager } from '../src/core/unified-manager.js';
import type { WebSocketManagerProtocol } from '../src/protocol.js';

export interface LegacyPathManager extends WebSocketManagerProtocol, CodePathHandler {
  readonly path: 'legacy';
  /** Open connections admitted by this path. */
  getConnectionCount(): number;
  /** This path's open connections. */
  connections(): IterableIterator<WebSocketConnection>;
  /** Unregisters one of this path's connections after its socket closed (by user, connection id or connection). Idempotent. */
  handleDisconnection(target: string | WebSocketConnection, code?: number, reason?: string): void;
  /** Users with an open connection on this path. */
  getUserCount(): number;
  /** Closes this path's connections matching `predicate` and unregisters them at once; returns the sockets. */
  closeWhere(predicate: (connection: WebSocketConnection) => boolean, code: number, reason: string): WebSocket[];
  /** Closes this path's connections. Idempotent. */
  close(code?: number, reason?: string): WebSocket[];
}

/** What the migration server hands a legacy path. */
export interface LegacyManagerDeps {
  /**
   * The server's canonical manager: the one registry every path admits into (`register` + `openSession`)
   * and the one send path (sequencing, log, fan-out, shadow sampling).
   */
  manager: UnifiedWebSocketManager;
  logger: Logger;
}
