/**
 * Socket plumbing shared by every manager (the SSOT one and the legacy path): listeners that find their
 * connection through a private slot on the socket (no closure per connection or message), and closing with
 * a bounded grace period.
 */
import type { WebSocket } from 'ws';
import { InvalidOptionError, InvalidSocketError } from '../errors.js';
import { kConnection, type ConnectionOwner, type WebSocketConnection } from './connection.js';
import { assertCloseArgs } from './validate.js';

const OPEN = 1;

/** A manager whose sockets these listeners serve. */
export interface SocketOwner extends ConnectionOwner {
  handleDisconnection(connection: WebSocketConnection, code?: number, reason?: string): void;
}

/** The connection registered on a socket (only called on sockets `attachSocket` has seen). */
export function connectionOf(socket: WebSocket): WebSocketConnection {
  return (socket as unknown as Record<symbol, WebSocketConnection>)[kConnection] as WebSocketConnection;
}

/** Throws `InvalidSocketError` unless `socket` is an open ws WebSocket that no manager holds yet. */
export function assertAttachableSocket(socket: unknown): asserts socket is WebSocket {
  const s = socket as WebSocket | null;
  if (s === null || typeof s !== 'object' || typeof s.send !== 'function' || typeof s.on !== 'function' || s.readyState !== OPEN || kConnection in s) {
    throw new InvalidSocketError(socket);
  }
}

function onSocketClose(this: WebSocket, code: number, reason: Buffer): void {
  const connection = connectionOf(this);
  (connection.owner as SocketOwner).handleDisconnection(connection, code, reason.toString());
}
function onSocketError(this: WebSocket, err: Error): void {
  connectionOf(this).log.debug({ err }, 'socket error');
}
function onSocketPong(this: WebSocket): void {
  const connection = connectionOf(this);
  connection.alive = true;
  connection.lastSeenAt = Date.now();
}

/** Links the socket to its connection and listens for close, error and pong. */
export function attachSocket(socket: WebSocket, connection: WebSocketConnection): void {
  (socket as unknown as Record<symbol, WebSocketConnection>)[kConnection] = connection;
  socket.on('close', onSocketClose);
  socket.on('error', onSocketError);
  socket.on('pong', onSocketPong);
}

/**
 * Starts the close handshake of a socket its manager has already unregistered; with `terminateAfterMs`, a
 * peer that does not complete it in time (slow, half-open, ghost) is terminated.
 */
export function closeSocket(socket: WebSocket, code: number, reason: string, terminateAfterMs: number | null): void {
  if (socket.readyState === OPEN) socket.close(code, reason);
  if (terminateAfterMs === null) return;
  const timer = setTimeout(() => socket.terminate(), terminateAfterMs);
  timer.unref();
  socket.once('close', () => clearTimeout(timer));
}

/**
 * Closes (through `close`, which unregisters) every connection matching `predicate`; returns their sockets
 * so a caller can wait for them. Validates its arguments before closing anything.
 */
export function closeMatching(
  connections: IterableIterator<WebSocketConnection>,
  predicate: (connection: WebSocketConnection) => boolean,
  code: number,
  reason: string,
  close: (connection: WebSocketConnection) => void,
): WebSocket[] {
  if (typeof predicate !== 'function') throw new InvalidOptionError('predicate', 'a function (connection) => boolean', predicate);
  assertCloseArgs(code, reason);
  const sockets: WebSocket[] = [];
  for (const connection of Array.from(connections)) {
    if (!predicate(connection)) continue;
    sockets.push(connection.socket);
    close(connection);
  }
  return sockets;
}
