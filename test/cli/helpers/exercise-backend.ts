/**
 * The old backend's end-to-end run (test/legacy/old-backend.test.ts), for a backend started from another
 * directory (a migrated copy): 2 users × 2 tabs over real sockets, RUNS agent runs per user. Every tab the
 * flags leave live gets every event of its user's runs — the five critical events and the app's run_summary,
 * once each, the durable ones in seq order without a gap — and no other user's; a tab the legacy path
 * replaced (4010) gets none. Started with the harness of that test (test/support/backend-process.ts).
 */
import path from 'node:path';
import { expect } from 'vitest';
import { CRITICAL_EVENT_TYPES } from '../../../src/index.js';
import type { BackendProcess } from '../../support/backend-process.js';
import { packageRoot } from '../../support/build.js';
import { TestClient, type Frame } from '../../support/client.js';

export const USERS = ['alice', 'bob'] as const;
export type User = (typeof USERS)[number];
export const RUNS = 100;
const RUN_FRAMES = [...CRITICAL_EVENT_TYPES, 'run_summary'];
const FRAME_TYPES = new Set(RUN_FRAMES);

/** The `fixture` argument of startBackend() for a directory outside test/fixtures. */
export function fixtureArg(dir: string): string {
  return path.relative(path.join(packageRoot, 'test', 'fixtures'), dir);
}

const userOf = (f: Frame): unknown => (f['data'] as { userId?: unknown } | undefined)?.userId ?? f['userId'];
const runOf = (f: Frame): unknown => (f['data'] as { runId?: unknown } | undefined)?.runId ?? f['runId'];

export async function getJson(url: string): Promise<{ status: number; body: Record<string, unknown> }> {
  const res = await fetch(url);
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

/** Runs the exercise; `tabs` collects the clients for the caller's afterEach to close. */
export async function exercise(b: BackendProcess, pathOf: (user: User) => 'ssot' | 'legacy', tabs: TestClient[]): Promise<void> {
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
      expect(await older.closed).toMatchObject({ code: 4010 });
      live.set(user, [newer]);
      replaced.set(user, [older]);
    } else {
      live.set(user, [older, newer]);
      replaced.set(user, []);
    }
  }
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
    for (const tab of live.get(user) ?? []) {
      const frames = await tab.waitForCount((f) => FRAME_TYPES.has(f.type ?? ''), RUNS * RUN_FRAMES.length, 30_000);
      expect(frames.filter((f) => userOf(f) !== user)).toEqual([]);
      const perRun = new Map<unknown, string[]>();
      for (const f of frames) perRun.set(runOf(f), [...(perRun.get(runOf(f)) ?? []), f.type as string]);
      expect(perRun.size).toBe(RUNS);
      for (const types of perRun.values()) expect(types.slice().sort()).toEqual(RUN_FRAMES.slice().sort());
      const seqs = frames.filter((f) => f.type !== 'run_summary').map((f) => f['seq']);
      expect(seqs).toEqual(Array.from({ length: RUNS * CRITICAL_EVENT_TYPES.length }, (_, i) => i + 1));
    }
    for (const tab of replaced.get(user) ?? []) expect(tab.frames.filter((f) => FRAME_TYPES.has(f.type ?? ''))).toEqual([]);
  }
  const stats = await getJson(`${b.base}/stats?users=${USERS.join(',')}`);
  const health = await getJson(`${b.base}/health/websocket`);
  expect(stats.status).toBe(200);
  expect(stats.body['connections']).toBe(health.body['connections']);
  expect(stats.body['users']).toEqual(Object.fromEntries(USERS.map((u) => [u, true])));
}
