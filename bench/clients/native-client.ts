/**
 * Client child for `--client native`: the same IPC protocol as `client.ts` (see there), relayed to the native
 * load client (`bench/native/ws-load-client.c`, path in BENCH_NATIVE_CLIENT), which holds the connections.
 * This process only relays one line per command, so the client CPU reported is the native process's plus
 * this relay's (both measured from 'expect').
 */
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import type { ClientKind } from '../servers/types.js';
import { NATIVE_CLIENT_ENV } from '../lib/native-client.js';

const binary = process.env[NATIVE_CLIENT_ENV];
if (binary === undefined) throw new Error(`${NATIVE_CLIENT_ENV} is not set`);

const native = spawn(binary, [], { stdio: ['pipe', 'pipe', 'inherit'] });
let connections = 0;
let relayCpu0: NodeJS.CpuUsage = process.cpuUsage();

const send = (msg: object): void => {
  process.send?.(msg);
};
const write = (line: string): void => {
  native.stdin.write(`${line}\n`);
};

createInterface({ input: native.stdout }).on('line', (line) => {
  const msg = JSON.parse(line) as { type: string; stats?: { cpuMs: number } };
  if (msg.stats !== undefined) {
    const d = process.cpuUsage(relayCpu0);
    msg.stats.cpuMs += (d.user + d.system) / 1000;
  }
  send(msg);
});
native.on('exit', (code, signal) => {
  if (code !== 0) send({ type: 'error', message: `native client exited (code ${code}, signal ${signal})` });
  process.exit(code ?? 1);
});

/** Engine.IO's path for Socket.IO servers, the implementation's path for plain WebSocket ones. */
function target(url: string, kind: ClientKind): { port: number; path: string } {
  const u = new URL(url);
  return { port: Number(u.port), path: kind === 'ws' ? `${u.pathname}${u.search}` : '/socket.io/' };
}

process.on('message', (raw) => {
  const msg = raw as { type: string; url?: string; kind?: ClientKind; users?: string[]; concurrency?: number; timeoutMs?: number; expected?: number | number[] };
  switch (msg.type) {
    case 'connect': {
      const kind = msg.kind ?? 'ws';
      const { port, path } = target(msg.url ?? '', kind);
      const users = (msg.users ?? []).map((u) => encodeURIComponent(u));
      connections = users.length;
      write(`connect ${port} ${kind === 'ws' ? 'ws' : 'sio'} ${msg.concurrency ?? 64} ${msg.timeoutMs ?? 60_000} ${path} ${users.join(' ')}`);
      break;
    }
    case 'expect': {
      const e = msg.expected ?? 0;
      const counts = Array.from({ length: connections }, (_, i) => (typeof e === 'number' ? e : (e[i] ?? 0)));
      relayCpu0 = process.cpuUsage();
      write(`expect ${counts.join(' ')}`);
      break;
    }
    case 'report':
      write('report');
      break;
    case 'close':
      write('quit');
      break;
  }
});
process.on('disconnect', () => {
  native.kill();
  process.exit(0);
});
send({ type: 'hello' });
