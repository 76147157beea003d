/**
 * Baseline for the cluster scenarios: the Socket.IO server of `socket-io.ts` (4.8, WebSocket transport only, one
 * room per user) on a Redis adapter, each node with its own ioredis connections, as the adapters' READMEs set them
 * up (ioredis with its defaults; both adapters support it):
 *
 * - `pubsub`: `@socket.io/redis-adapter`'s `createAdapter(pub, sub, { key })`. A node publishes every room emit on
 *   `<key>#/#<room>#` and every node pattern-subscribes to `<key>#/#*`, so every node receives and decodes every
 *   message, for users it holds or not.
 * - `streams`: `@socket.io/redis-streams-adapter`'s `createAdapter(client, { streamName, channelPrefix,
 *   sessionKeyPrefix })`, its defaults otherwise (`maxLen` 10,000 with `~` trimming, `readCount` 100): every emit
 *   is an `XADD` to one stream that every node reads with `XREAD BLOCK`.
 * - `sharded` (opt-in): `@socket.io/redis-adapter`'s `createShardedAdapter(pub, sub, { channelPrefix,
 *   subscriptionMode: 'dynamic' })`, Redis ≥ 7: one sharded channel per room, subscribed while the node has a
 *   socket in it (Socket.IO's nearest to routing by user).
 *
 * `keyPrefix` (unique per run) names the channels, the stream and the session keys, so concurrent runs and other
 * users of the same Redis never see each other's traffic, and the run deletes what it wrote (lib/redis.ts).
 */
import { once } from 'node:events';
import { Redis } from 'ioredis';
import type { ServerOptions } from 'socket.io';
import { SocketIoServer } from './socket-io.js';
import type { BenchServerOptions, CreateBenchServer } from './types.js';

export type SocketIoAdapterKind = 'pubsub' | 'streams' | 'sharded';

class SocketIoRedisServer extends SocketIoServer {
  readonly #clients: Redis[];

  constructor(adapter: Partial<ServerOptions>, clients: Redis[]) {
    super(adapter);
    this.#clients = clients;
  }

  override async close(): Promise<void> {
    await super.close();
    // The adapters' own duplicates (the streams adapter's blocking reader) end with the process.
    for (const c of this.#clients) c.disconnect();
  }
}

/**
 * Connected before the adapter subscribes, as the adapters' READMEs do with the redis package (`await connect()`):
 * a (p)subscribe that ioredis queues before the connection is up can be flushed ahead of its own connection-setup
 * commands, which Redis then refuses in subscriber mode ("Connection in subscriber mode"), and the node never
 * receives anything.
 */
async function ready(client: Redis): Promise<void> {
  if (client.status !== 'ready') await once(client, 'ready');
}

export const createServer: CreateBenchServer = async (options: BenchServerOptions) => {
  const url = String(options['redis'] ?? '');
  const prefix = String(options['keyPrefix'] ?? '');
  const kind = options['adapter'] as SocketIoAdapterKind;
  if (url === '' || prefix === '') throw new Error('socket-io-redis: options { redis, keyPrefix, adapter } are required');
  const pub = new Redis(url);
  // The adapters add a listener that only warns; say what the error was (stderr, BENCH_VERBOSE=1 shows it).
  const onError = (err: Error): void => console.error(`socket-io-redis: redis error: ${err.message}`);
  pub.on('error', onError);
  await ready(pub);
  if (kind === 'streams') {
    const { createAdapter } = await import('@socket.io/redis-streams-adapter');
    const adapter = createAdapter(pub, { streamName: `${prefix}:stream`, channelPrefix: prefix, sessionKeyPrefix: `${prefix}:session:` });
    return new SocketIoRedisServer({ adapter }, [pub]);
  }
  const sub = pub.duplicate();
  sub.on('error', onError);
  await ready(sub);
  const { createAdapter, createShardedAdapter } = await import('@socket.io/redis-adapter');
  if (kind === 'sharded') {
    return new SocketIoRedisServer({ adapter: createShardedAdapter(pub, sub, { channelPrefix: prefix, subscriptionMode: 'dynamic' }) }, [pub, sub]);
  }
  if (kind !== 'pubsub') throw new Error(`socket-io-redis: unknown adapter ${String(kind)}`);
  return new SocketIoRedisServer({ adapter: createAdapter(pub, sub, { key: prefix }) }, [pub, sub]);
};
