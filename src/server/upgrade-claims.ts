/**
 * Which ws-ssot server answers the upgrades of one path of an http(s).Server. Two servers on the same
 * http.Server and path would both handle every upgrade (one completes the handshake, the other writes an
 * HTTP error into the upgraded stream), so a second one is refused at construction with `PathInUseError`
 * while the first is open. Once the first's close() is called, a new server may claim the path: the closed
 * one's listener, which answers 503 until then, stands down (is removed) at that moment.
 *
 * The claims live on the http.Server object itself, under a versioned `Symbol.for` key, not at module
 * level: the ESM and the CJS copy of the package in one process see the same claims, and they go away with
 * the http.Server. Their shape ({@link UpgradeClaim}) is the contract between copies: bump the key's
 * version if it changes.
 */
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import type { WebSocketServerOptions } from '../config/server-options.js';
import { PathInUseError } from '../errors.js';
import type { UpgradeHandler } from './upgrade-handler.js';

const kClaims = Symbol.for('ws-ssot.v1.upgradeClaims');

/** One server's claim on a path of an http.Server. */
export interface UpgradeClaim {
  /** True until the claiming server's close() is called; while true, no other server may claim the path. */
  open: boolean;
  /** Called once by the server taking the path over: the previous holder stops answering its upgrades. */
  release(): void;
}

type Claims = Map<string, UpgradeClaim>;

function claimsOf(server: object, create: boolean): Claims | undefined {
  const existing = (server as { [kClaims]?: unknown })[kClaims];
  if (existing instanceof Map) return existing as Claims;
  if (!create) return undefined;
  const claims: Claims = new Map();
  Object.defineProperty(server, kClaims, { value: claims, configurable: true });
  return claims;
}

/** Throws `PathInUseError` if an open ws-ssot server (of any copy) serves `path` on `server`. */
export function assertPathFree(server: object, path: string): void {
  if (claimsOf(server, false)?.get(path)?.open === true) throw new PathInUseError(path);
}

/**
 * Makes `claim` the holder of `path` on `server`. A previous holder must be closed (else `PathInUseError`);
 * it is released, so only the new claim's listener answers from now on.
 */
export function claimPath(server: object, path: string, claim: UpgradeClaim): void {
  const claims = claimsOf(server, true) as Claims;
  const previous = claims.get(path);
  if (previous !== undefined && previous !== claim) {
    if (previous.open) throw new PathInUseError(path);
    previous.release();
  }
  claims.set(path, claim);
}

/**
 * Claims `path` on `server` for `upgrades` ({@link claimPath}) and listens for the http.Server's upgrades
 * with it. Taking the path over from this claim removes that listener (a closed server's 503s stand down).
 */
export function listenOnPath(server: WebSocketServerOptions['server'], path: string, upgrades: UpgradeHandler): UpgradeClaim {
  const onUpgrade = (req: IncomingMessage, socket: Duplex, head: Buffer): void => void upgrades.handle(req, socket, head);
  const claim: UpgradeClaim = { open: true, release: () => void server.removeListener('upgrade', onUpgrade) };
  claimPath(server, path, claim);
  server.on('upgrade', onUpgrade);
  return claim;
}
