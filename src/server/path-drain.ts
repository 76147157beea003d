/**
 * Moving connections onto the code path the flags choose: `drain()` closes with 1012 (service restart) the
 * connections whose path differs from the flags' current choice for their user (or every connection on one
 * path), so clients reconnect onto the right path and resume; the flag-change drainer asks the same
 * questions one connection at a time.
 */
import type { Logger } from 'pino';
import { CloseCode } from '../close-codes.js';
import type { WebSocketConnection } from '../core/connection.js';
import type { UnifiedWebSocketManager } from '../core/unified-manager.js';
import { InvalidOptionError } from '../errors.js';
import type { WsSsotMetrics } from '../observability/metrics.js';
import type { PathRouter } from '../routing/path-router.js';
import type { CodePath, UserId } from '../types.js';

/** Options of {@link WsSsotServer.drain}. */
export interface DrainOptions {
  /** Drain every connection on this path, whatever the flags say. @default the connections whose path differs from the flags' current choice for their user */
  path?: CodePath;
  /** Close reason sent with 1012. @default 'code path changed; reconnect' */
  reason?: string;
}

const FLAG_CHANGE_REASON = 'code path changed; reconnect';

export class PathDrain {
  readonly #manager: UnifiedWebSocketManager;
  readonly #router: PathRouter;
  readonly #metrics: WsSsotMetrics;
  readonly #logger: Logger;

  constructor(manager: UnifiedWebSocketManager, router: PathRouter, metrics: WsSsotMetrics, logger: Logger) {
    this.#manager = manager;
    this.#router = router;
    this.#metrics = metrics;
    this.#logger = logger;
  }

  /** Closes the misplaced connections (or every connection on `options.path`) with 1012; returns how many. */
  drain(options: DrainOptions): number {
    if (typeof options !== 'object' || options === null) throw new InvalidOptionError('drain options', 'an object { path?, reason? }', options);
    const { path, reason = FLAG_CHANGE_REASON } = options;
    if (path !== undefined && path !== 'ssot' && path !== 'legacy') throw new InvalidOptionError('path', "'ssot' or 'legacy'", path);
    const misplaced = path !== undefined ? (connection: WebSocketConnection): boolean => connection.path === path : this.#misplacedByFlags();
    const closed = { ssot: 0, legacy: 0 };
    this.#manager.closeWhere((connection) => {
      if (!misplaced(connection)) return false;
      closed[connection.path]++;
      return true;
    }, CloseCode.SERVICE_RESTART, reason);
    this.#metrics.drained('manual', 'ssot', closed.ssot);
    this.#metrics.drained('manual', 'legacy', closed.legacy);
    const total = closed.ssot + closed.legacy;
    this.#logger.info({ closed: total, path: path ?? 'by flags' }, 'drained connections onto the current code path');
    return total;
  }

  /** The connections on another path than the flags now choose for their user. */
  misplacedConnections(): WebSocketConnection[] {
    const misplaced = this.#misplacedByFlags();
    const out: WebSocketConnection[] = [];
    for (const connection of this.#manager.connections()) if (misplaced(connection)) out.push(connection);
    return out;
  }

  /** The flag-change drainer's close of one connection (counted as trigger flag_change). */
  closeForFlagChange(connection: WebSocketConnection): void {
    this.#metrics.drained('flag_change', connection.path, this.#manager.removeConnection(connection.id, CloseCode.SERVICE_RESTART, FLAG_CHANGE_REASON));
  }

  /** A predicate: is the connection on another path than the flags now choose for its user? (one decision per user) */
  #misplacedByFlags(): (connection: WebSocketConnection) => boolean {
    const decisions = new Map<UserId, CodePath>();
    return (connection) => {
      let wanted = decisions.get(connection.userId);
      if (wanted === undefined) {
        wanted = this.#router.pathFor(connection.userId);
        decisions.set(connection.userId, wanted);
      }
      return wanted !== connection.path;
    };
  }
}
