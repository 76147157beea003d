/**
 * The part of the WHATWG WebSocket the client uses. The browser's, Node 22's global (undici) and the `ws`
 * package's all fit it, so the client never imports one.
 */
import { WsSsotClientError } from './errors.js';

export interface WebSocketLike {
  readonly readyState: number;
  readonly bufferedAmount: number;
  send(data: string): void;
  close(code?: number, reason?: string): void;
  // `any`: each implementation types its events differently (DOM, undici, ws); the client reads
  // `data` of 'message' and `code`/`reason` of 'close' only.
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  addEventListener(type: 'message' | 'close' | 'error', listener: (event: any) => void): void;
}

export type WebSocketConstructor = new (url: string, protocols?: string | string[]) => WebSocketLike;

/** `WebSocket.OPEN`, which not every implementation exposes on instances. */
export const OPEN = 1;

/** The constructor passed in, else the global one (browsers, Node >= 22). */
export function resolveWebSocket(given: WebSocketConstructor | undefined): WebSocketConstructor {
  const ctor = given ?? (globalThis as { WebSocket?: WebSocketConstructor }).WebSocket;
  if (typeof ctor !== 'function') {
    throw new WsSsotClientError('WSSOT_ERR_CLIENT_NO_WEBSOCKET', 'no WebSocket constructor: pass createClient({ WebSocket }) (e.g. the ws package\'s) where there is no global WebSocket (Node < 22)');
  }
  return ctor;
}
