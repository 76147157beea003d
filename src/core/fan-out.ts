/** Hands one encoded frame to many connections: the shared loop of every send and broadcast, on both paths. */
import type { DeliveryClass } from '../events/agent-events.js';
import type { WebSocketConnection } from './connection.js';
import type { OutboundFrame } from './outbound-frame.js';

/**
 * Delivers `frame` to each connection and returns how many took it. A durable send to a slow peer closes and
 * unregisters it mid-loop: a user's connection array is copied first (the removal shifts it), while a
 * registry's Map iterator is walked live, since Map iteration stays valid when the current entry is deleted
 * (a broadcast then costs no copy of every connection).
 */
export function deliverToAll(
  connections: readonly WebSocketConnection[] | IterableIterator<WebSocketConnection>,
  frame: OutboundFrame,
  delivery: DeliveryClass,
  coalesceKey: string | null,
): number {
  let delivered = 0;
  if (Array.isArray(connections)) {
    if (connections.length === 1) return (connections[0] as WebSocketConnection).deliver(frame, delivery, coalesceKey) ? 1 : 0;
    for (const connection of connections.slice()) if (connection.deliver(frame, delivery, coalesceKey)) delivered++;
    return delivered;
  }
  for (const connection of connections as IterableIterator<WebSocketConnection>) if (connection.deliver(frame, delivery, coalesceKey)) delivered++;
  return delivered;
}
