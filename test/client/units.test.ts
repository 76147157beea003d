/** The client's pieces without a network: backoff, the sequencer, the iterator buffer, sending, URLs, errors, types. */
import { describe, expect, expectTypeOf, it } from 'vitest';
import { backoffDelay, createClient, isWsSsotClientError, WsSsotClientError, type ClientEvent, type GapInfo } from '../../src/client/index.js';
import { resolveBackoff } from '../../src/client/backoff.js';
import { EventStream } from '../../src/client/event-stream.js';
import { Outbox, serialize } from '../../src/client/outbox.js';
import { upgradeUrl } from '../../src/client/resume-url.js';
import { Sequencer } from '../../src/client/sequencer.js';
import type { WebSocketConstructor, WebSocketLike } from '../../src/client/websocket.js';

const frame = (f: Record<string, unknown>) => JSON.stringify({ v: 1, ...f });
const event = (seq: number, extra: Record<string, unknown> = {}) => frame({ type: 'agent_started', seq, ts: 1, data: {}, ...extra });

describe('backoff', () => {
  it('is exponential with full jitter and a cap', () => {
    const at = (r: number) => resolveBackoff({ initialDelayMs: 100, maxDelayMs: 1_000, factor: 2, random: () => r });
    expect([0, 1, 2, 3, 4, 10, 5000].map((n) => backoffDelay(at(1), n))).toEqual([100, 200, 400, 800, 1_000, 1_000, 1_000]);
    expect([0, 1, 2].map((n) => backoffDelay(at(0.5), n))).toEqual([50, 100, 200]);
    expect(backoffDelay(at(0), 7)).toBe(0);
    const defaults = resolveBackoff();
    for (let i = 0; i < 100; i++) expect(backoffDelay(defaults, 3)).toBeLessThanOrEqual(4_000);
  });

  it('rejects options that make no sense', () => {
    expect(() => resolveBackoff({ factor: 0.5 })).toThrow(/reconnect.factor/);
    expect(() => resolveBackoff({ initialDelayMs: -1 })).toThrow(/reconnect.initialDelayMs/);
    expect(() => resolveBackoff({ initialDelayMs: 100, maxDelayMs: 10 })).toThrow(/reconnect.maxDelayMs/);
  });
});

describe('sequencer', () => {
  function fresh(lastSeq = 0): Sequencer {
    const s = new Sequencer();
    expect(s.startConnection()).toBeNull();
    expect(s.accept(frame({ type: 'session', sessionId: 'sess-0001', epoch: 'e1', lastSeq }))).toMatchObject({ kind: 'session', resuming: false, ready: true });
    return s;
  }

  it('starts at the server\'s seq, delivers lastSeq + 1 only, drops duplicates', () => {
    const s = fresh(7);
    expect(s.lastSeq).toBe(7);
    expect(s.accept(event(8)).kind).toBe('event');
    expect(s.accept(event(8))).toEqual({ kind: 'duplicate', seq: 8 });
    expect(s.accept(event(3))).toEqual({ kind: 'duplicate', seq: 3 });
    expect(s.accept(event(9)).kind).toBe('event');
    expect(s.lastSeq).toBe(9);
  });

  it('never skips: a seq above lastSeq + 1 (or a transient event carrying one) asks for a resume', () => {
    const s = fresh();
    expect(s.accept(event(2))).toEqual({ kind: 'skipped', expected: 1, received: 2 });
    expect(s.accept(event(3, { transient: true }))).toEqual({ kind: 'skipped', expected: 1, received: 3 });
    expect(s.lastSeq).toBe(0);
    expect(s.accept(event(0, { transient: true })).kind).toBe('event'); // progress at the current seq
    expect(s.lastSeq).toBe(0);
  });

  it('resumes with its state; a full replay then recovered: true', () => {
    const s = fresh();
    s.accept(event(1));
    expect(s.startConnection()).toEqual({ sessionId: 'sess-0001', epoch: 'e1', lastSeq: 1, lastTs: 1 });
    expect(s.accept(frame({ type: 'session', sessionId: 'sess-0001', epoch: 'e1', lastSeq: 3 }))).toMatchObject({ kind: 'session', resuming: true, ready: false });
    expect(s.lastSeq).toBe(1); // a resume keeps its own seq, not the server's
    expect(s.accept(event(2)).kind).toBe('event');
    expect(s.accept(event(3)).kind).toBe('event');
    expect(s.accept(frame({ type: 'recovery', recovered: true, fromSeq: 2, toSeq: 3 }))).toEqual({ kind: 'recovered', fromSeq: 2, toSeq: 3 });
  });

  it('a recovered: true that did not replay everything asks for another resume', () => {
    const s = fresh();
    s.startConnection();
    s.accept(frame({ type: 'session', sessionId: 'sess-0001', epoch: 'e1', lastSeq: 2 }));
    expect(s.accept(frame({ type: 'recovery', recovered: true, fromSeq: 1, toSeq: 2 }))).toEqual({ kind: 'skipped', expected: 1, received: 2 });
  });

  it('recovered: false is a gap: the app refetches, the client goes on from toSeq (in the new epoch)', () => {
    const s = fresh();
    s.accept(event(1));
    s.accept(event(2));
    s.startConnection();
    s.accept(frame({ type: 'session', sessionId: 'sess-0001', epoch: 'e2', lastSeq: 0 }));
    const gap: GapInfo = { fromSeq: 3, toSeq: 0, epoch: 'e2', previousEpoch: 'e1', epochChanged: true };
    expect(s.accept(frame({ type: 'recovery', recovered: false, fromSeq: 3, toSeq: 0 }))).toEqual({ kind: 'gap', gap });
    expect([s.epoch, s.lastSeq]).toEqual(['e2', 0]);
    expect(s.accept(event(1)).kind).toBe('event');
  });

  it('commits a new epoch only with the recovery frame: a connection lost before it resumes in the old epoch', () => {
    const s = fresh();
    s.accept(event(1));
    s.startConnection();
    s.accept(frame({ type: 'session', sessionId: 'sess-0001', epoch: 'e2', lastSeq: 0 }));
    // lost here
    expect(s.startConnection()).toEqual({ sessionId: 'sess-0001', epoch: 'e1', lastSeq: 1, lastTs: 1 });
  });

  it('names the event at lastSeq by its ts: the one it processed, or the session frame\'s after a fresh start or a gap; else not at all', () => {
    const s = fresh(4);
    expect(s.resumeState()).toEqual({ sessionId: 'sess-0001', epoch: 'e1', lastSeq: 4 }); // started at the server's seq, which gave no ts
    s.accept(event(5, { ts: 1_700_000_000_005 }));
    s.accept(event(5, { ts: 1_700_000_000_099, transient: true })); // progress: neither seq nor ts move
    expect(s.resumeState()).toEqual({ sessionId: 'sess-0001', epoch: 'e1', lastSeq: 5, lastTs: 1_700_000_000_005 });
    s.startConnection();
    s.accept(frame({ type: 'session', sessionId: 'sess-0001', epoch: 'e2', lastSeq: 2 }));
    s.accept(frame({ type: 'recovery', recovered: false, fromSeq: 6, toSeq: 2 }));
    expect(s.resumeState()).toEqual({ sessionId: 'sess-0001', epoch: 'e2', lastSeq: 2 });
    s.startConnection();
    s.accept(frame({ type: 'session', sessionId: 'sess-0001', epoch: 'e3', lastSeq: 9, lastTs: 1_700_000_000_009 }));
    s.accept(frame({ type: 'recovery', recovered: false, fromSeq: 3, toSeq: 9 }));
    expect(s.resumeState()).toEqual({ sessionId: 'sess-0001', epoch: 'e3', lastSeq: 9, lastTs: 1_700_000_000_009 }); // the gap's toSeq is the session's seq
    const started = new Sequencer();
    started.startConnection();
    started.accept(frame({ type: 'session', sessionId: 'sess-0002', epoch: 'e1', lastSeq: 3, lastTs: 1_700_000_000_003 }));
    expect(started.resumeState()).toEqual({ sessionId: 'sess-0002', epoch: 'e1', lastSeq: 3, lastTs: 1_700_000_000_003 });
    const reloaded = new Sequencer({ sessionId: 'sess-0001', epoch: 'e1', lastSeq: 5, lastTs: 7 });
    expect(reloaded.startConnection()).toEqual({ sessionId: 'sess-0001', epoch: 'e1', lastSeq: 5, lastTs: 7 });
  });

  it('tells app messages from protocol frames, and ignores what is out of place', () => {
    const s = new Sequencer();
    s.startConnection();
    expect(s.accept(event(1)).kind).toBe('invalid'); // before the session frame
    expect(s.accept('not json').kind).toBe('invalid');
    expect(s.accept(frame({ type: 'recovery', recovered: true, fromSeq: 1, toSeq: 0 })).kind).toBe('invalid');
    expect(s.accept(JSON.stringify({ type: 'chat', seq: 4, text: 'hi' }))).toEqual({ kind: 'message', message: { type: 'chat', seq: 4, text: 'hi' } }); // no v: 1
    expect(s.accept('42')).toEqual({ kind: 'message', message: 42 });
    expect(s.accept(frame({ type: 'note' }))).toEqual({ kind: 'message', message: { v: 1, type: 'note' } });
    s.accept(frame({ type: 'session', sessionId: 'sess-0001', epoch: 'e1', lastSeq: 0 }));
    expect(s.accept(frame({ type: 'session', sessionId: 'sess-0001', epoch: 'e1', lastSeq: 0 })).kind).toBe('invalid');
  });
});

describe('events() buffer', () => {
  it('delivers in order, waits when empty, and ends normally', async () => {
    const stream = new EventStream<number>(10, () => undefined);
    const first = stream.next();
    stream.push(1, () => '1');
    stream.push(2, () => '2');
    expect(await first).toEqual({ value: 1, done: false });
    expect(await stream.next()).toEqual({ value: 2, done: false });
    stream.fail();
    expect(await stream.next()).toEqual({ value: undefined, done: true });
  });

  it('errors once the consumer is bufferSize behind, after what it buffered, and stops listening', async () => {
    let detached = 0;
    const stream = new EventStream<number>(2, () => detached++);
    for (let i = 1; i <= 5; i++) stream.push(i, () => `seq ${i}`);
    expect(detached).toBe(1);
    expect(await stream.next()).toEqual({ value: 1, done: false });
    expect(await stream.next()).toEqual({ value: 2, done: false });
    await expect(stream.next()).rejects.toMatchObject({ code: 'WSSOT_ERR_CLIENT_ITERATOR_OVERFLOW', message: expect.stringContaining('seq 3') });
    expect(await stream.next()).toEqual({ value: undefined, done: true });
  });

  it('return() (a break in for await) detaches and drops the buffer', async () => {
    let detached = 0;
    const stream = new EventStream<number>(5, () => detached++);
    stream.push(1, () => '1');
    for await (const n of stream) {
      expect(n).toBe(1);
      break;
    }
    expect(detached).toBe(1);
    expect(await stream.next()).toEqual({ value: undefined, done: true });
  });
});

describe('sending', () => {
  it('serialises JSON or throws a coded error', () => {
    expect(serialize({ a: 1 })).toBe('{"a":1}');
    const cycle: Record<string, unknown> = {};
    cycle.self = cycle;
    for (const bad of [undefined, () => 1, cycle, 10n]) expect(() => serialize(bad)).toThrow(expect.objectContaining({ code: 'WSSOT_ERR_CLIENT_NOT_SERIALIZABLE' }));
  });

  it('queues up to its limit; a limit of 0 means "throw while not open"', () => {
    const box = new Outbox(2);
    box.push('a');
    box.push('b');
    expect(() => box.push('c')).toThrow(expect.objectContaining({ code: 'WSSOT_ERR_CLIENT_OUTBOX_FULL' }));
    expect(box.take()).toEqual(['a', 'b']);
    expect(box.size).toBe(0);
    expect(() => new Outbox(0).push('a')).toThrow(expect.objectContaining({ code: 'WSSOT_ERR_CLIENT_NOT_OPEN' }));
  });
});

describe('upgrade URL', () => {
  it('keeps the app\'s query, sets or removes the resume parameters, maps http(s) to ws(s)', () => {
    expect(upgradeUrl('ws://h/ws?token=t', null)).toBe('ws://h/ws?token=t');
    expect(upgradeUrl('https://h/ws?token=t&lastSeq=9#x', { sessionId: 's-1', epoch: 'e/1', lastSeq: 4 })).toBe('wss://h/ws?token=t&sessionId=s-1&epoch=e%2F1&lastSeq=4');
    expect(upgradeUrl(new URL('http://h/ws?sessionId=old&lastTs=1'), null)).toBe('ws://h/ws');
    expect(upgradeUrl('ws://h/ws', { sessionId: 's-1', epoch: 'e', lastSeq: 4, lastTs: 1_700_000_000_005 })).toBe('ws://h/ws?sessionId=s-1&epoch=e&lastSeq=4&lastTs=1700000000005');
    expect(() => upgradeUrl('ftp://h/ws', null)).toThrow(expect.objectContaining({ code: 'WSSOT_ERR_CLIENT_INVALID_OPTION' }));
    expect(() => upgradeUrl('/ws', null)).toThrow(expect.objectContaining({ code: 'WSSOT_ERR_CLIENT_INVALID_OPTION' })); // relative: only in a page
  });
});

describe('client errors and options', () => {
  it('are coded and branded (recognised across copies of the package)', () => {
    const err = new WsSsotClientError('WSSOT_ERR_CLIENT_CLOSED', 'closed', { closeCode: 4009 });
    expect([err.name, err.code, err.closeCode, err instanceof Error, err instanceof WsSsotClientError]).toEqual(['WsSsotClientError', 'WSSOT_ERR_CLIENT_CLOSED', 4009, true, true]);
    expect(isWsSsotClientError(err)).toBe(true);
    // What another copy's error looks like: not this class's prototype, but the brand.
    const foreign = Object.create(Object.defineProperty({}, Symbol.for('ws-ssot.v1.client-error'), { value: true }));
    expect([foreign instanceof WsSsotClientError, isWsSsotClientError(foreign)]).toEqual([true, true]);
    expect(isWsSsotClientError(Object.assign(new Error('x'), { code: 'WSSOT_ERR_CLIENT_CLOSED' }))).toBe(false);
  });

  it('refuses bad options at creation, and runs without a WebSocket only if there is a global one', () => {
    const Never = class {} as unknown as WebSocketConstructor;
    expect(() => createClient({ url: 'ws://h/ws' })).toThrow(expect.objectContaining({ code: 'WSSOT_ERR_CLIENT_NO_WEBSOCKET' })); // Node 20: no global WebSocket
    expect(() => createClient({ url: 'nope', WebSocket: Never })).toThrow(expect.objectContaining({ code: 'WSSOT_ERR_CLIENT_INVALID_OPTION' }));
    expect(() => createClient({ url: 'ws://h/ws', WebSocket: Never, maxQueued: -1 })).toThrow(/maxQueued/);
    expect(() => createClient({ url: 'ws://h/ws', WebSocket: Never, reconnect: { maxRetries: 0 } })).toThrow(/maxRetries/);
    expect(() => createClient({ url: 'ws://h/ws', WebSocket: Never, resumeFrom: { sessionId: 's', epoch: 'e', lastSeq: -1 } })).toThrow(/resumeFrom/);
    expect(() => createClient({ url: 'ws://h/ws', WebSocket: Never, resumeFrom: { sessionId: 's', epoch: 'e', lastSeq: 1, lastTs: 1.5 } })).toThrow(/resumeFrom/);
  });

  it('types on() by event type, and lets the app declare its own types', () => {
    const socket: WebSocketLike = { readyState: 0, bufferedAmount: 0, send() {}, close() {}, addEventListener() {} };
    const Fake = function () {
      return socket;
    } as unknown as WebSocketConstructor;
    const client = createClient<{ doc_updated: { docId: string } }>({ url: 'ws://h/ws', WebSocket: Fake });
    client.on('tool_executing', (e) => expectTypeOf(e.data.tool).toEqualTypeOf<string>());
    client.on('doc_updated', (e) => expectTypeOf(e.data.docId).toEqualTypeOf<string>());
    client.on('event', (e) => {
      if (e.type === 'tool_completed') expectTypeOf(e.data.tool).toEqualTypeOf<string>();
    });
    client.on('gap', (g) => expectTypeOf(g).toEqualTypeOf<GapInfo>());
    // @ts-expect-error: a type neither critical nor declared
    client.on('agent_startd', () => undefined);
    expectTypeOf(client.events()).toEqualTypeOf<AsyncIterableIterator<ClientEvent<import('../../src/events/agent-events.js').CriticalEventDataMap & { doc_updated: { docId: string } }>>>();
    void client.close();
  });
});
