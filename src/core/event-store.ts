/**
 * The per-user event streams of a server: sequence counter, epoch and bounded replay log. Owned by the
 * server and shared by every manager that serves its connections (SSOT and legacy paths), so one user has
 * one `seq` and one log whichever path a connection is on, and a rollback loses nothing.
 *
 * Users without a connection are bounded in total, not only each by `maxEvents`/`maxAgeMs`: at most
 * `maxOfflineUsers` offline streams are kept, holding at most `maxOfflineBytes` of log text, and past either
 * bound the offline stream idle longest (least recently left or written to) is forgotten. Its user's next
 * resume finds no stream, gets a new one with a new epoch, and so `recovered: false`. Connected users' streams
 * are never evicted. The managers call {@link EventStore.release} after every event sent to a user without a
 * connection (and `detach` when one leaves): that is where an offline stream is counted and the bounds applied.
 */
import { randomUUID } from 'node:crypto';
import { MANAGER_DEFAULTS } from '../config/manager-options.js';
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
  /**
   * The log's text length as last counted in the store's offline total (0 while the stream is not an
   * offline stream of the store).
   * @internal
   */
  offlineTextLength: number;

  constructor(userId: UserId, maxEvents: number, maxAgeMs: number) {
    this.userId = userId;
    this.epoch = randomUUID();
    this.seq = 0;
    this.log = new EventLog(maxEvents, maxAgeMs);
    this.holders = 0;
    this.lastHeldAt = 0;
    this.offlineTextLength = 0;
  }
}

/** The recovery bounds a store applies: ResolvedManagerOptions['recovery'] (the offline bounds default to MANAGER_DEFAULTS'). */
export interface EventStoreBounds {
  readonly maxEvents: number;
  readonly maxAgeMs: number;
  readonly maxOfflineUsers?: number;
  readonly maxOfflineBytes?: number;
}

/** Which bound made the store forget an offline stream. */
export type EvictionLimit = 'users' | 'bytes';

export interface EventStoreHooks {
  /** An offline user's stream was forgotten to stay within the bounds (count it: `WsSsotMetrics#recoveryLogEvicted`). */
  onEvict?: ((userId: UserId, limit: EvictionLimit) => void) | null;
}

export class EventStore {
  readonly #streams = new Map<UserId, UserStream>();
  /** The streams kept for users without a connection, idle longest first: the eviction order. */
  readonly #offline = new Map<UserId, UserStream>();
  /** Sum of `offlineTextLength` over #offline. */
  #offlineTextLength = 0;
  readonly #maxEvents: number;
  readonly #maxAgeMs: number;
  readonly #maxOfflineUsers: number;
  readonly #maxOfflineBytes: number;
  readonly #onEvict: ((userId: UserId, limit: EvictionLimit) => void) | null;
  #sweepTimer: NodeJS.Timeout | null;
  #closed = false;

  constructor(recovery: EventStoreBounds, hooks: EventStoreHooks = {}) {
    this.#maxEvents = recovery.maxEvents;
    this.#maxAgeMs = recovery.maxAgeMs;
    this.#maxOfflineUsers = recovery.maxOfflineUsers ?? MANAGER_DEFAULTS.recovery.maxOfflineUsers;
    this.#maxOfflineBytes = recovery.maxOfflineBytes ?? MANAGER_DEFAULTS.recovery.maxOfflineBytes;
    this.#onEvict = hooks.onEvict ?? null;
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

  /** Streams kept for users without a connection (at most `maxOfflineUsers`). */
  get offlineLogCount(): number {
    return this.#offline.size;
  }

  /** Total text length of the offline users' logs as counted against `maxOfflineBytes`. */
  get offlineBytes(): number {
    return this.#offlineTextLength;
  }

  /** A connection of the stream's user was registered (on any code path). */
  attach(stream: UserStream): void {
    if (stream.holders++ === 0) this.#untrack(stream); // connected streams are never evicted
  }

  /** A connection of the stream's user went away; forgets the stream if that leaves nothing to keep. */
  detach(stream: UserStream, now = Date.now()): void {
    stream.holders--;
    if (stream.holders === 0) stream.lastHeldAt = now;
    this.release(stream, now);
  }

  /**
   * Forgets the stream if nobody is connected and nothing is replayable; otherwise, if nobody is connected,
   * counts it as the most recently active offline stream and evicts the idle-longest ones past the bounds.
   * A stream that never had a durable event (seq 0) but had a connection is kept for `maxAgeMs` after its
   * last connection left: its client holds that epoch with lastSeq 0, and events sent while it is away must
   * stay recoverable under it instead of starting a new epoch (which would force a needless `recovered: false`).
   * After {@link close}, nothing is kept for users without a connection.
   */
  release(stream: UserStream, now = Date.now()): void {
    if (stream.holders !== 0 || this.#streams.get(stream.userId) !== stream) return;
    if (this.#closed || !this.#keeps(stream, now)) this.#forget(stream);
    else this.#retain(stream, true);
  }

  /** Prunes offline users' logs by age and forgets users with nothing left. */
  sweep(now = Date.now()): void {
    for (const stream of Array.from(this.#streams.values())) {
      if (stream.holders > 0 || this.#streams.get(stream.userId) !== stream) continue; // connected, or evicted meanwhile
      stream.log.prune(now);
      if (!this.#keeps(stream, now)) this.#forget(stream);
      else this.#retain(stream, false); // recounts what the prune removed; keeps its place in the eviction order
    }
  }

  /** Stops the sweep timer and forgets every stream; from now on nothing is kept for users without a connection. Idempotent. */
  close(): void {
    this.#closed = true;
    if (this.#sweepTimer !== null) clearInterval(this.#sweepTimer);
    this.#sweepTimer = null;
    this.#streams.clear();
    this.#offline.clear();
    this.#offlineTextLength = 0;
  }

  /** Whether an offline stream still has something a resuming client needs. */
  #keeps(stream: UserStream, now: number): boolean {
    return stream.log.size !== 0 || (stream.seq === 0 && stream.lastHeldAt !== 0 && now - stream.lastHeldAt < this.#maxAgeMs);
  }

  /** Counts an offline stream (as the most recently active one when `touched`), then applies the bounds. */
  #retain(stream: UserStream, touched: boolean): void {
    const tracked = this.#offline.get(stream.userId) === stream;
    if (tracked && touched) this.#offline.delete(stream.userId); // re-inserted last: Map order is the eviction order
    if (!tracked || touched) this.#offline.set(stream.userId, stream);
    const length = stream.log.textLength;
    this.#offlineTextLength += length - stream.offlineTextLength;
    stream.offlineTextLength = length;
    if (this.#offline.size > this.#maxOfflineUsers || this.#offlineTextLength > this.#maxOfflineBytes) this.#evict();
  }

  /** Forgets the offline streams idle longest until both bounds hold. */
  #evict(): void {
    while (this.#offline.size > 0) {
      const limit: EvictionLimit | null = this.#offline.size > this.#maxOfflineUsers ? 'users' : this.#offlineTextLength > this.#maxOfflineBytes ? 'bytes' : null;
      if (limit === null) return;
      const oldest = this.#offline.values().next().value as UserStream;
      this.#forget(oldest);
      this.#onEvict?.(oldest.userId, limit);
    }
  }

  #forget(stream: UserStream): void {
    this.#untrack(stream);
    if (this.#streams.get(stream.userId) === stream) this.#streams.delete(stream.userId);
  }

  #untrack(stream: UserStream): void {
    if (this.#offline.get(stream.userId) !== stream) return;
    this.#offline.delete(stream.userId);
    this.#offlineTextLength -= stream.offlineTextLength;
    stream.offlineTextLength = 0;
  }
}
