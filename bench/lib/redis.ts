/**
 * The Redis the cluster scenarios share with everything else on the machine (`REDIS_URL`, default
 * redis://127.0.0.1:6379): a key prefix of its own per run, the server's CPU and memory from `INFO`, and the
 * run's keys deleted afterwards by prefix (SCAN + UNLINK). Never FLUSHALL/FLUSHDB: other tests may be using the
 * same Redis at the same time.
 */
import { randomUUID } from 'node:crypto';
import net from 'node:net';
import { Redis } from 'ioredis';

export const REDIS_URL = process.env['REDIS_URL'] ?? 'redis://127.0.0.1:6379';

/** How to start a Redis for the cluster scenarios, for the messages that say it is missing. */
export const REDIS_START_HINT = 'redis-server --daemonize yes --bind 127.0.0.1 --port 6379 --save "" --appendonly no';

/** Null if a Redis answers PING at `url` within a second, else why not. */
export function redisUnreachable(url = REDIS_URL): Promise<string | null> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve) => {
    const socket = net.connect({ host: hostname, port: Number(port || 6379) });
    const done = (why: string | null): void => {
      socket.destroy();
      resolve(why);
    };
    socket.setTimeout(1_000);
    socket.once('connect', () => socket.write('PING\r\n'));
    socket.once('data', (data) => done(data.toString().startsWith('+PONG') || data.toString().startsWith('-NOAUTH') ? null : `unexpected reply from ${url}`));
    socket.once('error', (err) => done(`Redis is not reachable at ${url} (${err.message}); start one: ${REDIS_START_HINT}, or set REDIS_URL`));
    socket.once('timeout', () => done(`Redis at ${url} did not answer PING within 1 s`));
  });
}

/**
 * A key prefix no other run uses: `wssot-bench-<tag>-<random>`. No braces (ws-ssot's hash tags), spaces or glob
 * characters, so `SCAN MATCH <prefix>*` finds exactly the run's keys.
 */
export function uniquePrefix(tag: string): string {
  return `wssot-bench-${tag.replace(/[^a-zA-Z0-9-]/g, '')}-${randomUUID().slice(0, 8)}`;
}

/** The harness's own connection (not the implementations'): INFO, SCAN, UNLINK. */
export function openRedis(url = REDIS_URL): Redis {
  return new Redis(url, { maxRetriesPerRequest: 2, lazyConnect: false });
}

function infoField(info: string, field: string): number {
  const m = new RegExp(`^${field}:([^\\r\\n]+)`, 'm').exec(info);
  return m === null ? Number.NaN : Number(m[1]);
}

/** The Redis server's CPU so far (used_cpu_sys + used_cpu_user, main process and its threads), in ms. */
export async function redisCpuMs(redis: Redis): Promise<number> {
  const info = await redis.info('cpu');
  return (infoField(info, 'used_cpu_sys') + infoField(info, 'used_cpu_user')) * 1000;
}

/** `INFO memory` used_memory, bytes. */
export async function redisUsedMemory(redis: Redis): Promise<number> {
  return infoField(await redis.info('memory'), 'used_memory');
}

/** The server version's major number (ws-ssot uses sharded pub/sub from 7 on). */
export async function redisVersion(redis: Redis): Promise<string> {
  const m = /^redis_version:([^\r\n]+)/m.exec(await redis.info('server'));
  return m?.[1] ?? 'unknown';
}

/** Every key under `prefix` (SCAN, never KEYS). */
export async function keysWithPrefix(redis: Redis, prefix: string): Promise<string[]> {
  const out: string[] = [];
  let cursor = '0';
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1000);
    cursor = next;
    out.push(...keys);
  } while (cursor !== '0');
  return out;
}

/** Deletes every key under `prefix` (SCAN + UNLINK, in batches); returns how many were deleted. */
export async function deleteByPrefix(redis: Redis, prefix: string): Promise<number> {
  let deleted = 0;
  let cursor = '0';
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1000);
    cursor = next;
    if (keys.length > 0) deleted += await redis.unlink(...keys);
  } while (cursor !== '0');
  return deleted;
}
