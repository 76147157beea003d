/**
 * What a node does with what the broker sends it: a user's channel frames go to that user's live local tabs
 * by the route's cursor (a duplicate is dropped; a gap or a new epoch resynchronises the tabs with 1012 so
 * they resume exactly), to its starting tabs' buffer, and control frames (evict, ghost) close local
 * connections; broadcast frames go to every local connection. After the subscriber reconnects (or, on a
 * Redis Cluster, a lost shard's subscriber is back), every held user whose log moved while it was away, or
 * went back in a failover, is resynchronised.
 *
 * Before tabs are sent to resume after a gap or a reconnect, the log is checked for the entry they had last
 * (its id `<ms>-<seq>`, not the seq alone): a failover that lost acknowledged writes lets the promoted
 * replica give the same seqs to new events, and a resume by seq would then skip those silently. A log found
 * so is given a new epoch (verify script), so the tabs, here and on every node, get `recovered: false`.
 */
import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import { CloseCode } from '../close-codes.js';
import type { WebSocketConnection } from '../core/connection.js';
import type { ConnectionRegistry } from '../core/connection-registry.js';
import type { UserId } from '../types.js';
import { parseChannelMessage, type ParsedDelivery } from './channel-message.js';
import type { ClusterKeys } from './cluster-keys.js';
import type { ClusterMetrics } from './cluster-metrics.js';
import { VERIFY_SCRIPT } from './cluster-scripts.js';
import type { RedisConnections } from './redis-connections.js';
import type { UserRoute } from './user-route.js';

/** Frames kept for a starting tab; a start that would need more is abandoned (the client retries). */
const EARLY_LIMIT = 10_000;

export interface BrokerReceiverDeps {
  registry: ConnectionRegistry;
  logger: Logger;
  clusterMetrics: ClusterMetrics | null;
}

export class BrokerReceiver {
  readonly #deps: BrokerReceiverDeps;
  readonly #keys: ClusterKeys;
  readonly #redis: RedisConnections;
  readonly #routes: ReadonlyMap<UserId, UserRoute>;

  constructor(deps: BrokerReceiverDeps, keys: ClusterKeys, redis: RedisConnections, routes: ReadonlyMap<UserId, UserRoute>) {
    this.#deps = deps;
    this.#keys = keys;
    this.#redis = redis;
    this.#routes = routes;
    // ioredis resubscribes by itself after a reconnect (on a Redis Cluster, a lost shard's subscriber); the
    // events published meanwhile are checked for.
    redis.onResubscribed(() => this.#resubscribed());
  }

  #resubscribed(): void {
    this.#deps.clusterMetrics?.resubscribed();
    this.#deps.logger.info({ users: this.#routes.size }, 'redis engine: subscriber resubscribed; checking for missed events');
    void this.checkMissed().catch((err: unknown) => this.#deps.logger.warn({ err }, 'redis engine: missed-event check failed'));
  }

  onUserMessage(channel: Buffer, raw: Buffer): void {
    this.#deps.registry.writes.open(); // the rest of this chunk's messages leave with one write per socket
    const userId = this.#keys.userOfChannel(channel.toString());
    const route = userId === null ? undefined : this.#routes.get(userId);
    if (route === undefined) return; // unsubscribed meanwhile
    const message = parseChannelMessage(raw);
    if (message === null) return this.#deps.logger.warn({ channel: channel.toString() }, 'redis engine: malformed channel message ignored');
    if ('target' in message) return this.#control(route, message.kind, message.target);
    if (route.early !== null) {
      // The starting tabs are given up; the live ones still get this message below.
      if (route.early.length >= EARLY_LIMIT) this.#overflow(route);
      else route.early.push(message);
    }
    this.#deliverLive(route, message);
  }

  onMessage(channel: Buffer, raw: Buffer): void {
    this.#deps.registry.writes.open();
    if (!channel.equals(this.#keys.broadcastChannelBytes)) return this.onUserMessage(channel, raw); // plain pub/sub (Redis < 7)
    const message = parseChannelMessage(raw);
    if (message === null || 'target' in message) return;
    this.#deps.clusterMetrics?.routed(this.#deps.registry.deliverToEveryone(message.frame, message.delivery));
  }

  #deliverLive(route: UserRoute, message: ParsedDelivery): void {
    if (message.kind === 'e') {
      if (route.epoch !== null && message.epoch !== route.epoch) return this.resync(route, 'epoch');
      if (message.delivery === 'durable') {
        if (route.cursor < 0) return; // no live tab yet: the starting ones take it from `early`
        if (message.seq <= route.cursor) return;
        if (message.seq !== route.cursor + 1) return this.resync(route, 'gap');
        route.cursor = message.seq;
        route.cursorMs = message.ms;
      }
    }
    this.#deps.clusterMetrics?.routed(this.#deps.registry.deliverToUser(route.userId, message.frame, message.delivery, message.coalesceKey));
  }

  deliverTo(connection: WebSocketConnection, message: ParsedDelivery): void {
    const view = [connection];
    // One tab: the registry's fan-out of one, so backpressure by delivery class applies as to live tabs.
    this.#deps.clusterMetrics?.routed(this.#deps.registry.deliverToConnections(view, message.frame, message.delivery, message.coalesceKey));
  }

  #control(route: UserRoute, kind: 'x' | 'g', target: string): void {
    const registry = this.#deps.registry;
    if (kind === 'x') {
      const victim = registry.connectionById(target);
      if (victim !== undefined) registry.closeConnection(victim, CloseCode.EVICTED_BY_LIMIT, 'connection limit: evicted by a newer connection', true);
      return;
    }
    const bar = target.indexOf('|');
    const sessionId = target.slice(0, bar);
    const newer = target.slice(bar + 1);
    for (const c of registry.userConnectionsView(route.userId)?.slice() ?? []) {
      if (c.sessionId === sessionId && c.id !== newer) registry.closeConnection(c, CloseCode.SESSION_REPLACED, 'session resumed on a newer connection', true);
    }
  }

  /**
   * Closes the user's live local tabs with 1012: each resumes from its own lastSeq and gets exactly what it
   * missed. After a gap, first the log is checked for the entry the tabs had last (meanwhile no durable frame
   * reaches them), so that a log a failover rewrote gets a new epoch before they resume.
   */
  resync(route: UserRoute, reason: 'gap' | 'epoch' | 'reconnect' | 'stalled'): void {
    this.#deps.clusterMetrics?.resynced(reason);
    const { epoch, cursor, cursorMs } = route;
    route.cursor = -1;
    route.epoch = null;
    route.auditSeq = -1;
    if ((reason !== 'gap' && reason !== 'stalled') || epoch === null) return this.#closeLive(route);
    this.#verifyThen(route.userId, { epoch, seq: cursor, ms: cursorMs }, () => this.#closeLive(route));
  }

  /** Runs `close` once the log is checked for the entry `had` (a failed check closes too: the tabs resume from the log). */
  #verifyThen(userId: UserId, had: { epoch: string; seq: number; ms: number }, close: () => void): void {
    void this.verify(userId, had.epoch, had.seq, had.ms).then(close, (err: unknown) => {
      this.#deps.logger.warn({ err, userId }, 'redis engine: log check after a gap failed; resynchronising anyway');
      close();
    });
  }

  #closeLive(route: UserRoute): void {
    for (const c of this.#deps.registry.userConnectionsView(route.userId)?.slice() ?? []) {
      if (!c.starting) this.#deps.registry.closeConnection(c, CloseCode.SERVICE_RESTART, 'resynchronising; reconnect and resume', true);
    }
  }

  /**
   * Whether the user's log still holds `<ms>-<seq>`, the entry tabs in `epoch` had last; if it lost it, the
   * script gives the log a new epoch (logged here). Resolves to the log's epoch (null: gone) and latest seq.
   */
  async verify(userId: UserId, epoch: string, seq: number, ms: number): Promise<{ epoch: string | null; seq: number }> {
    const k = this.#keys.user(userId);
    const [now, latest, diverged] = (await this.#redis.runAlone(VERIFY_SCRIPT, [k.meta, k.log], [epoch, seq, ms, randomUUID()])) as [string | null, number, number];
    if (diverged === 1) {
      this.#deps.clusterMetrics?.logRewritten();
      this.#deps.logger.warn({ userId, seq, latest, epoch: now }, 'redis engine: the log lost events its tabs were given (a failover lost acknowledged writes): new epoch, so they resume with recovered: false');
    }
    return { epoch: now, seq: latest };
  }

  /** A tab has been starting for so long that too much arrived meanwhile: its start is abandoned (1013, it retries). */
  #overflow(route: UserRoute): void {
    this.#deps.clusterMetrics?.resynced('overflow');
    route.early = [];
    for (const c of this.#deps.registry.userConnectionsView(route.userId)?.slice() ?? []) {
      if (c.starting) this.#deps.registry.closeConnection(c, CloseCode.TRY_AGAIN_LATER, 'session start took too long; retry', true);
    }
  }

  /** A starting tab that saw a new epoch or a gap in what arrived during its start: it resumes (after a gap, once the log is checked). */
  closeToResume(connection: WebSocketConnection, reason: 'gap' | 'epoch', had?: { epoch: string; seq: number; ms: number }): void {
    this.#deps.clusterMetrics?.resynced(reason);
    const close = (): void => this.#deps.registry.closeConnection(connection, CloseCode.SERVICE_RESTART, 'resynchronising; reconnect and resume', true);
    if (had === undefined) return close();
    this.#verifyThen(connection.userId, had, close);
  }

  /**
   * After a reconnect: a user whose log is not where this node's delivery is (moved on, went back, or holds
   * another entry at the tabs' last seq) is resynchronised. One script per user, not a pipeline: on a Redis
   * Cluster the users' keys are in many slots, and ioredis refuses a pipeline whose keys are on different
   * masters (with auto-pipelining it still batches the commands per node). A user whose check fails is
   * resynchronised too (its tabs resume from the log).
   */
  async checkMissed(): Promise<void> {
    const checks = [...this.#routes.values()].filter((r) => r.cursor >= 0 && r.epoch !== null).map((route) => ({ route, from: route.cursor, epoch: route.epoch as string }));
    const reads = await Promise.allSettled(checks.map(({ route, from, epoch }) => this.verify(route.userId, epoch, from, route.cursorMs)));
    checks.forEach(({ route, from, epoch: epochThen }, i) => {
      // Left, or resynchronised by live delivery meanwhile: nothing to check any more.
      if (this.#routes.get(route.userId) !== route || route.cursor < 0 || route.epoch !== epochThen) return;
      const read = reads[i] as PromiseSettledResult<{ epoch: string | null; seq: number }>;
      if (read.status === 'rejected') return this.resync(route, 'reconnect');
      const { epoch, seq } = read.value;
      // Another epoch: the log was lost, or found rewritten by a failover. Behind what the tabs had when the
      // check started: the log went back. Ahead of what they have now: events were published while the
      // subscriber was away. Either way the tabs resume from their own lastSeq.
      if (epoch !== route.epoch || seq < from || seq > route.cursor) this.resync(route, 'reconnect');
    });
  }
}
