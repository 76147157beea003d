/**
 * Hands one encoded frame to many connections: the shared loop of every send and broadcast, on both paths,
 * and its shadow-mode variants (which note the legacy-path recipients of a sampled send; nothing extra is sent).
 */
import type { DeliveryClass } from '../events/agent-events.js';
import type { WebSocketConnection } from './connection.js';
import type { LegacySendObserver } from '../shadow/shadow-send-observer.js';
import type { UserId } from '../types.js';
import { OutboundFrame } from './outbound-frame.js';

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

/** A user's tabs: the frame is encoded once for all of them; a sampled send reports its legacy-path recipients. */
export function deliverToUserTabs(userId: UserId, connections: readonly WebSocketConnection[], text: string | Buffer, delivery: DeliveryClass, coalesceKey: string | null, shadow: LegacySendObserver | null): number {
  const frame = new OutboundFrame(text);
  if (shadow === null || !shadow.sample(userId)) return deliverToAll(connections, frame, delivery, coalesceKey);
  const received: WebSocketConnection[] = [];
  const delivered = deliverToAll(connections, frame, delivery, coalesceKey, received);
  shadow.userSend(userId, onLegacyPath(received));
  return delivered;
}

/** Every connection (a broadcast); a sampled one reports its legacy-path recipients. */
export function deliverToEveryConnection(connections: IterableIterator<WebSocketConnection>, text: string | Buffer, delivery: DeliveryClass, shadow: LegacySendObserver | null): number {
  const frame = new OutboundFrame(text);
  if (shadow === null || !shadow.sample()) return deliverToAll(connections, frame, delivery, null);
  const received: WebSocketConnection[] = [];
  const delivered = deliverToAll(connections, frame, delivery, null, received);
  shadow.broadcast(onLegacyPath(received));
  return delivered;
}

/** A send to a user with no tab here: shadow mode still compares it (the legacy path may have replaced tabs). */
export function shadowOffline(shadow: LegacySendObserver, userId: UserId): number {
  if (shadow.sample(userId)) shadow.userSend(userId, []);
  return 0;
}

/** The legacy-path connections among those a sampled send reached (what shadow mode compares). */
function onLegacyPath(received: readonly WebSocketConnection[]): WebSocketConnection[] {
  return received.filter((c) => c.path === 'legacy');
}
