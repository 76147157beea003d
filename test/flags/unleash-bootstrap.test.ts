/** The Unleash source's bootstrap data: a file in client API format, `bootstrap.values` on top, defaults otherwise. */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { FLAG_ENV_VARS } from '../../src/flags/flag-source.js';
import { UnleashFlagSource } from '../../src/flags/index.js';
import { readBootstrap, staticToggle } from '../../src/flags/unleash-bootstrap.js';
import { memoryLogger } from '../support/memory-logger.js';
import { closedPort } from '../support/unleash-server.js';

const WARN = 40;
const on = (name: string): object => ({ name, enabled: true, strategies: [{ name: 'default', parameters: {}, constraints: [] }] });

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'wssot-unleash-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('readBootstrap', () => {
  it('is nothing without bootstrap options, or with neither a file nor a value', async () => {
    const { logger } = memoryLogger();
    expect(await readBootstrap(undefined, FLAG_ENV_VARS, logger)).toBeUndefined();
    expect(await readBootstrap({ values: {} }, FLAG_ENV_VARS, logger)).toBeUndefined();
  });

  it("takes the file's toggles and segments, then one static toggle per value, under the flag's toggle name", async () => {
    const filePath = join(dir, 'with-segments.json');
    const segments = [{ id: 1, constraints: [] }];
    await writeFile(filePath, JSON.stringify({ version: 2, features: [on('OTHER'), on('chat.ssot'), 'not a toggle'], segments }));
    const { logger } = memoryLogger();
    const response = await readBootstrap({ filePath, values: { ssot: false } }, { ...FLAG_ENV_VARS, ssot: 'chat.ssot' }, logger);
    expect(response).toEqual({ version: 2, features: [on('OTHER'), staticToggle('chat.ssot', false)], segments });
  });

  it.each([
    ['missing', null],
    ['not JSON', '{"version":2,"feat'],
    ['of the wrong shape', '{"hello":"world"}'],
  ])('ignores a file that is %s (logged) and keeps the values', async (what, content) => {
    const filePath = join(dir, `bad-${what.replace(/ /g, '-')}.json`);
    if (content !== null) await writeFile(filePath, content);
    const { logger, lines } = memoryLogger();
    const response = await readBootstrap({ filePath, values: { unified: true } }, FLAG_ENV_VARS, logger);
    expect(response).toEqual({ version: 2, features: [staticToggle(FLAG_ENV_VARS.unified, true)] });
    expect(lines).toEqual([expect.objectContaining({ level: WARN, msg: 'unleash bootstrap file ignored', filePath })]);
  });
});

describe('UnleashFlagSource bootstrap against an unreachable Unleash', () => {
  const sources: UnleashFlagSource[] = [];
  afterEach(async () => {
    await Promise.all(sources.splice(0).map((s) => s.close()));
  });

  it('uses a bootstrap file in client API format, with bootstrap.values on top, and defaults otherwise', async () => {
    const filePath = join(dir, 'bootstrap.json');
    await writeFile(filePath, JSON.stringify({ version: 2, features: [on('WS_ENABLE_UNIFIED'), on('WS_ENABLE_FACTORY')] }));
    const port = await closedPort();
    const { logger } = memoryLogger();
    const started = Date.now();
    const source = await UnleashFlagSource.create({
      url: `http://127.0.0.1:${port}/api/`,
      startupTimeoutMs: 300,
      disableMetrics: true,
      bootstrap: { filePath, values: { factory: false } },
      defaults: { ssot: true },
      logger,
    });
    sources.push(source);
    expect(Date.now() - started).toBeLessThan(300 + 1_000);
    expect(source.isEnabled('unified', { userId: 'a' })).toBe(true); // from the file
    expect(source.isEnabled('factory', { userId: 'a' })).toBe(false); // values override the file
    expect(source.isEnabled('ssot', { userId: 'a' })).toBe(true); // not in the file: the default
  });
});
