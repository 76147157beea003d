/**
 * The Redis engine: cross-node delivery routed by user, per-user seq and the replay log in Redis, recovery
 * across nodes without a race, and presence for the cluster-wide limit and counts.
 *
 * - A send runs one script (seq, log, publish, atomically) on the user's slot; every node holding the user
 *   receives the frame on the user's (sharded) channel and hands the same bytes to each local tab.
 * - A node subscribes for a user when the user's first local connection arrives and unsubscribes when the
 *   last one goes, so it never receives, let alone decodes, an event for a user it does not hold.
 * - A session subscribes first, then reads the log (snapshot script), writes the session frame and the
 *   replay, and then the live frames that arrived meanwhile, de-duplicated by seq: no gap, no duplicate.
 * - Live delivery follows a per-user cursor: a duplicate is dropped; a gap (pub/sub lost frames while the
 *   subscriber was away) or a new epoch (the log was lost) closes the user's local tabs with 1012, so they
 *   resume from their own lastSeq and get exactly the missed events or `recovered: false`: never a silent gap.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import { CloseCode } from '../close-codes.js';
import type { ConnectionLimitPolicy } from '../config/manager-options.js';
import type { WebSocketConnection } from '../core/connection.js';
import type { ConnectionRegistry } from '../core/connection-registry.js';
import type { DeliveryEngine } from '../core/delivery-engine.js';
import { serialize } from '../core/validate.js';
import type { DeliveryClass } from '../events/agent-events.js';
import type { WsSsotMetrics } from '../observability/metrics.js';
import type { UserId } from '../types.js';
import { BrokerReceiver } from './broker-receiver.js';
import { controlFrame, DELIVERY_CHAR, messageFrame } from './channel-message.js';
import type { ClusterMetrics } from './cluster-metrics.js';
import { ClusterKeys } from './cluster-keys.js';
import type { ResolvedClusterOptions } from './cluster-options.js';
import { PUBLISH_SCRIPT, SNAPSHOT_SCRIPT } from './cluster-scripts.js';
import { RouteAudit } from './route-audit.js';
import { subscribedWithin } from './route-subscription.js';
import { Presence, type ClusterCounts } from './presence.js';
import { pause, RedisConnections } from './redis-connections.js';
import { UserRoute } from './user-route.js';

/** How long a starting tab waits for its user's subscription before it is told to retry. */
const SUBSCRIBE_TIMEOUT_MS = 5_000;

/** The snapshot script's reply: epoch, latest seq, recovered (-1 not asked, 0, 1, 2 rewritten), the latest entry's time part and event ts (0: none), frames. */
type Snapshot = [string, number, number, number, number, ...string[]];
const FRAMES_AT = 5;

/** What the engine needs from its server. */
export interface RedisEngineDeps {
  registry: ConnectionRegistry;
  logger: Logger;
  metrics: WsSsotMetrics | null;
  clusterMetrics: ClusterMetrics | null;
  recovery: { maxEvents: number; maxAgeMs: number };
  /** The SSOT path's per-user limit, applied cluster-wide (the legacy path has none). */
  limit: { maxConnectionsPerUser: number; policy: ConnectionLimitPolicy };
}

/** What the engine reports in health. */
export interface ClusterHealth {
  nodeId: string;
  status: 'ok' | 'degraded';
  redis: string;
  /** Users this node is subscribed for. */
  routedUsers: number;
  /** This node's own figures. */
  local: { connections: number; users: number };
  /** Every live node's figures, summed, as of the last heartbeat (null before the first). */
  cluster: ClusterCounts | null;
}

export class RedisEngine implements DeliveryEngine {
  readonly nodeId: string;
  readonly keys: ClusterKeys;
  readonly redis: RedisConnections;
  readonly presence: Presence;
  readonly #deps: RedisEngineDeps;
  readonly #routes = new Map<UserId, UserRoute>();
  readonly #receiver: BrokerReceiver;
  /** Resynchronises the tabs of a user whose live delivery stopped silently (a lost subscription). */
  readonly audit: RouteAudit;
  /** The log's TTL: an event, a snapshot and each holding node's heartbeat refresh it. */
  readonly #ttlMs: number;
  #closed = false;
  /** 72 random bits, base64url (no '.' or '|'): names this engine's sends and the epochs they create. */
  readonly #epochPrefix = randomBytes(9).toString('base64url');
  #epochs = 0;

  constructor(options: ResolvedClusterOptions, deps: RedisEngineDeps) {
    this.nodeId = options.nodeId ?? randomUUID();
    this.keys = new ClusterKeys(options.keyPrefix);
    this.#deps = deps;
    this.#ttlMs = Math.max(deps.recovery.maxAgeMs, options.presenceTtlMs) + options.presenceTtlMs;
    this.redis = new RedisConnections(options.redis, options.pubsub, deps.logger, options.sendRetryMs, () => deps.clusterMetrics?.resent());
    this.#receiver = new BrokerReceiver(deps, this.keys, this.redis, this.#routes);
    this.presence = new Presence(this.redis, this.keys, this.nodeId, options, deps.registry, () => this.#heldUsers(), this.#ttlMs, deps.logger);
    const sub = this.redis.subscriber;
    // The raw bytes: a frame is handed on as received, never decoded (ioredis decodes only for 'smessage'/'message' listeners).
    sub.on('smessageBuffer', (channel: Buffer, message: Buffer) => this.#receiver.onUserMessage(channel, message));
    sub.on('messageBuffer', (channel: Buffer, message: Buffer) => this.#receiver.onMessage(channel, message));
    void this.redis.ready.then(() => this.#subscribeBroadcast());
    this.presence.start();
    this.audit = new RouteAudit(this.redis, this.keys, this.#routes, this.#receiver, deps.logger, options.heartbeatIntervalMs);
    this.audit.start();
  }

  /**
   * Subscribes the broadcast channel, again after a failure until it holds (ioredis resubscribes only the
   * channels it holds after a reconnect; a subscribe refused at start, e.g. by a cluster still settling, would
   * otherwise leave the node without broadcasts for good).
   */
  async #subscribeBroadcast(): Promise<void> {
    for (let attempt = 1; !this.#closed; attempt++) {
      try {
        await this.redis.subscriber.subscribe(this.keys.broadcastChannel);
        return;
      } catch (err) {
        if (this.#closed) return;
        // Warned once; a refusal that lasts (an ACL without the channel) would otherwise warn every 2 s.
        this.#deps.logger[attempt === 1 ? 'warn' : 'debug']({ err, attempt }, 'redis engine: broadcast subscription failed; retrying');
        await pause(Math.min(attempt * 200, 2_000));
      }
    }
  }

  // ---- sends -------------------------------------------------------------------------------------

  async publishEvent(userId: UserId, head: string, tail: string, delivery: DeliveryClass, coalesceKey: string | null): Promise<{ seq: number; epoch: string }> {
    await this.redis.ready;
    const started = performance.now();
    const k = this.keys.user(userId);
    const key = coalesceKey ?? '';
    try {
      const [seq, epoch] = (await this.redis.run(PUBLISH_SCRIPT, k.tag, [k.meta, k.log], [
        this.#epochCandidate(), delivery === 'durable' ? '1' : '0', this.#deps.recovery.maxEvents, this.#deps.recovery.maxAgeMs, this.#ttlMs,
        k.channel, head, tail, DELIVERY_CHAR[delivery], key, this.redis.publishCommand,
      ], true)) as [number, string];
      this.#deps.clusterMetrics?.published((performance.now() - started) / 1000);
      return { seq, epoch };
    } catch (err) {
      this.#deps.clusterMetrics?.publishFailed('event');
      throw err;
    }
  }

  /**
   * The send's id, `<engine>.<send number>`, which is also the epoch a script gives a user whose log it finds
   * gone: unique for the whole deployment and across restarts (a random id per engine, not the nodeId an app
   * may fix, and a counter) without a random id per event on the send path. The publish script keeps each
   * engine's latest send number per user, to recognise the same send again.
   */
  #epochCandidate(): string {
    return `${this.#epochPrefix}.${++this.#epochs}`;
  }

  async publishMessage(userId: UserId, text: string, delivery: DeliveryClass): Promise<void> {
    const k = this.keys.user(userId);
    await this.#publish('message', k.tag, k.channel, messageFrame(delivery, text));
  }

  async publishBroadcast(text: string, delivery: DeliveryClass): Promise<void> {
    await this.#publish('broadcast', null, this.keys.broadcastChannel, messageFrame(delivery, text));
  }

  /** `tag`: the user's hash tag for a user channel (in order with the user's scripts), null for the broadcast channel. */
  async #publish(kind: 'message' | 'broadcast' | 'control', tag: string | null, channel: string, frame: string): Promise<void> {
    await this.redis.ready;
    const started = performance.now();
    try {
      await (tag !== null ? this.redis.publish(tag, channel, frame) : this.redis.commands.publish(channel, frame));
      this.#deps.clusterMetrics?.published((performance.now() - started) / 1000);
    } catch (err) {
      this.#deps.clusterMetrics?.publishFailed(kind);
      throw err;
    }
  }

  // ---- sessions ----------------------------------------------------------------------------------

  startSession(connection: WebSocketConnection, lastSeq: number | null | undefined, epoch: string | null | undefined, handshake: boolean, lastTs?: number | null): void {
    const route = this.#routeFor(connection.userId);
    route.local++;
    route.starting++;
    if (route.early === null) route.early = [];
    const resume = typeof lastSeq === 'number' ? { lastSeq, epoch: typeof epoch === 'string' ? epoch : '', lastTs: typeof lastTs === 'number' ? String(lastTs) : '' } : null;
    void this.#start(route, connection, resume, handshake);
  }

  async #start(route: UserRoute, connection: WebSocketConnection, resume: { lastSeq: number; epoch: string; lastTs: string } | null, handshake: boolean): Promise<void> {
    const registry = this.#deps.registry;
    try {
      await subscribedWithin(route, SUBSCRIBE_TIMEOUT_MS, () => (this.#routes.get(route.userId) === route ? this.#subscribe(route.channel) : null));
      if (connection.closed) return;
      const limited = connection.path === 'ssot';
      const admitted = await this.presence.admit(connection, limited ? this.#deps.limit.maxConnectionsPerUser : 0, this.#deps.limit.policy);
      if (connection.closed) return;
      if (admitted.outcome === 'refused') {
        connection.log.info({ limit: this.#deps.limit.maxConnectionsPerUser }, 'cluster-wide connection limit reached: closing');
        registry.closeConnection(connection, 1013, 'connection limit reached on the cluster', true);
        return;
      }
      const k = this.keys.user(connection.userId);
      if (admitted.outcome === 'evicted') void this.#publish('control', k.tag, k.channel, controlFrame('x', admitted.victimConnectionId)).catch(() => undefined);
      // A resumed session's ghost may be on another node.
      if (connection.resumed) void this.#publish('control', k.tag, k.channel, controlFrame('g', `${connection.sessionId}|${connection.id}`)).catch(() => undefined);
      const snap = (await this.redis.runAlone(SNAPSHOT_SCRIPT, [k.meta, k.log], [randomUUID(), resume?.lastSeq ?? -1, resume?.epoch ?? '', this.#deps.recovery.maxAgeMs, this.#ttlMs, resume?.lastTs ?? ''])) as Snapshot;
      if (snap[2] === 2) {
        this.#deps.clusterMetrics?.logRewritten();
        connection.log.warn({ lastSeq: resume?.lastSeq, epoch: snap[0] }, 'redis engine: the log no longer holds the event this client had at lastSeq (a failover lost it): new epoch');
      }
      if (connection.closed) return;
      this.#open(route, connection, handshake ? (resume?.lastSeq ?? null) : null, snap, handshake);
    } catch (err) {
      if (!connection.closed) {
        connection.log.warn({ err }, 'redis engine: session could not start; closing so the client retries');
        registry.closeConnection(connection, CloseCode.TRY_AGAIN_LATER, 'broker unavailable; retry', true);
      }
    } finally {
      route.starting--;
      if (route.starting === 0) route.early = null;
    }
  }

  #subscribe(channel: string): Promise<void> {
    return this.redis.ready.then(() => this.redis.subscribeUser(channel)).then(() => undefined);
  }

  /** Synchronous from the snapshot on: session frame, replay, recovery, then what arrived meanwhile. */
  #open(route: UserRoute, connection: WebSocketConnection, lastSeq: number | null, snap: Snapshot, handshake: boolean): void {
    const [epoch, seq, recovered, seqMs, seqTs] = snap;
    const metrics = this.#deps.metrics;
    this.#deps.registry.writes.open(); // the session frame, the replay and what arrived meanwhile: one write
    // lastTs: the client can name the event at lastSeq when it resumes, though it never received it.
    if (handshake) connection.write(serialize({ v: 1, type: 'session', sessionId: connection.sessionId, epoch, lastSeq: seq, lastTs: seqTs > 0 ? seqTs : undefined }));
    if (lastSeq !== null) {
      let bytes = 0;
      if (recovered === 1) {
        for (let i = FRAMES_AT; i < snap.length; i++) {
          const frame = snap[i] as string;
          connection.write(frame);
          bytes += frame.length;
        }
        connection.replayAllowance = bytes;
        metrics?.delivered('replay', snap.length - FRAMES_AT);
      }
      connection.write(serialize({ v: 1, type: 'recovery', recovered: recovered === 1, fromSeq: lastSeq + 1, toSeq: seq }));
      metrics?.recovery(recovered === 1 ? 'recovered' : 'not_recovered');
    }
    if (route.epoch !== null && route.epoch !== epoch) this.#receiver.resync(route, 'epoch'); // the other tabs' log is gone
    connection.starting = false;
    let last = seq;
    let lastMs = seqMs;
    for (const message of route.early ?? []) {
      if (message.kind === 'e' && message.epoch !== epoch) return this.#receiver.closeToResume(connection, 'epoch');
      if (message.kind === 'e' && message.delivery === 'durable') {
        if (message.seq <= last) continue;
        if (message.seq !== last + 1) return this.#receiver.closeToResume(connection, 'gap', { epoch, seq: last, ms: lastMs });
        last = message.seq;
        lastMs = message.ms;
      }
      this.#receiver.deliverTo(connection, message);
    }
    if (route.cursor < last) {
      route.cursor = last;
      route.cursorMs = lastMs;
    }
    route.epoch = epoch;
    this.#deps.registry.announce(connection);
  }

  connectionLeft(connection: WebSocketConnection): void {
    this.presence.leave(connection);
    const route = this.#routes.get(connection.userId);
    if (route === undefined) return;
    route.local--;
    if (route.local > 0) return;
    this.#routes.delete(connection.userId);
    if (!this.#closed) void this.redis.unsubscribeUser(route.channel).catch(() => undefined);
  }

  // ---- receiving ---------------------------------------------------------------------------------

  #routeFor(userId: UserId): UserRoute {
    let route = this.#routes.get(userId);
    if (route === undefined) {
      route = new UserRoute(userId, this.keys.user(userId).channel);
      route.subscribed = this.#subscribe(route.channel);
      this.#routes.set(userId, route);
    }
    return route;
  }

  #heldUsers(): IterableIterator<UserId> {
    return this.#routes.keys();
  }

  // ---- health and close --------------------------------------------------------------------------

  health(): ClusterHealth {
    const registry = this.#deps.registry;
    return {
      nodeId: this.nodeId,
      status: this.redis.isReady ? 'ok' : 'degraded',
      redis: this.redis.status,
      routedUsers: this.#routes.size,
      local: { connections: registry.getConnectionCount(), users: registry.getUserCount() },
      cluster: this.presence.lastCounts,
    };
  }

  /** Whether the user has a live connection on any node (presence in Redis). */
  isUserConnected(userId: UserId): Promise<boolean> {
    return this.presence.isUserConnected(userId);
  }

  /** Live connections of the user on every node. */
  userConnectionCount(userId: UserId): Promise<number> {
    return this.presence.userConnectionCount(userId);
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await Promise.all([this.presence.stop(), this.audit.stop()]);
    this.#routes.clear();
    await this.redis.close();
  }
}
