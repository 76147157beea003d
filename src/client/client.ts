/**
 * The client: one connection at a time, resumed with `sessionId`/`epoch`/`lastSeq` after every loss,
 * following the close-code table, delivering each seq once and in order.
 *
 * One attempt at a time, by construction: a new attempt starts only from the single retry timer, and the
 * timer is set only from `#lost()`, which runs once per attempt (the attempt is detached first). So there
 * is never more than one socket and one timer, however a connection fails.
 */
import { backoffDelay } from './backoff.js';
import { closeActionFor, type CloseAction } from './close-policy.js';
import { Connection } from './connection.js';
import { invalidOption, WsSsotClientError } from './errors.js';
import { EventStream } from './event-stream.js';
import { LIFECYCLE_EVENT_NAMES, type ClientEvent, type ClientState, type CloseInfo, type EventDataMap, type GapInfo, type LifecycleEvents, type ResumeState } from './event-types.js';
import { Listeners, surfaceError } from './listeners.js';
import { resolveOptions, type ClientOptions, type ResolvedOptions } from './options.js';
import { Outbox, serialize } from './outbox.js';
import { upgradeUrl } from './resume-url.js';
import { Sequencer } from './sequencer.js';
import type { AgentEventEnvelope, CriticalEventDataMap } from '../events/agent-events.js';

export type { ClientOptions };

type Unsubscribe = () => void;
type Timer = ReturnType<typeof setTimeout>;

export class WsSsotClient<M extends EventDataMap = CriticalEventDataMap> {
  readonly #o: ResolvedOptions;
  readonly #sequencer: Sequencer;
  readonly #outbox: Outbox;
  readonly #listeners = new Listeners((err, type) => this.#listenerFailed(err, type));
  readonly #streams = new Set<EventStream<ClientEvent<M>>>();
  #state: ClientState = 'connecting';
  #closeInfo: CloseInfo | null = null;
  #connection: Connection | null = null;
  /** The current attempt completed its handshake. */
  #opened = false;
  #everOpened = false;
  /** Retries scheduled since the last connection that was open: the backoff exponent. */
  #retries = 0;
  #retryTimer: Timer | null = null;
  #connectTimer: Timer | null = null;

  constructor(options: ClientOptions) {
    this.#o = resolveOptions(options);
    this.#sequencer = new Sequencer(this.#o.resumeFrom);
    this.#outbox = new Outbox(this.#o.maxQueued);
    if (options.onGap !== undefined) this.onGap(options.onGap);
    this.#connect();
  }

  get state(): ClientState {
    return this.#state;
  }

  /** Why the client is closed; null until then. */
  get closeInfo(): CloseInfo | null {
    return this.#closeInfo;
  }

  get sessionId(): string | null {
    return this.#sequencer.sessionId;
  }

  get epoch(): string | null {
    return this.#sequencer.epoch;
  }

  /** Seq of the last durable event delivered (or the base the server gave). */
  get lastSeq(): number | null {
    return this.#sequencer.lastSeq;
  }

  /** What a later client needs to resume this session (`resumeFrom`); null before the first session frame. */
  get resumeState(): ResumeState | null {
    return this.#sequencer.resumeState();
  }

  /** The client's own events ('event', 'message', 'state', 'gap'…), or the events of one type, with `data` typed. */
  on<K extends keyof LifecycleEvents<M>>(type: K, handler: (arg: LifecycleEvents<M>[K]) => void): Unsubscribe;
  on<K extends Exclude<keyof M & string, keyof LifecycleEvents<M>>>(type: K, handler: (event: AgentEventEnvelope<K, M[K]>) => void): Unsubscribe;
  on(type: string, handler: (arg: never) => void): Unsubscribe {
    if (typeof handler !== 'function') throw invalidOption('handler', 'a function', handler);
    return this.#listeners.on(type, handler);
  }

  /** Called on `recovered: false`: the app must refetch what it missed, then events continue. */
  onGap(handler: (gap: GapInfo) => void): Unsubscribe {
    return this.on('gap', handler);
  }

  /**
   * Every sequenced event from now on, in order. If the consumer falls `bufferSize` events behind, the
   * iterator throws WSSOT_ERR_CLIENT_ITERATOR_OVERFLOW (after what it buffered). It ends after `close()`,
   * and throws WSSOT_ERR_CLIENT_ENDED when the server ended the session.
   */
  events(options: { bufferSize?: number } = {}): AsyncIterableIterator<ClientEvent<M>> {
    const bufferSize = options.bufferSize ?? 1000;
    if (typeof bufferSize !== 'number' || !Number.isSafeInteger(bufferSize) || bufferSize < 1) throw invalidOption('bufferSize', 'a positive integer', bufferSize);
    const stream: EventStream<ClientEvent<M>> = new EventStream(bufferSize, () => this.#streams.delete(stream));
    if (this.#closeInfo !== null) stream.fail(this.#endError());
    else this.#streams.add(stream);
    return stream;
  }

  /**
   * Sends `message` as JSON. Returns true if written now, false if queued until the next connection is
   * open. Throws WSSOT_ERR_CLIENT_CLOSED, _NOT_SERIALIZABLE, _BACKPRESSURE, _OUTBOX_FULL or _NOT_OPEN.
   */
  send(message: unknown): boolean {
    if (this.#state === 'closed') {
      const info = this.#closeInfo as CloseInfo;
      throw new WsSsotClientError('WSSOT_ERR_CLIENT_CLOSED', `send() on a closed client (${info.by === 'client' ? 'close() was called' : `ended by close code ${info.code}`})`, { closeCode: info.code });
    }
    const text = serialize(message);
    const connection = this.#connection;
    // A socket already closing (its 'close' not yet seen) would drop the message silently: queue it instead.
    if (this.#state === 'open' && connection !== null && connection.open) {
      if (connection.bufferedAmount > this.#o.maxBufferedAmount) throw new WsSsotClientError('WSSOT_ERR_CLIENT_BACKPRESSURE', `send() while ${connection.bufferedAmount} bytes are not yet written (over maxBufferedAmount ${this.#o.maxBufferedAmount})`);
      connection.send(text);
      return true;
    }
    this.#outbox.push(text);
    return false;
  }

  /** Stops for good: no reconnect, iterators end, queued messages are dropped. Resolves once the socket closed. */
  close(code = 1000, reason = 'client closed'): Promise<void> {
    // What WebSocket.close() accepts; anything else would throw inside it and leave the socket open.
    if (code !== 1000 && !(Number.isInteger(code) && code >= 3000 && code <= 4999)) throw invalidOption('code', '1000 or 3000-4999', code);
    const connection = this.#connection;
    if (this.#state !== 'closed') this.#finish({ code, reason, by: 'client' }, code, reason);
    return connection?.closed ?? Promise.resolve();
  }

  // ---- connection lifecycle ------------------------------------------------------------------------

  #connect(): void {
    if (this.#state === 'closed' || this.#connection !== null || this.#retryTimer !== null) return; // never a second attempt
    const resume = this.#sequencer.startConnection();
    this.#opened = false;
    let connection: Connection;
    try {
      connection = new Connection(this.#o.WebSocket, upgradeUrl(this.#o.url(), resume), this.#o.protocols, {
        onText: (text) => this.#onText(text),
        onBinary: () => this.#report('WSSOT_ERR_CLIENT_PROTOCOL', 'a binary frame (ws-ssot sends JSON text only): ignored'),
        onClose: (code, reason) => this.#lost(code, reason, null),
      });
    } catch (err) {
      // A URL function that threw, a constructor that refused the URL: report it, and back off like a failed attempt.
      this.#report('WSSOT_ERR_CLIENT_PROTOCOL', `could not open a WebSocket: ${(err as Error)?.message ?? String(err)}`, err);
      this.#lost(1006, 'could not open a WebSocket', 'backoff');
      return;
    }
    this.#connection = connection;
    this.#connectTimer = setTimeout(() => {
      this.#connectTimer = null;
      connection.abandon(1000, 'connect timeout');
      this.#lost(1006, `no handshake within ${this.#o.connectTimeoutMs} ms`, 'backoff');
    }, this.#o.connectTimeoutMs);
  }

  #onText(text: string): void {
    const outcome = this.#sequencer.accept(text);
    switch (outcome.kind) {
      case 'session':
        this.#listeners.emit('session', { ...outcome.state, resuming: outcome.resuming });
        if (outcome.ready) this.#handshakeDone();
        return;
      case 'recovered':
        this.#handshakeDone();
        return;
      case 'gap':
        this.#listeners.emit('gap', outcome.gap);
        this.#handshakeDone();
        return;
      case 'event':
        this.#deliver(outcome.event as ClientEvent<M>);
        return;
      case 'duplicate':
        return; // already delivered (defensive: ws-ssot does not send duplicates)
      case 'skipped':
        // Never deliver out of order, never wait silently: resume, and the server replays from lastSeq.
        this.#report('WSSOT_ERR_CLIENT_PROTOCOL', `seq ${outcome.received} arrived when ${outcome.expected} was next: reconnecting to recover`);
        this.#connection?.abandon(1000, 'seq gap: resuming');
        this.#lost(1006, 'seq gap', 'backoff');
        return;
      case 'message':
        this.#listeners.emit('message', outcome.message);
        return;
      case 'invalid':
        this.#report('WSSOT_ERR_CLIENT_PROTOCOL', `${outcome.reason}: ignored`);
    }
  }

  #handshakeDone(): void {
    if (this.#isClosed()) return; // a 'session' or 'gap' listener called close()
    this.#clearConnectTimer();
    this.#opened = true;
    this.#everOpened = true;
    this.#retries = 0;
    // Queued messages first, so one a 'state' listener sends on 'open' cannot overtake them.
    const connection = this.#connection;
    for (const text of this.#outbox.take()) connection?.send(text);
    this.#setState('open');
  }

  #deliver(event: ClientEvent<M>): void {
    this.#listeners.emit('event', event);
    if (!LIFECYCLE_EVENT_NAMES.has(event.type)) this.#listeners.emit(event.type, event);
    for (const stream of this.#streams) stream.push(event, () => `seq ${event.seq} (${event.type})`);
  }

  /**
   * The current attempt is over (closed, timed out, dropped on a seq gap). Runs once per attempt: it
   * either ends the client or sets the one retry timer.
   */
  #lost(code: number, reason: string, forced: CloseAction | null): void {
    this.#clearConnectTimer();
    this.#connection = null;
    if (this.#state === 'closed') return;
    const wasOpen = this.#opened;
    this.#opened = false;
    let action = forced ?? closeActionFor(code);
    const override = this.#o.closeAction;
    if (forced === null && override !== undefined) {
      try {
        action = override(code, reason, action);
      } catch (err) {
        this.#listenerFailed(err, 'closeAction');
      }
    }
    const retry = this.#retries + 1;
    if (action === 'end' || retry > this.#o.maxRetries) {
      this.#listeners.emit('disconnect', { code, reason, action: 'end', delayMs: null, retry: null });
      this.#finish({ code, reason, by: action === 'end' ? 'server' : 'retries' });
      return;
    }
    // 'reconnect' is immediate only after a connection that was open; a failed attempt always backs off.
    const delayMs = action === 'reconnect' && wasOpen ? 0 : backoffDelay(this.#o.backoff, this.#retries);
    this.#retries = retry;
    this.#listeners.emit('disconnect', { code, reason, action, delayMs, retry });
    if (this.#isClosed()) return; // a 'disconnect' listener called close()
    this.#setState(this.#everOpened ? 'reconnecting' : 'connecting');
    if (this.#isClosed() || this.#retryTimer !== null) return;
    this.#retryTimer = setTimeout(() => {
      this.#retryTimer = null;
      this.#connect();
    }, delayMs);
  }

  #finish(info: CloseInfo, code = 1000, reason = 'client closed'): void {
    if (this.#closeInfo !== null) return;
    this.#closeInfo = info;
    this.#clearConnectTimer();
    if (this.#retryTimer !== null) clearTimeout(this.#retryTimer);
    this.#retryTimer = null;
    this.#connection?.abandon(code, reason);
    this.#connection = null;
    this.#outbox.take();
    const error = this.#endError();
    for (const stream of [...this.#streams]) stream.fail(error);
    this.#setState('closed');
  }

  /** What iterators end with: nothing after close(), an error when the server or the retries ended the client. */
  #endError(): WsSsotClientError | undefined {
    const info = this.#closeInfo;
    if (info === null || info.by === 'client') return undefined;
    const why = info.by === 'retries' ? `gave up after ${this.#o.maxRetries} retries (last close ${info.code})` : `the server ended the session with close code ${info.code}${info.reason ? ` (${info.reason})` : ''}`;
    return new WsSsotClientError('WSSOT_ERR_CLIENT_ENDED', why, { closeCode: info.code });
  }

  /** A method, not `this.#state === 'closed'`, which the compiler would narrow across listener calls. */
  #isClosed(): boolean {
    return this.#state === 'closed';
  }

  #setState(state: ClientState): void {
    const previous = this.#state;
    if (previous === state) return;
    this.#state = state;
    this.#listeners.emit('state', { state, previous });
  }

  #clearConnectTimer(): void {
    if (this.#connectTimer !== null) clearTimeout(this.#connectTimer);
    this.#connectTimer = null;
  }

  #report(code: 'WSSOT_ERR_CLIENT_PROTOCOL' | 'WSSOT_ERR_CLIENT_LISTENER', message: string, cause?: unknown): void {
    const err = new WsSsotClientError(code, message, { cause });
    if (this.#listeners.has('error')) this.#listeners.emit('error', err);
    else if (code === 'WSSOT_ERR_CLIENT_LISTENER') surfaceError(err);
  }

  #listenerFailed(err: unknown, type: string): void {
    // An 'error' listener that throws is surfaced, not re-reported (no loop).
    if (type === 'error') surfaceError(err);
    else this.#report('WSSOT_ERR_CLIENT_LISTENER', `a '${type}' listener threw: ${(err as Error)?.message ?? String(err)}`, err);
  }
}

/** Creates a client and starts connecting. `Extra` declares the app's own event types: `createClient<{ my_type: MyData }>(…)`. */
export function createClient<Extra extends EventDataMap = Record<never, never>>(options: ClientOptions): WsSsotClient<CriticalEventDataMap & Extra> {
  return new WsSsotClient<CriticalEventDataMap & Extra>(options);
}
