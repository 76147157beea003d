/**
 * Fuzz over real sockets (seeded): 5,000 random and malformed inbound frames — bad JSON, wrong types,
 * binary, oversized, ping/pong, fragmented, protocol violations written as raw bytes, raw garbage, client
 * close frames — and 5,000 API calls with random values. 0 crashes, only documented close codes or coded
 * errors, and bystander connections receive every event throughout.
 */
import { randomBytes } from 'node:crypto';
import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import { isWsSsotError, type UnifiedWebSocketManager } from '../../src/index.js';
import type { TestClient } from '../support/client.js';
import { startHarness, type Harness } from '../support/harness.js';
import { ResumingClient } from '../support/resuming-client.js';

const SEED = Number(process.env.WSSOT_FUZZ_SEED ?? 5_150);
const FRAMES = 5_000;
const API_CALLS = 5_000;
const MAX_PAYLOAD = 16 * 1024;

let h: Harness | null = null;
afterEach(async () => {
  await h?.close();
  h = null;
});

/** A client→server frame built by hand (masked unless told otherwise), to send what `ws` never would. */
function rawFrame(opcode: number, payload: Buffer, o: { fin?: boolean; rsv?: number; mask?: boolean; length?: bigint } = {}): Buffer {
  const fin = o.fin ?? true;
  const mask = o.mask ?? true;
  const len = o.length ?? BigInt(payload.length);
  const head: number[] = [(fin ? 0x80 : 0) | ((o.rsv ?? 0) << 4) | (opcode & 0x0f)];
  const m = mask ? 0x80 : 0;
  if (len < 126n) head.push(m | Number(len));
  else if (len < 65_536n) head.push(m | 126, Number(len >> 8n) & 0xff, Number(len) & 0xff);
  else {
    head.push(m | 127);
    for (let i = 7; i >= 0; i--) head.push(Number((len >> BigInt(i * 8)) & 0xffn));
  }
  if (!mask) return Buffer.concat([Buffer.from(head), payload]);
  const key = randomBytes(4);
  const masked = Buffer.from(payload);
  for (let i = 0; i < masked.length; i++) masked[i] = (masked[i] as number) ^ (key[i % 4] as number);
  return Buffer.concat([Buffer.from(head), key, masked]);
}

const closePayload = (code: number, reason = '') => {
  const b = Buffer.alloc(2 + Buffer.byteLength(reason));
  b.writeUInt16BE(code, 0);
  b.write(reason, 2);
  return b;
};

type Fuzz =
  | { kind: 'json'; value: unknown }
  | { kind: 'text'; text: string }
  | { kind: 'binary'; bytes: Uint8Array }
  | { kind: 'huge'; extra: number }
  | { kind: 'ping'; bytes: Uint8Array }
  | { kind: 'pong'; bytes: Uint8Array }
  | { kind: 'fragmented'; parts: string[] }
  | { kind: 'protocol'; variant: number; bytes: Uint8Array }
  | { kind: 'garbage'; bytes: Uint8Array }
  | { kind: 'close'; code: number; reason: string };

const fuzzArb: fc.Arbitrary<Fuzz> = fc.oneof(
  { weight: 22, arbitrary: fc.record({ kind: fc.constant('json' as const), value: fc.jsonValue({ maxDepth: 4 }) }) },
  { weight: 16, arbitrary: fc.record({ kind: fc.constant('text' as const), text: fc.string({ maxLength: 200, unit: 'binary' }) }) },
  { weight: 8, arbitrary: fc.record({ kind: fc.constant('binary' as const), bytes: fc.uint8Array({ maxLength: 256 }) }) },
  { weight: 4, arbitrary: fc.record({ kind: fc.constant('huge' as const), extra: fc.integer({ min: 1, max: 64 * 1024 }) }) },
  { weight: 6, arbitrary: fc.record({ kind: fc.constant('ping' as const), bytes: fc.uint8Array({ maxLength: 125 }) }) },
  { weight: 4, arbitrary: fc.record({ kind: fc.constant('pong' as const), bytes: fc.uint8Array({ maxLength: 125 }) }) },
  { weight: 8, arbitrary: fc.record({ kind: fc.constant('fragmented' as const), parts: fc.array(fc.string({ maxLength: 40 }), { minLength: 2, maxLength: 5 }) }) },
  { weight: 22, arbitrary: fc.record({ kind: fc.constant('protocol' as const), variant: fc.nat({ max: 11 }), bytes: fc.uint8Array({ minLength: 1, maxLength: 200 }) }) },
  { weight: 5, arbitrary: fc.record({ kind: fc.constant('garbage' as const), bytes: fc.uint8Array({ minLength: 1, maxLength: 64 }) }) },
  { weight: 5, arbitrary: fc.record({ kind: fc.constant('close' as const), code: fc.oneof(fc.constantFrom(1000, 1001, 1002, 1003, 1007, 1008, 1009, 1011), fc.integer({ min: 3000, max: 4999 })), reason: fc.string({ maxLength: 30 }) }) },
);

/** The protocol violations, each a complete frame a conforming server must reject with a close code. */
function violation(variant: number, bytes: Uint8Array): { frame: Buffer; expect: number[] } {
  const data = Buffer.from(bytes);
  switch (variant) {
    case 0: return { frame: rawFrame(0x1, data, { rsv: 4 }), expect: [1002] }; // RSV1 without extension
    case 1: return { frame: rawFrame(3 + (data[0]! % 5), data), expect: [1002] }; // reserved data opcode
    case 2: return { frame: rawFrame(0xb + (data[0]! % 5), data.subarray(0, 125)), expect: [1002] }; // reserved control opcode
    case 3: return { frame: rawFrame(0x1, Buffer.from('{"a":1}'), { mask: false }), expect: [1002] }; // unmasked client frame
    case 4: return { frame: rawFrame(0x9, data.subarray(0, 125), { fin: false }), expect: [1002] }; // fragmented control frame
    case 5: return { frame: rawFrame(0x9, Buffer.concat([data, Buffer.alloc(126)])), expect: [1002] }; // control payload > 125
    case 6: return { frame: rawFrame(0x0, data), expect: [1002] }; // continuation without a start
    case 7: return { frame: rawFrame(0x1, Buffer.from([0x7b, 0xc3, 0x28, 0xff, 0xfe, 0x7d])), expect: [1007] }; // invalid UTF-8
    case 8: return { frame: rawFrame(0x8, closePayload([0, 999, 1004, 1005, 1006, 1015, 2000, 5000][data[0]! % 8]!)), expect: [1002] }; // invalid close code
    case 9: return { frame: rawFrame(0x8, data.subarray(0, 1)), expect: [1002] }; // close with a 1-byte body
    case 10: return { frame: Buffer.concat([rawFrame(0x1, Buffer.from('{"a":'), { fin: false }), rawFrame(0x1, Buffer.from('1}'))]), expect: [1002] }; // new message inside a fragmented one
    default: return { frame: rawFrame(0x1, Buffer.alloc(0), { length: 2n ** 62n }), expect: [1009] }; // absurd 64-bit length
  }
}

interface FuzzConn {
  userId: string;
  client: TestClient | null;
  probes: number;
}

describe('fuzz', () => {
  it(`${FRAMES} random and malformed inbound frames: 0 crashes, documented close codes only, bystanders unaffected (seed ${SEED})`, async () => {
    let handlerCalls = 0;
    const harness = await startHarness({
      maxPayload: MAX_PAYLOAD,
      onMessage: (connection, message) => {
        handlerCalls++;
        const m = message as { probe?: unknown; a?: { b?: { c?: unknown } } } | null;
        if (m !== null && typeof m === 'object' && typeof m.probe === 'number') {
          connection.socket.send(JSON.stringify({ type: 'ack', probe: m.probe }));
          return undefined;
        }
        // An app handler that trusts its input: throws (sync) or rejects (async) on most random values.
        if (handlerCalls % 2 === 0) return Promise.resolve().then(() => void (m as { a: { b: { c: unknown } } }).a.b.c);
        void (m as { a: { b: { c: unknown } } }).a.b.c;
        return undefined;
      },
    });
    h = harness;
    const m = harness.wss.manager;
    const bystanders: ResumingClient[] = [];
    for (let i = 0; i < 5; i++) {
      const b = new ResumingClient(`bystander-${i}`);
      await b.connect(harness);
      bystanders.push(b);
    }
    const fuzzers: FuzzConn[] = Array.from({ length: 4 }, (_, i) => ({ userId: `fuzz-${i}`, client: null, probes: 0 }));
    const codes = new Map<number, number>();
    const unexpected: string[] = [];
    let reconnects = 0;
    let sent = 0;
    let bystanderEvents = 0;
    let lastBroadcast = -1;
    const started = Date.now();
    console.log(`[fuzz] fast-check seed ${SEED}: ${FRAMES} frames`);

    const ensureOpen = async (f: FuzzConn): Promise<TestClient> => {
      if (f.client !== null && f.client.ws.readyState === 1) return f.client;
      f.client = await harness.connect(f.userId);
      await f.client.nextOfType('session');
      f.probes = 0;
      reconnects++;
      return f.client;
    };
    const expectClose = async (f: FuzzConn, allowed: readonly number[], what: string): Promise<void> => {
      const client = f.client!;
      const closed = await Promise.race([client.closed, new Promise<null>((resolve) => setTimeout(() => resolve(null), 10_000).unref())]);
      if (closed === null) {
        unexpected.push(`${what}: not closed within 10 s`);
        client.ws.terminate();
      } else {
        codes.set(closed.code, (codes.get(closed.code) ?? 0) + 1);
        if (!allowed.includes(closed.code)) unexpected.push(`${what}: closed with ${closed.code} ${closed.reason}, expected ${allowed.join('/')}`);
      }
      f.client = null;
    };
    /** A round trip through onMessage proves the connection survived everything sent before it. */
    const probe = async (f: FuzzConn): Promise<void> => {
      const client = f.client;
      if (client === null || client.ws.readyState !== 1) return;
      const n = ++f.probes;
      client.send({ probe: n });
      await client.next((fr) => fr.type === 'ack' && fr.probe === n, 10_000, `ack ${n}`);
    };

    await fc.assert(
      fc.asyncProperty(fc.array(fc.tuple(fc.nat({ max: 3 }), fuzzArb), { minLength: FRAMES, maxLength: FRAMES }).map((a) => Object.assign(a, { [fc.toStringMethod]: () => `[${a.length} frames]` })), async (plan) => {
        for (let i = 0; i < plan.length; i++) {
          const [which, fz] = plan[i]!;
          const f = fuzzers[which]!;
          const client = await ensureOpen(f);
          const socket = (client.ws as unknown as { _socket: import('node:net').Socket })._socket;
          sent++;
          switch (fz.kind) {
            case 'json':
              client.ws.send(JSON.stringify(fz.value));
              break;
            case 'text': {
              let valid = true;
              try {
                JSON.parse(fz.text);
              } catch {
                valid = false;
              }
              client.ws.send(fz.text);
              if (!valid) await expectClose(f, [1007], 'invalid JSON');
              break;
            }
            case 'binary':
              client.ws.send(Buffer.from(fz.bytes), { binary: true });
              await expectClose(f, [1003], 'binary');
              break;
            case 'huge':
              client.ws.send(JSON.stringify({ blob: 'x'.repeat(MAX_PAYLOAD + fz.extra) }));
              await expectClose(f, [1009], 'oversized');
              break;
            case 'ping':
              client.ws.ping(Buffer.from(fz.bytes));
              break;
            case 'pong':
              client.ws.pong(Buffer.from(fz.bytes));
              break;
            case 'fragmented':
              // A valid JSON string split over continuation frames.
              {
                const text = JSON.stringify(fz.parts.join(''));
                const cut = Math.max(1, Math.floor(text.length / 2));
                client.ws.send(text.slice(0, cut), { fin: false });
                client.ws.send(text.slice(cut), { fin: true });
              }
              break;
            case 'protocol': {
              const v = violation(fz.variant, fz.bytes);
              socket.write(v.frame);
              await expectClose(f, v.expect, `protocol violation ${fz.variant}`);
              break;
            }
            case 'garbage':
              // Raw bytes, then the client goes away: the server must just clean up.
              socket.end(Buffer.from(fz.bytes));
              await Promise.race([client.closed, new Promise((resolve) => setTimeout(resolve, 10_000).unref())]);
              client.ws.terminate();
              f.client = null;
              break;
            case 'close':
              client.ws.close(fz.code, fz.reason.slice(0, 30));
              await expectClose(f, [fz.code], `client close ${fz.code}`);
              break;
          }
          if ((i + 1) % 100 === 0) {
            for (const fc2 of fuzzers) await probe(fc2);
            bystanderEvents++;
            for (const b of bystanders) m.emitCriticalEvent(b.userId, 'agent_thinking', { for: b.userId, i });
            m.broadcastMessage({ type: 'bcast', i });
            lastBroadcast = i;
          }
        }
      }),
      { seed: SEED, numRuns: 1, endOnFailure: true },
    );
    for (const f of fuzzers) await probe(f);
    console.log(`[fuzz] ${sent} frames, ${reconnects} fuzz connections, close codes ${JSON.stringify(Object.fromEntries([...codes].filter(([c]) => c < 3000)))} + ${[...codes].filter(([c]) => c >= 3000).reduce((n, [, k]) => n + k, 0)} app codes 3000-4999 echoed, handler calls ${handlerCalls}, in ${Date.now() - started} ms`);
    expect(sent).toBe(FRAMES);
    expect(unexpected).toEqual([]);
    for (const code of codes.keys()) expect([1000, 1001, 1002, 1003, 1007, 1008, 1009, 1011].includes(code) || (code >= 3000 && code <= 4999)).toBe(true);
    expect(codes.has(1006)).toBe(false);
    for (const b of bystanders) {
      await b.waitForSeq(bystanderEvents, 10_000);
      if (!b.messages.some((x) => x.type === 'bcast' && x.i === lastBroadcast)) await b.waitFor((x) => x.type === 'bcast' && x.i === lastBroadcast, 10_000, 'the last broadcast');
      expect(b.durable).toHaveLength(bystanderEvents);
      expect(b.messages.filter((x) => x.type === 'bcast')).toHaveLength(bystanderEvents);
      expect(b.violations).toEqual([]);
      expect(b.current!.ws.readyState).toBe(1);
    }
    // The server is still whole: it accepts, sequences and delivers.
    const late = new ResumingClient('late');
    await late.connect(harness);
    m.emitCriticalEvent('late', 'agent_completed', { for: 'late' });
    await late.waitForSeq(1);
    expect(await harness.wss.metrics.text()).toMatch(/wssot_inbound_messages_total\{result="handler_error"\} \d+/);
  }, 150_000);

  it(`${API_CALLS} API calls with random values: return normally or throw a coded WsSsotError, never anything else (seed ${SEED})`, async () => {
    const harness = await startHarness();
    h = harness;
    const m: UnifiedWebSocketManager = harness.wss.manager;
    const bystander = new ResumingClient('bystander');
    await bystander.connect(harness);
    const victims: ResumingClient[] = [];
    for (let i = 0; i < 3; i++) {
      const v = new ResumingClient(`victim-${i}`);
      await v.connect(harness);
      victims.push(v);
    }
    const victimIds = victims.map((v) => v.userId);
    const victimConnectionIds = victimIds.flatMap((u) => m.getUserConnections(u).map((c) => c.id));
    const methods = [
      'sendMessage', 'broadcastMessage', 'sendAgentEvent', 'emitCriticalEvent', 'addConnection', 'handleConnection', 'removeConnection',
      'handleDisconnection', 'isUserConnected', 'getConnection', 'getConnectionHealth', 'getUserConnectionCount', 'getUserConnections',
      'getUserSequence', 'canAccept', 'closeWhere', 'getConnectionCount', 'getUserCount', 'flushPending',
    ] as const;
    const value = fc.oneof(
      { weight: 6, arbitrary: fc.anything({ maxDepth: 2, withMap: true, withSet: true, withTypedArray: true, withSparseArray: true, withNullPrototype: true }) },
      { weight: 2, arbitrary: fc.constantFrom<unknown>(...victimIds, ...victimConnectionIds, 'agent_started', 'tool_completed', 'session', { delivery: 'droppable' }, { delivery: 'sideways' }, { runId: '' }, { runId: 5 }, 4000, 999, 'x'.repeat(200), () => 1, Symbol('s'), 10n) },
    );
    let normal = 0;
    let coded = 0;
    const others: string[] = [];
    await fc.assert(
      fc.property(fc.array(fc.tuple(fc.constantFrom(...methods), fc.array(value, { maxLength: 4 })), { minLength: API_CALLS, maxLength: API_CALLS }).map((a) => Object.assign(a, { [fc.toStringMethod]: () => `[${a.length} calls]` })), (calls) => {
        for (const [method, args] of calls) {
          try {
            (m[method] as (...a: unknown[]) => unknown).apply(m, args);
            normal++;
          } catch (err) {
            if (isWsSsotError(err)) coded++;
            else others.push(`${method}: ${(err as Error)?.name}: ${(err as Error)?.message}`);
          }
        }
      }),
      { seed: SEED, numRuns: 1, endOnFailure: true },
    );
    console.log(`[fuzz] ${API_CALLS} API calls: ${normal} returned, ${coded} coded errors, ${others.length} other throws`);
    expect(others).toEqual([]);
    expect(coded).toBeGreaterThan(API_CALLS / 2);
    // The bystander, whose id the fuzzer never saw, is untouched and still served.
    expect(m.isUserConnected('bystander')).toBe(true);
    const env = m.emitCriticalEvent('bystander', 'agent_completed', { for: 'bystander' });
    await bystander.waitForSeq(env.seq);
    expect(bystander.violations).toEqual([]);
    // Bookkeeping stayed consistent: every registered connection is open, counts agree.
    let counted = 0;
    for (const c of m.connections()) {
      counted++;
      expect(c.closed).toBe(false);
    }
    expect(counted).toBe(m.getConnectionCount());
  }, 60_000);
});
