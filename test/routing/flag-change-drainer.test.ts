/**
 * FlagChangeDrainer's rate, on fake intervals over a real server and real sockets: after a flag change the
 * misplaced connections are closed with 1012 at `ratePerSecond` (at most 10 ticks a second, the first batch
 * at once), tick by tick as fake time advances, not by waiting. Only setInterval/clearInterval are faked
 * (time is the subject); sockets, close handshakes and everything else run on real timers. The same drain
 * end to end in real time: test/server/flag-change-drain.test.ts.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { CloseCode, StaticFlagSource } from '../../src/index.js';
import type { TestClient } from '../support/client.js';
import { startHarness, type Harness } from '../support/harness.js';

let h: Harness | null = null;
afterEach(async () => {
  vi.useRealTimers();
  await h?.close();
  h = null;
});

/** A server with drainOnFlagChange at `ratePerSecond` and `count` users on the SSOT path; intervals faked from then on. */
async function ssotUsers(ratePerSecond: number, count: number): Promise<{ h: Harness; clients: TestClient[] }> {
  h = await startHarness({ flags: new StaticFlagSource({ ssot: true }), drainOnFlagChange: { ratePerSecond }, heartbeatIntervalMs: 0 });
  const harness = h;
  const clients = await Promise.all(Array.from({ length: count }, (_, i) => harness.connectReady(`user-${i}`)));
  expect(harness.wss.connectionsByPath()).toEqual({ ssot: count, legacy: 0 });
  vi.useFakeTimers({ toFake: ['setInterval', 'clearInterval'] });
  return { h: harness, clients };
}

const left = (harness: Harness): number => harness.wss.connectionsByPath().ssot;

describe('FlagChangeDrainer', () => {
  for (const { rate, count, tickMs, batch } of [
    { rate: 1, count: 3, tickMs: 1_000, batch: 1 },
    { rate: 4, count: 5, tickMs: 250, batch: 1 },
    { rate: 10, count: 12, tickMs: 100, batch: 1 },
    { rate: 50, count: 12, tickMs: 100, batch: 5 },
    { rate: 200, count: 45, tickMs: 100, batch: 20 },
  ]) {
    it(`closes ${count} misplaced connections at ${rate}/s: ${batch} at once, then ${batch} every ${tickMs} ms, each with 1012`, async () => {
      const { h, clients } = await ssotUsers(rate, count);
      h.wss.setFlags({ ssot: false });
      let closed = Math.min(count, batch);
      expect(left(h)).toBe(count - closed);
      for (let tick = 1; closed < count; tick++) {
        vi.advanceTimersByTime(tickMs - 1);
        expect(left(h), `just before tick ${tick}`).toBe(count - closed);
        vi.advanceTimersByTime(1);
        closed = Math.min(count, closed + batch);
        expect(left(h), `at tick ${tick} (${tick * tickMs} ms)`).toBe(count - closed);
      }
      expect(h.wss.draining).toBe(false);
      expect(vi.getTimerCount()).toBe(0); // the drain's interval is cleared once the queue is empty
      for (const client of clients) expect((await client.closed).code).toBe(CloseCode.SERVICE_RESTART);
      expect(await h.wss.metrics.text()).toMatch(new RegExp(`wssot_drained_connections_total\\{trigger="flag_change",path="ssot"\\} ${count}\\b`));
    });
  }

  it('a change mid-drain re-plans the same drain: no second interval, no extra close, the same rate', async () => {
    const { h } = await ssotUsers(10, 12);
    h.wss.setFlags({ ssot: false });
    expect(left(h)).toBe(11);
    expect(vi.getTimerCount()).toBe(1);
    h.wss.setFlags({ ssot: false, unified: true });
    expect(left(h)).toBe(11);
    expect(vi.getTimerCount()).toBe(1);
    vi.advanceTimersByTime(100);
    expect(left(h)).toBe(10);
    vi.advanceTimersByTime(1_000);
    expect(left(h)).toBe(0);
    expect(h.wss.draining).toBe(false);
  });

  it('closes nothing more, however long, once the flags point back to the connections’ path', async () => {
    const { h } = await ssotUsers(1, 5);
    h.wss.setFlags({ ssot: false });
    expect(left(h)).toBe(4);
    h.wss.setFlags({ ssot: true });
    expect(h.wss.draining).toBe(false);
    expect(vi.getTimerCount()).toBe(0);
    vi.advanceTimersByTime(60_000);
    expect(left(h)).toBe(4);
  });

  it('skips connections that left on their own without spending the tick’s batch on them', async () => {
    const { h, clients } = await ssotUsers(10, 6);
    h.wss.setFlags({ ssot: false });
    expect(left(h)).toBe(5);
    // Two queued users leave by themselves before their turn (the server sees each close event).
    const gone = new Promise<void>((resolve) => {
      let count = 0;
      h.wss.manager.on('disconnection', () => ++count === 2 && resolve());
    });
    await Promise.all([clients[1]!.close(), clients[2]!.close()]);
    await gone;
    expect(left(h)).toBe(3);
    vi.advanceTimersByTime(100);
    expect(left(h)).toBe(2); // one drained this tick, as the rate says, though two queued entries were stale
    vi.advanceTimersByTime(200);
    expect(left(h)).toBe(0);
    expect(h.wss.draining).toBe(false);
  });
});
