/**
 * Inbound frames: JSON text only. A binary frame closes with 1003, invalid JSON with 1007; a parsed message
 * goes to the app's `onMessage`, whose throw or rejection is logged and counted while the connection stays.
 * The decision to close unregisters the connection at once (as every close by the server does), so frames
 * `ws` has already read behind the offending one, in the same chunk or later, never reach `onMessage`. The
 * frames `ws` itself refuses (too big 1009, invalid UTF-8 1007, protocol errors 1002: it closes the socket
 * and reports an error) unregister the connection at once too, and such a peer is terminated after
 * `slowCloseTimeoutMs` like any other the server closed, not after ws's own 30 s.
 * One listener per server, shared by every socket: no closure per connection or message.
 */
import type { RawData, WebSocket } from 'ws';
import { CloseCode } from '../close-codes.js';
import type { MessageHandler } from '../config/server-options.js';
import type { WebSocketConnection } from '../core/connection.js';
import type { ConnectionRegistry } from '../core/connection-registry.js';
import { connectionOf } from '../core/socket-lifecycle.js';
import type { WsSsotMetrics } from '../observability/metrics.js';

export class InboundFrames {
  readonly #metrics: WsSsotMetrics;
  readonly #onMessage: MessageHandler | null;
  /** The server's registry: a protocol close unregisters through it, at the decision. */
  readonly #registry: ConnectionRegistry;
  /** The 'message' listener for every socket of the server. */
  readonly onSocketMessage: (this: WebSocket, data: RawData, isBinary: boolean) => void;
  /** The 'error' listener for every socket of the server (ws reports oversized frames here). */
  readonly onSocketError: (this: WebSocket, err: Error & { code?: string }) => void;

  constructor(metrics: WsSsotMetrics, onMessage: MessageHandler | null, registry: ConnectionRegistry) {
    this.#metrics = metrics;
    this.#onMessage = onMessage;
    this.#registry = registry;
    const inbound = this;
    this.onSocketMessage = function (data, isBinary) {
      inbound.#receive(connectionOf(this), data, isBinary);
    };
    this.onSocketError = function (err) {
      if (err.code === 'WS_ERR_UNSUPPORTED_MESSAGE_LENGTH') metrics.inbound('too_big');
      // A frame ws refused: it has sent its close frame already; unregister now, terminate if the peer lingers.
      if (typeof err.code === 'string' && err.code.startsWith('WS_ERR_')) inbound.#protocolClose(connectionOf(this), closeCodeOfWsError(err.code), '');
    };
  }

  /** Starts listening on an accepted socket. */
  listen(socket: WebSocket): void {
    socket.on('message', this.onSocketMessage);
    socket.on('error', this.onSocketError);
  }

  #receive(connection: WebSocketConnection, data: RawData, isBinary: boolean): void {
    if (connection.closed) return;
    connection.messagesReceived++;
    connection.lastSeenAt = Date.now();
    if (isBinary) {
      this.#metrics.inbound('binary');
      this.#protocolClose(connection, CloseCode.UNSUPPORTED_DATA, 'binary frames are not supported: send JSON text');
      return;
    }
    let message: unknown;
    try {
      message = JSON.parse(data.toString());
    } catch {
      this.#metrics.inbound('invalid_json');
      connection.log.debug('invalid JSON from client: closing with 1007');
      this.#protocolClose(connection, CloseCode.INVALID_PAYLOAD, 'invalid JSON');
      return;
    }
    this.#metrics.inbound('ok');
    const handler = this.#onMessage;
    if (handler === null) return;
    try {
      const result = handler(connection, message);
      if (result !== undefined && typeof (result as Promise<void>).then === 'function') {
        (result as Promise<void>).then(undefined, (err: unknown) => this.#handlerFailed(connection, err));
      }
    } catch (err) {
      this.#handlerFailed(connection, err);
    }
  }

  /**
   * Unregisters the connection now (`connection.closed`: nothing more is read or sent) and starts the close;
   * a peer that does not finish it within `slowCloseTimeoutMs` is terminated.
   */
  #protocolClose(connection: WebSocketConnection, code: number, reason: string): void {
    this.#registry.closeConnection(connection, code, reason, true);
  }

  #handlerFailed(connection: WebSocketConnection, err: unknown): void {
    this.#metrics.inbound('handler_error');
    connection.log.error({ err }, 'onMessage handler failed');
  }
}

/** The close code ws sent for a frame it refused (see its receiver): too big 1009, bad UTF-8 1007, else 1002. */
function closeCodeOfWsError(code: string): number {
  if (code === 'WS_ERR_UNSUPPORTED_MESSAGE_LENGTH' || code === 'WS_ERR_UNSUPPORTED_DATA_PAYLOAD_LENGTH' || code === 'WS_ERR_TOO_MANY_BUFFERED_PARTS') return CloseCode.MESSAGE_TOO_BIG;
  if (code === 'WS_ERR_INVALID_UTF8') return CloseCode.INVALID_PAYLOAD;
  return 1002;
}
