/**
 * Presence across nodes: one sorted-set entry per connection in the user's slot, scored by its expiry, so a
 * node that dies (SIGKILL, a lost host) stops counting within `presenceTtlMs`; the node's heartbeat refreshes
 * its entries, the logs of the users it holds, and its own counts, and reads every live node's counts for
 * health. The cluster-wide per-user limit is an atomic script over those entries.
 *
 * The heartbeat sends one command per key, not a pipeline: its keys are in as many slots as there are users
 * (plus the node's own), and on a Redis Cluster ioredis refuses a pipeline whose keys are on different
 * masters. ioredis writes the commands back to back anyway (and batches them per node with auto-pipelining).
 */
import type { Logger } from 'pino';
import type { ConnectionLimitPolicy } from '../config/manager-options.js';
import type { WebSocketConnection } from '../core/connection.js';
import type { ConnectionRegistry } from '../core/connection-registry.js';
import type { UserId } from '../types.js';
import type { ClusterKeys } from './cluster-keys.js';
import type { ResolvedClusterOptions } from './cluster-options.js';
import { ADMIT_SCRIPT } from './cluster-scripts.js';
import type { RedisConnections } from './redis-connections.js';
import { isRedirect } from './redis-failures.js';

/** Every live node's figures, summed (a user connected to two nodes counts on each). */
export interface ClusterCounts {
  connections: number;
  users: number;
  nodes: number;
  /** When these were read (epoch ms). */
  at: number;
}

export type Admission = { outcome: 'admitted' } | { outcome: 'refused' } | { outcome: 'evicted'; victimConnectionId: string };

interface Entry {
  connectionId: string;
  key: string;
  member: string;
}

export class Presence {
  readonly #redis: RedisConnections;
  readonly #keys: ClusterKeys;
  readonly #nodeId: string;
  readonly #ttlMs: number;
  readonly #intervalMs: number;
  readonly #registry: ConnectionRegistry;
  readonly #heldUsers: () => IterableIterator<UserId>;
  readonly #logTtlMs: number;
  readonly #logger: Logger;
  /** This node's admitted connections: connection id → its presence entry. */
  readonly #entries = new Map<string, Entry>();
  #timer: NodeJS.Timeout | null = null;
  #beating: Promise<void> | null = null;
  /** The heartbeat is failing (warned once until it works again). */
  #failing = false;
  lastCounts: ClusterCounts | null = null;

  constructor(redis: RedisConnections, keys: ClusterKeys, nodeId: string, options: ResolvedClusterOptions, registry: ConnectionRegistry, heldUsers: () => IterableIterator<UserId>, logTtlMs: number, logger: Logger) {
    this.#redis = redis;
    this.#keys = keys;
    this.#nodeId = nodeId;
    this.#ttlMs = options.presenceTtlMs;
    this.#intervalMs = options.heartbeatIntervalMs;
    this.#registry = registry;
    this.#heldUsers = heldUsers;
    this.#logTtlMs = logTtlMs;
    this.#logger = logger;
  }

  start(): void {
    this.#timer = setInterval(() => void this.beat(), this.#intervalMs);
    this.#timer.unref();
    void this.beat();
  }

  /** Admits a connection across nodes (limit 0: no limit, presence only). */
  async admit(connection: WebSocketConnection, limit: number, policy: ConnectionLimitPolicy): Promise<Admission> {
    const key = this.#keys.user(connection.userId).presence;
    const member = `${String(connection.connectedAt).padStart(15, '0')}|${connection.sessionId}|${this.#nodeId}|${connection.id}`;
    const result = (await this.#redis.runAlone(ADMIT_SCRIPT, [key], [member, this.#ttlMs, limit, policy === 'evict-oldest' ? 'evict' : 'reject', connection.sessionId])) as [number, string?];
    if (result[0] === 0) return { outcome: 'refused' };
    if (connection.closed) {
      void this.#redis.commands.zrem(key, member).catch(() => undefined);
    } else {
      this.#entries.set(connection.id, { connectionId: connection.id, key, member });
    }
    if (result[0] === 2) return { outcome: 'evicted', victimConnectionId: (result[1] as string).slice((result[1] as string).lastIndexOf('|') + 1) };
    return { outcome: 'admitted' };
  }

  /** The connection left this node: its entry goes at once (not at expiry). */
  leave(connection: WebSocketConnection): void {
    const entry = this.#entries.get(connection.id);
    if (entry === undefined) return;
    this.#entries.delete(connection.id);
    void this.#redis.commands.zrem(entry.key, entry.member).catch(() => undefined);
  }

  async isUserConnected(userId: UserId): Promise<boolean> {
    return (await this.userConnectionCount(userId)) > 0;
  }

  async userConnectionCount(userId: UserId): Promise<number> {
    return this.#redis.commands.zcount(this.#keys.user(userId).presence, Date.now(), '+inf');
  }

  /** One heartbeat (also run by tests): refresh this node's entries and logs, publish its counts, read the cluster's. */
  beat(): Promise<void> {
    if (this.#beating === null) this.#beating = this.#beat().then(() => this.#succeeded(), (err: unknown) => this.#failed(err)).finally(() => (this.#beating = null));
    return this.#beating;
  }

  async #beat(): Promise<void> {
    const now = Date.now();
    const expiry = now + this.#ttlMs;
    const commands = this.#redis.commands;
    const writes: Array<Promise<unknown>> = [];
    // XX: an entry whose connection left meanwhile (its ZREM went first) is not brought back. One that is
    // gone although its connection is still here (its key expired while Redis or its shard was down longer
    // than presenceTtlMs) is added again below.
    for (const entry of this.#entries.values()) writes.push(commands.zadd(entry.key, 'XX', 'CH', expiry, entry.member).then((changed) => (changed === 0 ? this.#restore(entry, expiry) : undefined)));
    for (const userId of this.#heldUsers()) {
      const k = this.#keys.user(userId);
      writes.push(commands.pexpire(k.meta, this.#logTtlMs), commands.pexpire(k.presence, this.#ttlMs));
    }
    const stats = this.#keys.nodeStats(this.#nodeId);
    writes.push(
      commands.hset(stats, 'connections', this.#registry.getConnectionCount(), 'users', this.#registry.getUserCount()),
      commands.pexpire(stats, this.#ttlMs),
      commands.zadd(this.#keys.nodes, expiry, this.#nodeId),
      commands.zremrangebyscore(this.#keys.nodes, '-inf', now),
    );
    const failed = (await Promise.allSettled(writes)).filter((r): r is PromiseRejectedResult => r.status === 'rejected');
    // A slot that moved (resharding): the next beat goes to its new master.
    if (failed.some((r) => isRedirect(r.reason))) await this.#redis.refreshSlots();
    if (failed.length > 0) throw Object.assign(new Error(`${failed.length} of ${writes.length} heartbeat writes failed`), { cause: failed[0]?.reason });
    const nodes = await commands.zrangebyscore(this.#keys.nodes, now, '+inf');
    const counts: ClusterCounts = { connections: 0, users: 0, nodes: nodes.length, at: now };
    for (const read of await Promise.allSettled(nodes.map((node) => commands.hmget(this.#keys.nodeStats(node), 'connections', 'users')))) {
      if (read.status === 'rejected') continue;
      const [connections, users] = read.value;
      counts.connections += Number(connections ?? 0);
      counts.users += Number(users ?? 0);
    }
    this.lastCounts = counts;
  }

  /**
   * Adds a live connection's entry again (and its key's TTL). Sent only while the connection is still this
   * node's: a later leave() sends its ZREM after this, on the same connection (same key, same node).
   */
  async #restore(entry: Entry, expiry: number): Promise<void> {
    if (this.#entries.get(entry.connectionId) !== entry) return;
    await Promise.all([this.#redis.commands.zadd(entry.key, 'NX', expiry, entry.member), this.#redis.commands.pexpire(entry.key, this.#ttlMs)]);
  }

  #succeeded(): void {
    if (!this.#failing) return;
    this.#failing = false;
    this.#logger.info('redis engine: heartbeat works again');
  }

  /** Warned once per run of failures (Redis unreachable, a shard down): presence entries expire meanwhile. */
  #failed(err: unknown): void {
    if (this.#failing) return this.#logger.debug({ err }, 'redis engine: heartbeat failed again');
    this.#failing = true;
    this.#logger.warn({ err }, 'redis engine: heartbeat failed; this node\'s presence entries expire unless it recovers');
  }

  /** Stops the heartbeat and takes this node out of the live nodes (its entries expire with their TTL or go now). */
  async stop(): Promise<void> {
    if (this.#timer !== null) clearInterval(this.#timer);
    this.#timer = null;
    await this.#beating;
    if (this.#redis.commands.status !== 'ready') return;
    const commands = this.#redis.commands;
    const removals: Array<Promise<unknown>> = [];
    for (const { key, member } of this.#entries.values()) removals.push(commands.zrem(key, member));
    removals.push(commands.zrem(this.#keys.nodes, this.#nodeId), commands.del(this.#keys.nodeStats(this.#nodeId)));
    this.#entries.clear();
    await Promise.allSettled(removals);
  }
}
