/** The Unleash source's sync state, on fake timers: the startup wait, stale windows and their logs. */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { UnleashSyncState, type StartupOutcome } from '../../src/flags/unleash-sync-state.js';
import { memoryLogger } from '../support/memory-logger.js';

const WARN = 40;
const INFO = 30;
const DEBUG = 20;

function setup(): { state: UnleashSyncState; lines: ReturnType<typeof memoryLogger>['lines'] } {
  const { logger, lines } = memoryLogger();
  return { state: new UnleashSyncState(logger), lines };
}

/** The wait's outcome once settled, or 'pending'. */
function track(wait: Promise<StartupOutcome>): () => StartupOutcome | 'pending' {
  let outcome: StartupOutcome | 'pending' = 'pending';
  void wait.then((o) => void (outcome = o));
  return () => outcome;
}

beforeEach(() => {
  vi.useFakeTimers();
  vi.setSystemTime(new Date('2026-01-01T00:00:00Z'));
});
afterEach(() => {
  vi.useRealTimers();
});

describe('UnleashSyncState: the wait for the first sync', () => {
  it('ends with timeout at timeoutMs, not before', async () => {
    const { state } = setup();
    const outcome = track(state.firstOutcome(5_000));
    await vi.advanceTimersByTimeAsync(4_999);
    expect(outcome()).toBe('pending');
    await vi.advanceTimersByTimeAsync(1);
    expect(outcome()).toBe('timeout');
    // Never reached: stale, though no fetch has failed yet.
    expect(state.status()).toEqual({ source: 'unleash', ready: false, stale: true, lastSyncAt: null });
  });

  it('ends as synced once the SDK has both fetched and become ready (in either order), and clears its timer', async () => {
    for (const order of [['synced', 'sdkReady'], ['sdkReady', 'synced']] as const) {
      const { state } = setup();
      const outcome = track(state.firstOutcome(5_000));
      state[order[0]]();
      await vi.advanceTimersByTimeAsync(10);
      expect(outcome()).toBe('pending');
      state[order[1]]();
      await vi.advanceTimersByTimeAsync(0);
      expect(outcome()).toBe('synced');
      expect(vi.getTimerCount()).toBe(0);
    }
  });

  it('is synced at once if it already is (an app-owned instance that synced before)', async () => {
    const { state } = setup();
    state.sdkReady();
    state.synced();
    const outcome = track(state.firstOutcome(5_000));
    await vi.advanceTimersByTimeAsync(0);
    expect(outcome()).toBe('synced');
    expect(vi.getTimerCount()).toBe(0);
  });

  it('ends as refused on an unrecoverable failure (401/403) only; a transient one waits on', async () => {
    const { state } = setup();
    const outcome = track(state.firstOutcome(5_000));
    state.failed('connect ECONNREFUSED', false);
    await vi.advanceTimersByTimeAsync(1_000);
    expect(outcome()).toBe('pending');
    state.failed('responded 401', true);
    await vi.advanceTimersByTimeAsync(0);
    expect(outcome()).toBe('refused');
    expect(state.status()).toMatchObject({ ready: false, stale: true, lastSyncAt: null, lastError: 'responded 401' });
  });

  it('ends as closed on close(), and ignores every event after it', async () => {
    const { state } = setup();
    const outcome = track(state.firstOutcome(5_000));
    state.close();
    await vi.advanceTimersByTimeAsync(0);
    expect(outcome()).toBe('closed');
    expect(vi.getTimerCount()).toBe(0);
    state.sdkReady();
    state.synced();
    state.failed('late', false);
    expect(state.status()).toEqual({ source: 'unleash', ready: false, stale: true, lastSyncAt: null });
    state.close();
  });
});

describe('UnleashSyncState: stale windows', () => {
  it('a failure makes it stale (warned once, then debug), keeping lastSyncAt; the next sync clears it (info)', async () => {
    const { state, lines } = setup();
    state.synced();
    const syncedAt = Date.now();
    expect(state.status()).toEqual({ source: 'unleash', ready: true, stale: false, lastSyncAt: syncedAt });

    await vi.advanceTimersByTimeAsync(15_000);
    state.failed('responded 500', false);
    await vi.advanceTimersByTimeAsync(15_000);
    state.failed('responded 502', false);
    expect(state.status()).toEqual({ source: 'unleash', ready: true, stale: true, lastSyncAt: syncedAt, lastError: 'responded 502' });
    expect(lines.map((l) => [l.level, l.msg])).toEqual([
      [WARN, 'unleash refresh failed: serving last known flag values'],
      [DEBUG, 'unleash refresh still failing'],
    ]);
    expect(lines[0]).toMatchObject({ err: 'responded 500', lastSyncAt: syncedAt });

    await vi.advanceTimersByTimeAsync(15_000);
    state.synced();
    expect(state.status()).toMatchObject({ ready: true, stale: false, lastSyncAt: syncedAt + 45_000, lastError: 'responded 502' });
    expect(lines.at(-1)).toMatchObject({ level: INFO, msg: 'unleash reachable again: flags resynced, no longer stale', lastError: 'responded 502' });
    state.synced();
    expect(lines).toHaveLength(3); // a sync that was not stale logs nothing
  });

  it('a changed event right after the bootstrap is handed over is the bootstrap, not a sync; later ones are syncs', async () => {
    const { state, lines } = setup();
    state.bootstrapping();
    expect(state.changed()).toBe('bootstrap');
    expect(state.status().ready).toBe(false);
    expect(lines.at(-1)).toMatchObject({ level: INFO, msg: 'unleash bootstrap values loaded' });

    state.bootstrapping();
    await vi.advanceTimersByTimeAsync(0); // the window closes at the next setImmediate
    expect(state.changed()).toBe('sync');
    expect(state.status()).toMatchObject({ ready: true, lastSyncAt: Date.now() });
  });
});
