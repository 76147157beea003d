/**
 * The migration server: the canonical server plus everything that exists only for the migration — the
 * legacy code path (routed to while `WS_ENABLE_SSOT` is off for a user), `LegacyControl` (the legacy
 * global binding and deprecation usage) and deprecation counts in health. Phase 6 of MIGRATION.md is one
 * import: `createMigrationServer` from `ws-ssot/legacy` becomes `createWebSocketServer` from `ws-ssot`.
 */
import { InvalidOptionError } from '../src/errors.js';
import type { WebSocketServerOptions } from '../src/config/server-options.js';
import { WsSsotServer } from '../src/server/ws-ssot-server.js';
import type { WebSocketHealth } from '../src/server/health.js';
import type { DeprecationCode } from './deprecation-codes.js';
import { LegacyControl } from './legacy-control.js';
import type { LegacyManagerDeps, LegacyPathManager } from './legacy-path-manager.js';
import { LegacySharedManager } from './legacy-shared-manager.js';

/** Options of {@link createMigrationServer}: the canonical server's, and the legacy path's. */
export interface MigrationServerOptions extends WebSocketServerOptions {
  /**
   * Builds the legacy code path, for a team plugging in its own old manager. It admits into `deps.manager`
   * (`register(…, 'legacy')` then `openSession`) so seq, replay and sends stay shared.
   * @default (deps) => new LegacySharedManager(deps)
   */
  createLegacyManager?: (deps: LegacyManagerDeps) => LegacyPathManager;
}

/** The migration server's health: the canonical fields, plus what the migration needs to watch. */
export interface MigrationHealth extends WebSocketHealth {
  /** True if the legacy path serves: legacy connections are open, or new connections go to it. */
  legacy: boolean;
  /** Calls per deprecation code (0 = that legacy entry point is unused). */
  deprecations: Record<DeprecationCode, number>;
}

export class MigrationServer extends WsSsotServer {
  /** The legacy code path (manager), deprecation usage, and the legacy global binding. */
  readonly legacy: LegacyControl;

  constructor(options: MigrationServerOptions) {
    // Validated before the canonical server starts any timer.
    const create = options?.createLegacyManager;
    if (create !== undefined && typeof create !== 'function') throw new InvalidOptionError('createLegacyManager', 'a function (deps) => LegacyPathManager', create);
    super(options);
    const deps: LegacyManagerDeps = { manager: this.manager, logger: this.logger };
    let manager: LegacyPathManager;
    try {
      manager = create?.(deps) ?? new LegacySharedManager(deps);
      this.addCodePath(manager);
    } catch (err) {
      // The canonical server is already listening and holds the path: release everything before rethrowing.
      void super.close();
      throw err;
    }
    this.legacy = new LegacyControl(this, manager);
  }

  override health(): MigrationHealth {
    const health = super.health();
    return { ...health, legacy: health.paths.legacy > 0 || !health.flags.ssot, deprecations: this.legacy.usageCounter.counts() };
  }

  /** Unbinds the legacy global accessor from this server, then closes as the canonical server does. */
  override close(): Promise<void> {
    this.legacy.unbindGlobal();
    return super.close();
  }
}

/** Creates the migration server: {@link createWebSocketServer}'s server with the legacy path beside the SSOT one. */
export function createMigrationServer(options: MigrationServerOptions): MigrationServer {
  return new MigrationServer(options);
}
