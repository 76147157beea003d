/** The options of UnleashFlagSource.create(): each bad field named, the defaults filled in. No server needed. */
import { describe, expect, it } from 'vitest';
import { InvalidOptionError } from '../../src/errors.js';
import { FLAG_ENV_VARS } from '../../src/flags/flag-source.js';
import { UNLEASH_FLAG_SOURCE_DEFAULTS, UnleashFlagSource, resolveUnleashFlagSourceOptions, type UnleashFlagSourceOptions } from '../../src/flags/index.js';
import { memoryLogger } from '../support/memory-logger.js';

const url = 'http://127.0.0.1:1/api/';

function thrownBy(fn: () => unknown): unknown {
  try {
    fn();
  } catch (error) {
    return error;
  }
  return undefined;
}

describe('UnleashFlagSource options', () => {
  it.each<[string, UnleashFlagSourceOptions]>([
    ['url', {}],
    ['url', { url: 'not a url' }],
    ['url', { url: 'ftp://127.0.0.1/' }],
    ['appName', { url, appName: '' }],
    ['refreshInterval', { url, refreshInterval: -5 }],
    ['requestTimeoutMs', { url, requestTimeoutMs: 10 }],
    ['startupTimeoutMs', { url, startupTimeoutMs: 1.5 }],
    ['toggleNames.ssot', { url, toggleNames: { ssot: 'has space' } }],
    ['toggleNames.nope', { url, toggleNames: { nope: 'X' } as never }],
    ['defaults.ssot', { url, defaults: { ssot: 'yes' as never } }],
    ['bootstrap.values.unified', { url, bootstrap: { values: { unified: 1 as never } } }],
    ['customHeaders.x', { url, customHeaders: { x: 1 as never } }],
    ['logger', { url, logger: {} as never }],
    ['unleash', { unleash: {} as never }],
  ])('rejects a bad %s with InvalidOptionError naming it', async (field, options) => {
    const error = await UnleashFlagSource.create(options).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InvalidOptionError);
    expect((error as InvalidOptionError).field).toBe(field);
    expect((error as InvalidOptionError).code).toBe('WSSOT_ERR_INVALID_OPTION');
  });

  it.each<[string, unknown]>([
    ['options', undefined],
    ['options', null],
    ['url', { url: '' }],
    ['apiToken', { url, apiToken: ' ' }],
    ['environment', { url, environment: 7 }],
    ['customHeaders', { url, customHeaders: [] }],
    ['toggleNames', { url, toggleNames: { ssot: 'SAME', unified: 'SAME' } }],
    ['bootstrap', { url, bootstrap: 'on' }],
    ['bootstrap.filePath', { url, bootstrap: { filePath: '' } }],
    ['bootstrap.values.nope', { url, bootstrap: { values: { nope: true } } }],
    ['backupPath', { url, backupPath: '' }],
    ['disableMetrics', { url, disableMetrics: 'no' }],
  ])('resolving rejects a bad %s, naming it', (field, options) => {
    const error = thrownBy(() => resolveUnleashFlagSourceOptions(options as UnleashFlagSourceOptions));
    expect(error).toBeInstanceOf(InvalidOptionError);
    expect((error as InvalidOptionError).field).toBe(field);
  });

  it('fills in the defaults', () => {
    const { logger } = memoryLogger();
    const resolved = resolveUnleashFlagSourceOptions({ url, logger });
    const d = UNLEASH_FLAG_SOURCE_DEFAULTS;
    expect(resolved).toMatchObject({
      url,
      appName: d.appName,
      customHeaders: {},
      refreshInterval: d.refreshInterval,
      requestTimeoutMs: d.requestTimeoutMs,
      environment: d.environment,
      toggleNames: FLAG_ENV_VARS,
      startupTimeoutMs: d.startupTimeoutMs,
      bootstrap: undefined,
      backupPath: undefined,
      defaults: { ssot: false, unified: false, factory: false },
      disableMetrics: false,
      unleash: undefined,
    });
    expect(resolved.logger).toBe(logger);
  });

  it('sends apiToken as Authorization unless customHeaders has one; merges toggle names and defaults', () => {
    const { logger } = memoryLogger();
    expect(resolveUnleashFlagSourceOptions({ url, logger, apiToken: 't', customHeaders: { x: 'y' } }).customHeaders).toEqual({ Authorization: 't', x: 'y' });
    expect(resolveUnleashFlagSourceOptions({ url, logger, apiToken: 't', customHeaders: { Authorization: 'h' } }).customHeaders).toEqual({ Authorization: 'h' });
    const resolved = resolveUnleashFlagSourceOptions({ url, logger, toggleNames: { ssot: 'chat.ws-ssot' }, defaults: { unified: true } });
    expect(resolved.toggleNames).toEqual({ ...FLAG_ENV_VARS, ssot: 'chat.ws-ssot' });
    expect(resolved.defaults).toEqual({ ssot: false, unified: true, factory: false });
  });

  it('ignores a flag set to undefined in defaults or bootstrap.values, as the server\'s flags option does', () => {
    const resolved = resolveUnleashFlagSourceOptions({ url, logger: memoryLogger().logger, defaults: { ssot: undefined }, bootstrap: { values: { unified: undefined } } });
    expect(resolved.defaults).toEqual({ ssot: false, unified: false, factory: false });
    expect(resolved.bootstrap).toEqual({ values: {} });
  });

  it('needs no url with an app-owned instance', () => {
    const unleash = { isEnabled: () => false, on: () => undefined } as never;
    expect(resolveUnleashFlagSourceOptions({ unleash, logger: memoryLogger().logger })).toMatchObject({ url: undefined, unleash });
  });
});
