/**
 * Legacy objects ask the flag source with the user whenever the call names one, against a REAL Unleash
 * (unleash-server in a child process, throwaway PostgreSQL database): with the recommended gradual rollout by
 * `userId` at 100%, `adapter.sendMessage('alice', …)` is translated (WS_ENABLE_UNIFIED on for alice), where a
 * read without a user answered off. Then docs/unleash.md's recipe (the `default` strategy at 100%) turns the
 * user-less calls on too. Without PostgreSQL the suite skips loudly (fails under CI=true).
 */
import { pino } from 'pino';
import { afterAll, afterEach, beforeAll, expect, it, vi } from 'vitest';
import {
  getWebSocketManager,
  IsolatedWebSocketManager,
  LegacyManagerFacade,
  LegacyUserBoundManager,
  WebSocketManagerAdapter,
  type MigrationServer,
} from '../../legacy/index.js';
import { CompositeFlagSource, FLAG_ENV_VARS, UnleashFlagSource, type FlagContext, type FlagName, type FlagSource } from '../../src/index.js';
import { startHarness, type Harness } from '../support/harness.js';
import { describeWithPostgres, startUnleashServer, type UnleashTestServer } from '../support/unleash-server.js';
import { createTogglesFromRecipe } from '../support/unleash-recipe.js';
import { waitFor } from '../support/wait-for.js';

const describeUnleash = await describeWithPostgres();

/** The real Unleash source, recording each question and its answer (nothing is changed). */
class Recording implements FlagSource {
  readonly name = 'recording';
  readonly asked: Array<[FlagName, string | undefined, boolean]> = [];
  constructor(readonly source: UnleashFlagSource) {}
  isEnabled(flag: FlagName, context?: FlagContext): boolean {
    const answer = this.source.isEnabled(flag, context);
    this.asked.push([flag, context?.userId, answer]);
    return answer;
  }
  status() {
    return this.source.status();
  }
  onChange(listener: () => void) {
    return this.source.onChange(listener);
  }
  close() {
    return this.source.close();
  }
}

/** Which manager each sendMessage / broadcastMessage of a legacy object reached: 'unified' (wss.manager) or 'legacy'. */
function watchTargets(wss: MigrationServer): string[] {
  const seen: string[] = [];
  let inLegacy = false;
  for (const method of ['sendMessage', 'broadcastMessage'] as const) {
    const unified = wss.manager[method].bind(wss.manager) as (...a: unknown[]) => unknown;
    const legacy = wss.legacy.manager[method].bind(wss.legacy.manager) as (...a: unknown[]) => unknown;
    vi.spyOn(wss.manager, method).mockImplementation(((...args: unknown[]) => (inLegacy || seen.push('unified'), unified(...args))) as never);
    vi.spyOn(wss.legacy.manager, method).mockImplementation(((...args: unknown[]) => {
      seen.push('legacy');
      inLegacy = true;
      try {
        return legacy(...args);
      } finally {
        inLegacy = false;
      }
    }) as never);
  }
  return seen;
}

describeUnleash('legacy objects evaluate the flags with the user (real Unleash)', () => {
  let unleash: UnleashTestServer;
  let token: string;
  let h: Harness | null = null;
  let source: UnleashFlagSource | null = null;

  beforeAll(async () => {
    unleash = await startUnleashServer();
    await unleash.createToggles([FLAG_ENV_VARS.ssot, FLAG_ENV_VARS.unified, FLAG_ENV_VARS.factory]);
    token = await unleash.createClientToken();
  }, 120_000);

  afterEach(async () => {
    vi.restoreAllMocks();
    await h?.close();
    h = null;
    await source?.close();
    source = null;
  }, 30_000);

  afterAll(async () => {
    await unleash?.close();
  }, 30_000);

  async function serve(): Promise<{ wss: MigrationServer; recording: Recording }> {
    source = await UnleashFlagSource.create({ url: unleash.url, apiToken: token, appName: 'ws-ssot-legacy-context', environment: unleash.environment, refreshInterval: 1_000, startupTimeoutMs: 10_000, disableMetrics: true, logger: pino({ level: 'silent' }) });
    const recording = new Recording(source);
    h = await startHarness({ flags: new CompositeFlagSource({ primary: recording }) });
    h.wss.legacy.bindGlobal();
    return { wss: h.wss, recording };
  }

  it('a gradual rollout by userId at 100%: calls that name a user are translated / isolated; calls that name none stay off', async () => {
    await unleash.setFlexibleRollout(FLAG_ENV_VARS.unified, 100);
    await unleash.setFlexibleRollout(FLAG_ENV_VARS.factory, 100);
    const { wss, recording } = await serve();
    await waitFor('the rollout in the SDK', () => wss.flagValues({ userId: 'alice' }).unified && wss.flagValues({ userId: 'alice' }).factory, 5_000);
    // Without a user the rollout answers off: the user-less reads the old adapter made gave exactly this.
    expect(wss.flagValues()).toMatchObject({ unified: false, factory: false });
    const seen = watchTargets(wss);
    recording.asked.length = 0;

    const adapter = new WebSocketManagerAdapter();
    adapter.sendMessage('alice', { type: 'x' });
    adapter.send_message(7, { type: 'x' });
    adapter.broadcastMessage({ type: 'x' }); // names no user
    expect(seen).toEqual(['unified', 'unified', 'legacy']);
    expect(recording.asked).toEqual([['unified', 'alice', true], ['unified', '7', true], ['unified', undefined, false]]);

    // The global accessor with a user: the factory flag for that user.
    expect(getWebSocketManager({ userId: 'alice' })).toBeInstanceOf(LegacyUserBoundManager);
    expect(getWebSocketManager()).toBeInstanceOf(LegacyManagerFacade);
    // A user-bound class: through the factory, for its user.
    new IsolatedWebSocketManager('alice', 'c1').sendMessage({ type: 'x' });
    expect(wss.factory.getManagerByUser('alice')?.connectionId).toBe('c1');
  });

  it("docs/unleash.md's recipe at 100% (the default strategy): every legacy call is translated, with or without a user", async () => {
    await createTogglesFromRecipe(unleash, { ssot: 0, unified: 100, factory: 100 });
    const { wss } = await serve();
    await waitFor('the recipe in the SDK', () => wss.flagValues().unified, 5_000);
    expect(wss.flagValues()).toEqual({ ssot: false, unified: true, factory: true });
    expect(wss.flagValues({ userId: 'alice' })).toEqual({ ssot: false, unified: true, factory: true });
    const seen = watchTargets(wss);
    const adapter = new WebSocketManagerAdapter();
    adapter.sendMessage('alice', { type: 'x' });
    adapter.broadcastMessage({ type: 'x' });
    expect(seen).toEqual(['unified', 'unified']);
  });
});
