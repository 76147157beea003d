/**
 * Routing driven by a REAL Unleash (unleash-server 7.5 in a child process, throwaway PostgreSQL database),
 * with real ws clients: a flip reaches new connections, a 30% rollout by userId is sticky, a rollback with
 * drainOnFlagChange moves every connection back without losing an event, an Unleash outage changes nothing
 * but health, and the environment kill switch wins. Without PostgreSQL the suite skips loudly (fails under CI=true).
 */
import { pino } from 'pino';
import { afterAll, afterEach, beforeAll, expect, it } from 'vitest';
import { CompositeFlagSource, FLAG_ENV_VARS, UnleashFlagSource, type UnleashFlagSourceOptions, type WebSocketServerOptions } from '../../src/index.js';
import { startHarness, type Harness } from '../support/harness.js';
import { AutoResumingClient } from '../support/auto-resuming-client.js';
import { describeWithPostgres, startUnleashServer, type UnleashTestServer } from '../support/unleash-server.js';
import { waitFor } from '../support/wait-for.js';

const SSOT = FLAG_ENV_VARS.ssot;
/** The SDK's poll interval in these tests: a flip must reach new connections within it + 1 s. */
const REFRESH_MS = 1_000;

const describeUnleash = await describeWithPostgres();

describeUnleash('routing from a real Unleash', () => {
  let unleash: UnleashTestServer;
  let clientToken: string;
  let h: Harness | null = null;
  const sources: UnleashFlagSource[] = [];
  const resumers: AutoResumingClient[] = [];

  async function openSource(extra: Partial<UnleashFlagSourceOptions> = {}): Promise<UnleashFlagSource> {
    const source = await UnleashFlagSource.create({
      url: unleash.url,
      apiToken: clientToken,
      appName: 'ws-ssot-routing-e2e',
      environment: unleash.environment,
      refreshInterval: REFRESH_MS,
      requestTimeoutMs: 1_000,
      startupTimeoutMs: 10_000,
      disableMetrics: true,
      logger: pino({ level: 'silent' }),
      ...extra,
    });
    sources.push(source);
    return source;
  }

  /** A server whose flags are Unleash only (no env layer: the developer's shell must not interfere). */
  async function serve(source: UnleashFlagSource, options: Partial<WebSocketServerOptions> = {}): Promise<Harness> {
    h = await startHarness({ ...options, flags: new CompositeFlagSource({ primary: source }) });
    return h;
  }

  beforeAll(async () => {
    const started = Date.now();
    unleash = await startUnleashServer();
    await unleash.createToggles([FLAG_ENV_VARS.ssot, FLAG_ENV_VARS.unified, FLAG_ENV_VARS.factory]);
    clientToken = await unleash.createClientToken();
    console.info(`[unleash-routing.e2e] unleash-server ready in ${Date.now() - started} ms on port ${unleash.port}`);
  }, 120_000);

  afterEach(async () => {
    await Promise.all(resumers.splice(0).map((c) => c.stop()));
    await h?.close();
    h = null;
    await Promise.all(sources.splice(0).map((s) => s.close()));
    // A test that failed mid-outage must not leave the next one without Unleash.
    if (!unleash.running) await unleash.restart();
  }, 30_000);

  afterAll(async () => {
    await unleash?.close();
  }, 30_000);

  it('(1) enabling WS_ENABLE_SSOT in Unleash moves new connections to the SSOT path within refreshInterval + 1 s', async () => {
    await unleash.setEnabled(SSOT, false);
    const source = await openSource();
    const { wss, connectReady } = await serve(source);
    // Unleash serves a toggle change to SDKs a moment after the admin call: wait for the starting state.
    await waitFor('ssot off', () => wss.pathFor('alice') === 'legacy' && wss.pathFor('bob') === 'legacy', 5_000);
    await connectReady('alice');
    expect(wss.health().paths).toEqual({ ssot: 0, legacy: 1 });

    await unleash.setFlexibleRollout(SSOT, 100);
    const elapsed = await waitFor('new connections routed to ssot', () => wss.pathFor('bob') === 'ssot', REFRESH_MS + 1_000, 10);
    await connectReady('bob');
    // New connections follow; alice's connection keeps its path (no drain asked for).
    expect(wss.health().paths).toEqual({ ssot: 1, legacy: 1 });
    // health().flags is evaluated without a user: a rollout by userId answers false there, so ask for bob.
    expect(wss.flagValues({ userId: 'bob' })).toMatchObject({ ssot: true });
    expect(wss.health()).toMatchObject({ flagSource: { source: 'unleash', ready: true, stale: false } });
    const metrics = await wss.metrics.text();
    expect(metrics).toContain('wssot_routing_decisions_total{path="legacy"} 1');
    expect(metrics).toContain('wssot_routing_decisions_total{path="ssot"} 1');
    expect(metrics).toContain('wssot_flag_source_stale 0');
    console.info(`[unleash-routing.e2e] (1) flip reached new connections after ${elapsed} ms (bound ${REFRESH_MS + 1_000} ms)`);
  });

  it('(2) a 30% flexibleRollout by userId puts 30% ± 10% of 200 users on SSOT, each on the same path across 3 reconnects', async () => {
    await unleash.setEnabled(SSOT, false);
    const source = await openSource();
    const { wss, connectReady } = await serve(source);
    const users = Array.from({ length: 200 }, (_, i) => `rollout-user-${i}`);
    await unleash.setFlexibleRollout(SSOT, 30);
    // Neither all off nor all on (the previous states): the rollout has arrived.
    const onNow = (): number => users.filter((u) => wss.pathFor(u) === 'ssot').length;
    await waitFor('the 30% rollout', () => onNow() > 0 && onNow() < users.length, 5_000);

    /** The path of the connection that sent this session frame, as the server holds it. */
    const pathOf = (userId: string, sessionId: string): string => {
      return wss.manager.getUserConnections(userId).find((c) => c.sessionId === sessionId)?.path ?? 'unknown';
    };
    const rounds: Array<Map<string, string>> = [];
    for (let round = 0; round < 4; round++) {
      const paths = new Map<string, string>();
      for (let i = 0; i < users.length; i += 20) {
        const batch = users.slice(i, i + 20);
        const clients = await Promise.all(batch.map((u) => connectReady(u)));
        batch.forEach((u, k) => paths.set(u, pathOf(u, String((clients[k] as (typeof clients)[number]).frames[0]?.['sessionId']))));
        await Promise.all(clients.map((c) => c.close()));
      }
      rounds.push(paths);
    }
    const first = rounds[0] as Map<string, string>;
    const onSsot = [...first.values()].filter((p) => p === 'ssot').length;
    expect([...first.values()].filter((p) => p === 'unknown')).toEqual([]);
    expect(onSsot).toBeGreaterThanOrEqual(40);
    expect(onSsot).toBeLessThanOrEqual(80);
    for (const later of rounds.slice(1)) expect(later).toEqual(first);
    const metrics = await wss.metrics.text();
    expect(metrics).toContain(`wssot_routing_decisions_total{path="ssot"} ${onSsot * 4}`);
    expect(metrics).toContain(`wssot_routing_decisions_total{path="legacy"} ${(200 - onSsot) * 4}`);
    console.info(`[unleash-routing.e2e] (2) ${onSsot}/200 users on ssot; paths identical across 4 connections each`);
  }, 60_000);

  it('(3) rollback with drainOnFlagChange moves every connection back to legacy; no agent event is lost', async () => {
    await unleash.setFlexibleRollout(SSOT, 100);
    const source = await openSource();
    const { wss, url } = await serve(source, { drainOnFlagChange: { ratePerSecond: 50 } });
    const users = Array.from({ length: 20 }, (_, i) => `resume-user-${i}`);
    await waitFor('ssot on', () => users.every((u) => wss.pathFor(u) === 'ssot'), 5_000);
    for (const userId of users) resumers.push(new AutoResumingClient({ url, userId }));
    await Promise.all(resumers.map((c) => c.start()));
    expect(wss.health().paths).toEqual({ ssot: 20, legacy: 0 });

    // Stream durable agent events to every user, in rounds, before, during and after the flip.
    const sent = new Map(users.map((u) => [u, 0]));
    const MAX_ROUNDS = 500;
    let rounds = 0;
    let flipped = false;
    let roundsAfterDrain = -1;
    const streaming = (async () => {
      while (rounds < MAX_ROUNDS && roundsAfterDrain < 10) {
        for (const userId of users) {
          wss.manager.sendAgentEvent(userId, 'agent_thinking', { round: rounds });
          sent.set(userId, (sent.get(userId) ?? 0) + 1);
        }
        rounds++;
        if (roundsAfterDrain >= 0) roundsAfterDrain++;
        else if (flipped && wss.health().paths.ssot === 0 && !wss.draining) roundsAfterDrain = 0;
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
    })();

    await waitFor('some events before the flip', () => rounds >= 5, 5_000);
    const flipStarted = Date.now();
    await unleash.setEnabled(SSOT, false);
    flipped = true;
    await streaming;
    const drainedAfter = Date.now() - flipStarted;
    expect(roundsAfterDrain, `streaming stopped after ${rounds} rounds without the drain finishing`).toBeGreaterThanOrEqual(10);

    await waitFor('every client back on the legacy path', () => wss.health().paths.legacy === 20 && resumers.every((c) => c.connected), 5_000);
    expect(wss.health().paths).toEqual({ ssot: 0, legacy: 20 });
    await waitFor('every event at every client', () => resumers.every((c) => c.seqs.length >= (sent.get(c.userId) ?? 0)), 5_000);
    for (const client of resumers) {
      const expected = Array.from({ length: sent.get(client.userId) ?? 0 }, (_, i) => i + 1);
      expect(client.failure).toBeNull();
      expect(client.seqs, `seqs of ${client.userId}`).toEqual(expected);
      expect(client.closeCodes).toContain(1012);
      expect(client.recoveries.every((r) => r)).toBe(true);
    }
    console.info(`[unleash-routing.e2e] (3) ${rounds} rounds × 20 users; drained to legacy ${drainedAfter} ms after the flip; every seq exactly once`);
  }, 60_000);

  it('(4) stopping Unleash mid-run: no throw, values unchanged, health stale; restarting it: resync', async () => {
    await unleash.setFlexibleRollout(SSOT, 100);
    const source = await openSource({ refreshInterval: 500 });
    const { wss, connectReady } = await serve(source);
    const users = Array.from({ length: 20 }, (_, i) => `outage-user-${i}`);
    await waitFor('ssot on', () => users.every((u) => wss.pathFor(u) === 'ssot'), 5_000);
    const before = users.map((u) => wss.pathFor(u));
    const syncedAt = wss.health().flagSource.lastSyncAt ?? 0;
    expect(wss.health().flagSource).toMatchObject({ source: 'unleash', ready: true, stale: false });

    await unleash.stop();
    const staleAfter = await waitFor('health stale', () => wss.health().flagSource.stale, 10_000);
    expect(users.map((u) => wss.pathFor(u))).toEqual(before);
    expect(wss.health().flagSource).toMatchObject({ ready: true, stale: true, lastSyncAt: syncedAt });
    expect(wss.health().flagSource.lastError).toBeTruthy();
    await connectReady('outage-newcomer'); // routing works during the outage, on the last known values
    expect(wss.health().paths).toEqual({ ssot: 1, legacy: 0 });
    const metrics = await wss.metrics.text();
    expect(metrics).toContain('wssot_flag_source_stale 1');
    expect(metrics).toMatch(new RegExp(`wssot_flag_source_last_sync_timestamp_seconds ${Math.floor(syncedAt / 1000)}`));

    await unleash.restart();
    const resyncAfter = await waitFor('resync', () => !wss.health().flagSource.stale, 15_000);
    expect(wss.health().flagSource.lastSyncAt).toBeGreaterThan(syncedAt);
    await unleash.setEnabled(SSOT, false);
    await waitFor('a new toggle change after the restart', () => wss.pathFor('outage-user-0') === 'legacy', 5_000);
    console.info(`[unleash-routing.e2e] (4) stale after ${staleAfter} ms; resynced ${resyncAfter} ms after restart`);
  }, 60_000);

  it('(5) the environment kill switch WS_ENABLE_SSOT=false overrides an enabled Unleash flag', async () => {
    await unleash.setFlexibleRollout(SSOT, 100);
    const source = await openSource();
    await waitFor('unleash says on', () => source.isEnabled('ssot', { userId: 'kill-alice' }), 5_000);
    // The app's way: pass the Unleash source as `flags`; the server layers the environment over it.
    const saved = process.env.WS_ENABLE_SSOT;
    process.env.WS_ENABLE_SSOT = 'false';
    try {
      h = await startHarness({ flags: source });
    } finally {
      if (saved === undefined) delete process.env.WS_ENABLE_SSOT;
      else process.env.WS_ENABLE_SSOT = saved;
    }
    await h.connectReady('kill-alice');
    expect(source.isEnabled('ssot', { userId: 'kill-alice' })).toBe(true);
    expect(h.wss.pathFor('kill-alice')).toBe('legacy');
    expect(h.wss.health()).toMatchObject({ paths: { ssot: 0, legacy: 1 }, flags: { ssot: false }, flagSource: { source: 'unleash', stale: false } });
  });
});
