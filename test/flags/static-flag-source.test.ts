import { describe, expect, it, vi } from 'vitest';
import { isWsSsotError } from '../../src/errors.js';
import { StaticFlagSource } from '../../src/flags/static-flag-source.js';

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

  it('peek() and isEnabled() follow every set(), flag by flag', () => {
    const s = new StaticFlagSource({ factory: true });
    const read = () => (['ssot', 'unified', 'factory'] as const).map((f) => [s.peek(f), s.isEnabled(f)]);
    expect(read()).toEqual([[undefined, false], [undefined, false], [true, true]]);
    s.set({ ssot: true, unified: false });
    expect(read()).toEqual([[true, true], [false, false], [true, true]]);
    s.set({ ssot: undefined, factory: false });
    expect(read()).toEqual([[undefined, false], [false, false], [false, false]]);
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
