/**
 * The old backend's end-to-end run (test/fixtures/old-backend, or a copy `ws-ssot migrate` rewrote), shared by
 * test/legacy/old-backend.test.ts and test/cli/migrate-fixture.test.ts: 2 users × 2 tabs over real sockets,
 * RUNS agent runs per user. Every tab the flags leave live gets every event of its user's runs — the five
 * critical events and the app's run_summary, once each, the durable ones in seq order without a gap — and no
 * other user's; a tab the legacy path replaced (4010) gets none.
 */
import path from 'node:path';
import { expect } from 'vitest';
import { CRITICAL_EVENT_TYPES } from '../../src/index.js';
import type { BackendProcess } from './backend-process.js';
import { packageRoot } from './build.js';
import { TestClient, type Frame } from './client.js';

export const USERS = ['alice', 'bob'] as const;
export type User = (typeof USERS)[number];
export const RUNS = 100;
/** Per run: the five critical events and the app's run_summary message. */
const RUN_FRAMES = [...CRITICAL_EVENT_TYPES, 'run_summary'];
const FRAME_TYPES = new Set(RUN_FRAMES);
type Path = 'ssot' | 'legacy';

/** The `fixture` argument of startBackend() for a directory outside test/fixtures (a migrated copy). */
export function fixtureArg(dir: string): string {
  return path.relative(path.join(packageRoot, 'test', 'fixtures'), dir);
}

function userOf(frame: Frame): unknown {
  const data = frame['data'] as { userId?: unknown } | undefined;
  return data?.userId ?? frame['userId'];
}

function runOf(frame: Frame): unknown {
  const data = frame['data'] as { runId?: unknown } | undefined;
  return data?.runId ?? frame['runId'];
}

export async function getJson(url: string): Promise<{ status: number; body: Record<string, unknown> }> {
  const res = await fetch(url);
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

/**
 * Opens 2 tabs per user, runs RUNS agent runs per user (the users in parallel), and checks what every tab
 * received. `pathOf` is the path the phase's flags put each user on; `tabs` collects the clients for the
 * caller's afterEach to close. `statsByUser`: the app's /stats also answers per user (the old backend's route
 * does; the canonical backend's counts connections only).
 */
export async function exercise(b: BackendProcess, pathOf: (user: User) => Path, tabs: TestClient[], options: { statsByUser?: boolean } = {}): Promise<void> {
  const open = async (user: User): Promise<TestClient> => {
    const tab = await TestClient.open(b.wsUrl, { headers: { authorization: `Bearer user:${user}` } });
    tabs.push(tab);
    await tab.nextOfType('session');
    return tab;
  };
  const live = new Map<User, TestClient[]>();
  const replaced = new Map<User, TestClient[]>();
  for (const user of USERS) {
    const older = await open(user);
    const newer = await open(user);
    if (pathOf(user) === 'legacy') {
      // The old behaviour: the newest connection of a user replaces the previous one.
      expect(await older.closed).toMatchObject({ code: 4010 });
      live.set(user, [newer]);
      replaced.set(user, [older]);
    } else {
      live.set(user, [older, newer]);
      replaced.set(user, []);
    }
  }
  const expectedPaths = { ssot: 0, legacy: 0 };
  for (const user of USERS) expectedPaths[pathOf(user)] += live.get(user)!.length;
  const health = await getJson(`${b.base}/health/websocket`);
  expect(health.status).toBe(200);
  expect(health.body['paths']).toEqual(expectedPaths);

  // 100 agent runs per user, one HTTP request each, the two users at the same time.
  const failures: string[] = [];
  await Promise.all(
    USERS.map(async (user) => {
      for (let i = 0; i < RUNS; i++) {
        const res = await fetch(`${b.base}/agent/run`, { method: 'POST', headers: { authorization: `Bearer user:${user}` } });
        if (res.status !== 200) failures.push(`${user} run ${i}: ${res.status} ${await res.text()}`);
        else await res.arrayBuffer();
      }
    }),
  );
  expect(failures).toEqual([]);

  for (const user of USERS) {
    for (const tab of live.get(user)!) {
      const frames = await tab.waitForCount((f) => FRAME_TYPES.has(f.type ?? ''), RUNS * RUN_FRAMES.length, 30_000);
      // Only this user's events, ever.
      expect(frames.filter((f) => userOf(f) !== user)).toEqual([]);
      expect(tab.frames.filter((f) => f.type !== 'session' && !FRAME_TYPES.has(f.type ?? ''))).toEqual([]);
      // Every run complete: the five events and the summary, once each.
      const perRun = new Map<unknown, string[]>();
      for (const f of frames) perRun.set(runOf(f), [...(perRun.get(runOf(f)) ?? []), f.type as string]);
      expect(perRun.size).toBe(RUNS);
      for (const types of perRun.values()) expect(types.slice().sort()).toEqual(RUN_FRAMES.slice().sort());
      // The durable events of the user in seq order, without a gap or a duplicate (one seq across tabs and paths).
      const seqs = frames.filter((f) => f.type !== 'run_summary').map((f) => f['seq']);
      expect(seqs).toEqual(Array.from({ length: RUNS * CRITICAL_EVENT_TYPES.length }, (_, i) => i + 1));
    }
    for (const tab of replaced.get(user)!) expect(tab.frames.filter((f) => FRAME_TYPES.has(f.type ?? ''))).toEqual([]);
  }
  // The old stats route agrees with the server.
  const stats = await getJson(`${b.base}/stats?users=${USERS.join(',')}`);
  const after = await getJson(`${b.base}/health/websocket`);
  expect(stats.status).toBe(200);
  expect(stats.body['connections']).toBe(after.body['connections']);
  if (options.statsByUser !== false) expect(stats.body['users']).toEqual(Object.fromEntries(USERS.map((u) => [u, true])));
}
