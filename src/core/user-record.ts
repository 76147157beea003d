/** Per-user state of a manager: open connections, the sequence counter, the event log and its epoch. */
import { randomUUID } from 'node:crypto';
import type { UserId } from '../types.js';
import type { WebSocketConnection } from './connection.js';
import { EventLog } from './event-log.js';

export class UserRecord {
  readonly userId: UserId;
  /** Changes whenever this record is created anew, so a client can tell its seq belongs to an older log. */
  readonly epoch: string;
  /** Seq of the latest durable event sent to this user. */
  seq: number;
  readonly connections: WebSocketConnection[];
  readonly log: EventLog;

  constructor(userId: UserId, maxEvents: number, maxAgeMs: number) {
    this.userId = userId;
    this.epoch = randomUUID();
    this.seq = 0;
    this.connections = [];
    this.log = new EventLog(maxEvents, maxAgeMs);
  }
}
