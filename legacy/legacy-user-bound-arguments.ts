/**
 * How a user-bound manager (legacy-user-bound-manager.ts) reads the arguments of the old calls: which form a
 * call used (the old forms start with a user id), that a user id it was given is its own user's
 * (`CrossUserAccessError` otherwise), and what a remove or disconnect target names among its user's
 * connections. Isolation holds whatever the caller passes.
 */
import { CrossUserAccessError } from '../src/errors.js';
import type { AgentEventOptions } from '../src/events/agent-events.js';
import type { ConnectionContext, SendOptions } from '../src/protocol.js';
import type { ConnectionId, UserId } from '../src/types.js';
import { toConnectionId, toUserId } from './lenient-ids.js';
import type { MigrationServer } from './migration-server.js';

export const SEND_OPTION_KEYS: ReadonlySet<string> = new Set(['delivery']);
export const EVENT_OPTION_KEYS: ReadonlySet<string> = new Set(['delivery', 'runId']);

/**
 * A plain object whose own enumerable keys are all option names (and at least one): an options argument, not
 * a payload. Walks the keys without collecting them (no array per call) and stops at the first other key, which
 * for a payload is usually its first.
 */
export function isOptionsObject(value: unknown, keys: ReadonlySet<string>): boolean {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  let any = false;
  for (const key in value) {
    if (!Object.hasOwn(value, key)) continue;
    if (!keys.has(key)) return false;
    any = true;
  }
  return any;
}

/**
 * `sendMessage(a, b)` with two arguments: the old `(userId, message)` unless `b` is an options object. Out of
 * line, so the common one-argument call does not carry it.
 */
export function startsWithUserId(a: unknown, b: unknown, keys: ReadonlySet<string>): boolean {
  return (typeof a === 'string' || typeof a === 'number') && !isOptionsObject(b, keys);
}

/** The two forms `sendMessage` accepts. */
export type SendMessageArgs = [message: unknown, options?: SendOptions] | [userId: UserId | number, message: unknown, options?: SendOptions];
/** The two forms `sendAgentEvent` accepts. */
export type SendAgentEventArgs = [type: string, data?: unknown, options?: AgentEventOptions] | [userId: UserId | number, type: string, data: unknown, options?: AgentEventOptions];

/** A connection context of the old calls: this user's id (lenient), or none. */
export type LegacyConnectionContext = Partial<Omit<ConnectionContext, 'userId'>> & { userId?: UserId | number };

/** Throws `CrossUserAccessError` unless `requested` is (leniently) the bound user's id. */
export function assertSameUser(userId: UserId, requested: unknown): void {
  let id: UserId;
  try {
    id = toUserId(requested);
  } catch {
    throw new CrossUserAccessError(userId, requested);
  }
  if (id !== userId) throw new CrossUserAccessError(userId, requested);
}

/**
 * What `removeConnection` / `handleDisconnection` act on: this user (no argument, or its id), one of its
 * connections (by id), or null (an id no open connection has). Another user's connection is refused.
 */
export function ownTarget(server: MigrationServer, userId: UserId, requested: unknown): UserId | ConnectionId | null {
  if (requested === undefined || requested === null) return userId;
  const id = toConnectionId(requested);
  if (id === userId) return id;
  const connection = server.manager.getConnection(id);
  if (connection === undefined) {
    // Another user's id (the old calls took a user or a connection id alike) is refused, not ignored.
    if (server.manager.getUserConnectionCount(id) > 0) throw new CrossUserAccessError(userId, requested);
    return null;
  }
  if (connection.userId !== userId) throw new CrossUserAccessError(userId, requested);
  return id;
}
