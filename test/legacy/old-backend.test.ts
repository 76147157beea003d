/**
 * An old backend, written with the old managers (test/fixtures/old-backend: several modules, ESM and one
 * CommonJS module, the global accessor, the old factory's managers per agent run, both emit_critical_event
 * forms, a module-level `new WebSocketManager()`), runs unchanged in a child process against the built package
 * under every phase of MIGRATION.md: 2 users × 2 tabs over real sockets, 100 agent runs per user. In every phase:
 * no error, every event reaches its user's live tabs (all of them) and no other user's, each deprecation code
 * warns exactly once. Phase 6 runs the canonical-only fixture on `createWebSocketServer`.
 *
 * What "its user's live tabs" are depends on the path the flags put the user on, as MIGRATION.md says: on the
 * legacy path (phases 1–3, and the users outside the rollout in phase 4) the old behaviour holds — one
 * connection per user, the newer tab replaces the older one (closed with 4010, which the client does not
 * retry) — so the newer tab gets every event; on the SSOT path both tabs get every event.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { normalizedStrategyValue } from 'unleash-client/lib/strategy/util.js';
import { CRITICAL_EVENT_TYPES, FLAG_ENV_VARS } from '../../src/index.js';
import { DEPRECATION_CODES } from '../../legacy/deprecation-codes.js';
import { startBackend, type BackendProcess } from '../support/backend-process.js';
import { ensureBuilt, packageRoot } from '../support/build.js';
import { TestClient, type Frame } from '../support/client.js';
import { MIGRATION_PHASES, phaseEnv, type MigrationPhase } from '../support/migration-phases.js';
import { describeWithPostgres, startUnleashServer, type UnleashTestServer } from '../support/unleash-server.js';
import { createTogglesFromRecipe } from '../support/unleash-recipe.js';

const USERS = ['alice', 'bob'] as const;
type User = (typeof USERS)[number];
const RUNS = 100;
/** Per run: the five critical events and the app's run_summary message. */
const RUN_FRAMES = [...CRITICAL_EVENT_TYPES, 'run_summary'];
const FRAME_TYPES = new Set(RUN_FRAMES);
type Path = 'ssot' | 'legacy';

let backend: BackendProcess | null = null;
const tabs: TestClient[] = [];

beforeAll(() => ensureBuilt(), 120_000);

afterEach(async () => {
  await Promise.all(tabs.splice(0).map((t) => t.close()));
  const exitCode = await backend?.stop();
  backend = null;
  // The app's shutdown handler (installShutdownHandler) closed ws-ssot and the http server, then exited 0.
  if (exitCode !== undefined) expect(exitCode).toBe(0);
}, 30_000);

function userOf(frame: Frame): unknown {
  const data = frame['data'] as { userId?: unknown } | undefined;
  return data?.userId ?? frame['userId'];
}

function runOf(frame: Frame): unknown {
  const data = frame['data'] as { runId?: unknown } | undefined;
  return data?.runId ?? frame['runId'];
}

async function getJson(url: string): Promise<{ status: number; body: Record<string, unknown> }> {
  const res = await fetch(url);
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

/**
 * Opens 2 tabs per user, runs RUNS agent runs per user (the users in parallel), and checks what every tab
 * received. `pathOf` is the path the phase's flags put each user on.
 */
async function exercise(b: BackendProcess, pathOf: (user: User) => Path): Promise<void> {
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
}

/** The codes test/fixtures/old-backend/EXPECTED_LEGACY_USES.json lists (the migration tools' oracle). */
const oracleCodes = (JSON.parse(readFileSync(path.join(packageRoot, 'test', 'fixtures', 'old-backend', 'EXPECTED_LEGACY_USES.json'), 'utf8')) as { uses: Array<{ code: string | null }> }).uses
  .map((u) => u.code)
  .filter((c): c is string => c !== null);

/**
 * After the child exited (its stderr is complete): each deprecation code exactly once, nothing else on stderr,
 * and the codes are those the hand-written list of the fixture's legacy uses names.
 */
function expectOneWarningPerCode(b: BackendProcess): void {
  const warnings = b.deprecationWarnings();
  expect(warnings.slice().sort()).toEqual([...DEPRECATION_CODES].sort());
  expect(new Set(warnings)).toEqual(new Set(oracleCodes));
  expect(b.unexpectedStderr()).toEqual([]);
}

describe('the old backend under each migration phase (flags from the environment)', () => {
  const phases = MIGRATION_PHASES.filter((p) => p.phase !== 4 && p.phase !== 6);

  it.each(phases)('phase $phase ($name): no error, only its user’s tabs, one warning per code', async (p: MigrationPhase) => {
    const b = await startBackend('old-backend', 'server.mjs', phaseEnv(p));
    backend = b;
    await exercise(b, () => (p.ssot === true ? 'ssot' : 'legacy'));
    const health = await getJson(`${b.base}/health/websocket`);
    const deprecations = health.body['deprecations'] as Record<string, number>;
    // Every legacy entry point of the fixture was used and counted on the server.
    for (const code of DEPRECATION_CODES) expect(deprecations[code], code).toBeGreaterThan(0);
    expect(health.body['flags']).toEqual({ ssot: p.ssot === true, unified: p.unified, factory: p.factory });
    await b.stop();
    expectOneWarningPerCode(b);
  }, 90_000);
});

describe('the canonical backend in phase 6 (createWebSocketServer, no legacy layer)', () => {
  it('no error, both tabs of each user get every event of that user only, and no deprecation warning', async () => {
    const p = MIGRATION_PHASES.find((x) => x.phase === 6)!;
    const b = await startBackend('canonical-backend', 'server.mjs', phaseEnv(p));
    backend = b;
    await exercise(b, () => 'ssot');
    const health = await getJson(`${b.base}/health/websocket`);
    expect(health.body).not.toHaveProperty('deprecations');
    await b.stop();
    expect(b.deprecationWarnings()).toEqual([]);
    expect(b.unexpectedStderr()).toEqual([]);
  }, 90_000);
});

const describeUnleash = await describeWithPostgres();

describeUnleash('the old backend in phase 4 (WS_ENABLE_SSOT from a real Unleash, rolled out to a share of users)', () => {
  let unleash: UnleashTestServer;
  const PERCENT = 50;

  beforeAll(async () => {
    unleash = await startUnleashServer();
    // The toggles as docs/unleash.md creates them: SSOT by userId for PERCENT%, unified and factory for everyone.
    await createTogglesFromRecipe(unleash, { ssot: PERCENT, unified: 100, factory: 100 });
  }, 120_000);

  afterAll(async () => {
    await unleash?.close();
  }, 30_000);

  it('no error, the users in the rollout on SSOT (both tabs), the others on the legacy path, one warning per code', async () => {
    // The SDK's own bucketing (murmur3 of groupId:userId into 1..100) puts alice in the rollout and bob out of it.
    const inRollout = (user: User): boolean => normalizedStrategyValue(user, FLAG_ENV_VARS.ssot) <= PERCENT;
    expect(USERS.map(inRollout)).toEqual([true, false]);
    const token = await unleash.createClientToken();
    const b = await startBackend('old-backend', 'server.mjs', { UNLEASH_URL: unleash.url, UNLEASH_API_TOKEN: token, UNLEASH_ENVIRONMENT: unleash.environment });
    backend = b;
    const health = await getJson(`${b.base}/health/websocket`);
    expect(health.body['flagSource']).toMatchObject({ source: 'unleash', ready: true, stale: false });
    await exercise(b, (user) => (inRollout(user) ? 'ssot' : 'legacy'));
    await b.stop();
    expectOneWarningPerCode(b);
  }, 120_000);
});
