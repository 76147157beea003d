/**
 * Upgrades are bounded: an `authenticate` that never settles is refused with 503 after `authTimeoutMs`
 * (Node's own request timeouts do not apply after 'upgrade'), at most `maxPendingUpgrades` are in flight
 * (503 at once beyond, without calling `authenticate`), and close() answers those in flight with 503 at
 * once. Each refusal is counted by reason.
 */
import type http from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { createWebSocketServer, InvalidOptionError, SERVER_DEFAULTS } from '../../src/index.js';
import { refusalStatus } from '../support/client.js';
import { bearerAuth, silentLogger, startHarness, type Harness } from '../support/harness.js';
import { waitFor } from '../support/wait-for.js';

let h: Harness | null = null;
afterEach(async () => {
  await h?.close();
  h = null;
});

const as = (userId: string) => ({ headers: { authorization: `Bearer user:${userId}` }, handshakeTimeout: 5_000 });
const never = (): Promise<never> => new Promise<never>(() => undefined);

describe('authTimeoutMs', () => {
  it('refuses an upgrade whose authenticate never settles with 503 after authTimeoutMs, counted as auth_timeout', async () => {
    h = await startHarness({ authenticate: never, authTimeoutMs: 200 });
    const started = Date.now();
    expect(await refusalStatus(h.url, as('alice'))).toBe(503);
    expect(Date.now() - started).toBeGreaterThanOrEqual(180);
    expect(await h.wss.metrics.text()).toMatch(/wssot_connection_refusals_total\{reason="auth_timeout"\} 1\n/);
    expect(h.wss.getConnectionCount()).toBe(0);
  });

  it('ignores what authenticate settles with after the timeout: no connection, no unhandled rejection', async () => {
    const late: Array<{ resolve(v: unknown): void; reject(e: unknown): void }> = [];
    h = await startHarness({
      authTimeoutMs: 100,
      authenticate: () => new Promise((resolve, reject) => void late.push({ resolve, reject })),
    });
    let connections = 0;
    h.wss.manager.on('connection', () => connections++);
    expect(await refusalStatus(h.url, as('alice'))).toBe(503);
    expect(await refusalStatus(h.url, as('bob'))).toBe(503);
    late[0]!.resolve({ userId: 'alice' });
    late[1]!.reject(Object.assign(new Error('auth backend down'), { status: 401 }));
    // A later, quick upgrade goes through: the late outcomes changed nothing.
    const quick = await startHarness({ authTimeoutMs: 100 });
    try {
      await quick.connectReady('carol');
    } finally {
      await quick.close();
    }
    expect(connections).toBe(0);
    expect(h.wss.manager.isUserConnected('alice')).toBe(false);
    const metrics = await h.wss.metrics.text();
    expect(metrics).toMatch(/reason="auth_timeout"\} 2\n/);
    expect(metrics).not.toMatch(/reason="unauthorized"\} [1-9]/);
  });

  it('lets an authenticate that settles in time through, sync or async', async () => {
    h = await startHarness({ authTimeoutMs: 1_000, authenticate: async (req) => bearerAuth(req) });
    await h.connectReady('alice');
    expect(h.wss.manager.isUserConnected('alice')).toBe(true);
    expect(h.wss.options.authTimeoutMs).toBe(1_000);
  });

  it('defaults to 5 s and validates', () => {
    expect(SERVER_DEFAULTS.authTimeoutMs).toBe(5_000);
    for (const bad of [0, -1, 1.5, '100', 600_001]) {
      expect(() => createWebSocketServer({ server: { on() {}, removeListener() {} } as unknown as http.Server, authenticate: bearerAuth, logger: silentLogger, authTimeoutMs: bad as number })).toThrow(
        expect.objectContaining({ code: 'WSSOT_ERR_INVALID_OPTION', field: 'authTimeoutMs' }),
      );
    }
  });
});

describe('maxPendingUpgrades', () => {
  it('refuses upgrades beyond the cap with 503 at once (authenticate not called), admits again once one settles, and close() answers those in flight with 503', async () => {
    const waiting: Array<(v: unknown) => void> = [];
    let calls = 0;
    h = await startHarness({
      maxPendingUpgrades: 3,
      authTimeoutMs: 60_000,
      authenticate: (req) => {
        calls++;
        return new Promise((resolve) => void waiting.push(() => resolve(bearerAuth(req))));
      },
    });
    const inFlight = ['a', 'b', 'c'].map((u) => refusalStatus(h!.url, as(u)).catch((err: Error) => err.message));
    await waitFor('three upgrades waiting on authenticate', () => calls === 3);
    expect(await refusalStatus(h.url, as('d'))).toBe(503);
    expect(calls).toBe(3);
    expect(await h.wss.metrics.text()).toMatch(/wssot_connection_refusals_total\{reason="too_many_upgrades"\} 1\n/);

    // One settles (and is accepted): there is room for one more.
    waiting[0]!(undefined);
    expect(await inFlight[0]).toBe('upgrade was accepted');
    const fourth = refusalStatus(h.url, as('e')).catch((err: Error) => err.message);
    await waitFor('a fourth upgrade waiting on authenticate', () => calls === 4);

    const closing = h.wss.close();
    const statuses = await Promise.all([inFlight[1], inFlight[2], fourth]);
    expect(statuses).toEqual([503, 503, 503]);
    await closing;
    // Settling them now changes nothing.
    for (const settle of waiting.slice(1)) settle(undefined);
    expect(h.wss.getConnectionCount()).toBe(0);
    expect(await h.wss.metrics.text()).toMatch(/wssot_connection_refusals_total\{reason="closing"\} 3\n/);
  });

  it('defaults to 1,000 and validates', () => {
    expect(SERVER_DEFAULTS.maxPendingUpgrades).toBe(1_000);
    for (const bad of [0, -1, 2.5, null]) {
      let err: unknown;
      try {
        createWebSocketServer({ server: { on() {}, removeListener() {} } as unknown as http.Server, authenticate: bearerAuth, logger: silentLogger, maxPendingUpgrades: bad as number });
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(InvalidOptionError);
      expect(err).toMatchObject({ field: 'maxPendingUpgrades' });
    }
  });
});
