/** A server's handle on its legacy side: the legacy path manager, deprecation usage, the global binding. */
import type { MigrationServer } from './migration-server.js';
import type { DeprecationCode } from './deprecation-codes.js';
import { bindLegacyGlobals, boundLegacyServer, unbindLegacyGlobals } from './global-binding.js';
import type { LegacyPathManager } from './legacy-path-manager.js';
import { LegacyUsage, type DeprecationUsageEntry } from './legacy-usage.js';

export class LegacyControl {
  /** The legacy code path's manager (the shared manager, or the app's own). */
  readonly manager: LegacyPathManager;
  /** Where legacy entry points bound to this server count their calls. */
  readonly usageCounter: LegacyUsage;
  readonly #server: MigrationServer;

  constructor(server: MigrationServer, manager: LegacyPathManager) {
    this.#server = server;
    this.manager = manager;
    this.usageCounter = new LegacyUsage();
  }

  /** Calls per deprecation code, with the time of the latest. */
  usage(): Record<DeprecationCode, DeprecationUsageEntry> {
    return this.usageCounter.snapshot();
  }

  /** Binds this server to `getWebSocketManager()` and to legacy objects created without `{ server }`. */
  bindGlobal(): void {
    bindLegacyGlobals(this.#server);
  }

  unbindGlobal(): void {
    unbindLegacyGlobals(this.#server);
  }

  get isBoundGlobally(): boolean {
    return boundLegacyServer() === this.#server;
  }
}
