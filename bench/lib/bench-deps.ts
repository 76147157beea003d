/**
 * bench/'s own dependencies (bench/package.json: Socket.IO and its client; for the cluster scenarios, its two Redis
 * adapters and ioredis), which the library's install does not
 * carry; `npm --prefix bench ci` installs them. Everything else the harness needs (ws, tsx, the library's own
 * dependencies) comes from the root's install.
 */
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

/** The bench package's folder: bare imports resolved from here find bench/node_modules first. */
export const BENCH_DIR = fileURLToPath(new URL('..', import.meta.url));

const benchRequire = createRequire(new URL('../package.json', import.meta.url));

/** Null when Socket.IO and its client can be loaded, else what to run. */
export function socketIoMissing(): string | null {
  for (const name of ['socket.io', 'socket.io-client']) {
    try {
      benchRequire.resolve(name);
    } catch {
      return `${name} is not installed (bench's own dependency): run npm --prefix bench ci`;
    }
  }
  return null;
}

/** Null when Socket.IO, its client, the Redis adapter `adapter` and ioredis can be loaded from bench's install, else what to run. */
export function socketIoAdapterMissing(adapter: '@socket.io/redis-adapter' | '@socket.io/redis-streams-adapter'): string | null {
  const sio = socketIoMissing();
  if (sio !== null) return sio;
  for (const name of [adapter, 'ioredis']) {
    try {
      benchRequire.resolve(name);
    } catch {
      return `${name} is not installed (bench's own dependency): run npm --prefix bench ci`;
    }
  }
  return null;
}
