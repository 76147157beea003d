import { describe, expect, it } from 'vitest';
import { CompositeFlagSource } from '../../src/flags/composite-flag-source.js';
import { EnvFlagSource } from '../../src/flags/env-flag-source.js';
import { resolveFlagSource, settableLayer } from '../../src/flags/resolve-flag-source.js';
import { StaticFlagSource } from '../../src/flags/static-flag-source.js';
import { fakePrimary } from '../support/fake-flag-source.js';

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
