/**
 * The Redis engine's two connections: commands (scripts, publishes, presence) and a subscriber (a user's
 * channel while the node holds the user, and the broadcast channel). From a URL ws-ssot opens both and closes
 * both; from the app's instance it duplicates it for the subscriber and closes only that. Scripts run by
 * EVALSHA with one EVAL on NOSCRIPT (after a restart or a flush), so a script's text crosses the wire once.
 */
import { createHash } from 'node:crypto';
import { createRequire } from 'node:module';
import type { Cluster, Redis } from 'ioredis';
import type { Logger } from 'pino';

type Client = Redis | Cluster;

const requireFromHere = createRequire(import.meta.url);

/** ioredis, loaded only when a server is given `cluster` with a URL (the in-process default needs no Redis). */
function loadIoredis(): typeof import('ioredis').default {
  return (requireFromHere('ioredis') as typeof import('ioredis')).default;
}

export class RedisConnections {
  readonly commands: Client;
  readonly subscriber: Client;
  readonly #ownsCommands: boolean;
  readonly #shas = new Map<string, string>();
  /** SSUBSCRIBE/SPUBLISH on Redis ≥ 7, plain channels otherwise (known once `ready` resolves). */
  sharded = false;
  /** Resolves once the server version is known (never rejects: an unreachable Redis is retried by ioredis). */
  readonly ready: Promise<void>;

  constructor(redis: Client | string, pubsub: 'auto' | 'sharded' | 'plain', logger: Logger) {
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
    this.subscriber = this.commands.duplicate();
    // An 'error' without a listener is printed by ioredis as unhandled; these are logged (the engine counts
    // what they cost: failed publishes, resyncs).
    this.commands.on('error', (err: Error) => logger.warn({ err }, 'redis (commands) error'));
    this.subscriber.on('error', (err: Error) => logger.warn({ err }, 'redis (subscriber) error'));
    const version = pubsub === 'auto' ? this.#detectVersion(logger) : Promise.resolve().then(() => void (this.sharded = pubsub === 'sharded'));
    // Nothing subscribes before the subscriber's ready check is done (it is an INFO, refused in subscriber mode).
    const subscriber = this.subscriber;
    const subscriberReady = subscriber.status === 'ready' ? Promise.resolve() : new Promise<void>((resolve) => subscriber.once('ready', () => resolve()));
    this.ready = Promise.all([version, subscriberReady]).then(() => undefined);
  }

  /** Both connections are up. */
  get isReady(): boolean {
    return this.commands.status === 'ready' && this.subscriber.status === 'ready';
  }

  get status(): string {
    return `commands ${this.commands.status}, subscriber ${this.subscriber.status}`;
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

  /** Runs a script by sha, loading it once on NOSCRIPT. */
  async run(script: string, keys: readonly string[], args: ReadonlyArray<string | number>): Promise<unknown> {
    let sha = this.#shas.get(script);
    if (sha === undefined) {
      sha = createHash('sha1').update(script).digest('hex');
      this.#shas.set(script, sha);
    }
    try {
      return await this.commands.evalsha(sha, keys.length, ...keys, ...args);
    } catch (err) {
      if (!String((err as Error).message).startsWith('NOSCRIPT')) throw err;
      return this.commands.eval(script, keys.length, ...keys, ...args);
    }
  }

  publish(channel: string, message: string): Promise<unknown> {
    return this.sharded ? this.commands.spublish(channel, message) : this.commands.publish(channel, message);
  }

  subscribeUser(channel: string): Promise<unknown> {
    return this.sharded ? this.subscriber.ssubscribe(channel) : this.subscriber.subscribe(channel);
  }

  unsubscribeUser(channel: string): Promise<unknown> {
    return this.sharded ? this.subscriber.sunsubscribe(channel) : this.subscriber.unsubscribe(channel);
  }

  /** The publish command a script calls for a user's channel. */
  get publishCommand(): 'SPUBLISH' | 'PUBLISH' {
    return this.sharded ? 'SPUBLISH' : 'PUBLISH';
  }

  async close(): Promise<void> {
    this.subscriber.disconnect();
    if (this.#ownsCommands) await this.commands.quit().catch(() => this.commands.disconnect());
  }
}
