/**
 * What one code path's manager exposes to the other so an app-level operation covers a user on both paths:
 * the SSOT manager and the legacy path each deliver to their own connections and to the peer's, with
 * one serialisation and one seq from the server's shared EventStore; removing a user or resuming a session
 * closes the matching connections on both paths.
 */
import type { WebSocketConnection } from './connection.js';
import type { UserId } from '../types.js';

export interface PathPeer {
  /** The peer's open connections of one user, or undefined. A live read-only view: do not keep or mutate it. */
  userConnectionsView(userId: UserId): readonly WebSocketConnection[] | undefined;
  /** Every open connection of the peer (live iterator). */
  connections(): IterableIterator<WebSocketConnection>;
  getConnectionCount(): number;
  /** Closes the peer's own connection(s) for a connection id or a user id; returns how many. No recursion. */
  removeOwn(userIdOrConnectionId: string, code: number, reason: string): number;
  /** A session was resumed on the other path: close the peer's ghost of it (4009), if it holds one. */
  closeSessionGhost(userId: UserId, sessionId: string): void;
}
