/**
 * One registered WebSocket connection: identity, counters, and per-connection backpressure.
 * Every field is set in the constructor so all connections share one object shape.
 */
import type { Logger } from 'pino';
import type { WebSocket } from 'ws';
import type { DeliveryClass } from '../events/agent-events.js';
import type { OutboundFrame } from './outbound-frame.js';
import type { WriteBatch } from './write-batch.js';
import type { AuthResult, CodePath, ConnectionHealth, ConnectionId, UserId } from '../types.js';

/** What a connection needs from the manager that holds it. */
export interface ConnectionOwner {
  readonly highWaterMark: number;
  readonly logger: Logger;
  /**
   * Merges the frames written to one socket in one event-loop turn into one kernel write.
   * @internal
   */
  readonly writes: WriteBatch;
  /** A durable frame met a full buffer: close the peer so it reconnects and recovers. */
  closeSlowConsumer(connection: WebSocketConnection): void;
  /** A transient frame was dropped or coalesced away. */
  noteTransientLoss(connection: WebSocketConnection, reason: 'dropped' | 'coalesced'): void;
}

const OPEN = 1;
/** Shared send options: text frame. One object for every send, no per-message allocation. */
const TEXT_FRAME = Object.freeze({ binary: false });
const STATE_NAMES = ['connecting', 'open', 'closing', 'closed'] as const;

/** Private slot linking a ws socket back to its connection, for listeners shared by all connections. */
export const kConnection = Symbol('ws-ssot.connection');

export class WebSocketConnection {
  readonly id: ConnectionId;
  readonly userId: UserId;
  readonly socket: WebSocket;
  /** Resumable session id (see docs/protocol.md). */
  readonly sessionId: string;
  /** What `authenticate` returned for this connection. */
  readonly auth: AuthResult | null;
  readonly path: CodePath;
  readonly connectedAt: number;
  lastSeenAt: number;
  /** False between a ping and its pong. */
  alive: boolean;
  messagesSent: number;
  messagesReceived: number;
  dropped: number;
  /**
   * True once the manager has unregistered it; nothing more is sent. Read `isOpen` instead.
   * @internal
   */
  closed: boolean;
  /**
   * Coalesced transient frames waiting for the buffer to drain, keyed by type + runId.
   * @internal
   */
  pending: Map<string, OutboundFrame> | null;
  /**
   * Bytes of the replay written at connect, added to the high-water mark until the buffer first drains
   * below it: a replay is bounded by the log and must not get a reading client closed as slow by the first
   * live event that follows it.
   * @internal
   */
  replayAllowance: number;
  /** Whether the client resumed this session id (it asked for it on the upgrade URL) rather than got a new one. */
  readonly resumed: boolean;
  /**
   * True while the session is starting on an engine (the session frame and replay are not out yet): a send
   * skips it; the engine hands it what arrived meanwhile once its replay is written.
   * @internal
   */
  starting: boolean;
  /** @internal */
  readonly owner: ConnectionOwner;
  #log: Logger | null;
  /** A ping is queued behind the buffered data to learn when it has been written (see #awaitDrain). */
  #drainProbe: boolean;

  constructor(id: ConnectionId, userId: UserId, socket: WebSocket, sessionId: string, auth: AuthResult | null, path: CodePath, owner: ConnectionOwner, resumed = false, starting = false) {
    this.id = id;
    this.userId = userId;
    this.socket = socket;
    this.sessionId = sessionId;
    this.auth = auth;
    this.path = path;
    this.connectedAt = Date.now();
    this.lastSeenAt = this.connectedAt;
    this.alive = true;
    this.messagesSent = 0;
    this.messagesReceived = 0;
    this.dropped = 0;
    this.closed = false;
    this.pending = null;
    this.replayAllowance = 0;
    this.resumed = resumed;
    this.starting = starting;
    this.owner = owner;
    this.#log = null;
    this.#drainProbe = false;
  }

  /** A pino child logger bound to userId and connectionId, created on first use. */
  get log(): Logger {
    if (this.#log === null) this.#log = this.owner.logger.child({ userId: this.userId, connectionId: this.id });
    return this.#log;
  }

  get isOpen(): boolean {
    return !this.closed && this.socket.readyState === OPEN;
  }

  /**
   * Sends one already-serialised frame, applying backpressure by delivery class. Returns true if the
   * frame was handed to the socket.
   */
  deliver(frame: OutboundFrame, delivery: DeliveryClass, coalesceKey: string | null): boolean {
    if (!this.isOpen || this.starting) return false;
    if (this.#overLimit()) {
      if (delivery === 'durable') {
        this.owner.closeSlowConsumer(this);
      } else if (delivery === 'coalescible' && coalesceKey !== null) {
        if (this.pending === null) this.pending = new Map();
        if (this.pending.has(coalesceKey)) {
          this.dropped++;
          this.owner.noteTransientLoss(this, 'coalesced');
        }
        this.pending.set(coalesceKey, frame);
        this.#awaitDrain();
      } else {
        this.dropped++;
        this.owner.noteTransientLoss(this, 'dropped');
      }
      return false;
    }
    if (this.pending !== null) this.flushPending();
    this.owner.writes.hold(this.socket);
    frame.writeTo(this.socket);
    this.messagesSent++;
    return true;
  }

  /**
   * Marks it unregistered (nothing more is sent) and drops its pending coalesced frames. Returns how many
   * were dropped, or null if it was already closed.
   * @internal
   */
  markClosed(): number | null {
    if (this.closed) return null;
    this.closed = true;
    const lost = this.pending?.size ?? 0;
    this.pending = null;
    return lost;
  }

  /** Writes a frame regardless of the high-water mark (bounded replays, control frames). */
  write(frame: OutboundFrame | string): boolean {
    if (!this.isOpen) return false;
    this.owner.writes.hold(this.socket);
    if (typeof frame === 'string') this.socket.send(frame, TEXT_FRAME);
    else frame.writeTo(this.socket);
    this.messagesSent++;
    return true;
  }

  /** Sends coalesced frames once the buffer is below the high-water mark again. */
  flushPending(): void {
    const pending = this.pending;
    if (pending === null || !this.isOpen || this.#overLimit()) return;
    this.pending = null;
    this.owner.writes.hold(this.socket);
    for (const frame of pending.values()) {
      frame.writeTo(this.socket);
      this.messagesSent++;
    }
  }

  /**
   * Sends the coalesced frames as soon as the buffer has drained, without waiting for the next send or
   * heartbeat: a ping queued behind the buffered data calls back once everything before it was written.
   * One probe at a time; only while frames are pending (never on the normal send path).
   */
  #awaitDrain(): void {
    if (this.#drainProbe || !this.isOpen) return;
    this.#drainProbe = true;
    this.socket.ping(undefined, undefined, (err?: Error) => {
      this.#drainProbe = false;
      if (err !== undefined && err !== null) return;
      if (this.pending === null || !this.isOpen) return;
      if (this.#overLimit()) this.#awaitDrain();
      else this.flushPending();
    });
  }

  /** Whether the socket's buffer is over the high-water mark (plus what remains of a replay allowance). */
  #overLimit(): boolean {
    const buffered = this.socket.bufferedAmount;
    const highWaterMark = this.owner.highWaterMark;
    if (this.replayAllowance !== 0 && buffered <= highWaterMark) this.replayAllowance = 0;
    return buffered > highWaterMark + this.replayAllowance;
  }

  health(): ConnectionHealth {
    return {
      connectionId: this.id,
      userId: this.userId,
      state: STATE_NAMES[this.socket.readyState] ?? 'closed',
      connectedAt: this.connectedAt,
      lastSeenAt: this.lastSeenAt,
      alive: this.alive,
      bufferedAmount: this.socket.bufferedAmount,
      messagesSent: this.messagesSent,
      messagesReceived: this.messagesReceived,
      dropped: this.dropped,
    };
  }
}
