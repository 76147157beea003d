/**
 * Property test over real sockets (seeded): payloads without a JSON form, through every send method of a
 * standalone UnifiedWebSocketManager (sendMessage, broadcastMessage, sendAgentEvent, emitCriticalEvent):
 * each throws WSSOT_ERR_MESSAGE_NOT_SERIALIZABLE, takes no seq (the user's seq and epoch are unchanged, and
 * no stream is created for a user the manager did not know), and writes nothing to any socket. Payloads
 * with a JSON form are delivered, the received frame (an agent event's `data`) deep-equal to the payload's
 * JSON round trip. "Nothing written" is checked on the wire: after each call a sentinel is broadcast, and
 * every client must receive exactly the expected frames before it.
 *
 * The legacy path's send methods (the legacy managers and adapters) are not covered here yet.
 *
 * Reproduce a failure with the printed seed (and the `path` fast-check prints).
 */
import fc from 'fast-check';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CRITICAL_EVENT_TYPES, UnifiedWebSocketManager, type DeliveryClass } from '../../src/index.js';
import type { TestClient } from '../support/client.js';
import { silentLogger } from '../support/harness.js';
import { socketPairs, type SocketPairs } from '../support/socket-pair.js';

const SEED = Number(process.env.WSSOT_PROPERTY_SEED ?? 16_001);
const RUNS = 300;
const SENTINEL = '\u0000sentinel';

let pairs: SocketPairs;
let manager: UnifiedWebSocketManager;
/** alice (two tabs) and bob, each with its session frame read. */
let clients: { alice: TestClient[]; bob: TestClient[] };

beforeEach(async () => {
  pairs = await socketPairs();
  manager = new UnifiedWebSocketManager({ logger: silentLogger });
  clients = { alice: [], bob: [] };
  for (const userId of ['alice', 'alice', 'bob'] as const) {
    const { server, client } = await pairs.open();
    manager.handleConnection(server, { userId });
    await client.nextOfType('session');
    clients[userId].push(client);
  }
});
afterEach(async () => {
  manager.close();
  await pairs.close();
});

type Method = 'sendMessage' | 'broadcastMessage' | 'sendAgentEvent' | 'emitCriticalEvent';
const METHODS: readonly Method[] = ['sendMessage', 'broadcastMessage', 'sendAgentEvent', 'emitCriticalEvent'];

interface Call {
  method: Method;
  /** alice (connected), or ghost (no connection, unknown to the manager). */
  user: 'alice' | 'ghost';
  delivery: DeliveryClass | undefined;
  critical: (typeof CRITICAL_EVENT_TYPES)[number];
  payload: unknown;
}

/** JSON.stringify's answer: the text, or undefined for no text, or 'throws'. */
function jsonOf(value: unknown): string | undefined | 'throws' {
  try {
    return JSON.stringify(value);
  } catch {
    return 'throws';
  }
}

const withoutJsonForm: fc.Arbitrary<unknown> = fc.oneof(
  fc.func(fc.anything()),
  fc.string().map((s) => Symbol(s)),
  fc.bigInt(),
  fc.anything({ maxDepth: 1 }).map((v) => ({ toJSON: () => undefined, v })),
  fc.constantFrom<() => unknown>(() => () => 1, () => Symbol('t'), () => undefined).map((toJSON) => ({ toJSON })),
  fc.string().map((message) => ({ toJSON: () => { throw new Error(message); } })),
  fc.anything({ maxDepth: 2 }).map((v) => {
    const cyclic: Record<string, unknown> = { v };
    cyclic.self = { back: cyclic };
    return cyclic;
  }),
  // A BigInt anywhere inside: JSON.stringify throws.
  fc.anything({ maxDepth: 3, withBigInt: true, withMap: true, withSet: true, withDate: true, withTypedArray: true, withNullPrototype: true }).filter((v) => jsonOf(v) === 'throws'),
);

const withJsonForm: fc.Arbitrary<unknown> = fc.oneof(
  fc.jsonValue({ maxDepth: 4 }),
  fc.anything({ maxDepth: 3, withBoxedValues: true, withDate: true, withMap: true, withSet: true, withTypedArray: true, withSparseArray: true, withNullPrototype: true }).filter((v) => typeof jsonOf(v) === 'string'),
  // Nested values without a JSON form are dropped (in objects) or nulled (in arrays), as JSON does.
  fc.record({ keep: fc.jsonValue({ maxDepth: 2 }), fn: fc.func(fc.integer()), sym: fc.string().map((s) => Symbol(s)), nothing: fc.constant(undefined), list: fc.array(fc.oneof(fc.func(fc.integer()), fc.integer())) }),
  fc.jsonValue({ maxDepth: 2 }).map((v) => ({ toJSON: () => v })),
);

function callArb(payload: fc.Arbitrary<unknown>): fc.Arbitrary<Call> {
  return fc.record({
    method: fc.constantFrom(...METHODS),
    user: fc.constantFrom('alice' as const, 'ghost' as const),
    delivery: fc.constantFrom<DeliveryClass | undefined>(undefined, 'durable', 'coalescible', 'droppable'),
    critical: fc.constantFrom(...CRITICAL_EVENT_TYPES),
    payload,
  });
}

function invoke(m: UnifiedWebSocketManager, c: Call): unknown {
  const options = c.delivery === undefined ? undefined : { delivery: c.delivery };
  switch (c.method) {
    case 'sendMessage': return m.sendMessage(c.user, c.payload, options);
    case 'broadcastMessage': return m.broadcastMessage(c.payload, options);
    case 'sendAgentEvent': return m.sendAgentEvent(c.user, 'progress', c.payload, { ...options, runId: 'run-1' });
    case 'emitCriticalEvent': return m.emitCriticalEvent(c.user, c.critical, c.payload as never, { runId: 'run-1' });
  }
}

function all(): TestClient[] {
  return [...clients.alice, ...clients.bob];
}

/** Broadcasts sentinel `n` and returns, per client, the frames it received before it. */
async function framesBeforeSentinel(n: number): Promise<unknown[][]> {
  manager.broadcastMessage({ [SENTINEL]: n });
  return Promise.all(all().map(async (client) => {
    const before: unknown[] = [];
    for (;;) {
      const frame = await client.next() as unknown;
      if (frame !== null && typeof frame === 'object' && (frame as Record<string, unknown>)[SENTINEL] === n) return before;
      before.push(frame);
    }
  }));
}

function sequences(): Record<string, { seq: number; epoch: string | null }> {
  return { alice: manager.getUserSequence('alice'), bob: manager.getUserSequence('bob'), ghost: manager.getUserSequence('ghost') };
}

function sentCounts(): number[] {
  return [...manager.connections()].map((c) => c.messagesSent);
}

describe('payloads without a JSON form, across every send method', () => {
  it(`throw WSSOT_ERR_MESSAGE_NOT_SERIALIZABLE, take no seq and write nothing (seed ${SEED}, ${RUNS} calls)`, async () => {
    console.log(`[unserializable] fast-check seed ${SEED}`);
    let n = 0;
    const byMethod = new Map<Method, number>();
    await fc.assert(
      fc.asyncProperty(callArb(withoutJsonForm), async (call) => {
        const before = sequences();
        const sent = sentCounts();
        let code: unknown = 'returned normally';
        try {
          invoke(manager, call);
        } catch (err) {
          code = (err as { code?: unknown }).code;
        }
        expect(code).toBe('WSSOT_ERR_MESSAGE_NOT_SERIALIZABLE');
        expect(sequences()).toEqual(before); // for ghost: still { seq: 0, epoch: null }, no stream created
        expect(sentCounts()).toEqual(sent);
        expect(await framesBeforeSentinel(++n)).toEqual([[], [], []]);
        byMethod.set(call.method, (byMethod.get(call.method) ?? 0) + 1);
      }),
      { seed: SEED, numRuns: RUNS, endOnFailure: true },
    );
    expect(manager.getUserSequence('ghost')).toEqual({ seq: 0, epoch: null });
    for (const method of METHODS) expect(byMethod.get(method) ?? 0).toBeGreaterThan(10);
    // `undefined` has no JSON form as a message; as an agent event's data it means "omitted" and defaults to {} (below).
    for (const send of [() => manager.sendMessage('alice', undefined), () => manager.broadcastMessage(undefined)]) {
      expect(() => send()).toThrow(expect.objectContaining({ code: 'WSSOT_ERR_MESSAGE_NOT_SERIALIZABLE' }));
    }
    expect(await framesBeforeSentinel(++n)).toEqual([[], [], []]);
  }, 60_000);
});

describe('payloads with a JSON form, across every send method', () => {
  it(`are delivered, the frame (an event's data) deep-equal to the payload's JSON round trip (seed ${SEED}, ${RUNS} calls)`, async () => {
    let n = 0;
    await fc.assert(
      fc.asyncProperty(callArb(fc.oneof({ weight: 9, arbitrary: withJsonForm }, { weight: 1, arbitrary: fc.constant(undefined) })), async (call) => {
        const isEvent = call.method === 'sendAgentEvent' || call.method === 'emitCriticalEvent';
        if (!isEvent && call.payload === undefined) call.payload = null;
        const roundTrip: unknown = call.payload === undefined ? {} : JSON.parse(JSON.stringify(call.payload)); // undefined data defaults to {}
        const before = sequences();
        const durable = call.method === 'emitCriticalEvent' || (call.method === 'sendAgentEvent' && (call.delivery === undefined || call.delivery === 'durable'));
        const result = invoke(manager, call);
        const frames = await framesBeforeSentinel(++n);
        const [aliceTab1, aliceTab2, bob] = frames;
        if (call.method === 'broadcastMessage') {
          expect(result).toBe(3);
          expect(frames).toEqual([[roundTrip], [roundTrip], [roundTrip]]);
          return;
        }
        expect(bob).toEqual([]);
        if (!isEvent) {
          expect(result).toBe(call.user === 'alice');
          expect([aliceTab1, aliceTab2]).toEqual(call.user === 'alice' ? [[roundTrip], [roundTrip]] : [[], []]);
          return;
        }
        const seq = before[call.user]!.seq + (durable ? 1 : 0);
        expect(manager.getUserSequence(call.user).seq).toBe(seq);
        if (call.user === 'ghost') {
          expect([aliceTab1, aliceTab2]).toEqual([[], []]);
          return;
        }
        for (const tab of [aliceTab1, aliceTab2]) {
          expect(tab).toHaveLength(1);
          const frame = tab![0] as Record<string, unknown>;
          expect(Object.keys(frame)).toContain('data');
          expect(frame.data).toEqual(roundTrip);
          expect(frame).toMatchObject({ v: 1, seq, runId: 'run-1', type: call.method === 'emitCriticalEvent' ? call.critical : 'progress' });
          expect(frame.transient).toBe(durable ? undefined : true);
        }
      }),
      { seed: SEED, numRuns: RUNS, endOnFailure: true },
    );
  }, 60_000);
});
