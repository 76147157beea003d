/**
 * Key and channel names of the Redis engine. Every key and the channel of one user share the hash tag
 * `{u:<userId>}`, so one script touches one slot and the engine works on Redis Cluster; the prefix isolates
 * deployments sharing one Redis.
 */
import type { UserId } from '../types.js';

export interface UserKeys {
  /** The part every key and the channel of the user share (`<prefix>:{u:<userId>}`): one slot, one send order. */
  readonly tag: string;
  /** Hash: epoch, seq (latest durable seq), ms (the latest log entry's time part), tm (the last trim by age), l<node> (each producing node's latest send number and seq). */
  readonly meta: string;
  /** Stream: the replay log, entry ids `<ms>-<seq>`, field `f` = the frame. */
  readonly log: string;
  /** Sorted set: `<connectedAt>|<sessionId>|<nodeId>|<connectionId>` scored by expiry (ms). */
  readonly presence: string;
  /** The user's (sharded) channel: only nodes holding the user subscribe. */
  readonly channel: string;
}

export class ClusterKeys {
  readonly prefix: string;
  /** One channel for broadcasts, which every node receives. */
  readonly broadcastChannel: string;
  /** The same, as the subscriber receives it. */
  readonly broadcastChannelBytes: Buffer;
  /** Sorted set of live nodes, scored by expiry (ms). */
  readonly nodes: string;

  constructor(prefix: string) {
    this.prefix = prefix;
    this.broadcastChannel = `${prefix}:broadcast`;
    this.broadcastChannelBytes = Buffer.from(this.broadcastChannel);
    this.nodes = `${prefix}:nodes`;
  }

  user(userId: UserId): UserKeys {
    const tag = `${this.prefix}:{u:${userId}}`;
    return { tag, meta: `${tag}:meta`, log: `${tag}:log`, presence: `${tag}:conns`, channel: `${tag}:ch` };
  }

  /** A node's counts (hash: connections, users), with a TTL. */
  nodeStats(nodeId: string): string {
    return `${this.prefix}:node:${nodeId}`;
  }

  /** The user id of a user channel of this prefix, or null. */
  userOfChannel(channel: string): UserId | null {
    const head = `${this.prefix}:{u:`;
    if (!channel.startsWith(head) || !channel.endsWith('}:ch')) return null;
    return channel.slice(head.length, -4);
  }
}
