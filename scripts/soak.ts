/**
 * Soak: a ws-ssot server and resuming clients in one process, with steady agent-event traffic, broadcasts
 * and reconnect churn (terminate, close, ghost sessions). Samples heap (+ ArrayBuffer memory) after a full GC
 * every interval, prints the series, and exits non-zero on a growth trend or on any delivery violation.
 *
 *   npm run soak                      # 2 minutes
 *   npm run soak -- --seconds 30      # shorter
 *   options: --seconds N --users N --interval S --seed N
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { pino } from 'pino';
import WebSocket from 'ws';
import { createWebSocketServer, type CriticalEventType } from '../src/index.js';

// ---- options ---------------------------------------------------------------------------------------
function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  if (i === -1) return fallback;
  const v = Number(process.argv[i + 1]);
  if (!Number.isFinite(v) || v <= 0) throw new Error(`--${name} needs a positive number`);
  return v;
}
const SECONDS = arg('seconds', 120);
const USERS = Math.floor(arg('users', 40));
const INTERVAL_S = arg('interval', Math.max(2, Math.round(SECONDS / 24)));
let seed = Math.floor(arg('seed', 1234));
const MiB = 1024 * 1024;

/** mulberry32: a seeded PRNG so a run can be repeated. */
function random(): number {
  seed = (seed + 0x6d2b79f5) | 0;
  let t = seed;
  t = Math.imul(t ^ (t >>> 15), t | 1);
  t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
  return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
}
const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)] as T;

function gc(): void {
  const g = (globalThis as { gc?: () => void }).gc;
  if (typeof g === 'function') return g();
  setFlagsFromString('--expose-gc');
  (runInNewContext('gc') as () => void)();
}
function heap(): number {
  gc();
  gc();
  const m = process.memoryUsage();
  return m.heapUsed + m.arrayBuffers;
}

// ---- server ----------------------------------------------------------------------------------------
const httpServer = http.createServer((_req, res) => res.writeHead(404).end());
const wss = createWebSocketServer({
  server: httpServer,
  logger: pino({ level: 'silent' }),
  flags: { ssot: true }, // the SSOT path (the default routes new connections to the legacy path)
  heartbeatIntervalMs: 1_000,
  slowCloseTimeoutMs: 500,
  recovery: { maxEvents: 200, maxAgeMs: 20_000 },
  authenticate: (req) => {
    const m = /^Bearer user:(.+)$/.exec(req.headers.authorization ?? '');
    return m ? { userId: m[1] as string } : null;
  },
});
await new Promise<void>((resolve) => httpServer.listen(0, '127.0.0.1', resolve));
const url = `ws://127.0.0.1:${(httpServer.address() as AddressInfo).port}/ws`;

// ---- clients ---------------------------------------------------------------------------------------
const errorSamples: string[] = [];
const stats = { connects: 0, resumes: 0, recovered: 0, notRecovered: 0, durable: 0, transient: 0, messages: 0, violations: 0, ghostsKilled: 0, errors: 0 };

/** Follows docs/protocol.md: resume with sessionId/lastSeq/epoch; checks seq contiguity; keeps no frames. */
class SoakClient {
  readonly userId: string;
  sessionId: string | null = null;
  epoch: string | null = null;
  lastSeq = 0;
  ws: WebSocket | null = null;
  connecting = false;
  #generation = 0;
  #awaitingRecovery = false;

  constructor(userId: string) {
    this.userId = userId;
  }

  connect(): Promise<void> {
    const resume = this.sessionId !== null && this.epoch !== null;
    const query = resume ? `?sessionId=${this.sessionId}&lastSeq=${this.lastSeq}&epoch=${this.epoch}` : '';
    const generation = ++this.#generation;
    this.connecting = true;
    this.#awaitingRecovery = resume;
    stats.connects++;
    if (resume) stats.resumes++;
    return new Promise((resolve) => {
      const ws = new WebSocket(url + query, { headers: { authorization: `Bearer user:${this.userId}` } });
      this.ws = ws;
      ws.on('message', (data) => {
        if (generation === this.#generation) this.#frame(JSON.parse(data.toString()) as Record<string, unknown>);
      });
      ws.on('open', () => {
        this.connecting = false;
        resolve();
      });
      ws.on('close', (code) => {
        if (code === 4009) stats.ghostsKilled++;
        if (generation === this.#generation) {
          this.ws = null;
          this.connecting = false;
          resolve();
          // Closed by the server (slow consumer, heartbeat…): come back and resume, as a real client would.
          if (running) {
            this.connecting = true;
            setTimeout(() => {
              if (running) void this.connect();
              else this.connecting = false;
            }, 100);
          }
        }
      });
      ws.on('error', (err) => {
        stats.errors++;
        if (errorSamples.length < 5) errorSamples.push(err.message);
      });
    });
  }

  /** Drops the connection as a flaky network would; 'ghost' leaves it open for the server to kill on resume. */
  drop(mode: 'terminate' | 'close' | 'ghost'): void {
    const ws = this.ws;
    this.#generation++;
    this.ws = null;
    if (ws === null) return;
    if (mode === 'terminate') ws.terminate();
    else if (mode === 'close') ws.close(1000);
  }

  #frame(f: Record<string, unknown>): void {
    if (f.type === 'session') {
      this.sessionId = f.sessionId as string;
      this.epoch = f.epoch as string;
      if (!this.#awaitingRecovery) this.lastSeq = f.lastSeq as number;
      return;
    }
    if (f.type === 'recovery') {
      this.#awaitingRecovery = false;
      if (f.recovered === true) {
        stats.recovered++;
        if (f.toSeq !== this.lastSeq) stats.violations++;
      } else {
        stats.notRecovered++;
        this.lastSeq = f.toSeq as number; // the app would refetch fromSeq..toSeq here
      }
      return;
    }
    if (typeof f.seq === 'number') {
      if ((f.data as { for?: unknown } | undefined)?.for !== this.userId) stats.violations++;
      if (f.transient === true) {
        stats.transient++;
        return;
      }
      if (f.seq !== this.lastSeq + 1) stats.violations++;
      this.lastSeq = f.seq;
      stats.durable++;
      return;
    }
    stats.messages++;
  }
}

const clients: SoakClient[] = [];
for (let u = 0; u < USERS; u++) for (let t = 0; t < (u % 3 === 0 ? 2 : 1); t++) clients.push(new SoakClient(`u${u}`));
await Promise.all(clients.map((c) => c.connect()));

// ---- load ------------------------------------------------------------------------------------------
const STEPS: CriticalEventType[] = ['agent_started', 'agent_thinking', 'tool_executing', 'tool_completed', 'agent_completed'];
const step = new Map<string, number>();
let ticks = 0;
let running = true;
const m = wss.manager;

function tick(): void {
  if (!running) return;
  ticks++;
  for (let k = 0; k < 8; k++) {
    const userId = `u${Math.floor(random() * USERS)}`;
    const s = step.get(userId) ?? 0;
    step.set(userId, (s + 1) % STEPS.length);
    m.emitCriticalEvent(userId, STEPS[s] as CriticalEventType, { for: userId, tool: 'search', pad: 'x'.repeat(Math.floor(random() * 512)) }, { runId: `${userId}-run` });
    if (random() < 0.3) m.sendAgentEvent(userId, 'agent_thinking', { for: userId, thought: '…' }, { runId: `${userId}-run`, delivery: 'coalescible' });
  }
  if (ticks % 10 === 0) m.broadcastMessage({ type: 'announcement', n: ticks });
  if (ticks % 3 === 0) {
    const c = pick(clients);
    if (!c.connecting) {
      c.drop(pick(['terminate', 'close', 'ghost'] as const));
      // Reconnect at once, after staying away a little (events pile up in the log meanwhile), or now and
      // then long enough to fall out of the log's count bound (recovered:false).
      const r = random();
      const away = r < 0.03 ? 4_000 + Math.floor(random() * 8_000) : r < 0.33 ? 50 + Math.floor(random() * 500) : 0;
      c.connecting = true;
      setTimeout(() => {
        if (running) void c.connect();
        else c.connecting = false;
      }, away);
    }
  }
  setTimeout(tick, 10);
}

// ---- sampling ----------------------------------------------------------------------------------------
const samples: Array<{ t: number; heapMiB: number; connections: number; users: number }> = [];
const started = Date.now();
const hardStop = setTimeout(() => {
  console.error('soak: hard time limit reached');
  process.exit(2);
}, (SECONDS + 60) * 1_000);
hardStop.unref();

const before = heap();
console.log(`soak: ${SECONDS} s, ${USERS} users, ${clients.length} clients, sample every ${INTERVAL_S} s; heap+buffers before load ${(before / MiB).toFixed(1)} MiB`);
tick();
await new Promise<void>((resolve) => {
  const timer = setInterval(() => {
    const t = (Date.now() - started) / 1_000;
    const sample = { t: Math.round(t), heapMiB: heap() / MiB, connections: m.getConnectionCount(), users: wss.store.size };
    samples.push(sample);
    console.log(`  t=${String(sample.t).padStart(4)} s  heap+buffers ${sample.heapMiB.toFixed(1).padStart(6)} MiB  connections ${sample.connections}  streams ${sample.users}  resumes ${stats.resumes}  durable ${stats.durable}`);
    if (t >= SECONDS) {
      clearInterval(timer);
      resolve();
    }
  }, INTERVAL_S * 1_000);
});
running = false;

// Let every connected client catch up with its user's seq (bounded), then check.
const settleDeadline = Date.now() + 10_000;
for (;;) {
  const behind = clients.filter((c) => c.ws !== null && c.ws.readyState === WebSocket.OPEN && c.lastSeq < m.getUserSequence(c.userId).seq);
  if (behind.length === 0 || Date.now() > settleDeadline) break;
  await new Promise((resolve) => setTimeout(resolve, 50));
}
const loaded = heap();
for (const c of clients) c.ws?.terminate();
await wss.close();
httpServer.closeAllConnections();
await new Promise<void>((resolve) => httpServer.close(() => resolve()));
const after = heap();

// ---- verdict: least-squares slope over the samples after the first (warm-up) third ---------------------
const steady = samples.slice(Math.floor(samples.length / 3));
const n = steady.length;
const meanT = steady.reduce((a, s) => a + s.t, 0) / n;
const meanH = steady.reduce((a, s) => a + s.heapMiB, 0) / n;
const slope = steady.reduce((a, s) => a + (s.t - meanT) * (s.heapMiB - meanH), 0) / Math.max(1e-9, steady.reduce((a, s) => a + (s.t - meanT) ** 2, 0));
const fittedGrowth = slope * ((steady.at(-1)?.t ?? 0) - (steady[0]?.t ?? 0));
const growthLimit = Math.max(8, 0.25 * meanH);
const trend = n >= 3 && fittedGrowth > growthLimit;

console.log(`soak: heap+buffers before ${(before / MiB).toFixed(1)} MiB, under load first ${samples[0]?.heapMiB.toFixed(1)} → last ${samples.at(-1)?.heapMiB.toFixed(1)} MiB, at end of load ${(loaded / MiB).toFixed(1)} MiB, after teardown ${(after / MiB).toFixed(1)} MiB`);
console.log(`soak: steady-state slope ${(slope * 60).toFixed(2)} MiB/min, fitted growth ${fittedGrowth.toFixed(2)} MiB over ${n} samples (limit ${growthLimit.toFixed(1)} MiB) → ${trend ? 'GROWTH TREND' : 'no growth trend'}`);
console.log(`soak: ${JSON.stringify(stats)}`);
if (errorSamples.length > 0) console.log(`soak: client-side socket errors: ${JSON.stringify(errorSamples)}`);
if (stats.violations > 0) console.log('soak: FAILED: delivery violations');
process.exit(trend || stats.violations > 0 ? 1 : 0);
