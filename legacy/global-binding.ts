/**
 * The process-global state of ws-ssot, emulating the old global `get_websocket_manager()` (the only other
 * process-wide state is Node's warn-once flag per deprecation code, in deprecations.ts):
 * which server the legacy global accessor and unbound legacy objects use. The app sets it explicitly at
 * startup (`wss.legacy.bindGlobal()` or `bindLegacyGlobals(wss)`); nothing binds implicitly.
 *
 * Kept on `globalThis` under a `Symbol.for` key so the ESM and CJS copies of the package (a legacy module
 * `require`d while the app `import`s ws-ssot) see the same binding.
 */
import type { MigrationServer } from './migration-server.js';

// Versioned: two incompatible majors in one process must not share (and misread) one slot.
const kBoundServer = Symbol.for('ws-ssot.v1.legacy.boundServer');

type GlobalSlot = { [kBoundServer]?: MigrationServer | null };

/** Makes `wss` the server behind `getWebSocketManager()` and legacy objects created without `{ server }`. */
export function bindLegacyGlobals(wss: MigrationServer): void {
  (globalThis as GlobalSlot)[kBoundServer] = wss;
}

/** Clears the binding (only if it is `wss`, when given). Servers call this on close. */
export function unbindLegacyGlobals(wss?: MigrationServer): void {
  const slot = globalThis as GlobalSlot;
  if (wss === undefined || slot[kBoundServer] === wss) slot[kBoundServer] = null;
}

/** The bound server, or null. */
export function boundLegacyServer(): MigrationServer | null {
  return (globalThis as GlobalSlot)[kBoundServer] ?? null;
}
