/**
 * What the client does when its socket closes, by close code. The server's codes are in
 * src/close-codes.ts; test/client/close-policy.test.ts fails if one of them has no entry here.
 *
 * - `reconnect`: at once (the server asked this client to move: a drain, a shutdown). Only right after a
 *   connection that was open; a failed attempt always backs off, so a server that keeps closing cannot
 *   make the client spin.
 * - `backoff`: after a jittered exponential delay, then resume with `sessionId`/`epoch`/`lastSeq`.
 * - `end`: stop for good (state 'closed'). Reconnecting would fight another live connection of the same
 *   user, or repeat what the server refused.
 */

export type CloseAction = 'reconnect' | 'backoff' | 'end';

export interface ClosePolicyEntry {
  readonly action: CloseAction;
  /** Why, in a few words (for logs and docs). */
  readonly why: string;
}

/** The close-code table. Codes not listed: 3000–4999 end (the app's own deliberate codes), others back off. */
export const CLOSE_POLICY: Readonly<Record<number, ClosePolicyEntry>> = Object.freeze({
  /** The application closed the connection on purpose (logout, ban…). */
  1000: { action: 'end', why: 'closed by the application' },
  /** Server shutting down (`wss.close()`): another node may take the client. */
  1001: { action: 'reconnect', why: 'server going away' },
  /** The server saw broken frames from this client: retrying would repeat it. */
  1002: { action: 'end', why: 'protocol error' },
  /** This client sent a binary frame: a bug, retrying would repeat it. */
  1003: { action: 'end', why: 'unsupported data' },
  /** No close code: the peer closed without a status. */
  1005: { action: 'backoff', why: 'no status' },
  /** No close frame: network loss, heartbeat timeout, refused upgrade (401/429/503 look like this in browsers). */
  1006: { action: 'backoff', why: 'abnormal closure' },
  /** Invalid JSON or UTF-8 from this client: a bug, retrying would repeat it. */
  1007: { action: 'end', why: 'invalid payload' },
  /** Policy violation: the server does not want this client. */
  1008: { action: 'end', why: 'policy violation' },
  /** One oversized message from the app: it is lost, but the event stream can go on. */
  1009: { action: 'backoff', why: 'message too big' },
  /** Unexpected server error while registering the connection. */
  1011: { action: 'backoff', why: 'internal error' },
  /** Drained onto another code path (migration flip): come back at once and resume. */
  1012: { action: 'reconnect', why: 'service restart (drain)' },
  /** Connection limit hit in a race between the upgrade check and registration. */
  1013: { action: 'backoff', why: 'try again later' },
  /** A gateway in front of the server failed. */
  1014: { action: 'backoff', why: 'bad gateway' },
  /** TLS handshake failed (seen by the client only). */
  1015: { action: 'backoff', why: 'TLS handshake failed' },
  /** Slow consumer: a durable event met a full buffer; resume fills the gap. */
  4008: { action: 'backoff', why: 'slow consumer' },
  /** This session was resumed on a newer connection; this socket is a ghost, the newer one is live. */
  4009: { action: 'end', why: 'session resumed elsewhere' },
  /** Legacy path: a newer connection of the same user replaced this one. Reconnecting would make two tabs replace each other forever. */
  4010: { action: 'end', why: 'replaced by a newer connection' },
  /** Evicted: the user went over maxConnectionsPerUser (evict-oldest); reconnecting would evict another tab. */
  4029: { action: 'end', why: 'evicted by the connection limit' },
});

/** The table's action for `code`, with the defaults for codes it does not list. */
export function closeActionFor(code: number): CloseAction {
  const entry = CLOSE_POLICY[code];
  if (entry !== undefined) return entry.action;
  // 3000–3999 (registered) and 4000–4999 (private) codes are sent on purpose: follow the app, stop.
  if (code >= 3000 && code <= 4999) return 'end';
  return 'backoff';
}
