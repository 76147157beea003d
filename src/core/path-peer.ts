/**
 * What one code path's manager exposes to the other so an app-level send reaches a user on both paths:
 * the SSOT manager and the legacy path each deliver to their own connections and to the peer's, with
 * one serialisation and one seq from the server's shared EventStore.
 */
import type { WebSocketConnection } from './connection.js';
import type { UserId } from '../types.js';

export interface PathPeer {
  /** The peer's open connections of one user, or undefined. A live read-only view: do not keep or mutate it. */
  userConnectionsView(userId: UserId): readonly WebSocketConnection[] | undefined;
  /** Every open connection of the peer (live iterator). */
  connections(): IterableIterator<WebSocketConnection>;
  getConnectionCount(): number;
}
