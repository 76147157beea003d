import { describe, expect, it } from 'vitest';
import { FlagListeners } from '../../src/flags/flag-listeners.js';

describe('FlagListeners', () => {
  it('calls every listener, even after one throws, and reports the throw to onError', () => {
    const errors: unknown[] = [];
    const listeners = new FlagListeners((error) => errors.push(error));
    const calls: string[] = [];
    const boom = new Error('boom');
    listeners.add(() => calls.push('a'));
    listeners.add(() => {
      throw boom;
    });
    listeners.add(() => calls.push('c'));
    listeners.notify();
    expect(calls).toEqual(['a', 'c']);
    expect(errors).toEqual([boom]);
  });

  it('drops a throw without onError; unsubscribes and clears', () => {
    const listeners = new FlagListeners();
    let calls = 0;
    listeners.add(() => {
      throw new Error('dropped');
    });
    const off = listeners.add(() => void (calls += 1));
    expect(() => listeners.notify()).not.toThrow();
    off();
    listeners.notify();
    expect(calls).toBe(1);
    listeners.add(() => void (calls += 1));
    listeners.clear();
    listeners.notify();
    expect(calls).toBe(1);
  });
});
