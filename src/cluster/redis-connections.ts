/**
 * The Redis engine's two connections: commands (scripts, publishes, presence) and a subscriber (a user's
 * channel while the node holds the user, and the broadcast channel). From a URL ws-ssot opens both and closes
 * both; from the app's instance it duplicates it for the subscriber and closes only that. Scripts run by
 * EVALSHA with one EVAL on NOSCRIPT (after a restart, a flush, or a failover to a replica), so a script's text
 * crosses the wire once; a user's scripts and publishes that must be sent again (NOSCRIPT, a slot move) keep
 * the order the node sent them in ({@link OrderedSends}).
 *
 * On a Redis Cluster the subscriber is duplicated with `shardedSubscribers: true`: ioredis then keeps one
 * subscriber per master and sends each SSUBSCRIBE to the master of its channel's slot (without it, a
 * duplicated `Cluster` has one subscriber on one node and never emits `smessage`). A {@link RedisClusterWatch}
 * says whether every shard answers (health) and when a lost shard's channels are resubscribed.
 */
import { createHash } from 'node:crypto';
import { createRequire } from 'node:module';
import type { Cluster, Redis } from 'ioredis';
import type { Logger } from 'pino';
import { OrderedSends, type RedisCommand } from './ordered-sends.js';
import { RedisClusterWatch } from './redis-cluster-watch.js';
import { isNoScript, isRedirect, redirectOf, resendableAfter, splitBatch, unreachable } from './redis-failures.js';
import { settlesWithin } from './route-subscription.js';

type Client = Redis | Cluster;

const requireFromHere = createRequire(import.meta.url);

/** ioredis, loaded only when a server is given `cluster` with a URL (the in-process default needs no Redis). */
function loadIoredis(): typeof import('ioredis').default {
  return (requireFromHere('ioredis') as typeof import('ioredis')).default;
}

function isCluster(client: Client): client is Cluster {
  return (client as { isCluster?: boolean }).isCluster === true;
}

/** How long a subscribe sent again is waited for (ioredis never settles one that got MOVED). */
const RESUBSCRIBE_WAIT_MS = 5_000;

/**
 * How often a command a slot move refused is sent again, after the slot map is refreshed: a few times for
 * MOVED (the map then names the new master), more for ASK / TRYAGAIN, which last until the migration of the
 * slot ends (with pauses of 25, 50, … ms: about 2 s in all).
 */
const MOVED_RETRIES = 4;
const MIGRATING_RETRIES = 12;

const NO_KEYS: readonly string[] = [];

/** The longest pause before a command is sent again while Redis is unreachable (from 50 ms, growing with the outage). */
const UNREACHABLE_PAUSE_MS = 500;

/** A command with every field set, so that all share one shape. */
function newCommand(script: string | null, keys: readonly string[], args: ReadonlyArray<string | number>, channel: string, message: string, resendable: boolean): RedisCommand {
  return { script, keys, args, channel, message, withText: false, resendable, redirects: 0, unreachableSince: 0 };
}

/** A pause on an error path that never keeps a closing process alive. */
export function pause(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms).unref());
}

export class RedisConnections {
  readonly commands: Client;
  readonly subscriber: Client;
  /** A Redis Cluster (an ioredis `Cluster` instance) rather than one server (standalone or behind Sentinel). */
  readonly cluster: boolean;
  readonly #ownsCommands: boolean;
  readonly #shas = new Map<string, string>();
  readonly #watch: RedisClusterWatch | null;
  readonly #resubscribedListeners: Array<() => void> = [];
  readonly #ordered = new OrderedSends({
    send: (command) => this.#send(command),
    again: (err, command) => this.#again(err, command),
    unreachable: (err) => unreachable(err),
  });
  readonly #sendRetryMs: number;
  readonly #onResend: () => void;
  #closed = false;
  /** SSUBSCRIBE/SPUBLISH on Redis ≥ 7, plain channels otherwise (known once `ready` resolves). */
  sharded = false;
  /** Resolves once the server version is known (never rejects: an unreachable Redis is retried by ioredis). */
  readonly ready: Promise<void>;

  /**
   * `sendRetryMs`: how long a resendable command (an event's publish script) is sent again while Redis is
   * unreachable, from its first such failure; `onResend` is called each time.
   */
  constructor(redis: Client | string, pubsub: 'auto' | 'sharded' | 'plain', logger: Logger, sendRetryMs = 0, onResend: () => void = () => undefined) {
    this.#sendRetryMs = sendRetryMs;
    this.#onResend = onResend;
    if (typeof redis === 'string') {
      const IORedis = loadIoredis();
      // Auto-pipelining: concurrent publishes share round trips. A broken connection is retried forever, and a
      // command waits in the offline queue for at most a few retries before it fails (counted by the engine).
      this.commands = new IORedis(redis, { enableAutoPipelining: true, maxRetriesPerRequest: 3, lazyConnect: false });
      this.#ownsCommands = true;
    } else {
      this.commands = redis;
      this.#ownsCommands = false;
    }
    this.cluster = isCluster(this.commands);
    this.subscriber = isCluster(this.commands) ? this.commands.duplicate([], { shardedSubscribers: true }) : this.commands.duplicate();
    this.#watch = isCluster(this.commands) && isCluster(this.subscriber) ? new RedisClusterWatch(this.commands, this.subscriber, logger, () => this.#resubscribed()) : null;
    // One server (standalone or behind Sentinel): every `ready` after the first is a reconnect, resubscribed.
    // A Redis Cluster stays ready while it loses a shard: its watch says when the shard is resubscribed.
    if (this.#watch === null) {
      let wasReady = false;
      this.subscriber.on('ready', () => (wasReady ? this.#resubscribed() : void (wasReady = true)));
    }
    // An 'error' without a listener is printed by ioredis as unhandled; these are logged (the engine counts
    // what they cost: failed publishes, resyncs).
    this.commands.on('error', (err: Error) => logger.warn({ err }, 'redis (commands) error'));
    // While a Redis Cluster is degraded (warned once by the watch), ioredis retries a lost shard's subscriber
    // many times a second until the replica is promoted: those failures are debug.
    this.subscriber.on('error', (err: Error) => (this.#watch?.problem ?? null) === null ? logger.warn({ err }, 'redis (subscriber) error') : logger.debug({ err }, 'redis (subscriber) error'));
    const version = pubsub === 'auto' ? this.#detectVersion(logger) : Promise.resolve().then(() => void (this.sharded = pubsub === 'sharded'));
    // Nothing subscribes before the subscriber's ready check is done (it is an INFO, refused in subscriber mode).
    const subscriber = this.subscriber;
    const subscriberReady = subscriber.status === 'ready' ? Promise.resolve() : new Promise<void>((resolve) => subscriber.once('ready', () => resolve()));
    this.ready = Promise.all([version, subscriberReady]).then(() => {
      if (this.cluster && !this.sharded) {
        logger.warn('redis engine: plain pub/sub on a Redis Cluster (Redis < 7 or pubsub: \'plain\'): every user event reaches every cluster node, and a lost subscriber connection is noticed only by the user\'s next event (its seq gap); use Redis >= 7 with sharded pub/sub');
      }
    });
  }

  /** Both connections are up (and, on a Redis Cluster, every shard answers and is subscribed). */
  get isReady(): boolean {
    return this.commands.status === 'ready' && this.subscriber.status === 'ready' && (this.#watch?.problem ?? null) === null;
  }

  get status(): string {
    const problem = this.#watch?.problem ?? null;
    return `commands ${this.commands.status}, subscriber ${this.subscriber.status}${problem === null ? '' : `, cluster: ${problem}`}`;
  }

  /**
   * Calls `listener` each time the subscriber has resubscribed after a loss: one server's subscriber is ready
   * again, or a Redis Cluster's sharded subscribers are back after a shard was lost (the instance itself stays
   * `ready` then, so its `ready` event does not say it).
   */
  onResubscribed(listener: () => void): void {
    this.#resubscribedListeners.push(listener);
  }

  #resubscribed(): void {
    for (const listener of this.#resubscribedListeners) listener();
  }

  async #detectVersion(logger: Logger): Promise<void> {
    try {
      const info = (await this.commands.info('server')) as string;
      const major = Number(/redis_version:(\d+)/.exec(info)?.[1] ?? 0);
      this.sharded = major >= 7;
      logger.info({ redisVersion: /redis_version:([^\r\n]+)/.exec(info)?.[1], sharded: this.sharded }, 'redis engine connected');
    } catch (err) {
      logger.warn({ err }, 'redis engine: could not read the server version; using plain pub/sub');
    }
  }

  /** Refreshes a Redis Cluster's slot map (the commands' by default); resolves when it is read (or failed). */
  refreshSlots(client: Client = this.commands): Promise<void> {
    if (!isCluster(client)) return Promise.resolve();
    return new Promise((resolve) => client.refreshSlotsCache(() => resolve()));
  }

  /** Whether Redis (or ioredis before sending it) refused a command without running it (see {@link OrderedSends}). */
  #refused(err: unknown): boolean {
    return isNoScript(err) || (this.cluster && (isRedirect(err) || splitBatch(err)));
  }

  /** After a command failed: whether to send it again, once ready (see {@link Resender.again}). No closure per send. */
  async #again(err: unknown, command: RedisCommand): Promise<boolean> {
    if (this.#closed) return false;
    if (this.#refused(err)) return this.#againAfterRefusal(err, command);
    if (!command.resendable || !resendableAfter(err)) return false;
    // Unreachable (ioredis gave up: the command may have run, and the publish script recognises its send id
    // if so). ioredis's own reconnect attempts pace most failures; the pause paces those that come at once
    // (CLUSTERDOWN, a connection that refuses at once).
    const now = performance.now();
    if (command.unreachableSince === 0) command.unreachableSince = now;
    const wait = Math.min(50 + Math.floor((now - command.unreachableSince) / 10), UNREACHABLE_PAUSE_MS);
    if (now + wait - command.unreachableSince > this.#sendRetryMs) return false;
    await pause(wait);
    // On a Redis Cluster the slot's master may have changed (a replica promoted): send by a fresh slot map.
    await this.refreshSlots();
    if (this.#closed) return false;
    this.#onResend();
    return true;
  }

  /** NOSCRIPT: once more with the script's text; a slot move: within a budget, after a slot-map refresh. */
  async #againAfterRefusal(err: unknown, command: RedisCommand): Promise<boolean> {
    if (isNoScript(err)) {
      // The script's text loads it (on each master a slot move leads to): once per command is enough.
      if (command.withText) return false;
      command.withText = true;
      return true;
    }
    const moved = splitBatch(err) || redirectOf(err) === 'MOVED';
    const attempt = ++command.redirects;
    if (attempt > (moved ? MOVED_RETRIES : MIGRATING_RETRIES)) return false;
    await this.refreshSlots();
    // ASK / TRYAGAIN: the slot is still moving; a short pause (error path only) lets the migration end.
    if (!moved) await pause(25 * attempt);
    return true;
  }

  #send(command: RedisCommand): Promise<unknown> {
    const { script, keys, args } = command;
    if (script === null) return this.sharded ? this.commands.spublish(command.channel, command.message) : this.commands.publish(command.channel, command.message);
    if (command.withText) return this.commands.eval(script, keys.length, ...keys, ...args);
    let sha = this.#shas.get(script);
    if (sha === undefined) {
      sha = createHash('sha1').update(script).digest('hex');
      this.#shas.set(script, sha);
    }
    return this.commands.evalsha(sha, keys.length, ...keys, ...args);
  }

  /**
   * Runs a script by sha on the keys of one hash tag `tag` (a user's), in order with the user's other sends;
   * one refused (NOSCRIPT: sent again with its text; a slot move: after a slot refresh) is sent again
   * without the user's later commands overtaking it, and so is one that failed with Redis unreachable, for
   * up to `sendRetryMs` if `recognisesResend`: the script recognises a send of itself that had run (the
   * publish script does, by its send id), so sending it again cannot run it twice.
   */
  run(script: string, tag: string, keys: readonly string[], args: ReadonlyArray<string | number>, recognisesResend: boolean): Promise<unknown> {
    return this.#ordered.send(tag, newCommand(script, keys, args, '', '', recognisesResend));
  }

  /** The same for a script whose place among the user's sends does not matter (a snapshot, a check): sent at once. */
  runAlone(script: string, keys: readonly string[], args: ReadonlyArray<string | number>): Promise<unknown> {
    return this.#ordered.sendAlone(newCommand(script, keys, args, '', '', false));
  }

  /** Publishes on a user's channel (hash tag `tag`), in order with the user's scripts. */
  publish(tag: string, channel: string, message: string): Promise<unknown> {
    return this.#ordered.send(tag, newCommand(null, NO_KEYS, NO_KEYS, channel, message, false));
  }

  subscribeUser(channel: string): Promise<unknown> {
    return this.sharded ? this.subscriber.ssubscribe(channel) : this.subscriber.subscribe(channel);
  }

  unsubscribeUser(channel: string): Promise<unknown> {
    return this.sharded ? this.subscriber.sunsubscribe(channel) : this.subscriber.unsubscribe(channel);
  }

  /**
   * Subscribes a user's channel again after its subscription was found lost without any event saying so
   * (subscribing to a channel already subscribed changes nothing). On a Redis Cluster the subscriber's slot
   * map is refreshed first: ioredis then subscribes every channel whose slot changed master on the new one,
   * and the subscribe below goes to the right master (one sent by a stale map would get MOVED, and ioredis
   * never settles it: hence the wait is bounded).
   */
  async resubscribeUser(channel: string, stillHeld: () => boolean): Promise<void> {
    await this.refreshSlots(this.subscriber);
    // The user left meanwhile (its channel unsubscribed): subscribing now would hold the channel for good.
    if (!stillHeld()) return;
    await settlesWithin(this.subscribeUser(channel), RESUBSCRIBE_WAIT_MS);
  }

  /** The publish command a script calls for a user's channel. */
  get publishCommand(): 'SPUBLISH' | 'PUBLISH' {
    return this.sharded ? 'SPUBLISH' : 'PUBLISH';
  }

  async close(): Promise<void> {
    this.#closed = true;
    this.#watch?.close();
    this.subscriber.disconnect();
    if (this.#ownsCommands) await this.commands.quit().catch(() => this.commands.disconnect());
  }
}
