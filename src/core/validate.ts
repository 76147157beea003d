/** Argument checks shared by every public entry point; each throws a coded error, never a TypeError from deep inside. */
import { InvalidConnectionIdError, InvalidOptionError, InvalidUserIdError, MessageNotSerializableError } from '../errors.js';
import type { DeliveryClass } from '../events/agent-events.js';
import type { ConnectionId, UserId } from '../types.js';

/** Longest user id accepted anywhere (the canonical check below and the legacy path's fast path). */
export const MAX_USER_ID_LENGTH = 256;

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
    throw notSerializable(message, err);
  }
  if (typeof text !== 'string') throw notSerializable(message, undefined);
  return text;
}

/** The error of {@link serialize}, built out of line so that serialize stays small enough to inline into every send. */
function notSerializable(message: unknown, cause: unknown): MessageNotSerializableError {
  return cause === undefined ? new MessageNotSerializableError(`${typeof message} has no JSON form`) : new MessageNotSerializableError((cause as Error).message, cause);
}

/**
 * Checks a close code and reason an application passes (removeConnection, closeWhere, close) before any
 * state changes: a code ws would refuse must not leave a connection unregistered but still open.
 */
export function assertCloseArgs(code: unknown, reason: unknown): asserts code is number {
  if (typeof code !== 'number' || !Number.isInteger(code) || !((code >= 1000 && code <= 1014 && code !== 1004 && code !== 1005 && code !== 1006) || (code >= 3000 && code <= 4999))) {
    throw new InvalidOptionError('code', 'a WebSocket close code (1000-1014 except 1004-1006, or 3000-4999)', code);
  }
  if (typeof reason !== 'string' || Buffer.byteLength(reason) > 123) throw new InvalidOptionError('reason', 'a string of at most 123 bytes', reason);
}

const DELIVERY_CLASSES: readonly DeliveryClass[] = ['durable', 'coalescible', 'droppable'];

/** The delivery class of per-call options (default 'durable'); throws `InvalidOptionError` for anything else. */
export function deliveryOf(options: unknown): DeliveryClass {
  // The common case (no options) stays a few bytes, so it inlines into every send within V8's budget.
  return options === undefined || options === null ? 'durable' : deliveryOfOptions(options);
}

function deliveryOfOptions(options: unknown): DeliveryClass {
  if (typeof options !== 'object') throw new InvalidOptionError('options', 'an object', options);
  const delivery = (options as { delivery?: unknown }).delivery;
  if (delivery === undefined) return 'durable';
  if (!(DELIVERY_CLASSES as readonly unknown[]).includes(delivery)) throw new InvalidOptionError('delivery', "one of 'durable', 'coalescible', 'droppable'", delivery);
  return delivery as DeliveryClass;
}

/** The one session-id pattern: ids ws-ssot issues (UUIDs) and any client-kept id of the same alphabet. */
export const SESSION_ID_PATTERN = /^[A-Za-z0-9_-]{8,64}$/;

/** A well-formed session id a client asked to resume, else null (it only ever matches the same user's sessions). */
export function sessionIdOrNull(value: unknown): string | null {
  return typeof value === 'string' && SESSION_ID_PATTERN.test(value) ? value : null;
}
