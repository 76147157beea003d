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
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { normalizedStrategyValue } from 'unleash-client/lib/strategy/util.js';
import { FLAG_ENV_VARS } from '../../src/index.js';
import { DEPRECATION_CODES } from '../../legacy/deprecation-codes.js';
import { startBackend, type BackendProcess } from '../support/backend-process.js';
import { ensureBuilt, packageRoot } from '../support/build.js';
import type { TestClient } from '../support/client.js';
import { exercise, getJson, USERS, type User } from '../support/old-backend-exercise.js';
import { MIGRATION_PHASES, phaseEnv, type MigrationPhase } from '../support/migration-phases.js';
import { describeWithPostgres } from '../support/unleash-server.js';
import { unleashWithRecipe } from '../support/unleash-recipe.js';

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
    await exercise(b, () => (p.ssot === true ? 'ssot' : 'legacy'), tabs);
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
    await exercise(b, () => 'ssot', tabs, { statsByUser: false });
    const health = await getJson(`${b.base}/health/websocket`);
    expect(health.body).not.toHaveProperty('deprecations');
    await b.stop();
    expect(b.deprecationWarnings()).toEqual([]);
    expect(b.unexpectedStderr()).toEqual([]);
  }, 90_000);
});

const describeUnleash = await describeWithPostgres();

describeUnleash('the old backend in phase 4 (WS_ENABLE_SSOT from a real Unleash, rolled out to a share of users)', () => {
  const PERCENT = 50;
  // The toggles as docs/unleash.md creates them: SSOT by userId for PERCENT%, unified and factory for everyone.
  const unleash = unleashWithRecipe({ ssot: PERCENT, unified: 100, factory: 100 });

  it('no error, the users in the rollout on SSOT (both tabs), the others on the legacy path, one warning per code', async () => {
    // The SDK's own bucketing (murmur3 of groupId:userId into 1..100) puts alice in the rollout and bob out of it.
    const inRollout = (user: User): boolean => normalizedStrategyValue(user, FLAG_ENV_VARS.ssot) <= PERCENT;
    expect(USERS.map(inRollout)).toEqual([true, false]);
    const token = await unleash().createClientToken();
    const b = await startBackend('old-backend', 'server.mjs', { UNLEASH_URL: unleash().url, UNLEASH_API_TOKEN: token, UNLEASH_ENVIRONMENT: unleash().environment });
    backend = b;
    const health = await getJson(`${b.base}/health/websocket`);
    expect(health.body['flagSource']).toMatchObject({ source: 'unleash', ready: true, stale: false });
    await exercise(b, (user) => (inRollout(user) ? 'ssot' : 'legacy'), tabs);
    await b.stop();
    expectOneWarningPerCode(b);
  }, 120_000);
});
