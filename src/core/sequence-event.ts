/**
 * Builds one agent event for a user: validates the type, runId and delivery class, takes the next seq from
 * the user's stream in the shared EventStore (durable events only), serialises once and appends to the
 * replay log. Every code path calls this, so a user has one seq and one log whichever path serves them.
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

export function sequenceAgentEvent(store: EventStore, userId: UserId, type: string, data: unknown, options: AgentEventOptions | undefined): SequencedEvent {
  if (!isValidEventType(type)) throw new UnknownEventTypeError(type, 'a name of 1-64 letters, digits and _.:- starting with a letter, not session/recovery/error');
  const delivery = deliveryOf(options);
  const runId = options?.runId;
  if (runId !== undefined && (typeof runId !== 'string' || runId.length === 0 || runId.length > 256)) {
    throw new UnknownEventTypeError(runId, 'a runId string of 1-256 characters');
  }
  const stream = store.stream(userId);
  const durable = delivery === 'durable';
  const envelope: AgentEventEnvelope = {
    v: 1,
    type,
    seq: durable ? stream.seq + 1 : stream.seq,
    ts: Date.now(),
    runId,
    transient: durable ? undefined : true,
    data,
  };
  const text = serialize(envelope); // throws before the seq is taken: a failed event leaves no gap
  if (durable) {
    stream.seq = envelope.seq;
    stream.log.append(envelope.seq, envelope.ts, text);
  }
  return { envelope, text, stream, delivery, coalesceKey: delivery === 'coalescible' ? `${type}\u0000${runId ?? ''}` : null };
}
