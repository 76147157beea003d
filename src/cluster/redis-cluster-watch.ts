/**
 * What ioredis does not tell the engine about a Redis Cluster, watched from its events and from the cluster
 * itself:
 * - whether every shard answers. When one shard's master is lost, the `Cluster` instance stays `ready` (the
 *   other shards still work), so its status alone would report `ok` for the whole outage. A lost node
 *   connection marks the cluster suspect; a probe then runs every {@link PROBE_INTERVAL_MS} until the
 *   cluster says `cluster_state:ok`, no master that holds slots is failing, and every master ioredis routes
 *   to answers.
 * - when the sharded subscribers are back. ioredis (`shardedSubscribers: true`) keeps one subscriber per
 *   master; when one is lost it replaces it, and once the cluster has promoted a replica it connects to the
 *   new master and resubscribes that shard's channels, then emits `subscribersReady`, without a `ready` of
 *   the whole instance. The first `subscribersReady` after a loss with no failed connection in its round is
 *   that moment: the watch reports it, so the engine can check what was published meanwhile.
 * - when a slot moved (resharding): the old master unsubscribes its shard channels; ioredis follows only once
 *   its subscriber's slot map is refreshed, which the watch then does.
 */
import type { Cluster, Redis } from 'ioredis';
import type { Logger } from 'pino';

/** How often a suspect cluster is probed until it is whole again. */
export const PROBE_INTERVAL_MS = 200;

/**
 * Probes in a row with every shard answering, a subscriber still counted lost and no `subscribersReady`
 * (ioredis resets its subscribers only when the slot map changed, and it may have changed before the loss
 * was seen): then the subscribers are where the map says, and the loss is taken as over.
 */
const QUIET_PROBES = 25;

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Listener = (...args: any[]) => void;

const nodeName = (redis: Redis | undefined): string => `${redis?.options.host ?? '?'}:${redis?.options.port ?? '?'}`;

export class RedisClusterWatch {
  readonly #commands: Cluster;
  readonly #subscriber: Cluster;
  readonly #logger: Logger;
  readonly #onResubscribed: () => void;
  /** Why the cluster is not whole, as of the last probe; null when it is. */
  #problem: string | null = null;
  /** A node connection was lost (or failed) and no probe has passed since. */
  #suspect = false;
  /** A sharded subscriber was lost and its shard is not resubscribed yet. */
  #subscriberLost = false;
  /** A subscriber connection failed since the last `subscribersReady` (that round did not resubscribe everything). */
  #failedSinceReady = false;
  /** The subscriber was ready once: a later resubscription is a recovery, not the start. */
  #subscriberWasReady = false;
  /** The commands instance was ready once: before, ioredis drops startup nodes that hold no slot (a '-node' each). */
  #commandsWereReady: boolean;
  /** A degradation was warned about and the cluster is not whole again yet. */
  #warned = false;
  #timer: NodeJS.Timeout | null = null;
  #probing = false;
  /** Probes in a row that found every shard answering while a subscriber was still counted lost. */
  #quietProbes = 0;
  #closed = false;
  readonly #listeners: Array<[Cluster, string, Listener]> = [];

  constructor(commands: Cluster, subscriber: Cluster, logger: Logger, onResubscribed: () => void) {
    this.#commands = commands;
    this.#subscriber = subscriber;
    this.#logger = logger;
    this.#onResubscribed = onResubscribed;
    this.#commandsWereReady = commands.status === 'ready';
    this.#listen(commands, 'ready', () => void (this.#commandsWereReady = true));
    this.#listen(commands, '-node', (redis: Redis) => {
      if (this.#commandsWereReady) this.#suspectNow(`the connection to ${nodeName(redis)} was lost`);
    });
    this.#listen(commands, 'node error', (_err: unknown, node: string) => {
      if (this.#commandsWereReady) this.#suspectNow(`the connection to ${node} failed`);
    });
    // The subscriber's own '-node' has two arguments when it is a sharded subscriber's (its node key), one
    // when it is a connection of its pool (used only to read the slots).
    this.#listen(subscriber, '-node', (_redis: unknown, nodeKey?: string) => {
      if (nodeKey === undefined) return;
      if (this.#subscriberWasReady) this.#subscriberLost = true;
      this.#suspectNow(`the sharded subscriber of ${nodeKey} was lost`);
    });
    this.#listen(subscriber, 'error', (err: Error) => {
      this.#failedSinceReady = true;
      if (this.#subscriberWasReady) this.#subscriberLost = true;
      this.#suspectNow(`a subscriber connection failed (${err.message})`);
    });
    // A slot moved to another master (resharding): its old master pushes an unasked SUNSUBSCRIBE for the
    // slot's shard channels, which ioredis reports only as a command-queue error of that sharded subscriber,
    // and its subscriber keeps the old slot map. Taken as a lost shard: probed, the slots refreshed (ioredis
    // then subscribes the channels on their new master), and the engine checks what was missed.
    this.#listen(subscriber, 'nodeError', (err: Error, nodeKey?: string) => {
      if (!/\bsunsubscribe\b/i.test(String(err?.message))) return;
      this.#subscriberLost = true;
      this.#suspectNow(`${nodeKey ?? 'a master'} unsubscribed shard channels (a slot moved)`);
    });
    this.#listen(subscriber, 'ready', () => void (this.#subscriberWasReady = true));
    this.#listen(subscriber, 'subscribersReady', () => this.#subscribersReady());
  }

  /** Why the cluster is degraded, or null. */
  get problem(): string | null {
    if (this.#problem !== null) return this.#problem;
    if (this.#subscriberLost) return 'a shard is not resubscribed yet';
    return this.#suspect ? 'checking the cluster' : null;
  }

  close(): void {
    this.#closed = true;
    this.#stopProbing();
    for (const [emitter, event, listener] of this.#listeners) emitter.off(event, listener);
  }

  #listen(emitter: Cluster, event: string, listener: Listener): void {
    emitter.on(event, listener);
    this.#listeners.push([emitter, event, listener]);
  }

  #suspectNow(reason: string): void {
    if (this.#closed) return;
    if (!this.#warned) this.#logger.warn({ reason }, 'redis cluster degraded; probing it until every shard answers');
    this.#warned = true;
    this.#suspect = true;
    this.#quietProbes = 0;
    if (this.#timer === null) {
      // At once (a node that merely left the slot map passes at once), then until the cluster is whole.
      setImmediate(() => void this.#probe());
      this.#timer = setInterval(() => void this.#probe(), PROBE_INTERVAL_MS);
      this.#timer.unref();
    }
  }

  #subscribersReady(): void {
    const clean = !this.#failedSinceReady;
    this.#failedSinceReady = false;
    if (!clean || !this.#subscriberLost || this.#closed) return;
    this.#subscriberLost = false;
    this.#logger.info('redis cluster: sharded subscribers resubscribed');
    this.#onResubscribed();
  }

  async #probe(): Promise<void> {
    if (this.#probing || this.#closed) return;
    this.#probing = true;
    try {
      this.#problem = await this.#findProblem();
    } catch (err) {
      this.#problem = `the cluster did not answer (${(err as Error).message})`;
    } finally {
      this.#probing = false;
    }
    if (this.#closed) return;
    if (this.#problem === null && this.#subscriberLost) {
      if (++this.#quietProbes < QUIET_PROBES) {
        // Every shard answers but a subscriber is still missing: a slots refresh makes ioredis replace it now
        // rather than after its backoff.
        this.#subscriber.refreshSlotsCache();
        return;
      }
      this.#subscriberLost = false;
      this.#failedSinceReady = false;
      this.#logger.info('redis cluster: the slot map is current and every shard answers; taking the sharded subscribers as resubscribed');
      this.#onResubscribed();
    }
    this.#quietProbes = 0;
    if (this.#problem !== null) return;
    this.#suspect = false;
    this.#stopProbing();
    if (this.#warned) this.#logger.info('redis cluster: every shard answers again');
    this.#warned = false;
  }

  async #findProblem(): Promise<string | null> {
    const info = String(await this.#commands.cluster('INFO'));
    const state = /cluster_state:(\w+)/.exec(info)?.[1];
    if (state !== 'ok') return `cluster_state:${state ?? 'unknown'}`;
    // <id> <ip:port@bus> <flags> <master> <ping> <pong> <epoch> <link> <slot> …: a master with slots that is
    // failing (fail, or fail? in this node's view) is a shard down.
    for (const line of String(await this.#commands.cluster('NODES')).split('\n')) {
      const fields = line.trim().split(' ');
      if (fields.length < 9) continue;
      const flags = fields[2] ?? '';
      if (flags.includes('master') && flags.includes('fail')) return `master ${fields[1]?.split('@')[0] ?? '?'} is failing`;
    }
    // ioredis may still route a shard to a master that is gone; a refresh makes it follow the promotion.
    const masters = this.#commands.nodes('master');
    const answers = await Promise.allSettled(masters.map((node) => node.ping()));
    if (answers.some((a) => a.status === 'rejected')) {
      this.#commands.refreshSlotsCache();
      return 'a master ioredis routes to does not answer';
    }
    return null;
  }

  #stopProbing(): void {
    if (this.#timer !== null) clearInterval(this.#timer);
    this.#timer = null;
  }
}
