/**
 * UnleashFlagSource itself: its startup against an unreachable Unleash (on fake timers), then against a real
 * unleash-server (child process, throwaway PostgreSQL database). A fake HTTP server is used only for what a
 * real Unleash cannot be made to answer: 5xx and garbage. Options, bootstrap data, SDK messages and the sync
 * state have tests of their own (unleash-options, unleash-bootstrap, unleash-sdk-messages, unleash-sync-state).
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { FLAG_ENV_VARS, type FlagName } from '../../src/flags/flag-source.js';
import { UnleashFlagSource, type UnleashFlagSourceOptions } from '../../src/flags/index.js';
import {
  closedPort,
  describeWithPostgres,
  startFaultServer,
  startUnleashServer,
  type FaultServer,
  type UnleashTestServer,
} from '../support/unleash-server.js';
import { memoryLogger } from '../support/memory-logger.js';
import { waitFor } from '../support/wait-for.js';

// ---------------------------------------------------------------------------------------------------------
// helpers

const WARN = 40;

const USERS = Array.from({ length: 200 }, (_, i) => `user-${i}`);

function valuesFor(source: UnleashFlagSource, flag: FlagName, users: readonly string[]): boolean[] {
  return users.map((userId) => source.isEnabled(flag, { userId }));
}

// ---------------------------------------------------------------------------------------------------------
// faults without a server: bounded startup (d)

/** The clock the source's startup wait and the SDK's polling run on; setImmediate stays real for real I/O. */
const FAKED = ['setTimeout', 'clearTimeout', 'setInterval', 'clearInterval', 'Date'] as const;

/** One turn of the real event loop (sockets, files), while the timers are fake. */
const realTurn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/** Turns the real event loop until a fake timer is armed: create() loads unleash-client and the SDK first. */
async function untilTimerArmed(): Promise<void> {
  const deadline = performance.now() + 10_000;
  while (vi.getTimerCount() === 0) {
    if (performance.now() > deadline) throw new Error('no timer armed within 10 s');
    await realTurn();
  }
}

/** Advances the fake clock (and lets real I/O in) until `predicate` holds, at most `timeoutMs` of fake time. */
async function advanceUntil(what: string, predicate: () => boolean, timeoutMs: number): Promise<void> {
  for (let elapsed = 0; !predicate(); elapsed += 100) {
    if (elapsed > timeoutMs) throw new Error(`timed out after ${timeoutMs} fake ms waiting for ${what}`);
    await vi.advanceTimersByTimeAsync(100);
    await realTurn();
  }
}

describe('UnleashFlagSource startup against an unreachable Unleash', () => {
  const sources: UnleashFlagSource[] = [];
  afterEach(async () => {
    // Closed on the clock they were made on, so the SDK clears its own (fake) timers.
    await Promise.all(sources.splice(0).map((s) => s.close()));
    vi.useRealTimers();
  });

  it('resolves at startupTimeoutMs (not before) with defaults and bootstrap values, warns, and turns stale', async () => {
    const port = await closedPort();
    const { logger, lines } = memoryLogger();
    const startupTimeoutMs = 1_500;
    vi.useFakeTimers({ toFake: [...FAKED] });
    let settled = false;
    const created = UnleashFlagSource.create({
      url: `http://127.0.0.1:${port}/api/`,
      apiToken: 'irrelevant',
      startupTimeoutMs,
      requestTimeoutMs: 1_000,
      refreshInterval: 500,
      disableMetrics: true,
      bootstrap: { values: { ssot: true } },
      logger,
    }).then((s) => {
      settled = true;
      sources.push(s);
      return s;
    });
    // The startup wait is armed before the SDK starts: from then on only the fake clock moves it.
    await untilTimerArmed();
    await vi.advanceTimersByTimeAsync(startupTimeoutMs - 1);
    await realTurn();
    expect(settled).toBe(false);
    await vi.advanceTimersByTimeAsync(1);
    await realTurn();
    expect(settled).toBe(true);
    const source = await created;

    expect(source.isEnabled('ssot', { userId: 'u1' })).toBe(true); // bootstrap
    expect(source.isEnabled('unified', { userId: 'u1' })).toBe(false); // default
    expect(source.isEnabled('factory')).toBe(false);
    expect(source.status()).toMatchObject({ source: 'unleash', ready: false, lastSyncAt: null });
    expect(lines.some((l) => l.level === WARN && /did not sync within startupTimeoutMs/.test(l.msg))).toBe(true);

    // Never reached: stale from the start (values that never came from Unleash are not fresh); the connection
    // refusals then surface with the error for operators, and never as a throw.
    expect(source.status().stale).toBe(true);
    await advanceUntil('the refusal in status', () => source.status().lastError !== undefined, 10_000);
    expect(source.status().lastError).toMatch(/ECONNREFUSED|connect/i);
    expect(source.isEnabled('ssot', { userId: 'u2' })).toBe(true);
  });

  it('never throws from isEnabled, even for a name that is not a flag; close() is idempotent', async () => {
    const port = await closedPort();
    const { logger, lines } = memoryLogger();
    const source = await UnleashFlagSource.create({ url: `http://127.0.0.1:${port}/api/`, startupTimeoutMs: 0, disableMetrics: true, logger });
    expect(source.isEnabled('bogus' as FlagName)).toBe(false);
    expect(source.isEnabled('bogus' as FlagName)).toBe(false);
    expect(lines.filter((l) => /unknown flag name/.test(l.msg))).toHaveLength(1);
    await source.close();
    await source.close();
    expect(source.isEnabled('ssot')).toBe(false);
  });
});

// ---------------------------------------------------------------------------------------------------------
// against the real server

const describeUnleash = await describeWithPostgres();

describeUnleash('UnleashFlagSource against a real unleash-server', () => {
  let server: UnleashTestServer;
  let clientToken: string;
  const sources: UnleashFlagSource[] = [];
  const faults: FaultServer[] = [];
  const SSOT = FLAG_ENV_VARS.ssot;
  const UNIFIED = FLAG_ENV_VARS.unified;
  const FACTORY = FLAG_ENV_VARS.factory;

  /** A source on the real server, tracked for cleanup. */
  async function open(extra: Partial<UnleashFlagSourceOptions> = {}): Promise<UnleashFlagSource> {
    const source = await UnleashFlagSource.create({
      url: server.url,
      apiToken: clientToken,
      appName: 'ws-ssot-test',
      environment: server.environment,
      refreshInterval: 500,
      requestTimeoutMs: 1_000,
      startupTimeoutMs: 10_000,
      disableMetrics: true,
      logger: memoryLogger().logger,
      ...extra,
    });
    sources.push(source);
    return source;
  }

  beforeAll(async () => {
    const started = Date.now();
    server = await startUnleashServer();
    await server.createToggles([SSOT, UNIFIED, FACTORY]);
    clientToken = await server.createClientToken();
    console.info(`[unleash-flag-source.test] unleash-server ready in ${Date.now() - started} ms on port ${server.port}, db ${server.databaseName}`);
  }, 120_000);

  afterEach(async () => {
    await Promise.all(sources.splice(0).map((s) => s.close()));
    await Promise.all(faults.splice(0).map((f) => f.close()));
  });

  afterAll(async () => {
    await server?.close();
  }, 30_000);

  it('(a) sees WS_ENABLE_SSOT turned on within refreshInterval + 1 s, and emits onChange', async () => {
    const refreshInterval = 1_000;
    const source = await open({ refreshInterval });
    expect(source.status()).toMatchObject({ source: 'unleash', ready: true, stale: false });
    expect(source.isEnabled('ssot', { userId: 'alice' })).toBe(false);

    let changes = 0;
    const unsubscribe = source.onChange(() => void (changes += 1));
    await server.setEnabled(SSOT, true);
    const elapsed = await waitFor('ssot on for alice', () => source.isEnabled('ssot', { userId: 'alice' }), refreshInterval + 1_000);
    expect(changes).toBeGreaterThan(0);
    unsubscribe();
    console.info(`[unleash-flag-source.test] (a) flag flip seen after ${elapsed} ms`);

    // And back off again, the rollback direction.
    await server.setEnabled(SSOT, false);
    await waitFor('ssot off for alice', () => !source.isEnabled('ssot', { userId: 'alice' }), refreshInterval + 1_000);
  });

  it('bootstrap values stand in only until the first sync: Unleash wins, and startup does not wait for the timeout', async () => {
    const { logger, lines } = memoryLogger();
    const started = Date.now();
    // WS_ENABLE_FACTORY exists in Unleash but is off in this environment.
    const source = await open({ bootstrap: { values: { factory: true } }, startupTimeoutMs: 10_000, logger });
    expect(Date.now() - started).toBeLessThan(5_000);
    expect(source.status()).toMatchObject({ ready: true, stale: false });
    expect(source.isEnabled('factory', { userId: 'erin' })).toBe(false);
    expect(lines.some((l) => l.msg === 'unleash flags synced')).toBe(true);
  });

  it('backupPath keeps the last fetched toggles across a restart of the app during an outage', async () => {
    await server.setEnabled(UNIFIED, true);
    const dir = await mkdtemp(join(tmpdir(), 'wssot-unleash-backup-'));
    try {
      const first = await open({ backupPath: dir, appName: 'ws-ssot-backup-test' });
      await waitFor('unified on', () => first.isEnabled('unified', { userId: 'frank' }), 5_000);
      await first.close();
      const port = await closedPort();
      const second = await open({ url: `http://127.0.0.1:${port}/api/`, backupPath: dir, appName: 'ws-ssot-backup-test', startupTimeoutMs: 300 });
      expect(second.isEnabled('unified', { userId: 'frank' })).toBe(true);
      expect(second.status().ready).toBe(false);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('(b) a 30% flexibleRollout by userId enables 30% ± 10% of 200 users, identically across fresh instances', async () => {
    await server.setFlexibleRollout(SSOT, 30);
    // Wait until the server serves the rollout (a first source sees a partial rollout).
    const probe = await open();
    await waitFor(
      'a partial rollout',
      () => {
        const on = valuesFor(probe, 'ssot', USERS).filter(Boolean).length;
        return on > 0 && on < USERS.length;
      },
      5_000,
    );
    await probe.close();

    const runs: boolean[][] = [];
    for (let i = 0; i < 3; i += 1) {
      // A fresh instance each time, as after a reconnect or on another node.
      const source = await open();
      runs.push(valuesFor(source, 'ssot', USERS));
      await source.close();
    }
    const enabled = runs[0]!.filter(Boolean).length;
    console.info(`[unleash-flag-source.test] (b) 30% rollout enabled ${enabled}/200 users`);
    expect(enabled).toBeGreaterThanOrEqual(40);
    expect(enabled).toBeLessThanOrEqual(80);
    expect(runs[1]).toEqual(runs[0]);
    expect(runs[2]).toEqual(runs[0]);
    // Stickiness is by userId: a different session id does not move a user.
    const source = await open();
    expect(USERS.map((userId) => source.isEnabled('ssot', { userId, sessionId: `s-${userId}` }))).toEqual(runs[0]);
  });

  it('uses an Unleash instance the app passes in, and leaves it running on close()', async () => {
    await server.setEnabled(UNIFIED, true);
    const { Unleash, InMemStorageProvider } = await import('unleash-client');
    const unleash = new Unleash({
      url: server.url,
      appName: 'ws-ssot-test-app-owned',
      environment: server.environment,
      refreshInterval: 500,
      disableMetrics: true,
      customHeaders: { Authorization: clientToken },
      storageProvider: new InMemStorageProvider(),
    });
    unleash.on('error', () => undefined);
    try {
      const source = await open({ unleash, url: undefined });
      await waitFor('unified on', () => source.isEnabled('unified', { userId: 'dave' }), 5_000);
      expect(source.status()).toMatchObject({ ready: true, stale: false });
      await source.close();
      // Still the app's: it keeps answering.
      expect(unleash.isEnabled(UNIFIED, { userId: 'dave' })).toBe(true);
    } finally {
      unleash.destroy();
    }
  });

  it('(e) a revoked token (401) after a sync: no throw, last-known values, stale with the error', { timeout: 60_000 }, async () => {
    await server.setEnabled(UNIFIED, true);
    const token = await server.createClientToken();
    const source = await open({ apiToken: token });
    await waitFor('unified on', () => source.isEnabled('unified', { userId: 'bob' }), 5_000);
    const before = USERS.map((userId) => [source.isEnabled('ssot', { userId }), source.isEnabled('unified', { userId })]);

    // unleash-server caches valid tokens in memory; a restart makes the revocation bite at once.
    await server.admin('DELETE', `/api/admin/api-tokens/${encodeURIComponent(token)}`);
    await server.restart();
    await waitFor('a 401', () => /401/.test(source.status().lastError ?? ''), 15_000);
    expect(source.status().stale).toBe(true);
    expect(source.status().ready).toBe(true);
    expect(USERS.map((userId) => [source.isEnabled('ssot', { userId }), source.isEnabled('unified', { userId })])).toEqual(before);
  });

  it('(e) a bad token at startup: create() resolves early, serves bootstrap/defaults, never throws', async () => {
    const { logger, lines } = memoryLogger();
    const started = Date.now();
    const source = await open({ apiToken: 'not-a-token', startupTimeoutMs: 10_000, bootstrap: { values: { factory: true } }, logger });
    expect(Date.now() - started).toBeLessThan(5_000); // did not wait for the full startupTimeoutMs
    expect(source.status()).toMatchObject({ ready: false, stale: true, lastSyncAt: null });
    expect(source.status().lastError).toMatch(/401/);
    expect(source.isEnabled('factory', { userId: 'x' })).toBe(true);
    expect(source.isEnabled('unified', { userId: 'x' })).toBe(false);
    expect(lines.some((l) => l.level === WARN && /refused the SDK/.test(l.msg))).toBe(true);
  });

  it('(e) 5xx and malformed payloads keep the last-known values; a good payload clears stale', async () => {
    // A real payload from the real server, replayed by a fake one that can then misbehave.
    const real = await fetch(`${server.url}client/features`, { headers: { authorization: clientToken } });
    expect(real.status).toBe(200);
    const payload = await real.text();
    expect(JSON.parse(payload).features.map((f: { name: string }) => f.name)).toContain(UNIFIED);

    let mode: 'ok' | '500' | 'garbage' | 'wrong-shape' = 'ok';
    const fault = await startFaultServer((req, res) => {
      if (!(req.url ?? '').startsWith('/api/client/features')) {
        res.writeHead(202).end();
        return;
      }
      if (mode === 'ok') res.writeHead(200, { 'content-type': 'application/json' }).end(payload);
      else if (mode === '500') res.writeHead(500, { 'content-type': 'text/plain' }).end('boom');
      else if (mode === 'garbage') res.writeHead(200, { 'content-type': 'application/json' }).end('{"version":2,"features":[{"na');
      else res.writeHead(200, { 'content-type': 'application/json' }).end('{"hello":"world"}');
    });
    faults.push(fault);

    const source = await open({ url: fault.url, disableMetrics: false });
    expect(source.status()).toMatchObject({ ready: true, stale: false });
    const snapshot = (): boolean[] => USERS.flatMap((userId) => [source.isEnabled('ssot', { userId }), source.isEnabled('unified', { userId })]);
    const before = snapshot();
    expect(before.some(Boolean)).toBe(true);

    mode = '500';
    await waitFor('stale after 500', () => source.status().stale, 10_000);
    expect(source.status().lastError).toMatch(/500/);
    expect(snapshot()).toEqual(before);

    mode = 'garbage';
    await waitFor('parse error', () => /JSON|Unexpected|Unterminated/i.test(source.status().lastError ?? ''), 15_000);
    expect(source.status().stale).toBe(true);
    expect(snapshot()).toEqual(before);

    mode = 'wrong-shape';
    await waitFor('shape error', () => /neither a delta nor a full response/.test(source.status().lastError ?? ''), 10_000);
    expect(source.status().stale).toBe(true);
    expect(snapshot()).toEqual(before);

    const lastSync = source.status().lastSyncAt ?? 0;
    mode = 'ok';
    await waitFor('resync', () => !source.status().stale, 10_000);
    expect(source.status().lastSyncAt).toBeGreaterThan(lastSync);
    expect(snapshot()).toEqual(before);
  });

  it('(c) an Unleash outage: no throw, values unchanged, stale; after a restart it resyncs', async () => {
    await server.setEnabled(FACTORY, true);
    const source = await open();
    await waitFor('factory on', () => source.isEnabled('factory', { userId: 'carol' }), 5_000);
    const snapshot = (): boolean[] =>
      USERS.flatMap((userId) => [
        source.isEnabled('ssot', { userId }),
        source.isEnabled('unified', { userId }),
        source.isEnabled('factory', { userId }),
      ]);
    const before = snapshot();
    const syncedAt = source.status().lastSyncAt ?? 0;

    await server.stop();
    expect(server.running).toBe(false);
    await waitFor('stale during the outage', () => source.status().stale, 10_000);
    expect(source.status()).toMatchObject({ source: 'unleash', ready: true, stale: true, lastSyncAt: syncedAt });
    expect(source.status().lastError).toBeTruthy();
    expect(snapshot()).toEqual(before);

    await server.restart();
    await waitFor('resync after restart', () => !source.status().stale, 15_000);
    expect(source.status().lastSyncAt).toBeGreaterThan(syncedAt);
    expect(snapshot()).toEqual(before);
  }, 60_000);
});
