import { describe, expect, it, vi } from 'vitest';
import { CompositeFlagSource } from '../../src/flags/composite-flag-source.js';
import { EnvFlagSource } from '../../src/flags/env-flag-source.js';
import type { FlagSource } from '../../src/flags/flag-source.js';
import { resolveFlagSource, settableLayer } from '../../src/flags/resolve-flag-source.js';
import { StaticFlagSource } from '../../src/flags/static-flag-source.js';
import { isWsSsotError } from '../../src/errors.js';

describe('EnvFlagSource', () => {
  it('reads the seeds’ variables, with every flag off by default', () => {
    const none = new EnvFlagSource({ env: {} });
    expect([none.isEnabled('ssot'), none.isEnabled('unified'), none.isEnabled('factory')]).toEqual([false, false, false]);
    const env = new EnvFlagSource({ env: { WS_ENABLE_SSOT: 'true', WS_ENABLE_UNIFIED: '0', WS_ENABLE_FACTORY: 'On' } });
    expect(env.values()).toEqual({ ssot: true, unified: false, factory: true });
    expect(env.peek('unified')).toBe(false);
  });

  it('treats unparseable values as unset', () => {
    const env = new EnvFlagSource({ env: { WS_ENABLE_SSOT: 'maybe' } });
    expect(env.peek('ssot')).toBeUndefined();
    expect(env.isEnabled('ssot')).toBe(false);
  });

  it('reload() notifies listeners only when a value changed', () => {
    const vars: NodeJS.ProcessEnv = { WS_ENABLE_SSOT: 'false' };
    const env = new EnvFlagSource({ env: vars });
    const listener = vi.fn();
    env.onChange(listener);
    env.reload();
    expect(listener).not.toHaveBeenCalled();
    vars.WS_ENABLE_SSOT = 'true';
    env.reload();
    expect(listener).toHaveBeenCalledTimes(1);
    expect(env.isEnabled('ssot')).toBe(true);
  });
});

describe('StaticFlagSource', () => {
  it('set() changes flags, clears with undefined, and notifies on change only', () => {
    const s = new StaticFlagSource({ ssot: false });
    const listener = vi.fn();
    const off = s.onChange(listener);
    s.set({ ssot: false });
    expect(listener).not.toHaveBeenCalled();
    s.set({ ssot: true, factory: true });
    expect(s.values()).toEqual({ ssot: true, factory: true });
    s.set({ factory: undefined });
    expect(s.peek('factory')).toBeUndefined();
    expect(listener).toHaveBeenCalledTimes(2);
    off();
    s.set({ ssot: false });
    expect(listener).toHaveBeenCalledTimes(2);
  });

  it('rejects unknown flags and non-boolean values with a coded error naming the field', () => {
    const s = new StaticFlagSource();
    for (const bad of [{ sssot: true }, { ssot: 'yes' }]) {
      let caught: unknown;
      try {
        s.set(bad as never);
      } catch (err) {
        caught = err;
      }
      expect(isWsSsotError(caught)).toBe(true);
      expect(caught).toMatchObject({ code: 'WSSOT_ERR_INVALID_OPTION' });
    }
    expect(() => new StaticFlagSource(null as never)).toThrow(expect.objectContaining({ code: 'WSSOT_ERR_INVALID_OPTION', field: 'flags' }));
  });
});

function fakePrimary(values: Partial<Record<string, boolean>>, ready = true): FlagSource & { ready: boolean } {
  return {
    name: 'fake',
    ready,
    isEnabled(flag) {
      return values[flag] ?? false;
    },
    status() {
      return { source: 'fake', ready: this.ready, stale: false, lastSyncAt: null };
    },
    onChange: () => () => {},
    close: async () => {},
  };
}

describe('CompositeFlagSource', () => {
  it('defaults every flag to off', () => {
    const c = new CompositeFlagSource();
    expect(['ssot', 'unified', 'factory'].map((f) => c.isEnabled(f as never))).toEqual([false, false, false]);
  });

  it('env false is a kill switch over the primary and the bootstrap', () => {
    const c = new CompositeFlagSource({
      env: new EnvFlagSource({ env: { WS_ENABLE_SSOT: 'false' } }),
      primary: fakePrimary({ ssot: true, unified: true }),
      bootstrap: new StaticFlagSource({ ssot: true }),
    });
    expect(c.isEnabled('ssot', { userId: 'u1' })).toBe(false);
    expect(c.decidedBy('ssot')).toBe('env');
    expect(c.isEnabled('unified')).toBe(true);
    expect(c.decidedBy('unified')).toBe('primary');
  });

  it('uses the primary once ready, the bootstrap before, then env true, then the default', () => {
    const primary = fakePrimary({ ssot: false }, false);
    const c = new CompositeFlagSource({
      env: new EnvFlagSource({ env: { WS_ENABLE_FACTORY: 'true' } }),
      primary,
      bootstrap: new StaticFlagSource({ ssot: true }),
    });
    expect(c.isEnabled('ssot')).toBe(true);
    expect(c.decidedBy('ssot')).toBe('bootstrap');
    expect(c.isEnabled('factory')).toBe(true);
    expect(c.decidedBy('factory')).toBe('env');
    expect(c.decidedBy('unified')).toBe('default');
    primary.ready = true;
    expect(c.isEnabled('ssot')).toBe(false);
  });

  it('never throws when a layer throws', () => {
    const broken: FlagSource = {
      name: 'broken',
      isEnabled() {
        throw new Error('boom');
      },
      status() {
        throw new Error('down');
      },
      onChange: () => () => {},
      close: async () => {},
    };
    const c = new CompositeFlagSource({ primary: broken, bootstrap: new StaticFlagSource({ unified: true }) });
    expect(c.isEnabled('unified')).toBe(true);
    expect(c.isEnabled('ssot')).toBe(false);
    expect(c.status()).toMatchObject({ source: 'composite', stale: true, lastError: 'down' });
  });

  it('forwards layer changes to its listeners', () => {
    const bootstrap = new StaticFlagSource();
    const c = new CompositeFlagSource({ bootstrap });
    const listener = vi.fn();
    c.onChange(listener);
    bootstrap.set({ ssot: true });
    expect(listener).toHaveBeenCalledTimes(1);
    expect(c.isEnabled('ssot')).toBe(true);
  });
});

describe('resolveFlagSource', () => {
  const env = (vars: NodeJS.ProcessEnv) => () => new EnvFlagSource({ env: vars });

  it('uses a composite as given', () => {
    const c = new CompositeFlagSource();
    expect(resolveFlagSource(c)).toBe(c);
  });

  it('puts a StaticFlagSource or an object in the bootstrap layer, over the environment', () => {
    const s = new StaticFlagSource({ ssot: true });
    const c = resolveFlagSource(s, env({})) as CompositeFlagSource;
    expect(c.bootstrap).toBe(s);
    expect(settableLayer(c)).toBe(s);
    expect(settableLayer(s)).toBe(s);
    const o = resolveFlagSource({ unified: true }, env({})) as CompositeFlagSource;
    expect(o.isEnabled('unified')).toBe(true);
    expect(settableLayer(o)).toBe(o.bootstrap);
    expect(resolveFlagSource(undefined, env({ WS_ENABLE_FACTORY: '1' })).isEnabled('factory')).toBe(true);
    expect(() => resolveFlagSource(42)).toThrow(expect.objectContaining({ code: 'WSSOT_ERR_INVALID_OPTION' }));
  });

  it('puts any other source (Unleash…) as the primary layer, so the env kill switch still wins; not settable', () => {
    const primary = fakePrimary({ ssot: true, unified: true });
    const c = resolveFlagSource(primary, env({ WS_ENABLE_SSOT: 'false' })) as CompositeFlagSource;
    expect(c.primary).toBe(primary);
    expect(c.isEnabled('ssot')).toBe(false);
    expect(c.isEnabled('unified')).toBe(true);
    expect(settableLayer(c)).toBeNull();
    expect(settableLayer(primary)).toBeNull();
  });
});
