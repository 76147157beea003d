import { describe, expect, it, vi } from 'vitest';
import { CompositeFlagSource } from '../../src/flags/composite-flag-source.js';
import { EnvFlagSource } from '../../src/flags/env-flag-source.js';
import type { FlagSource } from '../../src/flags/flag-source.js';
import { StaticFlagSource } from '../../src/flags/static-flag-source.js';
import { fakePrimary } from '../support/fake-flag-source.js';

describe('CompositeFlagSource', () => {
  it('defaults every flag to off', () => {
    const c = new CompositeFlagSource();
    expect(['ssot', 'unified', 'factory'].map((f) => c.isEnabled(f as never))).toEqual([false, false, false]);
  });

  it('applies its defaults per flag, under every layer', () => {
    const bootstrap = new StaticFlagSource();
    const c = new CompositeFlagSource({ bootstrap, defaults: { unified: true, factory: false } });
    expect(['ssot', 'unified', 'factory'].map((f) => c.isEnabled(f as never))).toEqual([false, true, false]);
    bootstrap.set({ unified: false, factory: true });
    expect(['ssot', 'unified', 'factory'].map((f) => c.isEnabled(f as never))).toEqual([false, false, true]);
    bootstrap.set({ unified: undefined });
    expect(c.isEnabled('unified')).toBe(true);
    expect(c.decidedBy('unified')).toBe('default');
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

  it('over in-process layers, follows every change of either layer at once (even in a listener of the layer)', () => {
    const vars: NodeJS.ProcessEnv = {};
    const env = new EnvFlagSource({ env: vars });
    const bootstrap = new StaticFlagSource({ unified: true });
    // Subscribed to the layer before the composite exists: runs before the composite hears of the change.
    const seenInLayerListener: boolean[] = [];
    let c: CompositeFlagSource | null = null;
    bootstrap.onChange(() => seenInLayerListener.push(c!.isEnabled('unified')));
    c = new CompositeFlagSource({ env, bootstrap });
    const read = (): boolean[] => (['ssot', 'unified', 'factory'] as const).map((f) => c.isEnabled(f, { userId: 'u1' }));
    expect(read()).toEqual([false, true, false]);
    bootstrap.set({ unified: false, ssot: true });
    expect(seenInLayerListener).toEqual([false]);
    expect(read()).toEqual([true, false, false]);
    vars.WS_ENABLE_SSOT = 'false';
    vars.WS_ENABLE_FACTORY = 'true';
    env.reload();
    expect(read()).toEqual([false, false, true]);
    expect(c.decidedBy('ssot')).toBe('env');
    delete vars.WS_ENABLE_SSOT;
    env.reload();
    bootstrap.set({ unified: true });
    expect(read()).toEqual([true, true, true]);
  });

  it('asks the layers on every call when an answer may change without a layer change: a primary, a layer of its own kind, after detach()', () => {
    const values: Record<string, boolean> = { unified: true };
    const primary = fakePrimary(values);
    const withPrimary = new CompositeFlagSource({ primary, bootstrap: new StaticFlagSource({ unified: false }) });
    expect(withPrimary.isEnabled('unified')).toBe(true);
    values.unified = false; // no notification
    expect(withPrimary.isEnabled('unified')).toBe(false);

    class PerUserLayer extends StaticFlagSource {
      override peek(flag: 'ssot' | 'unified' | 'factory', context?: { userId?: string }): boolean | undefined {
        return flag === 'ssot' ? context?.userId === 'alice' : super.peek(flag);
      }
    }
    const perUser = new CompositeFlagSource({ bootstrap: new PerUserLayer() });
    expect([perUser.isEnabled('ssot', { userId: 'alice' }), perUser.isEnabled('ssot', { userId: 'bob' })]).toEqual([true, false]);

    const bootstrap = new StaticFlagSource({ ssot: false });
    const detached = new CompositeFlagSource({ bootstrap });
    expect(detached.isEnabled('ssot')).toBe(false);
    detached.detach();
    bootstrap.set({ ssot: true });
    expect(detached.isEnabled('ssot')).toBe(true);
  });

  it('localDecisions(): over in-process layers, one object with every flag as isEnabled() says, replaced at each change', () => {
    const vars: NodeJS.ProcessEnv = { WS_ENABLE_FACTORY: 'true' };
    const env = new EnvFlagSource({ env: vars });
    const bootstrap = new StaticFlagSource({ unified: true });
    const c = new CompositeFlagSource({ env, bootstrap });
    const values = (): boolean[] => {
      const d = c.localDecisions();
      if (d === null) throw new Error('expected decisions over in-process layers');
      return [d.ssot, d.unified, d.factory];
    };
    expect(values()).toEqual([false, true, true]);
    const first = c.localDecisions();
    expect(c.localDecisions()).toBe(first); // nothing allocated per read
    expect({ ...first }).toEqual({ ssot: false, unified: true, factory: true });
    bootstrap.set({ unified: false, ssot: true });
    expect(c.localDecisions()).not.toBe(first);
    expect(first).toMatchObject({ ssot: false, unified: true, factory: true }); // an old one never changes
    expect(Object.isFrozen(first)).toBe(true); // nor can a caller change the one every call shares
    expect(values()).toEqual([true, false, true]);
    vars.WS_ENABLE_FACTORY = 'false';
    env.reload();
    expect(values()).toEqual([true, false, false]);
    expect(values()).toEqual((['ssot', 'unified', 'factory'] as const).map((f) => c.isEnabled(f)));
  });

  it('localDecisions() is null when a decision may depend on the user or the time: a primary, a per-user layer, an overridden isEnabled, after detach()', () => {
    expect(new CompositeFlagSource({ primary: fakePrimary({ unified: true }, false) }).localDecisions()).toBeNull();

    class PerUserLayer extends StaticFlagSource {
      override peek(flag: 'ssot' | 'unified' | 'factory', context?: { userId?: string }): boolean | undefined {
        return flag === 'ssot' ? context?.userId === 'alice' : super.peek(flag);
      }
    }
    expect(new CompositeFlagSource({ bootstrap: new PerUserLayer() }).localDecisions()).toBeNull();

    class ForcedFactory extends CompositeFlagSource {
      override isEnabled(flag: 'ssot' | 'unified' | 'factory', context?: { userId?: string }): boolean {
        return flag === 'factory' || super.isEnabled(flag, context);
      }
    }
    const forced = new ForcedFactory({ bootstrap: new StaticFlagSource({ unified: true }) });
    expect(forced.localDecisions()).toBeNull();
    expect([forced.isEnabled('factory'), forced.isEnabled('unified'), forced.isEnabled('ssot')]).toEqual([true, true, false]);

    const detached = new CompositeFlagSource({ bootstrap: new StaticFlagSource({ ssot: true }) });
    expect(detached.localDecisions()?.ssot).toBe(true);
    detached.detach();
    expect(detached.localDecisions()).toBeNull();
    expect(detached.isEnabled('ssot')).toBe(true);
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
