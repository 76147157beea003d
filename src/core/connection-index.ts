/**
 * A registry's indexes of its open connections, kept in step: by connection id, by user (every path, oldest
 * first), and a count per code path. Plain functions over the registry's own fields, not an object around
 * them, so a delivery still finds a user's tabs with one field load and one Map lookup.
 */
import type { CodePath, ConnectionId, UserId } from '../types.js';
import type { WebSocketConnection } from './connection.js';

/** Adds a newly registered connection to the indexes (last in its user's list) and counts it on its path. */
export function indexConnection(byId: Map<ConnectionId, WebSocketConnection>, byUser: Map<UserId, WebSocketConnection[]>, byPath: Record<CodePath, number>, connection: WebSocketConnection): void {
  const connections = byUser.get(connection.userId);
  if (connections === undefined) byUser.set(connection.userId, [connection]);
  else connections.push(connection);
  byId.set(connection.id, connection);
  byPath[connection.path]++;
}

/** Removes an unregistered connection from the indexes and its path's count; a user with none left leaves the user index. */
export function unindexConnection(byId: Map<ConnectionId, WebSocketConnection>, byUser: Map<UserId, WebSocketConnection[]>, byPath: Record<CodePath, number>, connection: WebSocketConnection): void {
  byId.delete(connection.id);
  byPath[connection.path]--;
  const connections = byUser.get(connection.userId);
  if (connections === undefined) return;
  const index = connections.indexOf(connection);
  if (index !== -1) connections.splice(index, 1);
  if (connections.length === 0) byUser.delete(connection.userId);
}

/** The user's open connection holding `sessionId` (the ghost a resumed session replaces), if any. */
export function connectionOfSession(byUser: Map<UserId, WebSocketConnection[]>, userId: UserId, sessionId: string): WebSocketConnection | undefined {
  return byUser.get(userId)?.find((c) => c.sessionId === sessionId);
}

/**
 * What a `UserId | ConnectionId` argument names: the connection with that id, else every connection of the
 * user with that id (a copy, since closing them shifts the user's list), else none.
 */
export function connectionsNamed(byId: Map<ConnectionId, WebSocketConnection>, byUser: Map<UserId, WebSocketConnection[]>, userIdOrConnectionId: UserId | ConnectionId): WebSocketConnection[] {
  const connection = byId.get(userIdOrConnectionId);
  if (connection !== undefined) return [connection];
  return byUser.get(userIdOrConnectionId)?.slice() ?? [];
}
