/** A real `ws` client for tests: records every frame, waits on events with deadlines (never sleeps). */
import WebSocket from 'ws';

export interface Frame {
  [key: string]: unknown;
  type?: string;
}

export interface CloseInfo {
  code: number;
  reason: string;
}

export class TestClient {
  readonly ws: WebSocket;
  readonly frames: Frame[] = [];
  readonly closed: Promise<CloseInfo>;
  #cursor = 0;
  #waiters: Array<() => void> = [];

  private constructor(ws: WebSocket) {
    this.ws = ws;
    ws.on('message', (data) => {
      this.frames.push(JSON.parse(data.toString()) as Frame);
      this.#wake();
    });
    this.closed = new Promise((resolve) => {
      ws.on('close', (code, reason) => {
        this.#wake();
        resolve({ code, reason: reason.toString() });
      });
    });
    ws.on('error', () => {
      // surfaced through `closed`
    });
  }

  /** Opens a connection; rejects with the HTTP status if the upgrade is refused. */
  static open(url: string, options: WebSocket.ClientOptions = {}): Promise<TestClient> {
    return new Promise((resolve, reject) => {
      const ws = new WebSocket(url, options);
      const client = new TestClient(ws);
      ws.once('open', () => resolve(client));
      ws.once('unexpected-response', (_req, res) => {
        reject(Object.assign(new Error(`upgrade refused: ${res.statusCode}`), { status: res.statusCode }));
        res.resume();
        ws.terminate();
      });
      ws.once('error', reject);
    });
  }

  #wake(): void {
    const waiters = this.#waiters;
    this.#waiters = [];
    for (const w of waiters) w();
  }

  #changed(timeoutMs: number, what: string): Promise<void> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`timed out after ${timeoutMs} ms waiting for ${what}; frames: ${JSON.stringify(this.frames.slice(-5))}`)), timeoutMs);
      this.#waiters.push(() => {
        clearTimeout(timer);
        resolve();
      });
    });
  }

  /** The next unread frame matching `predicate` (frames before it are consumed). */
  async next(predicate: (f: Frame) => boolean = () => true, timeoutMs = 5_000, what = 'a frame'): Promise<Frame> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      while (this.#cursor < this.frames.length) {
        const frame = this.frames[this.#cursor++] as Frame;
        if (predicate(frame)) return frame;
      }
      if (this.ws.readyState === WebSocket.CLOSED) throw new Error(`socket closed while waiting for ${what}`);
      await this.#changed(Math.max(1, deadline - Date.now()), what);
    }
  }

  /** The next unread frame of `type`. */
  nextOfType(type: string, timeoutMs = 5_000): Promise<Frame> {
    return this.next((f) => f.type === type, timeoutMs, `a '${type}' frame`);
  }

  /** Waits until `count` frames matching `predicate` have arrived in total. */
  async waitForCount(predicate: (f: Frame) => boolean, count: number, timeoutMs = 5_000): Promise<Frame[]> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const matching = this.frames.filter(predicate);
      if (matching.length >= count) return matching;
      if (this.ws.readyState === WebSocket.CLOSED) throw new Error(`socket closed with ${matching.length}/${count} frames`);
      await this.#changed(Math.max(1, deadline - Date.now()), `${count} frames`);
    }
  }

  send(data: unknown): void {
    this.ws.send(typeof data === 'string' ? data : JSON.stringify(data));
  }

  /** Closes (if needed) and resolves once closed. */
  async close(): Promise<CloseInfo> {
    if (this.ws.readyState === WebSocket.OPEN || this.ws.readyState === WebSocket.CONNECTING) this.ws.terminate();
    return this.closed;
  }
}

/** Resolves with the HTTP status of a refused upgrade; fails if the upgrade succeeds. */
export async function refusalStatus(url: string, options: WebSocket.ClientOptions = {}): Promise<number> {
  try {
    const client = await TestClient.open(url, options);
    await client.close();
  } catch (err) {
    const status = (err as { status?: number }).status;
    if (typeof status === 'number') return status;
    throw err;
  }
  throw new Error('upgrade was accepted');
}
