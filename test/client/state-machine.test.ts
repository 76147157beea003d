/**
 * The connection state machine with a scripted WebSocket and fake timers: exactly one attempt at a
 * time whatever the socket does ('error' then 'close', a late close of an abandoned socket, a connect
 * that hangs), and the seq-gap resync. Deterministic, no network.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createClient, type DisconnectInfo, type WebSocketConstructor } from '../../src/client/index.js';

type Listener = (event: unknown) => void;

class FakeSocket {
  static all: FakeSocket[] = [];
  readyState = 0;
  bufferedAmount = 0;
  readonly sent: string[] = [];
  closedWith: [number | undefined, string | undefined] | null = null;
  readonly #listeners = new Map<string, Listener[]>();
  constructor(readonly url: string) {
    FakeSocket.all.push(this);
  }
  addEventListener(type: string, listener: Listener): void {
    this.#listeners.set(type, [...(this.#listeners.get(type) ?? []), listener]);
  }
  send(data: string): void {
    this.sent.push(data);
  }
  close(code?: number, reason?: string): void {
    this.closedWith = [code, reason];
  }
  fire(type: string, event: unknown = {}): void {
    if (type === 'close') this.readyState = 3;
    for (const l of this.#listeners.get(type) ?? []) l(event);
  }
  frame(f: Record<string, unknown>): void {
    this.readyState = 1;
    this.fire('message', { data: JSON.stringify({ v: 1, ...f }) });
  }
  /** A server that accepts: the session frame (+ recovery when the URL resumes). */
  accept(epoch = 'e1', serverSeq = 0, recovered = true): void {
    this.frame({ type: 'session', sessionId: 'sess-0001', epoch, lastSeq: serverSeq });
    const lastSeq = new URL(this.url).searchParams.get('lastSeq');
    if (lastSeq !== null) this.frame({ type: 'recovery', recovered, fromSeq: Number(lastSeq) + 1, toSeq: serverSeq });
  }
}

const Fake = FakeSocket as unknown as WebSocketConstructor;
const last = () => FakeSocket.all[FakeSocket.all.length - 1] as FakeSocket;

function start(options: Parameters<typeof createClient>[0] extends infer O ? Partial<O> : never = {}) {
  const client = createClient({ url: 'ws://h/ws', WebSocket: Fake, reconnect: { initialDelayMs: 100, maxDelayMs: 1_000, random: () => 1 }, ...options });
  const disconnects: DisconnectInfo[] = [];
  const seqs: number[] = [];
  client.on('disconnect', (d) => disconnects.push(d));
  client.on('event', (e) => seqs.push(e.seq));
  client.on('error', () => undefined);
  return { client, disconnects, seqs };
}

beforeEach(() => {
  FakeSocket.all = [];
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
});

describe('one attempt at a time', () => {
  it("a failed connect ('error' then 'close') schedules exactly one retry", () => {
    const { client, disconnects } = start();
    expect(FakeSocket.all).toHaveLength(1);
    last().fire('error');
    last().fire('close', { code: 1006, reason: '' });
    expect(disconnects).toEqual([{ code: 1006, reason: '', action: 'backoff', delayMs: 100, retry: 1 }]);
    vi.advanceTimersByTime(99);
    expect(FakeSocket.all).toHaveLength(1);
    vi.advanceTimersByTime(1);
    expect(FakeSocket.all).toHaveLength(2);
    last().fire('error');
    last().fire('close', { code: 1006 });
    vi.advanceTimersByTime(10_000);
    expect(FakeSocket.all).toHaveLength(3); // 200 ms later, once
    expect(disconnects.map((d) => d.delayMs)).toEqual([100, 200]);
    expect(client.state).toBe('connecting');
    void client.close();
  });

  it('a connect that hangs is abandoned after connectTimeoutMs and retried; its late close changes nothing', () => {
    const { client, disconnects } = start({ connectTimeoutMs: 500 });
    const hung = last();
    vi.advanceTimersByTime(500);
    expect(hung.closedWith).toEqual([1000, 'connect timeout']);
    expect(disconnects).toEqual([expect.objectContaining({ code: 1006, action: 'backoff', retry: 1 })]);
    vi.advanceTimersByTime(100);
    expect(FakeSocket.all).toHaveLength(2);
    hung.fire('close', { code: 1006 }); // the abandoned socket finally closes
    vi.advanceTimersByTime(499); // (the new attempt's own timeout is at 500)
    expect(FakeSocket.all).toHaveLength(2);
    expect(disconnects).toHaveLength(1);
    last().accept();
    expect(client.state).toBe('open');
    void client.close();
  });

  it('close() during the backoff wait: no further attempt', () => {
    const { client } = start();
    last().fire('close', { code: 1006 });
    void client.close();
    vi.advanceTimersByTime(60_000);
    expect(FakeSocket.all).toHaveLength(1);
    expect(client.state).toBe('closed');
  });

  it('resets the backoff after a connection that was open; 1012 after an open connection is immediate', () => {
    const { client, disconnects } = start();
    last().fire('close', { code: 1006 });
    vi.advanceTimersByTime(100);
    last().fire('close', { code: 1006 });
    vi.advanceTimersByTime(200);
    last().accept();
    last().fire('close', { code: 1012, reason: 'drain' });
    vi.advanceTimersByTime(0);
    last().fire('close', { code: 1012 }); // never opened: backs off
    expect(disconnects.map((d) => [d.code, d.delayMs, d.retry])).toEqual([[1006, 100, 1], [1006, 200, 2], [1012, 0, 1], [1012, 200, 2]]);
    void client.close();
  });
});

describe('resume and gaps', () => {
  it('sends sessionId, epoch, lastSeq and the ts of the event at lastSeq on reconnect, and keeps the app\'s query', () => {
    const { client } = start({ url: 'ws://h/ws?token=abc' });
    expect(last().url).toBe('ws://h/ws?token=abc');
    last().accept('e1', 5);
    last().frame({ type: 'agent_started', seq: 6, ts: 1_700_000_000_006, data: {} });
    last().fire('close', { code: 1006 });
    vi.advanceTimersByTime(100);
    expect(Object.fromEntries(new URL(last().url).searchParams)).toEqual({ token: 'abc', sessionId: 'sess-0001', epoch: 'e1', lastSeq: '6', lastTs: '1700000000006' });
    void client.close();
  });

  it('a seq gap inside one connection: nothing delivered out of order, the client resumes from its lastSeq', () => {
    const { client, seqs } = start();
    last().accept();
    last().frame({ type: 'agent_started', seq: 1, ts: 1, data: {} });
    const broken = last();
    broken.frame({ type: 'agent_started', seq: 3, ts: 1, data: {} }); // 2 is missing
    expect(broken.closedWith).toEqual([1000, 'seq gap: resuming']);
    expect(seqs).toEqual([1]);
    broken.frame({ type: 'agent_started', seq: 4, ts: 1, data: {} }); // detached: ignored
    vi.advanceTimersByTime(100);
    expect(new URL(last().url).searchParams.get('lastSeq')).toBe('1');
    last().frame({ type: 'session', sessionId: 'sess-0001', epoch: 'e1', lastSeq: 3 });
    for (const seq of [2, 3]) last().frame({ type: 'agent_started', seq, ts: 1, data: {} });
    last().frame({ type: 'recovery', recovered: true, fromSeq: 2, toSeq: 3 });
    expect(seqs).toEqual([1, 2, 3]);
    expect(client.state).toBe('open');
    void client.close();
  });

  it('calls the gap handler once on recovered: false, before the state is open again, and continues', () => {
    const order: string[] = [];
    const { client, seqs } = start({ onGap: (g) => order.push(`gap ${g.fromSeq}-${g.toSeq}`) });
    client.on('state', (s) => order.push(s.state));
    last().accept();
    last().frame({ type: 'agent_started', seq: 1, ts: 1, data: {} });
    last().fire('close', { code: 4008 });
    vi.advanceTimersByTime(100);
    last().accept('e1', 900, false);
    last().frame({ type: 'agent_started', seq: 901, ts: 1, data: {} });
    expect(order).toEqual(['open', 'reconnecting', 'gap 2-900', 'open']);
    expect(seqs).toEqual([1, 901]);
    void client.close();
  });

  it('ends on 4010 (legacy path: replaced by a newer connection) instead of fighting it', () => {
    const { client, disconnects } = start();
    last().accept();
    last().fire('close', { code: 4010, reason: 'replaced' });
    vi.advanceTimersByTime(60_000);
    expect(FakeSocket.all).toHaveLength(1);
    expect(client.closeInfo).toEqual({ code: 4010, reason: 'replaced', by: 'server' });
    expect(disconnects).toEqual([{ code: 4010, reason: 'replaced', action: 'end', delayMs: null, retry: null }]);
  });

  it('send() on a socket already closing queues the message for the next connection instead of losing it', () => {
    const { client } = start();
    last().accept();
    const closing = last();
    closing.readyState = 2; // the server's close frame is in, the 'close' event not yet
    expect(client.send({ n: 1 })).toBe(false);
    closing.fire('close', { code: 1006 });
    vi.advanceTimersByTime(100);
    last().accept();
    expect(closing.sent).toEqual([]);
    expect(last().sent).toEqual(['{"n":1}']);
    void client.close();
  });

  it('closeAction overrides the table', () => {
    const { client } = start({ closeAction: (code, _reason, action) => (code === 4100 ? 'reconnect' : action) });
    last().accept();
    last().fire('close', { code: 4100 });
    vi.advanceTimersByTime(0);
    expect(FakeSocket.all).toHaveLength(2);
    void client.close();
  });
});
