/**
 * WebSocket close codes ws-ssot sends, in one place. 1xxx are RFC 6455 codes; 4xxx are ws-ssot's own
 * (documented in docs/protocol.md).
 */
export const CloseCode = {
  /** Server shutting down; the client should reconnect (to another node) and resume. */
  GOING_AWAY: 1001,
  /** A binary frame: ws-ssot speaks JSON text frames only. */
  UNSUPPORTED_DATA: 1003,
  /** A text frame that is not valid JSON (or not UTF-8). */
  INVALID_PAYLOAD: 1007,
  /** A frame larger than `maxPayload`. */
  MESSAGE_TOO_BIG: 1009,
  /** Service restart: the connection was drained onto another code path; reconnect and resume. */
  SERVICE_RESTART: 1012,
  /** Try again later: refused after the handshake (a limit reached across nodes, the broker unavailable); back off and retry. */
  TRY_AGAIN_LATER: 1013,
  /** The peer read too slowly for a durable event; reconnect and resume to fill the gap. */
  SLOW_CONSUMER: 4008,
  /** The same session was resumed on a newer connection; this one is a ghost. */
  SESSION_REPLACED: 4009,
  /** Legacy path only: a newer connection of the same user replaced this one. */
  REPLACED_BY_NEWER: 4010,
  /** The user went over `maxConnectionsPerUser` with policy `evict-oldest`; this, the oldest, was closed. */
  EVICTED_BY_LIMIT: 4029,
} as const;

export type CloseCodeValue = (typeof CloseCode)[keyof typeof CloseCode];
