/**
 * What a legacy path manager reports to shadow mode: its connections coming and going (with the close
 * code, so a last-connection-wins replacement is told apart from a real disconnect) and, per send, which
 * of its connections received the frame. `LegacySharedManager` reports through `deps.shadow`.
 */
import type { WebSocketConnection } from '../core/connection.js';
import type { UserId } from '../types.js';

export interface LegacySendObserver {
  connectionOpened(connection: WebSocketConnection): void;
  connectionClosed(connection: WebSocketConnection, code: number): void;
  /**
   * Asked before a send: should this one be compared? (`userId` for a per-user send, none for a broadcast.)
   * Cheap; the manager builds the recipient list only when it answers true.
   */
  sample(userId?: UserId): boolean;
  /** A per-user send (sendMessage, sendAgentEvent, emitCriticalEvent): the legacy-path connections that received it. */
  userSend(userId: UserId, delivered: readonly WebSocketConnection[]): void;
  /** A broadcast: the legacy-path connections that received it. */
  broadcast(delivered: readonly WebSocketConnection[]): void;
}
