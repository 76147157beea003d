/** Which server a legacy object talks to: the one it was given, else the one bound as the legacy global. */
import { LegacyNotBoundError } from '../src/errors.js';
import type { FlagContext } from '../src/flags/flag-source.js';
import { readFlag } from '../src/flags/read-flag.js';
import type { WebSocketManagerProtocol } from '../src/protocol.js';
import type { UserId } from '../src/types.js';
import type { MigrationServer } from './migration-server.js';
import type { DeprecationCode } from './deprecation-codes.js';
import { warnDeprecated } from './deprecations.js';
import { boundLegacyServer } from './global-binding.js';
import type { DeprecationCounter } from './legacy-usage.js';

export function resolveLegacyServer(explicit: MigrationServer | null, what: string): MigrationServer {
  const server = explicit ?? boundLegacyServer();
  if (server === null) throw new LegacyNotBoundError(what);
  return server;
}

/** One use of a deprecated entry point: warn once per process, count per call (if a server is reachable). */
export function useDeprecated(code: DeprecationCode, server: MigrationServer | null): void {
  warnDeprecated(code);
  (server ?? boundLegacyServer())?.legacy.usageCounter.record(code);
}

/**
 * `WS_ENABLE_UNIFIED` for a call that names `userId`: the in-process decisions when the flags do not depend on
 * the user (two field reads, no allocation), else the source asked with the user, so that a rollout by `userId`
 * (Unleash) answers for that user and not for "no user".
 */
export function unifiedFor(server: MigrationServer, userId: UserId): boolean {
  const decided = server.flags.localDecisions();
  if (decided !== null) return decided.unified;
  return readFlag(server.flags, 'unified', { userId }, server.logger);
}

/**
 * The per-call part of a legacy object: {@link resolveLegacyServer} then {@link useDeprecated} for its code,
 * with the lookups done once per server instead of per call. The server is still resolved on every call,
 * so a new global binding applies at once; the first call on a server warns (Node's warn-once per code
 * and process still decides) and finds the server's counter for the code, later calls only count.
 */
export class LegacyEntryPoint {
  readonly #code: DeprecationCode;
  readonly #name: string;
  readonly #explicit: MigrationServer | null;
  /** The server of the previous call, and its counter for the code. */
  #server: MigrationServer | null = null;
  #counter: DeprecationCounter | null = null;

  /** `name` is the old name, for `LegacyNotBoundError`; `server` the explicit one, or null for the bound one. */
  constructor(code: DeprecationCode, name: string, server: MigrationServer | null) {
    this.#code = code;
    this.#name = name;
    this.#explicit = server;
  }

  /** The server for this call; warns once per process and counts the call. Throws `LegacyNotBoundError`. */
  use(): MigrationServer {
    const server = this.#explicit ?? boundLegacyServer();
    if (server === null || server !== this.#server) return this.#useOn(server);
    this.#counter!.record();
    return server;
  }

  /**
   * {@link use}, then the manager the call goes to: `wss.manager` if `WS_ENABLE_UNIFIED` is on for `context`
   * (asked of the server's flag source on every call, through the one guarded read), else the legacy path's
   * manager. All in one method, so a call's legacy part is either inlined whole into its caller or one call away.
   */
  target(context: FlagContext | undefined): WebSocketManagerProtocol {
    let server = this.#explicit ?? boundLegacyServer();
    if (server !== null && server === this.#server) this.#counter!.record();
    else server = this.#useOn(server);
    return readFlag(server.flags, 'unified', context, server.logger) ? server.manager : server.legacy.manager;
  }

  /** {@link target} for a call that names a user: the flag is asked for that user ({@link unifiedFor}). */
  targetFor(userId: UserId): WebSocketManagerProtocol {
    let server = this.#explicit ?? boundLegacyServer();
    if (server !== null && server === this.#server) this.#counter!.record();
    else server = this.#useOn(server);
    return unifiedFor(server, userId) ? server.manager : server.legacy.manager;
  }

  /** The first call (on this server): warn, find the counter, count. Kept apart so `use()` stays small. */
  #useOn(server: MigrationServer | null): MigrationServer {
    // Warned before the not-bound error: an old call site learns its code even when the app forgot to bind.
    warnDeprecated(this.#code);
    if (server === null) throw new LegacyNotBoundError(this.#name);
    const counter = server.legacy.usageCounter.counter(this.#code);
    this.#counter = counter;
    this.#server = server;
    counter.record();
    return server;
  }
}
