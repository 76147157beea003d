/**
 * The legacy code path's lenient ids: old callers pass numbers, typed-id wrappers (`{ value }`, as the
 * seeds' `UserID`/`ConnectionID` NewTypes did) or strings. They are normalised to strings; anything else
 * still gets a coded error, never an `undefined` property error.
 */
import { InvalidConnectionIdError, InvalidUserIdError } from '../src/errors.js';
import { assertConnectionId, assertUserId, MAX_USER_ID_LENGTH } from '../src/core/validate.js';
import type { ConnectionId, UserId } from '../src/types.js';

function normalise(value: unknown): unknown {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' && Number.isFinite(value)) return String(value);
  if (typeof value === 'bigint') return String(value);
  if (typeof value === 'object' && value !== null) {
    const wrapped = (value as { value?: unknown; id?: unknown }).value ?? (value as { id?: unknown }).id;
    if (typeof wrapped === 'string' || typeof wrapped === 'number') return String(wrapped);
  }
  return value;
}

/** A user id from a string, number, bigint or `{ value }` / `{ id }` wrapper. Throws `InvalidUserIdError`. */
export function toUserId(value: unknown): UserId {
  // Fast path for the common case: a valid string id (the same check assertUserId makes). Kept apart from
  // the lenient forms so it stays small enough to be inlined into every legacy call.
  if (typeof value === 'string' && value.length > 0 && value.length <= MAX_USER_ID_LENGTH) return value;
  return lenientUserId(value);
}

function lenientUserId(value: unknown): UserId {
  const id = normalise(value);
  try {
    assertUserId(id);
  } catch {
    throw new InvalidUserIdError(value);
  }
  return id;
}

/** A connection id, normalised like {@link toUserId}. Throws `InvalidConnectionIdError`. */
export function toConnectionId(value: unknown): ConnectionId {
  const id = normalise(value);
  try {
    assertConnectionId(id);
  } catch {
    throw new InvalidConnectionIdError(value);
  }
  return id;
}
