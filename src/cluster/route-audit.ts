/**
 * The safety net under pub/sub: a node's live delivery for a user can stop without any event saying so (a
 * subscription the server dropped, a client library that lost it). Each heartbeat the node reads, for every
 * user it holds, where the user's log ends, and compares it with where its tabs are: a user whose tabs are
 * behind what the log already held at an earlier audit, and got nothing since (for at least {@link STALL_MS}),
 * is stalled. Its channel is subscribed again and its tabs resynchronised (closed with 1012, after the log check
 * of a gap), so they resume from their own lastSeq. A node that is merely behind (a backlog it is still delivering) moves its
 * cursor between audits and is left alone.
 */
import type { Logger } from 'pino';
import type { UserId } from '../types.js';
import type { BrokerReceiver } from './broker-receiver.js';
import type { ClusterKeys } from './cluster-keys.js';
import type { RedisConnections } from './redis-connections.js';
import { isRedirect } from './redis-failures.js';
import type { UserRoute } from './user-route.js';

/**
 * How long the tabs must stay behind, with nothing delivered, before a user counts as stalled: with short
 * heartbeats, a node whose event loop lags under load is not taken for one that lost its subscription.
 */
export const STALL_MS = 1_000;

export class RouteAudit {
  readonly #redis: RedisConnections;
  readonly #keys: ClusterKeys;
  readonly #routes: ReadonlyMap<UserId, UserRoute>;
  readonly #receiver: BrokerReceiver;
  readonly #logger: Logger;
  readonly #intervalMs: number;
  #timer: NodeJS.Timeout | null = null;
  #running: Promise<void> | null = null;
  /** Stalled routes being subscribed again; not audited until their resync. */
  readonly #resubscribing = new Set<UserRoute>();

  constructor(redis: RedisConnections, keys: ClusterKeys, routes: ReadonlyMap<UserId, UserRoute>, receiver: BrokerReceiver, logger: Logger, intervalMs: number) {
    this.#redis = redis;
    this.#keys = keys;
    this.#routes = routes;
    this.#receiver = receiver;
    this.#logger = logger;
    this.#intervalMs = intervalMs;
  }

  start(): void {
    this.#timer = setInterval(() => void this.run(), this.#intervalMs);
    this.#timer.unref();
  }

  async stop(): Promise<void> {
    if (this.#timer !== null) clearInterval(this.#timer);
    this.#timer = null;
    await this.#running;
  }

  /**
   * One audit (also run by tests); a read that fails leaves the user for the next one. It runs while the
   * engine is degraded too: a stall is likeliest then, and a read Redis cannot answer just fails.
   */
  run(): Promise<void> {
    if (this.#running === null) this.#running = this.#audit().finally(() => (this.#running = null));
    return this.#running ?? Promise.resolve();
  }

  async #audit(): Promise<void> {
    const live = [...this.#routes.values()].filter((r) => r.cursor >= 0 && r.epoch !== null && !this.#resubscribing.has(r));
    const reads = await Promise.allSettled(live.map((r) => this.#redis.commands.hmget(this.#keys.user(r.userId).meta, 'epoch', 'seq')));
    // A slot that moved (resharding): the next audit reads it from its new master.
    if (reads.some((r) => r.status === 'rejected' && isRedirect(r.reason))) await this.#redis.refreshSlots();
    const now = Date.now();
    live.forEach((route, i) => {
      const read = reads[i] as PromiseSettledResult<Array<string | null>>;
      if (read.status === 'rejected' || this.#routes.get(route.userId) !== route || route.cursor < 0) return;
      const [epoch, seq] = read.value;
      // Behind what the log held at the audit recorded, with nothing delivered since: timed from that record.
      const behind = route.auditSeq >= 0 && route.cursor === route.auditCursor && route.cursor < route.auditSeq;
      if (behind && now - route.auditAt >= STALL_MS) {
        this.#logger.warn({ userId: route.userId, cursor: route.cursor, logSeq: route.auditSeq }, 'redis engine: live delivery for a user stopped (its subscription was lost); subscribing again and resynchronising its tabs');
        this.#resubscribe(route);
        return;
      }
      if (behind) return;
      // Another epoch is the live path's to act on (at the user's next event); the audit compares seqs only.
      route.auditSeq = epoch === route.epoch ? Number(seq) : -1;
      route.auditCursor = route.cursor;
      route.auditAt = now;
    });
  }

  /**
   * Subscribed again first (the tabs' resumes must find the subscription, on a Redis Cluster the slot map,
   * fresh), then the tabs resynchronised: unless meanwhile the route left, or live delivery or a missed-event
   * check already resynchronised it (its cursor or epoch reset), so no tab gets a second 1012.
   */
  #resubscribe(route: UserRoute): void {
    const { epoch, cursor } = route;
    this.#resubscribing.add(route);
    route.auditSeq = -1;
    void this.#redis.resubscribeUser(route.channel, () => this.#routes.get(route.userId) === route)
      .catch((err: unknown) => this.#logger.warn({ err, userId: route.userId }, 'redis engine: subscribing again failed'))
      .then(() => {
        this.#resubscribing.delete(route);
        if (this.#routes.get(route.userId) === route && route.epoch === epoch && route.cursor === cursor) this.#receiver.resync(route, 'stalled');
      });
  }
}
