/**
 * The `cluster` option: the Redis engine that carries delivery, sequencing, the replay log and presence
 * across the nodes of a deployment. Validated once with the server's other options.
 */
import type { Cluster, Redis } from 'ioredis';
import { InvalidOptionError } from '../errors.js';
import { integer, nonEmptyString, object, oneOf } from '../config/validators.js';

/** Options of the Redis engine (`createWebSocketServer({ cluster })`). */
export interface ClusterOptions {
  /**
   * An ioredis `Redis` or `Cluster` instance (the app's: ws-ssot duplicates it for its subscriber and never
   * closes it), or a `redis://` / `rediss://` URL (ws-ssot opens and closes its own connections). For
   * Sentinel, a `Redis` built with `{ sentinels, name }`. For Redis Cluster, a `Cluster`: its subscriber is
   * duplicated with `shardedSubscribers: true` (one subscriber per master), whatever the app's instance has.
   */
  redis: Redis | Cluster | string;
  /** Prefix of every key and channel: isolates deployments (staging, production) sharing one Redis. @default 'wssot' */
  keyPrefix?: string;
  /** This node's id in presence entries. @default a random UUID per server */
  nodeId?: string;
  /**
   * How long a node's presence entries (its connections, for the cluster-wide limit and counts) live
   * without a refresh: a node that dies stops counting within this time. @default 15_000
   */
  presenceTtlMs?: number;
  /** How often a node refreshes its presence and reads the cluster-wide counts. @default presenceTtlMs / 3 */
  heartbeatIntervalMs?: number;
  /**
   * Per-user channels: sharded (SSUBSCRIBE/SPUBLISH, a channel lives on its user's shard) or plain
   * (SUBSCRIBE/PUBLISH). `auto` takes sharded on Redis ≥ 7. On a Redis Cluster, plain channels reach every
   * cluster node and a lost subscriber connection is noticed only at the user's next event (logged as a
   * warning at start). @default 'auto'
   */
  pubsub?: 'auto' | 'sharded' | 'plain';
  /**
   * How long an agent event's send is sent again while Redis cannot be reached (ioredis gave up on it: a
   * restart, a failover, a network cut), with the same send id, so one that had run is not logged twice;
   * past this, counted from its first failure, it is rejected. 0: rejected when ioredis gives up.
   * @default 10_000
   */
  sendRetryMs?: number;
}

export interface ResolvedClusterOptions {
  readonly redis: Redis | Cluster | string;
  readonly keyPrefix: string;
  readonly nodeId: string | null;
  readonly presenceTtlMs: number;
  readonly heartbeatIntervalMs: number;
  readonly pubsub: 'auto' | 'sharded' | 'plain';
  readonly sendRetryMs: number;
}

export const CLUSTER_DEFAULTS = Object.freeze({ keyPrefix: 'wssot', presenceTtlMs: 15_000, sendRetryMs: 10_000 });

function isRedisLike(value: unknown): boolean {
  const r = value as { duplicate?: unknown; evalsha?: unknown } | null;
  return typeof r === 'object' && r !== null && typeof r.duplicate === 'function' && typeof r.evalsha === 'function';
}

/** Validates and freezes the `cluster` option; null when absent (in-process delivery). */
export function resolveClusterOptions(value: unknown): ResolvedClusterOptions | null {
  const o = object('cluster', value);
  if (o === undefined) return null;
  const redis = o.redis;
  if (typeof redis === 'string') {
    if (!/^rediss?:\/\//.test(redis)) throw new InvalidOptionError('cluster.redis', 'a redis:// or rediss:// URL, or an ioredis Redis or Cluster instance', redis);
  } else if (!isRedisLike(redis)) {
    throw new InvalidOptionError('cluster.redis', 'an ioredis Redis or Cluster instance, or a redis:// URL', redis);
  }
  const keyPrefix = nonEmptyString('cluster.keyPrefix', o.keyPrefix, CLUSTER_DEFAULTS.keyPrefix);
  if (/[{}\s]/.test(keyPrefix)) throw new InvalidOptionError('cluster.keyPrefix', 'a prefix without braces or spaces (braces are the hash tag)', keyPrefix);
  const nodeId = o.nodeId === undefined ? null : nonEmptyString('cluster.nodeId', o.nodeId, '');
  if (nodeId !== null && nodeId.includes('|')) throw new InvalidOptionError('cluster.nodeId', "an id without '|'", nodeId);
  const presenceTtlMs = integer('cluster.presenceTtlMs', o.presenceTtlMs, CLUSTER_DEFAULTS.presenceTtlMs, 1_000, 3_600_000);
  const heartbeatIntervalMs = integer('cluster.heartbeatIntervalMs', o.heartbeatIntervalMs, Math.floor(presenceTtlMs / 3), 100, presenceTtlMs - 1);
  const pubsub = oneOf('cluster.pubsub', o.pubsub, 'auto', ['auto', 'sharded', 'plain']);
  const sendRetryMs = integer('cluster.sendRetryMs', o.sendRetryMs, CLUSTER_DEFAULTS.sendRetryMs, 0, 600_000);
  return Object.freeze({ redis: redis as Redis | Cluster | string, keyPrefix, nodeId, presenceTtlMs, heartbeatIntervalMs, pubsub, sendRetryMs });
}
