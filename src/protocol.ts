/**
 * The unified manager interface (the seeds' `WebSocketManagerProtocol`, in camelCase). The canonical
 * manager, the legacy path and every adapter are checked against it by the compiler.
 */
import type { WebSocket } from 'ws';
import type { WebSocketConnection } from './core/connection.js';
import type { AgentEventEnvelope, AgentEventOptions, CriticalEventDataMap, CriticalEventType, DeliveryClass } from './events/agent-events.js';
import type { AuthResult, ConnectionHealth, ConnectionId, UserId } from './types.js';

/** How a socket joins a manager through `handleConnection`. */
export interface ConnectionContext {
  userId: UserId;
  /** What `authenticate` returned. */
  auth?: AuthResult | null;
  /** A session the client asks to resume (from the upgrade URL). */
  sessionId?: string | null;
  /** The last seq the client saw, for replay. */
  lastSeq?: number | null;
  /** The epoch the client's lastSeq belongs to. */
  epoch?: string | null;
  /** The `ts` of the event the client had at lastSeq: the Redis engine checks that its log still holds it. */
  lastTs?: number | null;
}

export interface SendOptions {
  /** @default 'durable' */
  delivery?: DeliveryClass;
}

export interface WebSocketManagerProtocol {
  /** Sends to every connection of one user. True if at least one connection got it. */
  sendMessage(userId: UserId, message: unknown, options?: SendOptions): boolean;
  /** Sends to every connection; returns how many connections were reached. Serialised once. */
  broadcastMessage(message: unknown, options?: SendOptions): number;
  /** Open connections held. */
  getConnectionCount(): number;
  /** Registers an open socket for a user. */
  addConnection(userId: UserId, socket: WebSocket): WebSocketConnection;
  /** Closes and unregisters one connection (by id) or all of a user's (by user id). Returns how many. */
  removeConnection(userIdOrConnectionId: UserId | ConnectionId, code?: number, reason?: string): number;
  isUserConnected(userId: UserId): boolean;
  /** Registers a socket and runs the session handshake (session frame, replay). */
  handleConnection(socket: WebSocket, context: ConnectionContext): WebSocketConnection;
  /** Unregisters after a socket closed. Idempotent. */
  handleDisconnection(target: UserId | ConnectionId | WebSocketConnection): void;
  /** Sends a sequenced agent event to every connection of a user. */
  sendAgentEvent(userId: UserId, type: string, data?: unknown, options?: AgentEventOptions): AgentEventEnvelope;
  /** Sends one of the five critical events (always durable). */
  emitCriticalEvent<T extends CriticalEventType>(userId: UserId, type: T, data: CriticalEventDataMap[T], options?: { runId?: string }): AgentEventEnvelope<T, CriticalEventDataMap[T]>;
  getConnection(connectionId: ConnectionId): WebSocketConnection | undefined;
  getConnectionHealth(connectionId: ConnectionId): ConnectionHealth | undefined;
}
