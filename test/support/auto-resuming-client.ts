/**
 * A test client that follows the client algorithm of docs/protocol.md ("Client algorithm (resume)"): it
 * remembers `sessionId`, `epoch` and the last durable `seq` it saw; when the server closes it, it does what
 * the algorithm says for that close code ({@link documentedCloseAction}): stops for good (1000, 1002, 1003,
 * 1007, 1008, 4009, 4010, 4029, other 3000–4999 but 4008), reconnects at once (1001, 1012, after an open
 * connection), or reconnects after a delay (anything else), each time with `?lastSeq=&epoch=&sessionId=`
 * so the server replays what it missed. Every durable seq received (live or replayed) is recorded, in
 * arrival order, so a test can check "each seq exactly once, in order". Reconnects are bounded.
 */
import WebSocket from 'ws';

interface Frame {
  type?: string;
  seq?: number;
  transient?: boolean;
  sessionId?: string;
  epoch?: string;
  recovered?: boolean;
  [key: string]: unknown;
}

/** What the documented client algorithm does when its socket closes with `code`. */
export type DocumentedCloseAction = 'stop' | 'reconnect' | 'backoff';

/** docs/protocol.md's client algorithm, close code by close code (the shipped client's table says the same). */
export function documentedCloseAction(code: number): DocumentedCloseAction {
  if (code === 1001 || code === 1012) return 'reconnect';
  if (code === 1000 || code === 1002 || code === 1003 || code === 1007 || code === 1008) return 'stop';
  if (code >= 3000 && code <= 4999 && code !== 4008) return 'stop'; // 4009, 4010, 4029 and the app's own codes
  return 'backoff';
}

export interface ResumingClientOptions {
  /** `ws://host:port/path` without a query. */
  url: string;
  userId: string;
  /** Most reconnects before the client gives up (and records why). @default 20 */
  maxReconnects?: number;
  /** Delay before a reconnect, in ms (plus 10 ms per attempt in a row). @default 20 */
  reconnectDelayMs?: number;
}

export class AutoResumingClient {
  readonly userId: string;
  /** Durable seqs in arrival order (live and replayed). */
  readonly seqs: number[] = [];
  /** Every close code the server sent, in order. */
  readonly closeCodes: number[] = [];
  /** `recovered` of every `recovery` frame, in order. */
  readonly recoveries: boolean[] = [];
  /** Connections opened (1 + reconnects). */
  opens = 0;
  /** Why the client gave up, if it did. */
  failure: string | null = null;
  /** The close code the algorithm stopped on for good (4009, 4010, 4029…), or null. */
  stoppedOn: number | null = null;
  /** Resolves with {@link stoppedOn} once the algorithm stopped for good (never if it keeps reconnecting). */
  readonly ended: Promise<number>;
  sessionId: string | null = null;
  epoch: string | null = null;
  lastSeq: number | null = null;
  readonly #url: string;
  readonly #maxReconnects: number;
  readonly #delayMs: number;
  #ws: WebSocket | null = null;
  #stopped = false;
  #reconnects = 0;
  #failuresInRow = 0;
  #timer: NodeJS.Timeout | null = null;
  #ready: Promise<void> | null = null;
  #closed: Promise<void> = Promise.resolve();
  #resolveEnded!: (code: number) => void;

  constructor(options: ResumingClientOptions) {
    this.ended = new Promise((resolve) => (this.#resolveEnded = resolve));
    this.userId = options.userId;
    this.#url = options.url;
    this.#maxReconnects = options.maxReconnects ?? 20;
    this.#delayMs = options.reconnectDelayMs ?? 20;
  }

  /** Opens the first connection; resolves after the session frame. */
  start(): Promise<void> {
    this.#open();
    return this.#ready as Promise<void>;
  }

  /** True while a connection is open. */
  get connected(): boolean {
    return this.#ws?.readyState === WebSocket.OPEN;
  }

  /** The query a reconnect sends. */
  resumeQuery(): string {
    const params = new URLSearchParams();
    if (this.lastSeq !== null) params.set('lastSeq', String(this.lastSeq));
    if (this.epoch !== null) params.set('epoch', this.epoch);
    if (this.sessionId !== null) params.set('sessionId', this.sessionId);
    const query = params.toString();
    return query === '' ? '' : `?${query}`;
  }

  #open(): void {
    if (this.#stopped) return;
    this.opens++;
    const ws = new WebSocket(`${this.#url}${this.resumeQuery()}`, { headers: { authorization: `Bearer user:${this.userId}` } });
    this.#ws = ws;
    let resolveReady!: () => void;
    let rejectReady!: (err: Error) => void;
    const ready = new Promise<void>((resolve, reject) => {
      resolveReady = resolve;
      rejectReady = reject;
    });
    ready.catch(() => undefined);
    this.#ready ??= ready;
    let resolveClosed!: () => void;
    this.#closed = new Promise((resolve) => (resolveClosed = resolve));

    ws.on('message', (data) => {
      const frame = JSON.parse(data.toString()) as Frame;
      if (frame.type === 'session') {
        this.sessionId = frame.sessionId ?? this.sessionId;
        // A new epoch means the server's log for us started over: our old seq means nothing there.
        if (frame.epoch !== this.epoch) this.lastSeq = this.epoch === null ? (typeof frame['lastSeq'] === 'number' ? frame['lastSeq'] : 0) : null;
        this.epoch = frame.epoch ?? null;
        this.#failuresInRow = 0;
        resolveReady();
        return;
      }
      if (frame.type === 'recovery') {
        this.recoveries.push(frame.recovered === true);
        return;
      }
      if (typeof frame.seq === 'number' && frame.transient !== true) {
        this.seqs.push(frame.seq);
        this.lastSeq = frame.seq;
      }
    });
    ws.on('unexpected-response', (_req, res) => {
      res.resume();
      ws.terminate();
    });
    ws.on('error', () => {
      // followed by 'close'
    });
    let opened = false;
    ws.once('open', () => (opened = true));
    ws.on('close', (code) => {
      resolveClosed();
      rejectReady(new Error(`closed with ${code} before the session frame`));
      if (this.#stopped) return;
      this.closeCodes.push(code);
      const action = documentedCloseAction(code);
      if (action === 'stop') {
        this.#stopped = true;
        this.stoppedOn = code;
        this.#resolveEnded(code);
        return;
      }
      if (this.#reconnects >= this.#maxReconnects) {
        this.failure = `gave up after ${this.#reconnects} reconnects (last close ${code})`;
        return;
      }
      this.#reconnects++;
      const atOnce = action === 'reconnect' && opened;
      this.#failuresInRow = atOnce ? 0 : this.#failuresInRow + 1;
      this.#timer = setTimeout(() => {
        this.#timer = null;
        this.#open();
      }, atOnce ? 0 : this.#delayMs + 10 * this.#failuresInRow);
    });
  }

  /** Stops reconnecting and closes the connection. Idempotent. */
  async stop(): Promise<void> {
    this.#stopped = true;
    if (this.#timer !== null) clearTimeout(this.#timer);
    this.#timer = null;
    const ws = this.#ws;
    if (ws !== null && (ws.readyState === WebSocket.OPEN || ws.readyState === WebSocket.CONNECTING)) ws.terminate();
    await this.#closed;
  }
}
