/**
 * What a node keeps per user it holds: its local connections (starting or live), the user's channel and
 * subscription, the live cursor (the last durable seq handed to the live tabs, and its log entry) and epoch, and the frames
 * that arrived while a tab was starting (flushed to it after its replay, de-duplicated by seq).
 */
import type { UserId } from '../types.js';
import type { ParsedDelivery } from './channel-message.js';

export class UserRoute {
  readonly userId: UserId;
  readonly channel: string;
  /** Local connections of the user, starting or live; at 0 the node unsubscribes. */
  local = 0;
  /** Local connections whose session is still starting. */
  starting = 0;
  /** The last durable seq handed to the live tabs; -1 before the first tab is live (or after a resync). */
  cursor = -1;
  /** The time part of the cursor's log entry id (`<ms>-<cursor>`; 0 if not logged): tells it from another entry given the same seq after a failover. */
  cursorMs = 0;
  /** The epoch the live tabs are in; null before the first is live. */
  epoch: string | null = null;
  /** The log's latest seq at the last audit (-1: none yet, or another epoch), and the cursor then (see RouteAudit). */
  auditSeq = -1;
  auditCursor = -1;
  /** When that audit was recorded (ms). */
  auditAt = 0;
  /** Frames received while a tab is starting; null when none is. */
  early: ParsedDelivery[] | null = null;
  /** Resolves once the node is subscribed to the user's channel. */
  subscribed: Promise<void> = Promise.resolve();

  constructor(userId: UserId, channel: string) {
    this.userId = userId;
    this.channel = channel;
  }
}
