/** The old user-context objects legacy call sites pass around, and how ids are read from them leniently. */
import type { ConnectionId, UserId } from '../src/types.js';
import { toConnectionId, toUserId } from './lenient-ids.js';

/** `{ userId }` or the seeds' snake_case `{ user_id, websocket_connection_id }`; ids may be numbers or `{ value }`. */
export interface LegacyUserContext {
  userId?: unknown;
  user_id?: unknown;
  connectionId?: unknown;
  connection_id?: unknown;
  websocket_connection_id?: unknown;
  [key: string]: unknown;
}

/** The user of a context (or of a bare id), or null if none is given. Throws `InvalidUserIdError` if malformed. */
export function userIdOf(context: LegacyUserContext | UserId | number | null | undefined): UserId | null {
  if (context === null || context === undefined) return null;
  if (typeof context !== 'object') return toUserId(context);
  const raw = context.userId ?? context.user_id;
  if (raw === undefined && 'value' in context) return toUserId(context);
  return raw === undefined ? null : toUserId(raw);
}

/** The connection of a context, or null. */
export function connectionIdOf(context: LegacyUserContext | null | undefined): ConnectionId | null {
  if (context === null || context === undefined || typeof context !== 'object') return null;
  const raw = context.connectionId ?? context.connection_id ?? context.websocket_connection_id;
  return raw === undefined ? null : toConnectionId(raw);
}
