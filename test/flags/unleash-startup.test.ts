/**
 * Before Unleash has ever been reached, what the start-up log says is what a server does: the toggles the
 * source holds from its `bootstrap` (or `backupPath`) decide, through the composite (`peek()` of a primary that
 * has not synced), and `status().stale` is true until the first sync. Against an unreachable Unleash (a closed
 * port): the startup wait is the product's own bounded wait, not a sleep.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import http from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createMigrationServer, type MigrationServer } from '../../legacy/index.js';
import { CompositeFlagSource, StaticFlagSource, UnleashFlagSource, type FlagContext, type FlagName, type FlagSource } from '../../src/index.js';
import type { FlagLayer } from '../../src/flags/flag-layer.js';
import { closedPort } from '../support/unleash-server.js';
import { memoryLogger } from '../support/memory-logger.js';

const WARN = 40;
const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

describe('an Unleash source that never reached Unleash, in a server', () => {
  it('logs the bootstrap toggles it holds, and the server routes and translates by exactly those', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'wssot-bootstrap-'));
    cleanups.push(() => rm(dir, { recursive: true, force: true }));
    // A saved client-API response: WS_ENABLE_UNIFIED rolled out to everyone by userId.
    const filePath = join(dir, 'flags.json');
    await writeFile(filePath, JSON.stringify({
      version: 2,
      features: [{ name: 'WS_ENABLE_UNIFIED', enabled: true, type: 'release', project: 'default', stale: false, impressionData: false, variants: [], strategies: [{ name: 'flexibleRollout', parameters: { rollout: '100', stickiness: 'userId', groupId: 'WS_ENABLE_UNIFIED' }, constraints: [] }] }],
    }));
    const { logger, lines } = memoryLogger();
    const source = await UnleashFlagSource.create({
      url: `http://127.0.0.1:${await closedPort()}/api/`,
      startupTimeoutMs: 200,
      disableMetrics: true,
      bootstrap: { filePath, values: { ssot: true } },
      logger,
    });
    cleanups.push(() => source.close());
    const warning = lines.find((l) => l.level === WARN && /did not sync within startupTimeoutMs/.test(l.msg));
    expect(warning).toMatchObject({
      outcome: 'timeout',
      bootstrap: { ssot: true, unified: 'flexibleRollout 100% by userId (without a user: false)' },
      notInBootstrap: ['factory'],
    });

    const wss: MigrationServer = createMigrationServer({ server: http.createServer(), authenticate: () => null, flags: source, heartbeatIntervalMs: 0, logger });
    cleanups.push(() => wss.close());
    // What the log says is what the server does: ssot from the bootstrap values, unified from the file, per user.
    expect(wss.pathFor('alice')).toBe('ssot');
    expect(wss.flagValues({ userId: 'alice' })).toEqual({ ssot: true, unified: true, factory: false });
    expect(wss.flagValues()).toEqual({ ssot: true, unified: false, factory: false });
    expect(wss.flags.decidedBy('ssot')).toBe('primary');
    expect(wss.flags.decidedBy('factory', { userId: 'alice' })).toBe('default');
    // Never reached: not ready, and stale from the start.
    expect(wss.health().flagSource).toMatchObject({ source: 'unleash', ready: false, stale: true, lastSyncAt: null });
    expect(await wss.metrics.text()).toContain('wssot_flag_source_stale 1');
  });

  it('without bootstrap data it holds nothing: every flag is decided by the other layers', async () => {
    const { logger, lines } = memoryLogger();
    const source = await UnleashFlagSource.create({ url: `http://127.0.0.1:${await closedPort()}/api/`, startupTimeoutMs: 100, disableMetrics: true, logger });
    cleanups.push(() => source.close());
    expect(lines.find((l) => l.level === WARN && /did not sync/.test(l.msg))).toMatchObject({ bootstrap: {}, notInBootstrap: ['ssot', 'unified', 'factory'] });
    for (const flag of ['ssot', 'unified', 'factory'] as const) expect(source.peek(flag, { userId: 'alice' })).toBeUndefined();
  });
});

describe('CompositeFlagSource: a primary that has not synced', () => {
  /** A primary that is a FlagLayer: holds `held` (peek), answers `ready` as told. */
  function primary(held: Partial<Record<FlagName, boolean>>, ready: boolean): FlagSource & FlagLayer {
    return {
      name: 'remote',
      peek: (flag: FlagName, _context?: FlagContext) => held[flag],
      isEnabled: (flag: FlagName) => held[flag] ?? false,
      status: () => ({ source: 'remote', ready, stale: !ready, lastSyncAt: ready ? 1 : null }),
      onChange: () => () => {},
      close: async () => {},
    };
  }

  it('answers from what it holds, under the options layer and over the environment\'s true and the default', () => {
    const env = new StaticFlagSource({ factory: true }, 'env');
    const composite = new CompositeFlagSource({ env, primary: primary({ ssot: true, factory: false }, false), bootstrap: new StaticFlagSource({ unified: true }) });
    expect(composite.isEnabled('ssot')).toBe(true); // held by the primary
    expect(composite.isEnabled('unified')).toBe(true); // the options layer
    expect(composite.isEnabled('factory')).toBe(false); // held by the primary, over env true
    expect(new CompositeFlagSource({ env: new StaticFlagSource({ ssot: false }, 'env'), primary: primary({ ssot: true }, false) }).isEnabled('ssot')).toBe(false); // the kill switch
  });

  it('a primary that is no FlagLayer is not asked before it is ready', () => {
    const asked: string[] = [];
    const plain: FlagSource = {
      name: 'plain',
      isEnabled: (flag) => (asked.push(flag), true),
      status: () => ({ source: 'plain', ready: false, stale: true, lastSyncAt: null }),
      onChange: () => () => {},
      close: async () => {},
    };
    expect(new CompositeFlagSource({ primary: plain }).isEnabled('ssot')).toBe(false);
    expect(asked).toEqual([]);
  });
});
