/** Argument checks shared by every public entry point; each throws a coded error, never a TypeError from deep inside. */
import { InvalidConnectionIdError, InvalidUserIdError, MessageNotSerializableError } from '../errors.js';
import type { ConnectionId, UserId } from '../types.js';

const MAX_USER_ID_LENGTH = 256;

export function assertUserId(value: unknown): asserts value is UserId {
  if (typeof value !== 'string' || value.length === 0 || value.length > MAX_USER_ID_LENGTH) throw new InvalidUserIdError(value);
}

export function assertConnectionId(value: unknown): asserts value is ConnectionId {
  if (typeof value !== 'string' || value.length === 0) throw new InvalidConnectionIdError(value);
}

/** Serialises once to a JSON text; throws `MessageNotSerializableError` for values JSON cannot carry. */
export function serialize(message: unknown): string {
  let text: string | undefined;
  try {
    text = JSON.stringify(message);
  } catch (err) {
    throw new MessageNotSerializableError((err as Error).message, err);
  }
  if (typeof text !== 'string') throw new MessageNotSerializableError(`${typeof message} has no JSON form`);
  return text;
}
