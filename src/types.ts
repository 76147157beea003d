import type { WebSocket } from 'ws';

/** A user id, as returned by the application's `authenticate` hook. Never taken from client input. */
export type UserId = string;
/** A connection id, assigned by ws-ssot when a socket is added. */
export type ConnectionId = string;

/** Any JSON-serialisable value an application sends. */
export type OutboundMessage = Record<string, unknown> | unknown[];

/** Which code path serves a connection: the canonical SSOT manager or the pre-consolidation legacy one. */
export type CodePath = 'ssot' | 'legacy';

/** What `authenticate(req)` resolves to for an accepted upgrade. Extra fields are passed to handlers. */
export interface AuthResult {
  userId: UserId;
  [key: string]: unknown;
}

/** Health of one connection, as returned by `getConnectionHealth`. */
export interface ConnectionHealth {
  connectionId: ConnectionId;
  userId: UserId;
  /** ws readyState name. */
  state: 'connecting' | 'open' | 'closing' | 'closed';
  connectedAt: number;
  /** Epoch ms of the last pong or inbound frame. */
  lastSeenAt: number;
  /** False if the last ping is still unanswered. */
  alive: boolean;
  bufferedAmount: number;
  messagesSent: number;
  messagesReceived: number;
  /** Transient events dropped or coalesced away on this connection because it was slow. */
  dropped: number;
}

export type { WebSocket };
