/**
 * The agent-event envelope every sequenced event travels in, and the five critical types as a
 * discriminated union. See docs/protocol.md for the wire format.
 */

/** The five events a chat client must see, in order, for every agent run. */
export const CRITICAL_EVENT_TYPES = [
  'agent_started',
  'agent_thinking',
  'tool_executing',
  'tool_completed',
  'agent_completed',
] as const;

export type CriticalEventType = (typeof CRITICAL_EVENT_TYPES)[number];

/** Payloads of the critical events. Extra fields are allowed; the named ones are what clients rely on. */
export interface CriticalEventDataMap {
  agent_started: { agent?: string; runId?: string; [key: string]: unknown };
  agent_thinking: { thought?: string; [key: string]: unknown };
  tool_executing: { tool: string; [key: string]: unknown };
  tool_completed: { tool: string; result?: unknown; [key: string]: unknown };
  agent_completed: { result?: unknown; [key: string]: unknown };
}

/** Frame types the server itself uses; applications cannot send agent events with these types. */
export const RESERVED_FRAME_TYPES = ['session', 'recovery', 'error'] as const;

/**
 * How an event may be treated when its connection is slow (bufferedAmount over the high-water mark):
 * - `durable`: never dropped; the slow peer is closed (4008) and recovers the event on reconnect.
 * - `coalescible`: only the latest of its type (and runId) is kept until the peer drains.
 * - `droppable`: dropped and counted.
 * Durable events are sequenced and logged for recovery; the other two are transient.
 */
export type DeliveryClass = 'durable' | 'coalescible' | 'droppable';

/** Wire envelope of an agent event: `{ v, type, seq, ts, runId?, data }`. */
export interface AgentEventEnvelope<T extends string = string, D = unknown> {
  /** Protocol version, always 1. */
  v: 1;
  type: T;
  /** Per-user sequence number of the latest durable event (this one's own, if it is durable). */
  seq: number;
  /** Epoch milliseconds at which the server created the event. */
  ts: number;
  runId?: string;
  /** Present and true on coalescible/droppable events, which do not advance `seq`. */
  transient?: true;
  /**
   * The payload, always on the wire: `{}` when the sender omitted it; a payload without a JSON form at the top
   * level is refused with WSSOT_ERR_MESSAGE_NOT_SERIALIZABLE before the event is sequenced.
   */
  data: D;
}

/** The critical envelope, discriminated on `type`. */
export type CriticalEventEnvelope = {
  [K in CriticalEventType]: AgentEventEnvelope<K, CriticalEventDataMap[K]>;
}[CriticalEventType];

/** Options of a single agent event. */
export interface AgentEventOptions {
  /** Groups the events of one agent run; coalescing keys on `type` + `runId`. */
  runId?: string;
  /** @default 'durable' (critical types are always durable when sent through emitCriticalEvent) */
  delivery?: DeliveryClass;
}

const criticalSet: ReadonlySet<string> = new Set(CRITICAL_EVENT_TYPES);
const reservedSet: ReadonlySet<string> = new Set(RESERVED_FRAME_TYPES);
const EVENT_TYPE_PATTERN = /^[A-Za-z][A-Za-z0-9_.:-]{0,63}$/;

export function isCriticalEventType(type: unknown): type is CriticalEventType {
  return typeof type === 'string' && criticalSet.has(type);
}

/** A valid application event type: 1–64 chars, starts with a letter, not a reserved frame type. */
export function isValidEventType(type: unknown): type is string {
  return typeof type === 'string' && EVENT_TYPE_PATTERN.test(type) && !reservedSet.has(type);
}
