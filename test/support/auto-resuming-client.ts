/**
 * A test client that behaves like a well-written app client: it remembers `sessionId`, `epoch` and the
 * last durable `seq` it saw, and when the server closes it (1012 drain, 1001 shutdown, 4008 slow
 * consumer…) it reconnects with `?lastSeq=&epoch=&sessionId=` so the server replays what it missed.
 * Every durable seq received (live or replayed) is recorded, in arrival order, so a test can check
 * "each seq exactly once, in order". Reconnects are bounded.
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

  constructor(options: ResumingClientOptions) {
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
    ws.on('close', (code) => {
      resolveClosed();
      rejectReady(new Error(`closed with ${code} before the session frame`));
      if (this.#stopped) return;
      this.closeCodes.push(code);
      if (this.#reconnects >= this.#maxReconnects) {
        this.failure = `gave up after ${this.#reconnects} reconnects (last close ${code})`;
        return;
      }
      this.#reconnects++;
      this.#failuresInRow++;
      this.#timer = setTimeout(() => {
        this.#timer = null;
        this.#open();
      }, this.#delayMs + 10 * this.#failuresInRow);
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
