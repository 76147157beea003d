/** `createClient()` options, validated once (a bad option throws at creation, not on a later retry). */
import { resolveBackoff, type Backoff, type BackoffOptions } from './backoff.js';
import type { CloseAction } from './close-policy.js';
import { invalidOption } from './errors.js';
import type { GapInfo, ResumeState } from './event-types.js';
import { upgradeUrl } from './resume-url.js';
import { resolveWebSocket, type WebSocketConstructor } from './websocket.js';

export interface ClientOptions {
  /** The server's WebSocket URL (ws:, wss:; http(s): or relative in a browser). A function is called per attempt (fresh tokens). */
  url: string | URL | (() => string | URL);
  /** A WHATWG-style WebSocket constructor (e.g. `ws`'s). @default globalThis.WebSocket */
  WebSocket?: WebSocketConstructor;
  protocols?: string | string[];
  /** Reconnect backoff; `maxRetries`: retries without an open connection in between before the client gives up. @default Infinity */
  reconnect?: BackoffOptions & { maxRetries?: number };
  /** An attempt that has not completed the handshake (session, and recovery when resuming) by then is dropped and retried. @default 10000 */
  connectTimeoutMs?: number;
  /** Overrides the close-code table (return `defaultAction` to keep it). */
  closeAction?: (code: number, reason: string, defaultAction: CloseAction) => CloseAction;
  /** Messages `send()` queues while not open; 0 makes `send()` throw while not open. @default 100 */
  maxQueued?: number;
  /** `send()` throws while the socket holds more unsent bytes than this. @default 1048576 */
  maxBufferedAmount?: number;
  /** Resume a session a previous client left (`client.resumeState`, persisted e.g. in sessionStorage). */
  resumeFrom?: ResumeState;
  /** Same as `client.onGap(handler)`, registered before the first connection. */
  onGap?: (gap: GapInfo) => void;
}

export interface ResolvedOptions {
  WebSocket: WebSocketConstructor;
  url: () => string | URL;
  protocols: string | string[] | undefined;
  backoff: Backoff;
  maxRetries: number;
  connectTimeoutMs: number;
  closeAction: ClientOptions['closeAction'];
  maxQueued: number;
  maxBufferedAmount: number;
  resumeFrom: ResumeState | undefined;
}

const integer = (name: string, value: unknown, fallback: number, min: number): number => {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < min) throw invalidOption(name, `an integer >= ${min}`, value);
  return value;
};

export function resolveOptions(options: ClientOptions): ResolvedOptions {
  if (typeof options !== 'object' || options === null) throw invalidOption('options', 'an object { url, WebSocket? }', options);
  const { url, reconnect = {}, closeAction, resumeFrom } = options;
  if (typeof url !== 'function') upgradeUrl(url, null); // throws on a bad URL
  const { maxRetries = Infinity, ...backoff } = reconnect;
  if (maxRetries !== Infinity) integer('reconnect.maxRetries', maxRetries, 0, 1);
  if (closeAction !== undefined && typeof closeAction !== 'function') throw invalidOption('closeAction', 'a function', closeAction);
  if (resumeFrom !== undefined && (typeof resumeFrom?.sessionId !== 'string' || typeof resumeFrom.epoch !== 'string' || !Number.isSafeInteger(resumeFrom.lastSeq) || resumeFrom.lastSeq < 0 || (resumeFrom.lastTs !== undefined && !(Number.isSafeInteger(resumeFrom.lastTs) && resumeFrom.lastTs >= 0)))) {
    throw invalidOption('resumeFrom', 'a { sessionId, epoch, lastSeq, lastTs? } from client.resumeState', resumeFrom);
  }
  return {
    WebSocket: resolveWebSocket(options.WebSocket),
    url: typeof url === 'function' ? url : () => url,
    protocols: options.protocols,
    backoff: resolveBackoff(backoff),
    maxRetries,
    connectTimeoutMs: integer('connectTimeoutMs', options.connectTimeoutMs, 10_000, 1),
    closeAction,
    maxQueued: integer('maxQueued', options.maxQueued, 100, 0),
    maxBufferedAmount: integer('maxBufferedAmount', options.maxBufferedAmount, 1024 * 1024, 0),
    resumeFrom,
  };
}
