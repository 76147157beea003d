/**
 * Decides, per new connection, which code path serves it: `WS_ENABLE_SSOT` on → the SSOT manager, off →
 * the legacy path (on a server that has one: the migration server of `ws-ssot/legacy`). Asked after authentication (the flag context has the userId, so a percentage rollout
 * is sticky per user) and before the per-user limit (the legacy path has none). The decision stays with
 * the connection for its life; every decision is logged at debug and counted by path.
 */
import type { Logger } from 'pino';
import type { FlagContext, FlagSource } from '../flags/flag-source.js';
import type { WsSsotMetrics } from '../observability/metrics.js';
import type { CodePath, UserId } from '../types.js';

export class PathRouter {
  readonly #flags: FlagSource;
  readonly #metrics: WsSsotMetrics;
  readonly #logger: Logger;
  readonly #serves: (path: CodePath) => boolean;

  /** `serves` says which paths the server has: a canonical server has no legacy path, so every user takes the SSOT one. */
  constructor(flags: FlagSource, metrics: WsSsotMetrics, logger: Logger, serves: (path: CodePath) => boolean = () => true) {
    this.#flags = flags;
    this.#metrics = metrics;
    this.#logger = logger;
    this.#serves = serves;
  }

  /** The path for a new connection of `userId`: counted and logged. */
  route(userId: UserId): CodePath {
    const path = this.pathFor(userId);
    this.#metrics.routed(path);
    this.#logger.debug({ userId, path }, 'routing decision');
    return path;
  }

  /** The path the flags choose for `userId` now, without counting (used by drain). */
  pathFor(userId: UserId): CodePath {
    if (!this.#serves('legacy')) return 'ssot';
    // Only the authenticated user id: a client-chosen value (its session id) must not choose the path,
    // and route() and drain() must agree.
    const context: FlagContext = { userId };
    let ssot = false;
    try {
      ssot = this.#flags.isEnabled('ssot', context);
    } catch (err) {
      // FlagSource must not throw; if an app's source does, the default (legacy) path is the safe answer.
      this.#logger.warn({ err }, 'flag source threw: routing to the legacy path');
    }
    return ssot ? 'ssot' : 'legacy';
  }
}
