/**
 * Every error ws-ssot throws is one of these classes, with a stable `code` (`WSSOT_ERR_*`) and `name`.
 * The table in docs/errors.md lists every code; test/errors.test.ts keeps the two in sync both ways.
 *
 * Two copies of the package in one process (the ESM and the CJS build when an app `import`s ws-ssot and a
 * dependency `require`s it) each have their own classes, so plain `instanceof` would miss the other copy's
 * errors. Each class therefore brands its prototype with a `Symbol.for` key and answers `instanceof` from
 * the brand (as undici does): an error from either copy is `instanceof` the matching class of both.
 */

// Versioned: a later major whose errors differ in shape must not pass for these (bump with a breaking change).
const kWsSsotError = Symbol.for('ws-ssot.v1.error');

/** Each class's own brand; a class not in here (an app's subclass) gets plain prototype `instanceof`. */
const brands = new WeakMap<object, symbol>();

/** Marks `cls`'s prototype, so its instances and its subclasses' instances carry the brand from any copy. */
function brand(cls: abstract new (...args: never[]) => unknown, key: symbol): void {
  brands.set(cls, key);
  Object.defineProperty(cls.prototype, key, { value: true });
}

function hasBrand(value: unknown, key: symbol): boolean {
  return typeof value === 'object' && value !== null && (value as Record<symbol, unknown>)[key] === true;
}

/** Base class of every coded ws-ssot error. */
export class WsSsotError extends Error {
  /** Stable machine-readable code, `WSSOT_ERR_*`. */
  readonly code: string;

  constructor(code: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
    this.name = 'WsSsotError';
  }

  /** `instanceof` this class (inherited by every subclass, `this` being the class on the right) from any copy. */
  static override [Symbol.hasInstance]<T>(this: abstract new (...args: never[]) => T, value: unknown): value is T {
    // The usual prototype check first: same copy, and apps' own subclasses, which have no brand.
    if (Function.prototype[Symbol.hasInstance].call(this, value)) return true;
    const key = brands.get(this);
    return key !== undefined && hasBrand(value, key);
  }

  static {
    brand(this, kWsSsotError);
  }
}

/** True for any ws-ssot error, from any loaded copy of the package. */
export function isWsSsotError(value: unknown): value is WsSsotError {
  return hasBrand(value, kWsSsotError);
}

/** An argument of the wrong type or shape (like Node's ERR_INVALID_ARG_TYPE). */
export class InvalidArgumentError extends WsSsotError {
  constructor(code: string, message: string) {
    super(code, message);
    this.name = 'InvalidArgumentError';
  }
  static {
    brand(this, Symbol.for('ws-ssot.v1.error.InvalidArgumentError'));
  }
}

/** A user id that is not a non-empty string of at most 256 characters. */
export class InvalidUserIdError extends InvalidArgumentError {
  constructor(received: unknown) {
    super('WSSOT_ERR_INVALID_USER_ID', `userId must be a non-empty string of at most 256 characters, received ${describe(received)}`);
    this.name = 'InvalidUserIdError';
  }
  static {
    brand(this, Symbol.for('ws-ssot.v1.error.InvalidUserIdError'));
  }
}

/** A connection id that is not a non-empty string. */
export class InvalidConnectionIdError extends InvalidArgumentError {
  constructor(received: unknown) {
    super('WSSOT_ERR_INVALID_CONNECTION_ID', `connectionId must be a non-empty string, received ${describe(received)}`);
    this.name = 'InvalidConnectionIdError';
  }
  static {
    brand(this, Symbol.for('ws-ssot.v1.error.InvalidConnectionIdError'));
  }
}

/** An event type that is not a known critical type (for `emitCriticalEvent`) or not a valid name. */
export class UnknownEventTypeError extends InvalidArgumentError {
  constructor(received: unknown, allowed: readonly string[] | string) {
    const expected = typeof allowed === 'string' ? allowed : `one of ${allowed.join(', ')}`;
    super('WSSOT_ERR_UNKNOWN_EVENT_TYPE', `event type must be ${expected}, received ${describe(received)}`);
    this.name = 'UnknownEventTypeError';
  }
  static {
    brand(this, Symbol.for('ws-ssot.v1.error.UnknownEventTypeError'));
  }
}

/** A message that cannot be sent as a JSON text frame (undefined, a function, a cycle, a BigInt…). */
export class MessageNotSerializableError extends InvalidArgumentError {
  constructor(reason: string, cause?: unknown) {
    super('WSSOT_ERR_MESSAGE_NOT_SERIALIZABLE', `message cannot be serialised to JSON: ${reason}`);
    this.name = 'MessageNotSerializableError';
    if (cause !== undefined) Object.defineProperty(this, 'cause', { value: cause });
  }
  static {
    brand(this, Symbol.for('ws-ssot.v1.error.MessageNotSerializableError'));
  }
}

/** An option that fails validation; the message names the field. */
export class InvalidOptionError extends InvalidArgumentError {
  /** The option's path, e.g. `heartbeatIntervalMs`. */
  readonly field: string;
  constructor(field: string, expected: string, received: unknown) {
    super('WSSOT_ERR_INVALID_OPTION', `option "${field}" must be ${expected}, received ${describe(received)}`);
    this.name = 'InvalidOptionError';
    this.field = field;
  }
  static {
    brand(this, Symbol.for('ws-ssot.v1.error.InvalidOptionError'));
  }
}

/** A socket handed to the manager that is not an open `ws` WebSocket. */
export class InvalidSocketError extends InvalidArgumentError {
  constructor(received: unknown) {
    super('WSSOT_ERR_INVALID_SOCKET', `socket must be an open ws WebSocket, received ${describe(received)}`);
    this.name = 'InvalidSocketError';
  }
  static {
    brand(this, Symbol.for('ws-ssot.v1.error.InvalidSocketError'));
  }
}

/** A user already holds `maxConnectionsPerUser` connections and the policy is to reject the newest. */
export class ConnectionLimitError extends WsSsotError {
  readonly userId: string;
  readonly limit: number;
  constructor(userId: string, limit: number) {
    super('WSSOT_ERR_CONNECTION_LIMIT', `user ${JSON.stringify(userId)} already holds ${limit} connections (maxConnectionsPerUser)`);
    this.name = 'ConnectionLimitError';
    this.userId = userId;
    this.limit = limit;
  }
  static {
    brand(this, Symbol.for('ws-ssot.v1.error.ConnectionLimitError'));
  }
}

/** A user already holds `maxManagersPerUser` isolated managers in a factory. */
export class ManagerLimitError extends WsSsotError {
  readonly userId: string;
  readonly limit: number;
  constructor(userId: string, limit: number) {
    super('WSSOT_ERR_MANAGER_LIMIT', `user ${JSON.stringify(userId)} already holds ${limit} isolated managers (maxManagersPerUser)`);
    this.name = 'ManagerLimitError';
    this.userId = userId;
    this.limit = limit;
  }
  static {
    brand(this, Symbol.for('ws-ssot.v1.error.ManagerLimitError'));
  }
}

/** An operation on a server, manager or factory that has been closed. */
export class ClosedError extends WsSsotError {
  constructor(what: string) {
    super('WSSOT_ERR_CLOSED', `${what} is closed`);
    this.name = 'ClosedError';
  }
  static {
    brand(this, Symbol.for('ws-ssot.v1.error.ClosedError'));
  }
}

/** `setFlags()` on a server whose flag source cannot be changed from code (an app-supplied source without a settable layer). */
export class FlagSourceReadOnlyError extends WsSsotError {
  constructor(source: string) {
    super('WSSOT_ERR_FLAGS_READ_ONLY', `flag source "${source}" cannot be set at runtime: change the flags in the source itself, or pass flags as an object or a StaticFlagSource`);
    this.name = 'FlagSourceReadOnlyError';
  }
  static {
    brand(this, Symbol.for('ws-ssot.v1.error.FlagSourceReadOnlyError'));
  }
}

/** A legacy entry point (`getWebSocketManager()`, a legacy class) used before the app bound it to a server. */
export class LegacyNotBoundError extends WsSsotError {
  constructor(what: string) {
    super('WSSOT_ERR_LEGACY_NOT_BOUND', `${what} has no server: call wss.legacy.bindGlobal() (or bindLegacyGlobals(wss)) at startup, or pass { server: wss }`);
    this.name = 'LegacyNotBoundError';
  }
  static {
    brand(this, Symbol.for('ws-ssot.v1.error.LegacyNotBoundError'));
  }
}

/** An isolated manager used after it expired (idle longer than `idleTimeoutMs`) or was cleaned up. */
export class ManagerExpiredError extends WsSsotError {
  readonly userId: string;
  constructor(userId: string, reason: 'expired' | 'cleaned up' | 'factory closed') {
    super('WSSOT_ERR_MANAGER_EXPIRED', `the isolated manager of user ${JSON.stringify(userId)} was ${reason}: get a new one with factory.createIsolatedManager(userId, connectionId)`);
    this.name = 'ManagerExpiredError';
    this.userId = userId;
  }
  static {
    brand(this, Symbol.for('ws-ssot.v1.error.ManagerExpiredError'));
  }
}

/** A user-bound object (legacy isolated manager) asked to act for another user. */
export class CrossUserAccessError extends WsSsotError {
  readonly boundUserId: string;
  constructor(boundUserId: string, requested: unknown) {
    super('WSSOT_ERR_CROSS_USER', `this manager is bound to user ${JSON.stringify(boundUserId)} and cannot act for ${describe(requested)}`);
    this.name = 'CrossUserAccessError';
    this.boundUserId = boundUserId;
  }
  static {
    brand(this, Symbol.for('ws-ssot.v1.error.CrossUserAccessError'));
  }
}

/** A server for an http(s).Server and path that another open ws-ssot server (from any copy of the package) already serves. */
export class PathInUseError extends WsSsotError {
  /** The contested path, e.g. `/ws`. */
  readonly path: string;
  constructor(path: string) {
    super('WSSOT_ERR_PATH_IN_USE', `path ${describe(path)} of this http server is already served by an open ws-ssot server: close() that one first, or give this one another path`);
    this.name = 'PathInUseError';
    this.path = path;
  }
  static {
    brand(this, Symbol.for('ws-ssot.v1.error.PathInUseError'));
  }
}

/** Keeps error messages short and safe: never dumps a whole object into a message. */
function describe(value: unknown): string {
  if (value === null) return 'null';
  if (value === undefined) return 'undefined';
  if (typeof value === 'string') return value.length > 40 ? `a string of length ${value.length}` : JSON.stringify(value);
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint') return `${typeof value} ${String(value)}`;
  if (typeof value === 'function') return 'a function';
  if (Array.isArray(value)) return 'an array';
  return `an object (${Object.prototype.toString.call(value).slice(8, -1)})`;
}

/** A legacy call without a user id (the old `emitCriticalEvent(type, data)`) on an object that is bound to no user. */
export class UserRequiredError extends InvalidArgumentError {
  constructor(call: string, remedy: string) {
    super('WSSOT_ERR_USER_REQUIRED', `${call} names no user and this object is bound to none: ${remedy}`);
    this.name = 'UserRequiredError';
  }
  static {
    brand(this, Symbol.for('ws-ssot.v1.error.UserRequiredError'));
  }
}
