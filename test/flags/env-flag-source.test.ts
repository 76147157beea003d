import { describe, expect, it, vi } from 'vitest';
import { EnvFlagSource } from '../../src/flags/env-flag-source.js';

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
