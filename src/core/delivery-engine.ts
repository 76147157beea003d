/**
 * The seam a multi-node engine plugs into (the Redis engine in src/cluster/): with an engine, the one send
 * path hands every send to it instead of delivering locally, the engine delivers back through the registry's
 * local fan-out on every node that holds the user, and a session starts asynchronously (the session frame and
 * replay come from the engine's log). Without one, everything stays in-process.
 */
import type { DeliveryClass } from '../events/agent-events.js';
import type { UserId } from '../types.js';
import type { WebSocketConnection } from './connection.js';

export interface DeliveryEngine {
  /**
   * Sequences (durable: the next seq; else the current one), logs and publishes an agent event whose frame is
   * `head + seq + tail`. Resolves with the seq and epoch; rejects (and counts) if the broker did not take it.
   */
  publishEvent(userId: UserId, head: string, tail: string, delivery: DeliveryClass, coalesceKey: string | null): Promise<{ seq: number; epoch: string }>;
  /** Publishes an app message to the user's tabs on every node. */
  publishMessage(userId: UserId, text: string, delivery: DeliveryClass): Promise<void>;
  /** Publishes to every connection on every node. */
  publishBroadcast(text: string, delivery: DeliveryClass): Promise<void>;
  /**
   * Starts a registered connection's session: admission across nodes, the session frame, the replay from the
   * shared log, then live delivery. The connection receives nothing else before its session frame. Without
   * `handshake` (a socket added with `addConnection`), no session frame is written: it just goes live.
   * `lastTs`, the `ts` of the client's event at lastSeq, lets the engine tell its log from one that lost it.
   */
  startSession(connection: WebSocketConnection, lastSeq: number | null | undefined, epoch: string | null | undefined, handshake: boolean, lastTs?: number | null): void;
  /** A connection left this node (after it was unregistered). */
  connectionLeft(connection: WebSocketConnection): void;
}
