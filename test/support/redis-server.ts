/**
 * A `redis-server` of a test's own on a free port, to stop or kill for real in fault tests. With a `dir`, it
 * loads `dir/dump.rdb` when it starts (written there by a `SAVE`): a Redis brought back in an earlier state.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import net from 'node:net';
import { Redis } from 'ioredis';
import { waitFor } from './wait-for.js';

export interface OwnRedis {
  port: number;
  url: string;
  /** Starts (or restarts, on the same port) the server and waits until it answers. */
  start(): Promise<void>;
  /** SIGKILLs it and waits for the process to exit. */
  kill(): Promise<void>;
}

export async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as net.AddressInfo).port;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

function answers(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ host: '127.0.0.1', port });
    socket.once('connect', () => socket.end('PING\r\n'));
    // -NOAUTH: up, with a password on the default user.
    socket.once('data', (data) => resolve(/^(\+PONG|-NOAUTH)/.test(data.toString())));
    socket.once('error', () => resolve(false));
  });
}

/** `args`: more `redis-server` options (a password, a TLS port…). */
export async function ownRedis(options: { dir?: string; args?: string[] } = {}): Promise<OwnRedis> {
  const port = await freePort();
  let child: ChildProcess | null = null;
  const self: OwnRedis = {
    port,
    url: `redis://127.0.0.1:${port}`,
    async start() {
      const data = options.dir === undefined ? [] : ['--dir', options.dir, '--dbfilename', 'dump.rdb'];
      child = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', ...data, ...(options.args ?? [])], { stdio: 'ignore' });
      let up = false;
      await waitFor(`redis-server on ${port}`, () => {
        void answers(port).then((ok) => (up = up || ok));
        return up;
      }, 10_000, 50);
    },
    async kill() {
      const c = child;
      child = null;
      if (c === null || c.exitCode !== null) return;
      const exited = new Promise((resolve) => c.once('exit', resolve));
      c.kill('SIGKILL');
      await exited;
    },
  };
  return self;
}

/** Runs `work` on a connection of the test's own to the Redis at `url` (as the default user, with `password` if given). */
export async function withRedis<T>(url: string, work: (redis: Redis) => Promise<T>, password?: string): Promise<T> {
  const r = new Redis(url, { password, lazyConnect: true, maxRetriesPerRequest: 1 });
  await r.connect();
  try {
    return await work(r);
  } finally {
    r.disconnect();
  }
}
