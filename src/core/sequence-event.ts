/**
 * Builds one agent event for a user: validates the type, runId and delivery class, serialises the payload,
 * takes the next seq from the user's stream in the shared EventStore (durable events only) and appends the
 * frame to the replay log. Every code path calls this, so a user has one seq and one log whichever path
 * serves them.
 */
import { UnknownEventTypeError } from '../errors.js';
import { isValidEventType, type AgentEventEnvelope, type AgentEventOptions, type DeliveryClass } from '../events/agent-events.js';
import type { UserId } from '../types.js';
import type { EventStore, UserStream } from './event-store.js';
import { deliveryOf, serialize } from './validate.js';

export interface SequencedEvent {
  envelope: AgentEventEnvelope;
  /** The serialised envelope, sent as is to every connection. */
  text: string;
  stream: UserStream;
  delivery: DeliveryClass;
  /** type + runId for coalescible events, else null. */
  coalesceKey: string | null;
}

/**
 * Sequences one event. `data` is serialised on its own, first: a payload without a JSON form at the top level
 * (a function, a symbol, an object whose `toJSON` returns undefined, a BigInt, a cycle) throws
 * `MessageNotSerializableError` before the user's stream is touched, so no seq is taken, nothing is logged and
 * no stream is created. (Serialising the whole envelope instead would silently drop such a `data` field and
 * send an event without it.) Nested values JSON has no form for are dropped or nulled as JSON.stringify does.
 * `data` is undefined only if a caller passed it so explicitly past the managers' `= {}` default: it throws too.
 * A `toJSON` of `data` itself is called with the key `''` (JSON.stringify's root), not `'data'`.
 */
export function sequenceAgentEvent(store: EventStore, userId: UserId, type: string, data: unknown, options: AgentEventOptions | undefined): SequencedEvent {
  const event = prepareAgentEvent(type, data, options); // throws before the stream is looked up: a failed event leaves no gap and no stream
  const stream = store.stream(userId);
  const durable = event.delivery === 'durable';
  const envelope: AgentEventEnvelope = {
    v: 1,
    type,
    seq: durable ? stream.seq + 1 : stream.seq,
    ts: event.ts,
    runId: event.runId,
    transient: durable ? undefined : true,
    data,
  };
  const text = `${event.head}${envelope.seq}${event.tail}`;
  if (durable) {
    stream.seq = envelope.seq;
    stream.log.append(envelope.seq, envelope.ts, text);
  }
  return { envelope, text, stream, delivery: event.delivery, coalesceKey: event.coalesceKey };
}

/** An agent event validated and serialised, before any seq: its frame is `head + seq + tail`. */
export interface PreparedAgentEvent {
  delivery: DeliveryClass;
  runId: string | undefined;
  ts: number;
  head: string;
  tail: string;
  /** type + runId for coalescible events, else null. */
  coalesceKey: string | null;
}

/** Validates the type, runId and delivery class and serialises `data` (see {@link sequenceAgentEvent}); takes no seq. */
export function prepareAgentEvent(type: string, data: unknown, options: AgentEventOptions | undefined): PreparedAgentEvent {
  if (!isValidEventType(type)) throw new UnknownEventTypeError(type, 'a name of 1-64 letters, digits and _.:- starting with a letter, not session/recovery/error');
  const delivery = deliveryOf(options);
  const runId = options?.runId;
  if (runId !== undefined && (typeof runId !== 'string' || runId.length === 0 || runId.length > 256)) {
    throw new UnknownEventTypeError(runId, 'a runId string of 1-256 characters');
  }
  const dataText = serialize(data);
  const ts = Date.now();
  const durable = delivery === 'durable';
  return {
    delivery,
    runId,
    ts,
    head: `{"v":1,"type":"${type}","seq":`,
    tail: `,"ts":${ts}${runId === undefined ? '' : `,"runId":${JSON.stringify(runId)}`}${durable ? '' : ',"transient":true'},"data":${dataText}}`,
    coalesceKey: delivery === 'coalescible' ? `${type}\u0000${runId ?? ''}` : null,
  };
}
