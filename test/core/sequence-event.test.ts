/**
 * sequenceAgentEvent: a payload without a JSON form at the top level throws before any seq is taken (and
 * before a stream exists for the user); every other payload gives exactly JSON.stringify(envelope).
 */
import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import { EventStore } from '../../src/core/event-store.js';
import { sequenceAgentEvent } from '../../src/core/sequence-event.js';
import type { DeliveryClass } from '../../src/events/agent-events.js';

let store: EventStore;
afterEach(() => store.close());

const cyclic: Record<string, unknown> = {};
cyclic.self = cyclic;

/** Top-level payloads JSON.stringify gives no text for (undefined) or throws on. */
const WITHOUT_JSON_FORM: ReadonlyArray<readonly [string, unknown]> = [
  ['a function', () => 1],
  ['a class', class {}],
  ['a symbol', Symbol('s')],
  ['undefined', undefined],
  ['toJSON returning undefined', { toJSON: () => undefined }],
  ['toJSON returning a function', { toJSON: () => () => 1 }],
  ['toJSON returning a symbol', { toJSON: () => Symbol('t') }],
  ['toJSON throwing', { toJSON: () => { throw new Error('no'); } }],
  ['a BigInt', 10n],
  ['a nested BigInt', { a: [{ b: 1n }] }],
  ['a cycle', cyclic],
  ['a throwing getter', Object.defineProperty({}, 'x', { enumerable: true, get: () => { throw new Error('getter'); } })],
];

function codeOf(fn: () => unknown): unknown {
  try {
    fn();
  } catch (err) {
    return (err as { code?: unknown }).code;
  }
  return 'returned';
}

describe('sequenceAgentEvent', () => {
  it.each(WITHOUT_JSON_FORM)('throws WSSOT_ERR_MESSAGE_NOT_SERIALIZABLE for %s, with no stream created', (_label, data) => {
    store = new EventStore({ maxEvents: 10, maxAgeMs: 60_000 });
    for (const delivery of ['durable', 'coalescible', 'droppable'] as const) {
      expect(codeOf(() => sequenceAgentEvent(store, 'fresh', 'agent_started', data, { delivery }))).toBe('WSSOT_ERR_MESSAGE_NOT_SERIALIZABLE');
    }
    expect(store.peek('fresh')).toBeUndefined();
    expect(store.size).toBe(0);
  });

  it.each(WITHOUT_JSON_FORM)('takes no seq and logs nothing for %s on an existing stream', (_label, data) => {
    store = new EventStore({ maxEvents: 10, maxAgeMs: 60_000 });
    const first = sequenceAgentEvent(store, 'alice', 'agent_started', { ok: 1 }, undefined);
    expect(codeOf(() => sequenceAgentEvent(store, 'alice', 'tool_executing', data, { runId: 'r' }))).toBe('WSSOT_ERR_MESSAGE_NOT_SERIALIZABLE');
    const stream = store.peek('alice')!;
    expect(stream).toBe(first.stream);
    expect(stream.seq).toBe(1);
    expect(stream.log.size).toBe(1);
    expect(stream.log.replayAfter(0, 1, Date.now()).frames).toEqual([first.text]);
    expect(sequenceAgentEvent(store, 'alice', 'agent_completed', {}, undefined).envelope.seq).toBe(2); // no gap
  });

  it('drops nested values without a JSON form as JSON does, keeping `data` itself', () => {
    store = new EventStore({ maxEvents: 10, maxAgeMs: 60_000 });
    const event = sequenceAgentEvent(store, 'alice', 'agent_started', { keep: 1, fn: () => 1, sym: Symbol('s'), u: undefined, list: [() => 1, undefined] }, undefined);
    expect(JSON.parse(event.text).data).toEqual({ keep: 1, list: [null, null] });
  });

  it('the frame is exactly JSON.stringify(envelope), for any JSON data, runId and delivery class', () => {
    store = new EventStore({ maxEvents: 1_000, maxAgeMs: 60_000 });
    const delivery = fc.constantFrom<DeliveryClass | undefined>(undefined, 'durable', 'coalescible', 'droppable');
    const runId = fc.option(fc.string({ minLength: 1, maxLength: 40, unit: 'binary' }), { nil: undefined });
    const type = fc.stringMatching(/^[A-Za-z][A-Za-z0-9_.:-]{0,63}$/).filter((t) => !['session', 'recovery', 'error'].includes(t));
    const data = fc.oneof(fc.jsonValue({ maxDepth: 3 }), fc.anything({ maxDepth: 2, withBoxedValues: true, withDate: true, withNullPrototype: true }).filter((v) => JSON.stringify(v) !== undefined));
    fc.assert(
      fc.property(type, data, runId, delivery, (t, d, r, del) => {
        const before = store.stream('p').seq;
        const event = sequenceAgentEvent(store, 'p', t, d, { runId: r, delivery: del });
        expect(event.text).toBe(JSON.stringify(event.envelope));
        expect(JSON.parse(event.text).data).toEqual(JSON.parse(JSON.stringify(d)));
        expect(event.stream.seq).toBe(del === undefined || del === 'durable' ? before + 1 : before);
      }),
      { seed: 16, numRuns: 300 },
    );
  });
});
