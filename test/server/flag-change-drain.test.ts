/**
 * drainOnFlagChange end to end, over real sockets and real time: after a flag change, wrong-path connections
 * are closed with 1012 at a bounded rate; the option is validated. The drainer's rate itself, on fake timers:
 * test/routing/flag-change-drainer.test.ts.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { CloseCode, InvalidOptionError, StaticFlagSource } from '../../src/index.js';
import type { TestClient } from '../support/client.js';
import { startHarness, type Harness } from '../support/harness.js';
import { waitFor } from '../support/wait-for.js';

let h: Harness | null = null;
afterEach(async () => {
  await h?.close();
  h = null;
});

async function connectUsers(harness: Harness, count: number): Promise<TestClient[]> {
  return Promise.all(Array.from({ length: count }, (_, i) => harness.connectReady(`user-${i}`)));
}

describe('drainOnFlagChange', () => {
  it('closes wrong-path connections with 1012 in batches, not all at once, until none is left', async () => {
    h = await startHarness({ flags: new StaticFlagSource({ ssot: true }), drainOnFlagChange: { ratePerSecond: 10 } });
    const clients = await connectUsers(h, 12);
    expect(h.wss.connectionsByPath()).toEqual({ ssot: 12, legacy: 0 });

    h.wss.setFlags({ ssot: false });
    // 10/s = one close per 100 ms tick; the first goes at once, synchronously.
    expect(h.wss.connectionsByPath().ssot).toBe(11);
    expect(h.wss.draining).toBe(true);
    // A second change mid-drain re-plans; it does not start a second, parallel drain.
    h.wss.setFlags({ ssot: false, unified: true });
    expect(h.wss.connectionsByPath().ssot).toBeGreaterThanOrEqual(10);

    await waitFor('the drain to finish', () => h?.wss.connectionsByPath().ssot === 0 && !h.wss.draining, 10_000);
    for (const client of clients) expect((await client.closed).code).toBe(CloseCode.SERVICE_RESTART);
    // Operators see the move in metrics, not only in a log line.
    expect(await h.wss.metrics.text()).toMatch(/wssot_drained_connections_total\{trigger="flag_change",path="ssot"\} 12\b/);
    // New connections follow the flags at once.
    await h.connectReady('newcomer');
    expect(h.wss.connectionsByPath()).toEqual({ ssot: 0, legacy: 1 });
  });

  it('stops closing once the flags point back to the connections’ path', async () => {
    h = await startHarness({ flags: new StaticFlagSource({ ssot: true }), drainOnFlagChange: { ratePerSecond: 1 } });
    await connectUsers(h, 5);
    h.wss.setFlags({ ssot: false });
    expect(h.wss.connectionsByPath().ssot).toBe(4);
    h.wss.setFlags({ ssot: true });
    expect(h.wss.draining).toBe(false);
    expect(h.wss.connectionsByPath().ssot).toBe(4);
  });

  it('is off by default: a flag change leaves existing connections on their path', async () => {
    h = await startHarness({ flags: new StaticFlagSource({ ssot: true }) });
    await connectUsers(h, 3);
    h.wss.setFlags({ ssot: false });
    expect(h.wss.draining).toBe(false);
    expect(h.wss.connectionsByPath()).toEqual({ ssot: 3, legacy: 0 });
  });

  it('stops with close()', async () => {
    h = await startHarness({ flags: new StaticFlagSource({ ssot: true }), drainOnFlagChange: { ratePerSecond: 1 } });
    await connectUsers(h, 3);
    h.wss.setFlags({ ssot: false });
    expect(h.wss.draining).toBe(true);
    await h.close();
    expect(h.wss.draining).toBe(false);
    h = null;
  });

  it('validates drainOnFlagChange with InvalidOptionError', async () => {
    for (const [options, field] of [
      [{ drainOnFlagChange: { ratePerSecond: 0 } }, 'drainOnFlagChange.ratePerSecond'],
      [{ drainOnFlagChange: 'fast' }, 'drainOnFlagChange'],
    ] as const) {
      const error = await startHarness(options as never).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(InvalidOptionError);
      expect((error as InvalidOptionError).field).toBe(field);
    }
  });
});
