/**
 * Client child process: opens the connections, counts benchmark payloads per connection, records
 * latency (`receive stamp − payload.t`, both on the shared monotonic clock) and reports over IPC.
 *
 *   → { type: 'connect', url, kind, users, concurrency, timeoutMs }  one entry in `users` per connection
 *   ← { type: 'connected', open, failed, ms }
 *   → { type: 'expect', expected }   per-connection counts for the next phase (a number: same for all);
 *                                    resets the counters   ← { type: 'expecting' }
 *   ← { type: 'done', stats }        as soon as every expected payload has arrived
 *   → { type: 'report' }             ← { type: 'report', stats } (used on timeout)
 *   → { type: 'close' }              closes everything and exits
 *
 * Frames that are not benchmark payloads (e.g. ws-ssot's `session` frame) are ignored.
 * socket.io-client is loaded only for a Socket.IO server: it is bench's own dependency, and the root's smoke test
 * runs this client against ws servers without it.
 */
import { WebSocket } from 'ws';
import type { io as SocketIo, Socket } from 'socket.io-client';
import { nowMs } from '../lib/clock.js';
import { extractPayload } from '../lib/payload.js';
import { summarise } from '../lib/stats.js';
import type { ClientKind } from '../servers/types.js';

export interface ClientStats {
  received: number;
  expected: number;
  /** Every connection got exactly its expected count. */
  complete: boolean;
  connectionsShort: number;
  connectionsOver: number;
  /** Payloads short of the expected counts, summed over connections (lost, once the phase is over). */
  missing?: number;
  /** Payloads past the expected counts, summed over connections (duplicates). */
  surplus?: number;
  /** Connections that closed during the phase. */
  closedDuringPhase: number;
  /** Frames ignored because they were not benchmark payloads. */
  ignored: number;
  p50: number | null;
  p99: number | null;
  max: number | null;
  mean: number | null;
  firstAt: number | null;
  lastAt: number | null;
  /** Client process CPU (user + system) from 'expect' to this report, ms: shows when the client is the bottleneck. */
  cpuMs: number;
  /**
   * Native client polling without sleep (`--pin`) only, else absent: how many times during the phase it was off
   * its CPU for over 0.5 ms (preempted, in the guest or by the host), and the longest, ms.
   */
  offCpuCount?: number | null;
  offCpuMaxMs?: number | null;
  /** Of offCpuCount, the times another task was given its CPU (an involuntary context switch). */
  preemptedCount?: number | null;
}

interface Conn {
  close(): void;
}

const send = (msg: object): void => {
  process.send?.(msg);
};

let conns: Conn[] = [];
let counts = new Uint32Array(0);
let expectedPer = new Uint32Array(0);
let expectedTotal = 0;
let received = 0;
let ignored = 0;
let closedDuringPhase = 0;
let lat = new Float64Array(0);
let firstAt: number | null = null;
let lastAt: number | null = null;
let armed = false;
let cpu0: NodeJS.CpuUsage = process.cpuUsage();

function onFrame(index: number, frame: unknown): void {
  const p = extractPayload(frame);
  if (p === null) {
    ignored++;
    return;
  }
  const now = nowMs();
  counts[index]!++;
  if (received < lat.length) lat[received] = now - p.t;
  received++;
  if (firstAt === null) firstAt = now;
  lastAt = now;
  if (armed && received >= expectedTotal) {
    armed = false;
    // Let same-tick stragglers (duplicates) land before judging completeness.
    setImmediate(() => send({ type: 'done', stats: stats() }));
  }
}

function cpuMsSince(start: NodeJS.CpuUsage): number {
  const d = process.cpuUsage(start);
  return (d.user + d.system) / 1000;
}

function stats(): ClientStats {
  let short = 0;
  let over = 0;
  let missing = 0;
  let surplus = 0;
  for (let i = 0; i < counts.length; i++) {
    if (counts[i]! < expectedPer[i]!) {
      short++;
      missing += expectedPer[i]! - counts[i]!;
    } else if (counts[i]! > expectedPer[i]!) {
      over++;
      surplus += counts[i]! - expectedPer[i]!;
    }
  }
  const s = summarise(lat, Math.min(received, lat.length));
  return {
    received,
    expected: expectedTotal,
    complete: short === 0 && over === 0,
    connectionsShort: short,
    connectionsOver: over,
    missing,
    surplus,
    closedDuringPhase,
    ignored,
    ...s,
    firstAt,
    lastAt,
    cpuMs: cpuMsSince(cpu0),
  };
}

function openWs(url: string, index: number, onClose: () => void): Promise<Conn> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, { perMessageDeflate: false });
    let opened = false;
    ws.on('open', () => {
      opened = true;
      resolve({ close: () => ws.terminate() });
    });
    ws.on('message', (data: Buffer, isBinary: boolean) => {
      if (isBinary) return;
      let frame: unknown;
      try {
        frame = JSON.parse(data.toString());
      } catch {
        ignored++;
        return;
      }
      onFrame(index, frame);
    });
    ws.on('error', (err) => {
      if (!opened) reject(err);
    });
    ws.on('close', () => {
      if (opened) onClose();
      else reject(new Error('closed before open'));
    });
  });
}

function openSocketIo(io: typeof SocketIo, url: string, user: string, index: number, onClose: () => void): Promise<Conn> {
  return new Promise((resolve, reject) => {
    const socket: Socket = io(url, {
      transports: ['websocket'],
      forceNew: true,
      reconnection: false,
      query: { user },
    });
    let opened = false;
    socket.on('connect', () => {
      opened = true;
      resolve({ close: () => socket.disconnect() });
    });
    socket.on('m', (frame: unknown) => onFrame(index, frame));
    socket.on('connect_error', (err) => {
      if (!opened) reject(err);
    });
    socket.on('disconnect', () => {
      if (opened) onClose();
    });
  });
}

async function connectAll(url: string, kind: ClientKind, users: string[], concurrency: number, timeoutMs: number): Promise<{ open: number; failed: number; ms: number; firstError?: string }> {
  // Loaded before the clock starts, so the first connection's time is not the module's.
  const io = kind === 'ws' ? null : (await import('socket.io-client')).io;
  const t0 = nowMs();
  conns = new Array<Conn>(users.length);
  counts = new Uint32Array(users.length);
  expectedPer = new Uint32Array(users.length);
  let next = 0;
  let open = 0;
  let failed = 0;
  let firstError: string | undefined;
  const deadline = t0 + timeoutMs;
  const onClose = (): void => {
    if (armed) closedDuringPhase++;
  };
  const worker = async (): Promise<void> => {
    while (next < users.length && nowMs() < deadline) {
      const i = next++;
      const user = users[i]!;
      try {
        const sep = url.includes('?') ? '&' : '?';
        conns[i] =
          io === null
            ? await openWs(`${url}${sep}user=${encodeURIComponent(user)}`, i, onClose)
            : await openSocketIo(io, url, user, i, onClose);
        open++;
      } catch (err) {
        failed++;
        firstError ??= err instanceof Error ? err.message : String(err);
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, concurrency) }, worker));
  failed = users.length - open; // includes connections never attempted before the deadline
  return { open, failed, ms: nowMs() - t0, ...(firstError !== undefined ? { firstError } : {}) };
}

process.on('message', (raw) => {
  const msg = raw as {
    type: string;
    url?: string;
    kind?: ClientKind;
    users?: string[];
    concurrency?: number;
    timeoutMs?: number;
    expected?: number | number[];
  };
  switch (msg.type) {
    case 'connect':
      void connectAll(msg.url ?? '', msg.kind ?? 'ws', msg.users ?? [], msg.concurrency ?? 64, msg.timeoutMs ?? 60_000).then(
        (r) => send({ type: 'connected', ...r }),
      );
      break;
    case 'expect': {
      const e = msg.expected ?? 0;
      expectedTotal = 0;
      for (let i = 0; i < expectedPer.length; i++) {
        const v = typeof e === 'number' ? e : (e[i] ?? 0);
        expectedPer[i] = v;
        expectedTotal += v;
      }
      counts.fill(0);
      received = 0;
      ignored = 0;
      closedDuringPhase = 0;
      firstAt = null;
      lastAt = null;
      lat = new Float64Array(expectedTotal + 1024);
      armed = expectedTotal > 0;
      cpu0 = process.cpuUsage();
      send({ type: 'expecting', expectedTotal });
      break;
    }
    case 'report':
      send({ type: 'report', stats: stats() });
      break;
    case 'close':
      armed = false;
      for (const c of conns) c?.close();
      setTimeout(() => process.exit(0), 50);
      break;
  }
});
process.on('disconnect', () => process.exit(0));
send({ type: 'hello' });
