/**
 * The frames the Redis engine publishes on a user's channel or the broadcast channel, and their parsing.
 * `e|<delivery>|<seq>|<ms>|<epoch>|<keyBytes>|<coalesceKey><frame>` an agent event (`ms`: the time part of
 * its log entry's id `<ms>-<seq>`, 0 if not logged; the frame is the exact text every local tab gets),
 * `m|<delivery>|0|0||0|<frame>` an app message, `x|<connectionId>` evict a connection
 * (cluster-wide limit), `g|<sessionId>|<connectionId>` close a resumed session's ghost. They arrive as the
 * subscriber's raw bytes: parsing reads the header's bytes only, and the frame is a view of the received
 * buffer, never decoded nor encoded again (`keyBytes` is the coalesce key's length in UTF-8 bytes).
 */
import type { DeliveryClass } from '../events/agent-events.js';

export const DELIVERY_CHAR: Record<DeliveryClass, string> = { durable: 'd', coalescible: 'c', droppable: 'x' };

const BAR = 124; // '|'
const ZERO = 48; // '0'

export interface ParsedDelivery {
  kind: 'e' | 'm';
  delivery: DeliveryClass;
  /** The event's seq (for a durable event, the log position; 0 for a message). */
  seq: number;
  /** The time part of the event's log entry id (`<ms>-<seq>`); 0 if it is not logged, or a message. */
  ms: number;
  epoch: string;
  coalesceKey: string | null;
  /** The frame's UTF-8 bytes, a view of the received message. */
  frame: Buffer;
}

export interface ParsedControl {
  kind: 'x' | 'g';
  /** The connection id (x) or session id (g) it names. */
  target: string;
}

export function messageFrame(delivery: DeliveryClass, text: string): string {
  return `m|${DELIVERY_CHAR[delivery]}|0|0||0|${text}`;
}

export function controlFrame(kind: 'x' | 'g', target: string): string {
  return `${kind}|${target}`;
}

function deliveryOf(byte: number | undefined): DeliveryClass | null {
  if (byte === 100 /* d */) return 'durable';
  if (byte === 99 /* c */) return 'coalescible';
  if (byte === 120 /* x */) return 'droppable';
  return null;
}

/** The decimal number in raw[from, to), or -1 if it is empty or not all digits. */
function digits(raw: Buffer, from: number, to: number): number {
  if (to <= from || to - from > 15) return -1;
  let n = 0;
  for (let i = from; i < to; i++) {
    const d = (raw[i] as number) - ZERO;
    if (d < 0 || d > 9) return -1;
    n = n * 10 + d;
  }
  return n;
}

/** Parses a channel message; null for anything malformed (counted by the caller, never thrown). */
export function parseChannelMessage(raw: Buffer): ParsedDelivery | ParsedControl | null {
  const kind = raw[0];
  if (raw[1] !== BAR) return null;
  if (kind === 120 /* x */ || kind === 103 /* g */) return { kind: kind === 120 ? 'x' : 'g', target: raw.toString('utf8', 2) };
  if (kind !== 101 /* e */ && kind !== 109 /* m */) return null;
  const a = raw.indexOf(BAR, 2);
  const b = a === -1 ? -1 : raw.indexOf(BAR, a + 1);
  const c = b === -1 ? -1 : raw.indexOf(BAR, b + 1);
  const d = c === -1 ? -1 : raw.indexOf(BAR, c + 1);
  const e = d === -1 ? -1 : raw.indexOf(BAR, d + 1);
  if (e === -1 || a !== 3) return null;
  const delivery = deliveryOf(raw[2]);
  const seq = digits(raw, a + 1, b);
  const ms = digits(raw, b + 1, c);
  const keyBytes = digits(raw, d + 1, e);
  if (delivery === null || seq < 0 || ms < 0 || keyBytes < 0 || e + 1 + keyBytes > raw.length) return null;
  return {
    kind: kind === 101 ? 'e' : 'm',
    delivery,
    seq,
    ms,
    epoch: raw.toString('latin1', c + 1, d),
    coalesceKey: keyBytes === 0 ? null : raw.toString('utf8', e + 1, e + 1 + keyBytes),
    frame: raw.subarray(e + 1 + keyBytes),
  };
}
