/**
 * One WebSocket attempt. Its events reach the client only while it is the current attempt: `abandon()`
 * detaches it first, so a late 'close' of an old socket can never schedule a second retry.
 *
 * 'error' is ignored: every implementation follows it with 'close', and that close alone decides what
 * happens next. (Retrying on both was the bug of issue 18: one server restart, 56 connections.)
 */
import { OPEN, type WebSocketConstructor, type WebSocketLike } from './websocket.js';

export interface ConnectionHandlers {
  onText(text: string): void;
  onBinary(): void;
  onClose(code: number, reason: string): void;
}

export class Connection {
  readonly #socket: WebSocketLike;
  #handlers: ConnectionHandlers | null;
  /** Resolves when the socket has closed, whether or not it was abandoned. */
  readonly closed: Promise<void>;

  /** Throws what the WebSocket constructor throws (a bad URL). */
  constructor(WebSocket: WebSocketConstructor, url: string, protocols: string | string[] | undefined, handlers: ConnectionHandlers) {
    this.#handlers = handlers;
    const socket = protocols === undefined ? new WebSocket(url) : new WebSocket(url, protocols);
    this.#socket = socket;
    let resolveClosed!: () => void;
    this.closed = new Promise((resolve) => (resolveClosed = resolve));
    socket.addEventListener('message', (event: { data: unknown }) => {
      const h = this.#handlers;
      if (h === null) return;
      if (typeof event.data === 'string') h.onText(event.data);
      else h.onBinary();
    });
    socket.addEventListener('error', () => {
      // Followed by 'close' (see above).
    });
    socket.addEventListener('close', (event: { code?: number; reason?: string }) => {
      resolveClosed();
      const h = this.#handlers;
      this.#handlers = null;
      h?.onClose(typeof event.code === 'number' ? event.code : 1006, typeof event.reason === 'string' ? event.reason : '');
    });
  }

  get open(): boolean {
    return this.#socket.readyState === OPEN;
  }

  get bufferedAmount(): number {
    return this.#socket.bufferedAmount;
  }

  send(text: string): void {
    this.#socket.send(text);
  }

  /** Detaches (no handler runs after this) and closes the socket, whatever state it is in. */
  abandon(code = 1000, reason = ''): void {
    this.#handlers = null;
    try {
      this.#socket.close(code, reason);
    } catch {
      // Already closing, or an implementation that refuses close() while connecting: it closes anyway.
    }
  }
}
