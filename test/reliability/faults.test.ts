/**
 * Shutdown and faults over real sockets: close() drains what was sent before it, a real SIGTERM through
 * installShutdownHandler, throwing application listeners, and the heartbeat reaping a half-open peer.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import type net from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { CloseCode, installShutdownHandler } from '../../src/index.js';
import { TestClient } from '../support/client.js';
import { startHarness, type Harness } from '../support/harness.js';
import { ResumingClient } from '../support/resuming-client.js';

let h: Harness | null = null;
let child: ChildProcess | null = null;
afterEach(async () => {
  if (child !== null && child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  child = null;
  await h?.close();
  h = null;
});

describe('WsSsotServer#close', () => {
  it('delivers every frame sent before close() ahead of the 1001 close frame', async () => {
    h = await startHarness({ highWaterMark: 64 * 1024 * 1024 });
    const clients = [new ResumingClient('alice'), new ResumingClient('bob')];
    for (const c of clients) await c.connect(h);
    const N = 2_000;
    for (let i = 0; i < N; i++) for (const c of clients) h.wss.manager.emitCriticalEvent(c.userId, 'agent_thinking', { for: c.userId, pad: 'p'.repeat(1024) });
    await h.wss.close();
    for (const c of clients) {
      const closed = await c.drainUntilClosed();
      expect(closed).toEqual({ code: CloseCode.GOING_AWAY, reason: 'server shutting down; reconnect' });
      expect(c.durable).toHaveLength(N);
      expect(c.violations).toEqual([]);
    }
  });
});

describe('installShutdownHandler', () => {
  it('on a real SIGTERM drains clients with 1001 and a reconnect hint, then exits 0', async () => {
    child = spawn(process.execPath, ['--import', 'tsx', 'test/fixtures/shutdown-app.ts'], { cwd: process.cwd(), stdio: ['ignore', 'pipe', 'pipe'] });
    const proc = child;
    let stderr = '';
    proc.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
    const lines: Array<Record<string, unknown>> = [];
    const waiters: Array<() => void> = [];
    createInterface({ input: proc.stdout! }).on('line', (line) => {
      try {
        lines.push(JSON.parse(line) as Record<string, unknown>);
      } catch {
        lines.push({ raw: line });
      }
      for (const w of waiters.splice(0)) w();
    });
    const exited = new Promise<number | null>((resolve) => proc.once('exit', (code) => resolve(code)));
    const line = async (key: string, timeoutMs = 20_000): Promise<Record<string, unknown>> => {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const found = lines.find((l) => key in l);
        if (found) return found;
        if (Date.now() > deadline || proc.exitCode !== null) throw new Error(`no "${key}" line from the child; stderr: ${stderr.slice(-2_000)}`);
        await new Promise<void>((resolve) => {
          const t = setTimeout(resolve, Math.max(1, deadline - Date.now()));
          waiters.push(() => {
            clearTimeout(t);
            resolve();
          });
        });
      }
    };
    const { port } = (await line('port')) as { port: number };
    const client = await TestClient.open(`ws://127.0.0.1:${port}/ws`, { headers: { authorization: 'Bearer user:alice' } });
    try {
      await client.nextOfType('session');
      client.send({ type: 'burst', n: 3_000 });
      await line('burst');
      proc.kill('SIGTERM');
      const closed = await client.closed;
      expect(closed).toEqual({ code: 1001, reason: 'server shutting down; reconnect' });
      expect(client.frames.filter((f) => f.type === 'agent_thinking').map((f) => f.seq)).toEqual(Array.from({ length: 3_000 }, (_, i) => i + 1));
      expect(await exited).toBe(0);
      expect(await line('shutdown')).toEqual({ shutdown: 'SIGTERM' });
    } finally {
      await client.close();
    }
  }, 60_000);

  it('validates its options and uninstalls its listeners', async () => {
    h = await startHarness();
    const before = process.listenerCount('SIGTERM');
    expect(() => installShutdownHandler(h!.wss, { signals: [] })).toThrow(expect.objectContaining({ code: 'WSSOT_ERR_INVALID_OPTION', field: 'signals' }));
    expect(() => installShutdownHandler(h!.wss, { timeoutMs: -1 })).toThrow(expect.objectContaining({ field: 'timeoutMs' }));
    let ran: string | null = null;
    const uninstall = installShutdownHandler(h.wss, { signals: ['SIGTERM'], exit: false, onShutdown: (s) => void (ran = s) });
    expect(process.listenerCount('SIGTERM')).toBe(before + 1);
    const c = await h.connectReady('alice');
    process.emit('SIGTERM', 'SIGTERM');
    expect((await c.closed).code).toBe(1001);
    await h.wss.close();
    for (let i = 0; i < 100 && ran === null; i++) await new Promise((resolve) => setImmediate(resolve));
    expect(ran).toBe('SIGTERM');
    uninstall();
    expect(process.listenerCount('SIGTERM')).toBe(before);
  });
});

describe('faults', () => {
  it('application listeners that throw take down neither the server nor other connections', async () => {
    h = await startHarness();
    const m = h.wss.manager;
    m.on('connection', (c) => {
      if (c.userId === 'mallory') throw new Error('connection listener boom');
    });
    m.on('disconnection', () => {
      throw new Error('disconnection listener boom');
    });
    let secondListener = 0;
    m.on('disconnection', () => void secondListener++);
    const alice = new ResumingClient('alice');
    await alice.connect(h);
    const mallory = new ResumingClient('mallory');
    await mallory.connect(h); // its 'connection' listener throws: it is still registered and served
    m.emitCriticalEvent('mallory', 'agent_started', { for: 'mallory' });
    await mallory.waitForSeq(1);
    mallory.drop('close'); // the throwing 'disconnection' listener runs inside ws's close handler
    await mallory.current?.closed;
    for (let i = 0; i < 1_000 && m.isUserConnected('mallory'); i++) await new Promise((resolve) => setImmediate(resolve));
    expect(m.isUserConnected('mallory')).toBe(false);
    expect(secondListener).toBe(1); // the listener after the throwing one still ran
    m.emitCriticalEvent('alice', 'agent_completed', { for: 'alice' });
    await alice.waitForSeq(1);
    expect(alice.violations).toEqual([]);
  });

  it('the heartbeat reaps a half-open peer (socket no longer read) and keeps the live ones', async () => {
    h = await startHarness({ heartbeatIntervalMs: 50 });
    const live = new ResumingClient('alice');
    await live.connect(h);
    const halfOpen = new ResumingClient('ghost');
    await halfOpen.connect(h);
    const gone = new Promise<void>((resolve) => h!.wss.manager.on('disconnection', (c) => c.userId === 'ghost' && resolve()));
    (halfOpen.current!.ws as unknown as { _socket: net.Socket })._socket.pause();
    await gone;
    expect(h.wss.manager.isUserConnected('ghost')).toBe(false);
    expect(await h.wss.metrics.text()).toMatch(/wssot_heartbeat_terminations_total 1\b/);
    h.wss.manager.emitCriticalEvent('alice', 'agent_started', { for: 'alice' });
    await live.waitForSeq(1);
    expect(h.wss.manager.isUserConnected('alice')).toBe(true);
  });
});
