/**
 * UnifiedWebSocketManager: the single source of truth for the connections of one process.
 * userId → connections (a user may have several tabs, on whichever code path admitted them); per-user
 * sequenced, logged agent events; per-user connection limit; backpressure by delivery class; replay on
 * reconnect. It is the SSOT code path (its admission: the limit, refuse-newest or evict-oldest) over the
 * one registry every path of a server shares.
 */
import type { WebSocket } from 'ws';
import { CloseCode } from '../close-codes.js';
import { resolveManagerOptions, type ManagerOptions, type ResolvedManagerOptions } from '../config/manager-options.js';
import { ClosedError, ConnectionLimitError, UnknownEventTypeError } from '../errors.js';
import {
  CRITICAL_EVENT_TYPES,
  isCriticalEventType,
  type AgentEventEnvelope,
  type AgentEventOptions,
  type CriticalEventDataMap,
  type CriticalEventType,
  type DeliveryClass,
} from '../events/agent-events.js';
import { createDefaultLogger } from '../observability/logger.js';
import type { WsSsotMetrics } from '../observability/metrics.js';
import type { ConnectionContext, SendOptions, WebSocketManagerProtocol } from '../protocol.js';
import type { LegacySendObserver } from '../shadow/shadow-send-observer.js';
import type { AuthResult, CodePath, UserId } from '../types.js';
import type { CodePathHandler } from './code-path.js';
import type { WebSocketConnection } from './connection.js';
import { ConnectionRegistry, type ConnectionRegistryEvents } from './connection-registry.js';
import { EventStore } from './event-store.js';
import type { DeliveryEngine } from './delivery-engine.js';
import { prepareAgentEvent, sequenceAgentEvent } from './sequence-event.js';
import { assertAttachableSocket } from './socket-lifecycle.js';
import { assertUserId, deliveryOf, serialize, sessionIdOrNull } from './validate.js';

/** Construction options beyond {@link ManagerOptions}, used by the server glue. */
export interface UnifiedManagerInternals {
  /** Metrics of the server that owns this manager. */
  metrics?: WsSsotMetrics | null;
  /** The server's event store. Default: a store of this manager's own. */
  store?: EventStore;
  /** Shadow mode: the part of a send that reaches legacy-path connections is reported, sampled. */
  shadow?: LegacySendObserver | null;
}

/** Events of a manager: `connection` once the session frame (and any replay) is out, `disconnection` once unregistered. */
export type UnifiedWebSocketManagerEvents = ConnectionRegistryEvents;

export class UnifiedWebSocketManager extends ConnectionRegistry implements WebSocketManagerProtocol, CodePathHandler {
  readonly path: CodePath = 'ssot';
  readonly options: ResolvedManagerOptions;

  constructor(options: ManagerOptions = {}, internals: UnifiedManagerInternals = {}) {
    const resolved = resolveManagerOptions(options);
    super({
      logger: options.logger ?? createDefaultLogger(),
      metrics: internals.metrics ?? null,
      store: internals.store ?? new EventStore(resolved.recovery, { onEvict: (_userId, limit) => internals.metrics?.recoveryLogEvicted(limit) }),
      ownsStore: internals.store === undefined,
      highWaterMark: resolved.highWaterMark,
      slowCloseTimeoutMs: resolved.slowCloseTimeoutMs,
      shadow: internals.shadow ?? null,
    });
    this.options = resolved;
  }

  /** This manager, as the registry every code path of its server admits into. */
  get registry(): ConnectionRegistry {
    return this;
  }

  // ---- connections -------------------------------------------------------------------------------

  /** Open connections of one user (every tab, on every code path). */
  getUserConnectionCount(userId: UserId): number {
    assertUserId(userId);
    return this.users.get(userId)?.length ?? 0;
  }

  /** Open connections a send to the user reaches: the same as {@link getUserConnectionCount} (kept for the factory). */
  getReachableConnectionCount(userId: UserId): number {
    return this.getUserConnectionCount(userId);
  }

  /** The user's connections, oldest first (a copy). */
  getUserConnections(userId: UserId): WebSocketConnection[] {
    assertUserId(userId);
    return this.users.get(userId)?.slice() ?? [];
  }

  /**
   * Whether a new SSOT-path connection of `userId` would be accepted now: under the limit, or the policy
   * evicts the oldest, or it resumes a session the user already holds (that ghost is replaced).
   */
  canAccept(userId: UserId, resumeSessionId?: string | null): boolean {
    assertUserId(userId);
    if (this.isClosed) return false;
    if (this.options.connectionLimitPolicy === 'evict-oldest') return true;
    const connections = this.users.get(userId);
    if (connections === undefined || countSsot(connections) < this.options.maxConnectionsPerUser) return true;
    return typeof resumeSessionId === 'string' && connections.some((c) => c.sessionId === resumeSessionId);
  }

  addConnection(userId: UserId, socket: WebSocket, options: { sessionId?: string | null; auth?: AuthResult | null } = {}): WebSocketConnection {
    const o = options !== null && typeof options === 'object' ? options : {};
    const connection = this.#admit(userId, socket, o.sessionId, o.auth ?? null);
    this.announce(connection);
    return connection;
  }

  /**
   * Registers the socket, then sends the session frame and (if the client asked with `lastSeq`) the
   * replay and the recovery frame, all synchronously, before any listener runs: so the session frame is
   * always first and the replay precedes every new event.
   */
  handleConnection(socket: WebSocket, context: ConnectionContext): WebSocketConnection {
    const c: Partial<ConnectionContext> = context !== null && typeof context === 'object' ? context : {};
    const connection = this.#admit(c.userId as UserId, socket, c.sessionId, c.auth ?? null);
    this.openSession(connection, c.lastSeq, c.epoch, c.lastTs);
    return connection;
  }

  // ---- sending (the one send path: every code path and adapter ends here) ------------------------

  sendMessage(userId: UserId, message: unknown, options?: SendOptions): boolean {
    if (this.isClosed) throwClosed();
    assertUserId(userId);
    const delivery = deliveryOf(options);
    const text = serialize(message);
    if (this.engine !== null) return this.#publishMessage(userId, text, delivery);
    const delivered = this.deliverToUser(userId, text, delivery, null);
    this.metrics?.delivered('message', delivered);
    return delivered > 0;
  }

  broadcastMessage(message: unknown, options?: SendOptions): number {
    if (this.isClosed) throwClosed();
    const delivery = deliveryOf(options);
    const text = serialize(message);
    if (this.engine !== null) return this.#publishBroadcast(text, delivery);
    const delivered = this.deliverToEveryone(text, delivery);
    this.metrics?.delivered('broadcast', delivered);
    return delivered;
  }

  sendAgentEvent(userId: UserId, type: string, data: unknown = {}, options?: AgentEventOptions): AgentEventEnvelope {
    if (this.isClosed) throwClosed();
    assertUserId(userId);
    if (this.engine !== null) return this.#publishEvent(userId, type, data, options, null);
    const started = this.metrics === null ? 0 : performance.now();
    const event = sequenceAgentEvent(this.store, userId, type, data, options);
    if (event.stream.holders > 0) {
      const delivered = this.deliverToUser(userId, event.text, event.delivery, event.coalesceKey);
      this.metrics?.delivered('event', delivered);
      if (this.metrics !== null) this.metrics.fanoutSeconds((performance.now() - started) / 1000);
    } else {
      this.store.release(event.stream);
    }
    return event.envelope;
  }

  emitCriticalEvent<T extends CriticalEventType>(userId: UserId, type: T, data: CriticalEventDataMap[T], options?: { runId?: string }): AgentEventEnvelope<T, CriticalEventDataMap[T]> {
    if (!isCriticalEventType(type)) throw new UnknownEventTypeError(type, CRITICAL_EVENT_TYPES);
    const runId = options !== null && typeof options === 'object' ? options.runId : undefined;
    return this.sendAgentEvent(userId, type, data, { runId, delivery: 'durable' }) as AgentEventEnvelope<T, CriticalEventDataMap[T]>;
  }

  /**
   * {@link sendAgentEvent}, resolving once the event is sequenced: with the cluster engine, Redis assigns the
   * seq after the call returns (the synchronous methods return the envelope with `seq: 0`), and a send Redis
   * did not take rejects here with the broker's error. In-process it resolves at once with the same envelope.
   */
  publishAgentEvent(userId: UserId, type: string, data: unknown = {}, options?: AgentEventOptions): Promise<AgentEventEnvelope> {
    try {
      if (this.isClosed) throwClosed();
      assertUserId(userId);
      if (this.engine === null) return Promise.resolve(this.sendAgentEvent(userId, type, data, options));
      return new Promise((resolve, reject) => this.#publishEvent(userId, type, data, options, { resolve, reject }));
    } catch (err) {
      return Promise.reject(err);
    }
  }

  /** The latest durable seq and the epoch of a user's log (0 and null if the manager holds nothing for them). */
  getUserSequence(userId: UserId): { seq: number; epoch: string | null } {
    assertUserId(userId);
    const stream = this.store.peek(userId);
    return { seq: stream?.seq ?? 0, epoch: stream?.epoch ?? null };
  }

  // ---- internals ---------------------------------------------------------------------------------

  /** The engine's part of a send: validated and serialised here (a coded error throws at the call), published there. */
  #publishEvent(userId: UserId, type: string, data: unknown, options: AgentEventOptions | undefined, settle: Settle<AgentEventEnvelope> | null): AgentEventEnvelope {
    const event = prepareAgentEvent(type, data, options);
    const durable = event.delivery === 'durable';
    const envelope: AgentEventEnvelope = { v: 1, type, seq: 0, ts: event.ts, runId: event.runId, transient: durable ? undefined : true, data };
    (this.engine as DeliveryEngine).publishEvent(userId, event.head, event.tail, event.delivery, event.coalesceKey).then(
      ({ seq }) => settle?.resolve({ ...envelope, seq }),
      (err: unknown) => (settle === null ? this.#publishFailed(err, userId, type) : settle.reject(err)),
    );
    return envelope;
  }

  #publishMessage(userId: UserId, text: string, delivery: DeliveryClass): boolean {
    (this.engine as DeliveryEngine).publishMessage(userId, text, delivery).catch((err: unknown) => this.#publishFailed(err, userId, 'message'));
    return true;
  }

  #publishBroadcast(text: string, delivery: DeliveryClass): number {
    (this.engine as DeliveryEngine).publishBroadcast(text, delivery).catch((err: unknown) => this.#publishFailed(err, null, 'broadcast'));
    return this.getConnectionCount(); // this node's connections, each of which the broadcast will reach
  }

  /** A fire-and-forget send the broker did not take: logged here, counted by the engine; no client saw a seq for it. */
  #publishFailed(err: unknown, userId: UserId | null, what: string): void {
    this.logger.error({ err, userId, what }, 'send not taken by the broker (nothing was logged or delivered)');
  }

  /** SSOT admission: the per-user limit over this path's connections, refusing the newest or evicting the oldest. */
  #admit(userId: UserId, socket: WebSocket, sessionId: unknown, auth: AuthResult | null): WebSocketConnection {
    if (this.isClosed) throwClosed();
    assertUserId(userId);
    assertAttachableSocket(socket); // before any eviction: a bad socket must change nothing
    const resumed = sessionIdOrNull(sessionId);
    const existing = this.users.get(userId);
    if (existing !== undefined) {
      // A resumed session's ghost does not count: register() replaces it.
      const held = countSsot(existing) - (resumed !== null && existing.some((c) => c.path === 'ssot' && c.sessionId === resumed) ? 1 : 0);
      if (held >= this.options.maxConnectionsPerUser) {
        if (this.options.connectionLimitPolicy === 'reject-newest') throw new ConnectionLimitError(userId, this.options.maxConnectionsPerUser);
        const oldest = existing.find((c) => c.path === 'ssot' && c.sessionId !== resumed) as WebSocketConnection;
        oldest.log.info('evicting the oldest connection: connection limit reached');
        this.closeConnection(oldest, CloseCode.EVICTED_BY_LIMIT, 'connection limit: evicted by a newer connection', true);
      }
    }
    return this.register(userId, socket, resumed, auth, this.path);
  }
}

interface Settle<T> {
  resolve(value: T): void;
  reject(err: unknown): void;
}

/** The SSOT-path connections among a user's (the limit applies to them; the legacy path has none). */
function countSsot(connections: readonly WebSocketConnection[]): number {
  let n = 0;
  for (const c of connections) if (c.path === 'ssot') n++;
  return n;
}

/** Out of line, so the sends that check `isClosed` stay small enough for V8 to inline. */
function throwClosed(): never {
  throw new ClosedError('UnifiedWebSocketManager');
}
