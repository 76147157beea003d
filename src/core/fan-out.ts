/** Hands one encoded frame to many connections: the shared loop of every send and broadcast, on both paths. */
import type { DeliveryClass } from '../events/agent-events.js';
import type { WebSocketConnection } from './connection.js';
import type { OutboundFrame } from './outbound-frame.js';

/**
 * Delivers `frame` to each connection and returns how many took it; with `received`, also appends each
 * connection that took it (shadow mode compares them). A durable send to a slow peer closes and unregisters
 * it mid-loop: a user's connection array is copied first (the removal shifts it), while a registry's Map
 * iterator is walked live, since Map iteration stays valid when the current entry is deleted (a broadcast
 * then costs no copy of every connection).
 */
export function deliverToAll(
  connections: readonly WebSocketConnection[] | IterableIterator<WebSocketConnection>,
  frame: OutboundFrame,
  delivery: DeliveryClass,
  coalesceKey: string | null,
  received: WebSocketConnection[] | null = null,
): number {
  if (Array.isArray(connections) && connections.length === 1 && received === null) return (connections[0] as WebSocketConnection).deliver(frame, delivery, coalesceKey) ? 1 : 0;
  const walk = Array.isArray(connections) ? connections.slice() : (connections as IterableIterator<WebSocketConnection>);
  let delivered = 0;
  for (const connection of walk) {
    if (connection.deliver(frame, delivery, coalesceKey)) {
      delivered++;
      received?.push(connection);
    }
  }
  return delivered;
}
