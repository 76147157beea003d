/** Hands one encoded frame to many connections: the shared loop of every send and broadcast, on both paths. */
import type { DeliveryClass } from '../events/agent-events.js';
import type { WebSocketConnection } from './connection.js';
import type { OutboundFrame } from './outbound-frame.js';

/**
 * Delivers `frame` to each connection and returns how many took it. Iterates a snapshot: a durable send to
 * a slow peer closes and unregisters it mid-loop.
 */
export function deliverToAll(
  connections: readonly WebSocketConnection[] | IterableIterator<WebSocketConnection>,
  frame: OutboundFrame,
  delivery: DeliveryClass,
  coalesceKey: string | null,
): number {
  if (Array.isArray(connections) && connections.length === 1) return (connections[0] as WebSocketConnection).deliver(frame, delivery, coalesceKey) ? 1 : 0;
  const snapshot = Array.isArray(connections) ? connections.slice() : Array.from(connections);
  let delivered = 0;
  for (const connection of snapshot) if (connection.deliver(frame, delivery, coalesceKey)) delivered++;
  return delivered;
}
