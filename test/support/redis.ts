/**
 * Redis for the cluster tests: `REDIS_URL` (default redis://127.0.0.1:6379), a unique key prefix per test,
 * and `describeWithRedis`, which fails under CI=true when Redis is unreachable and elsewhere skips loudly,
 * saying how to start it. A fault test starts a `redis-server` of its own (redis-server.ts).
 */
import net from 'node:net';
import { randomUUID } from 'node:crypto';
import { describe } from 'vitest';

export const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const START_HINT = 'redis-server --daemonize yes --bind 127.0.0.1 --port 6379 --save "" --appendonly no';

/** A key prefix no other test (or earlier run) uses. */
export function uniquePrefix(name: string): string {
  return `wssot-test-${name}-${randomUUID().slice(0, 8)}`;
}

function reachable(url: string): Promise<boolean> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve) => {
    const socket = net.connect({ host: hostname, port: Number(port || 6379) });
    socket.setTimeout(1_000);
    socket.once('connect', () => socket.end('PING\r\n'));
    socket.once('data', (data) => {
      socket.destroy();
      resolve(data.toString().startsWith('+PONG') || data.toString().startsWith('-NOAUTH'));
    });
    socket.once('error', () => resolve(false));
    socket.once('timeout', () => {
      socket.destroy();
      resolve(false);
    });
  });
}

const available = await reachable(REDIS_URL);

/** `describe` when Redis is reachable; under CI=true a missing Redis fails; elsewhere a loud skip. */
export function describeWithRedis(name: string, body: () => void): void {
  if (available) {
    describe(name, body);
    return;
  }
  if (process.env.CI === 'true') {
    describe(name, () => {
      throw new Error(`Redis is not reachable at ${REDIS_URL} (CI=true: the cluster tests need it). Start it: ${START_HINT}`);
    });
    return;
  }
  console.warn(`\n[cluster tests] SKIPPED: Redis is not reachable at ${REDIS_URL}. Start it with: ${START_HINT} (or set REDIS_URL)\n`);
  describe.skip(name, body);
}
