/**
 * The per-user event streams of a server: sequence counter, epoch and bounded replay log. Owned by the
 * server and shared by every manager that serves its connections (SSOT and legacy paths), so one user has
 * one `seq` and one log whichever path a connection is on, and a rollback loses nothing.
 */
import { randomUUID } from 'node:crypto';
import type { ResolvedManagerOptions } from '../config/manager-options.js';
import type { UserId } from '../types.js';
import { EventLog } from './event-log.js';

export class UserStream {
  readonly userId: UserId;
  /** Changes whenever the stream is created anew, so a client can tell its seq belongs to an older log. */
  readonly epoch: string;
  /** Seq of the latest durable event. */
  seq: number;
  readonly log: EventLog;
  /** Open connections of this user, on every path; the stream is forgotten only at 0 with an empty log. */
  holders: number;
  /** When the last connection left (epoch ms), 0 if no connection ever held this stream. */
  lastHeldAt: number;

  constructor(userId: UserId, maxEvents: number, maxAgeMs: number) {
    this.userId = userId;
    this.epoch = randomUUID();
    this.seq = 0;
    this.log = new EventLog(maxEvents, maxAgeMs);
    this.holders = 0;
    this.lastHeldAt = 0;
  }
}

export class EventStore {
  readonly #streams = new Map<UserId, UserStream>();
  readonly #maxEvents: number;
  readonly #maxAgeMs: number;
  #sweepTimer: NodeJS.Timeout | null;

  constructor(recovery: ResolvedManagerOptions['recovery']) {
    this.#maxEvents = recovery.maxEvents;
    this.#maxAgeMs = recovery.maxAgeMs;
    // Offline users' logs expire by age; sweep them so an idle process does not hold them forever. At most
    // once a second, however short maxAgeMs is (replays prune on their own, so a late sweep loses nothing).
    this.#sweepTimer = setInterval(() => this.sweep(), Math.max(1_000, Math.min(recovery.maxAgeMs, 60_000)));
    this.#sweepTimer.unref();
  }

  /** The user's stream, created on first use. */
  stream(userId: UserId): UserStream {
    let stream = this.#streams.get(userId);
    if (stream === undefined) {
      stream = new UserStream(userId, this.#maxEvents, this.#maxAgeMs);
      this.#streams.set(userId, stream);
    }
    return stream;
  }

  peek(userId: UserId): UserStream | undefined {
    return this.#streams.get(userId);
  }

  /** Users with a stream (connected, or offline with replayable events). */
  get size(): number {
    return this.#streams.size;
  }

  /** A connection of the stream's user was registered (on any code path). */
  attach(stream: UserStream): void {
    stream.holders++;
  }

  /** A connection of the stream's user went away; forgets the stream if that leaves nothing to keep. */
  detach(stream: UserStream, now = Date.now()): void {
    stream.holders--;
    if (stream.holders === 0) stream.lastHeldAt = now;
    this.release(stream, now);
  }

  /**
   * Forgets the stream if nobody is connected and nothing is replayable. A stream that never had a durable
   * event (seq 0) but had a connection is kept for `maxAgeMs` after its last connection left: its client
   * holds that epoch with lastSeq 0, and events sent while it is away must stay recoverable under it instead
   * of starting a new epoch (which would force a needless `recovered: false`).
   */
  release(stream: UserStream, now = Date.now()): void {
    if (stream.holders !== 0 || stream.log.size !== 0 || this.#streams.get(stream.userId) !== stream) return;
    if (stream.seq === 0 && stream.lastHeldAt !== 0 && now - stream.lastHeldAt < this.#maxAgeMs) return;
    this.#streams.delete(stream.userId);
  }

  /** Prunes offline users' logs by age and forgets users with nothing left. */
  sweep(now = Date.now()): void {
    for (const stream of Array.from(this.#streams.values())) {
      if (stream.holders > 0) continue;
      stream.log.prune(now);
      this.release(stream, now);
    }
  }

  /** Stops the sweep timer and forgets every stream. Idempotent. */
  close(): void {
    if (this.#sweepTimer !== null) clearInterval(this.#sweepTimer);
    this.#sweepTimer = null;
    this.#streams.clear();
  }
}
