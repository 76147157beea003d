/**
 * `ws-ssot migrate` on a copy of the old-backend fixture (in a temp dir; the fixture itself is never written):
 * afterwards the copy typechecks as the fixture does (checkJs against the published types), `check` reports 100
 * with nothing left but the migration server, a second run changes nothing, `--dry-run` writes nothing and prints
 * the same change as a diff that applies, and the migrated backend passes the fixture's end-to-end run under
 * every phase's flags with `--throw-deprecation` (phase 4 from a real Unleash) (no legacy entry point is called: nothing warns, nothing counts).
 */
import { execFile, execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { normalizedStrategyValue } from 'unleash-client/lib/strategy/util.js';
import { FLAG_ENV_VARS } from '../../src/index.js';
import { DEPRECATION_CODES } from '../../legacy/deprecation-codes.js';
import { startBackend, type BackendProcess } from '../support/backend-process.js';
import { ensureBuilt, packageRoot } from '../support/build.js';
import type { TestClient } from '../support/client.js';
import { MIGRATION_PHASES, phaseEnv, type MigrationPhase } from '../support/migration-phases.js';
import { exercise, fixtureArg, getJson, USERS, type User } from '../support/old-backend-exercise.js';
import { describeWithPostgres } from '../support/unleash-server.js';
import { unleashWithRecipe } from '../support/unleash-recipe.js';
import { checkJson, cli } from './helpers/run-cli.js';
import { cleanTemp, copyFixture, snapshot } from './helpers/temp-project.js';

const oracle = JSON.parse(readFileSync(path.join(packageRoot, 'test', 'fixtures', 'old-backend', 'EXPECTED_LEGACY_USES.json'), 'utf8')) as { uses: Array<{ file: string }> };

let backend: BackendProcess | null = null;
const tabs: TestClient[] = [];

beforeAll(() => ensureBuilt(), 120_000);

afterEach(async () => {
  await Promise.all(tabs.splice(0).map((t) => t.close()));
  const exitCode = await backend?.stop();
  backend = null;
  cleanTemp();
  if (exitCode !== undefined) expect(exitCode).toBe(0);
}, 30_000);

/** A migrated copy of old-backend, and what migrate printed. */
function migrated(): { dir: string; json: { changedFiles: string[]; rewritten: unknown[]; notRewritten: unknown[]; notes: unknown[]; errors: unknown[] } } {
  const dir = copyFixture('old-backend');
  const r = cli('migrate', dir, '--json');
  expect(r.code, r.stdout).toBe(0);
  return { dir, json: JSON.parse(r.stdout) };
}

/** tsc as test/legacy/fixtures.test.ts runs it on the fixture: checkJs, nodenext, against dist's types. */
function tsc(dir: string, entries: readonly string[]): Promise<{ code: number; out: string }> {
  const args = [
    path.join(packageRoot, 'node_modules', 'typescript', 'bin', 'tsc'),
    '--noEmit', '--allowJs', '--checkJs', '--module', 'nodenext', '--moduleResolution', 'nodenext', '--target', 'es2022',
    '--skipLibCheck', 'false', '--types', 'node', ...entries.map((e) => path.join(dir, e)),
  ];
  return new Promise((resolve) => {
    execFile(process.execPath, args, { cwd: dir, timeout: 120_000 }, (err, stdout, stderr) => resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, out: `${stdout}${stderr}` }));
  });
}

describe('migrate on a copy of old-backend', () => {
  it('rewrites every legacy use, leaves the migration server, and the copy typechecks as the fixture does', async () => {
    const before = await tsc(path.join(packageRoot, 'test', 'fixtures', 'old-backend'), ['server.mjs', 'agents/supervisor/agent-registry.cjs']);
    const { dir, json } = migrated();
    expect(json.notRewritten).toEqual([]);
    expect(json.errors).toEqual([]);
    // Every file with a legacy use in the oracle, and no other.
    expect(json.changedFiles).toEqual([...new Set(oracle.uses.map((u) => u.file))].sort());
    const after = await tsc(dir, ['server.mjs', 'agents/supervisor/agent-registry.cjs']);
    expect(after.out).toBe(before.out);
    expect(after.code).toBe(before.code);
    expect(after.out).toBe('');

    const { code, report } = checkJson(dir);
    expect(code).toBe(0);
    expect(report.score).toBe(100);
    expect(report.findings).toEqual([]);
    // What stays until phase 6: the migration server itself (its import and its call), not the global binding.
    expect(report.migrationServer.map((u) => `${u.file} ${u.name}`)).toEqual(['server.mjs createMigrationServer', 'server.mjs createMigrationServer']);
  }, 120_000);

  it('writes the phase-5 pattern: the server passed through the app’s context, no singleton, no global binding', () => {
    const { dir } = migrated();
    const files = snapshot(dir);
    expect(files['server.mjs']).toContain('const ctx = { wss };');
    expect(files['server.mjs']).toContain('runAgent(ctx, user.userId, runId)');
    expect(files['server.mjs']).not.toContain('bindGlobal');
    expect(files['websocket/shared-manager.mjs']).toContain('export function notifyUser(ctx, userId, message) {\n  return ctx.wss.manager.sendMessage(userId, message);');
    expect(files['websocket/shared-manager.mjs']).not.toMatch(/new |legacy\//);
    expect(files['agents/agent-runner.mjs']).toContain('const mgr = ctx.wss.factory.createIsolatedManager(userId, userId);');
    expect(files['agents/agent-runner.mjs']).toContain("mgr.emitCriticalEvent('agent_started'");
    expect(files['agents/completion-notifier.mjs']).toContain("manager.emitCriticalEvent(userContext.userId ?? userContext.user_id, 'agent_completed'");
    expect(files['agents/supervisor/agent-registry.cjs']).toContain('if (!ctx.wss.manager.isUserConnected(userId)) return false;');
    // No import of a legacy subpath is left (comments that mention them stay, as every comment does).
    for (const [file, text] of Object.entries(files)) expect(text, file).not.toMatch(/(from|require\()\s*'ws-ssot\/legacy\//);
    // Everything the rewrite did not touch is as it was: comments, quotes, blank lines.
    const original = snapshot(path.join(packageRoot, 'test', 'fixtures', 'old-backend'));
    expect(files['agents/agent-runner.mjs']?.split('\n').slice(0, 3)).toEqual(original['agents/agent-runner.mjs']?.split('\n').slice(0, 3));
    expect(files['README.md']).toBe(original['README.md']);
  }, 60_000);

  it('a second run changes nothing', () => {
    const { dir } = migrated();
    const once = snapshot(dir);
    const again = cli('migrate', dir, '--json');
    expect(again.code).toBe(0);
    expect(JSON.parse(again.stdout)).toMatchObject({ changedFiles: [], rewritten: [], notRewritten: [] });
    expect(snapshot(dir)).toEqual(once);
  }, 60_000);

  it('--dry-run writes nothing and prints a unified diff that gives the same files', () => {
    const dir = copyFixture('old-backend');
    const before = snapshot(dir);
    const dry = cli('migrate', dir, '--dry-run');
    expect(dry.code).toBe(0);
    expect(snapshot(dir)).toEqual(before);
    expect(dry.stdout).toContain('--- a/websocket/shared-manager.mjs\n+++ b/websocket/shared-manager.mjs\n@@ ');
    expect(dry.stdout).toMatch(/would rewrite \d+ legacy uses in \d+ files \(dry run: nothing written\)/);
    const patch = dry.stdout.slice(0, dry.stdout.indexOf('\nws-ssot migrate:'));
    execFileSync('git', ['apply', '-p1', '--whitespace=nowarn', '-'], { cwd: dir, input: `${patch}\n` });
    const applied = snapshot(dir);
    const { dir: real } = migrated();
    expect(applied).toEqual(snapshot(real));
  }, 60_000);
});

describe('the migrated old-backend, end to end under each phase’s flags, with --throw-deprecation', () => {
  const phases = MIGRATION_PHASES.filter((p) => p.phase !== 4 && p.phase !== 6);

  it.each(phases)('phase $phase ($name): every event reaches only its user’s tabs, and nothing legacy is called', async (p: MigrationPhase) => {
    const { dir } = migrated();
    const b = await startBackend(fixtureArg(dir), 'server.mjs', { ...phaseEnv(p), NODE_OPTIONS: '--throw-deprecation' });
    backend = b;
    await exercise(b, () => (p.ssot === true ? 'ssot' : 'legacy'), tabs);
    const health = await getJson(`${b.base}/health/websocket`);
    expect(health.body['flags']).toEqual({ ssot: p.ssot === true, unified: p.unified, factory: p.factory });
    expect(health.body['deprecations']).toEqual(Object.fromEntries(DEPRECATION_CODES.map((c) => [c, 0])));
    await b.stop();
    expect(b.deprecationWarnings()).toEqual([]);
    expect(b.unexpectedStderr()).toEqual([]);
  }, 120_000);
});

const describeUnleash = await describeWithPostgres();

describeUnleash('the migrated old-backend in phase 4 (WS_ENABLE_SSOT from a real Unleash), with --throw-deprecation', () => {
  const PERCENT = 50;
  const unleash = unleashWithRecipe({ ssot: PERCENT, unified: 100, factory: 100 });

  it('the users in the rollout on SSOT (both tabs), the others on the legacy path, and nothing legacy is called', async () => {
    const inRollout = (user: User): boolean => normalizedStrategyValue(user, FLAG_ENV_VARS.ssot) <= PERCENT;
    expect(USERS.map(inRollout)).toEqual([true, false]);
    const { dir } = migrated();
    const token = await unleash().createClientToken();
    const b = await startBackend(fixtureArg(dir), 'server.mjs', { UNLEASH_URL: unleash().url, UNLEASH_API_TOKEN: token, UNLEASH_ENVIRONMENT: unleash().environment, NODE_OPTIONS: '--throw-deprecation' });
    backend = b;
    const health = await getJson(`${b.base}/health/websocket`);
    expect(health.body['flagSource']).toMatchObject({ source: 'unleash', ready: true, stale: false });
    await exercise(b, (user) => (inRollout(user) ? 'ssot' : 'legacy'), tabs);
    const after = await getJson(`${b.base}/health/websocket`);
    expect(after.body['deprecations']).toEqual(Object.fromEntries(DEPRECATION_CODES.map((c) => [c, 0])));
    await b.stop();
    expect(b.deprecationWarnings()).toEqual([]);
    expect(b.unexpectedStderr()).toEqual([]);
  }, 120_000);
});
