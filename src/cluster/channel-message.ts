/**
 * The frames the Redis engine publishes on a user's channel or the broadcast channel, and their parsing.
 * `e|<delivery>|<seq>|<epoch>|<keyLen>|<coalesceKey><frame>` an agent event (the frame is the exact text
 * every local tab gets), `m|<delivery>|0||<keyLen>|<key><frame>` an app message, `x|<connectionId>` evict a
 * connection (cluster-wide limit), `g|<sessionId>` close a resumed session's ghost. Parsing reads the header
 * with indexOf only: the frame itself is never decoded.
 */
import type { DeliveryClass } from '../events/agent-events.js';

export const DELIVERY_CHAR: Record<DeliveryClass, string> = { durable: 'd', coalescible: 'c', droppable: 'x' };
const DELIVERY_OF: Record<string, DeliveryClass> = { d: 'durable', c: 'coalescible', x: 'droppable' };

export interface ParsedDelivery {
  kind: 'e' | 'm';
  delivery: DeliveryClass;
  /** The event's seq (for a durable event, the log position; 0 for a message). */
  seq: number;
  epoch: string;
  coalesceKey: string | null;
  frame: string;
}

export interface ParsedControl {
  kind: 'x' | 'g';
  /** The connection id (x) or session id (g) it names. */
  target: string;
}

export function messageFrame(delivery: DeliveryClass, text: string): string {
  return `m|${DELIVERY_CHAR[delivery]}|0||0|${text}`;
}

export function controlFrame(kind: 'x' | 'g', target: string): string {
  return `${kind}|${target}`;
}

/** Parses a channel message; null for anything malformed (counted by the caller, never thrown). */
export function parseChannelMessage(raw: string): ParsedDelivery | ParsedControl | null {
  const kind = raw.charCodeAt(0);
  if (raw.charCodeAt(1) !== 124 /* | */) return null;
  if (kind === 120 /* x */ || kind === 103 /* g */) return { kind: kind === 120 ? 'x' : 'g', target: raw.slice(2) };
  if (kind !== 101 /* e */ && kind !== 109 /* m */) return null;
  const a = raw.indexOf('|', 2);
  const b = raw.indexOf('|', a + 1);
  const c = raw.indexOf('|', b + 1);
  const d = raw.indexOf('|', c + 1);
  if (a === -1 || b === -1 || c === -1 || d === -1) return null;
  const delivery = DELIVERY_OF[raw.slice(2, a)];
  const seq = Number(raw.slice(a + 1, b));
  const keyLength = Number(raw.slice(c + 1, d));
  if (delivery === undefined || !Number.isInteger(seq) || !Number.isInteger(keyLength) || d + 1 + keyLength > raw.length) return null;
  return {
    kind: kind === 101 ? 'e' : 'm',
    delivery,
    seq,
    epoch: raw.slice(b + 1, c),
    coalesceKey: keyLength === 0 ? null : raw.slice(d + 1, d + 1 + keyLength),
    frame: raw.slice(d + 1 + keyLength),
  };
}
