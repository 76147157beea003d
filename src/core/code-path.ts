/**
 * The seam between code paths: what a server needs from a path to route a new connection to it. A path is
 * an admission policy over the server's one registry (the SSOT manager: a per-user limit, refuse-newest or
 * evict-oldest; the legacy path: newest replaces with 4010). Everything after admission — the user index,
 * send, fan-out, remove, counts, health, close — is the registry's, shared by every path, so a send or a
 * drain reaches a user whichever path admitted each of their tabs.
 */
import type { WebSocket } from 'ws';
import type { ConnectionContext } from '../protocol.js';
import type { CodePath, UserId } from '../types.js';
import type { WebSocketConnection } from './connection.js';

export interface CodePathHandler {
  /** The path's name: what routing chooses, and what each connection it admits carries as `connection.path`. */
  readonly path: CodePath;
  /** Before the handshake: would a new connection of `userId` be admitted now? false → HTTP 429. */
  canAccept(userId: UserId, resumeSessionId: string | null): boolean;
  /**
   * Admits an upgraded socket into the server's registry, writes its session frame and any replay, and
   * announces it. Throws a coded error to refuse (the server closes the socket with 1013 or 1011).
   */
  handleConnection(socket: WebSocket, context: ConnectionContext): WebSocketConnection;
}
