/**
 * The client's coded errors. Self-contained on purpose: src/errors.ts is pure too, but importing it would
 * make the browser build load a chunk shared with the Node entry points (and it is being reworked).
 *
 * Branded with a `Symbol.for` key, so `isWsSsotClientError()` and `instanceof` recognise an error from
 * another loaded copy (the ESM and the CJS build in one Node process).
 */

const kClientError = Symbol.for('ws-ssot.v1.client-error');

export type ClientErrorCode =
  /** `send()` after `close()`, or after the server ended the session (4009, 4029…). */
  | 'WSSOT_ERR_CLIENT_CLOSED'
  /** `send()` while not open, with the outbox disabled (`maxQueued: 0`). */
  | 'WSSOT_ERR_CLIENT_NOT_OPEN'
  /** `send()` while not open and the outbox already holds `maxQueued` messages. */
  | 'WSSOT_ERR_CLIENT_OUTBOX_FULL'
  /** `send()` while the socket has more than `maxBufferedAmount` bytes not yet written. */
  | 'WSSOT_ERR_CLIENT_BACKPRESSURE'
  /** `send()` of something JSON cannot represent (undefined, a function, a cycle, a BigInt…). */
  | 'WSSOT_ERR_CLIENT_NOT_SERIALIZABLE'
  /** An `events()` iterator whose consumer fell more than `bufferSize` events behind. */
  | 'WSSOT_ERR_CLIENT_ITERATOR_OVERFLOW'
  /** The server ended the session (close policy 'end') or the retries ran out; `closeCode` says why. */
  | 'WSSOT_ERR_CLIENT_ENDED'
  /** No WebSocket constructor: none passed, and no global one (Node < 22). */
  | 'WSSOT_ERR_CLIENT_NO_WEBSOCKET'
  /** An option that fails validation; the message names it. */
  | 'WSSOT_ERR_CLIENT_INVALID_OPTION'
  /** An app listener threw; reported on 'error' with the exception as `cause`, delivery goes on. */
  | 'WSSOT_ERR_CLIENT_LISTENER'
  /** A frame broke the protocol (not JSON, binary, a seq gap…); reported on 'error', the client recovers. */
  | 'WSSOT_ERR_CLIENT_PROTOCOL';

/** Every error the client throws or reports. */
export class WsSsotClientError extends Error {
  /** Stable machine-readable code, `WSSOT_ERR_CLIENT_*`. */
  readonly code: ClientErrorCode;
  /** For `WSSOT_ERR_CLIENT_ENDED` and `WSSOT_ERR_CLIENT_CLOSED`: the close code that ended the client. */
  readonly closeCode: number | undefined;

  constructor(code: ClientErrorCode, message: string, options: { cause?: unknown; closeCode?: number } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'WsSsotClientError';
    this.code = code;
    this.closeCode = options.closeCode;
  }

  /** `instanceof` from any copy: the usual prototype check, else the brand. */
  static override [Symbol.hasInstance](value: unknown): boolean {
    return Function.prototype[Symbol.hasInstance].call(this, value) || (this === WsSsotClientError && isWsSsotClientError(value));
  }
}

Object.defineProperty(WsSsotClientError.prototype, kClientError, { value: true });

/** True for a client error from any loaded copy of the package (ESM and CJS, or two versions). */
export function isWsSsotClientError(value: unknown): value is WsSsotClientError {
  return typeof value === 'object' && value !== null && (value as Record<symbol, unknown>)[kClientError] === true;
}

export function invalidOption(name: string, expected: string, received: unknown): WsSsotClientError {
  const shown = typeof received === 'number' || typeof received === 'boolean' ? String(received) : typeof received;
  return new WsSsotClientError('WSSOT_ERR_CLIENT_INVALID_OPTION', `option "${name}" must be ${expected}, received ${shown}`);
}
