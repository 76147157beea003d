/** Which server a legacy object talks to: the one it was given, else the one bound as the legacy global. */
import { LegacyNotBoundError } from '../src/errors.js';
import type { WsSsotServer } from '../src/server/ws-ssot-server.js';
import type { DeprecationCode } from './deprecation-codes.js';
import { warnDeprecated } from './deprecations.js';
import { boundLegacyServer } from './global-binding.js';

export function resolveLegacyServer(explicit: WsSsotServer | null, what: string): WsSsotServer {
  const server = explicit ?? boundLegacyServer();
  if (server === null) throw new LegacyNotBoundError(what);
  return server;
}

/** One use of a deprecated entry point: warn once per process, count per call (if a server is reachable). */
export function useDeprecated(code: DeprecationCode, server: WsSsotServer | null): void {
  warnDeprecated(code);
  (server ?? boundLegacyServer())?.legacy.usageCounter.record(code);
}
