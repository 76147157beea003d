import { describe, expect, it } from 'vitest';
import type { FlagSource } from '../../src/flags/flag-source.js';
import { readFlag } from '../../src/flags/read-flag.js';
import { StaticFlagSource } from '../../src/flags/static-flag-source.js';
import { memoryLogger } from '../support/memory-logger.js';

/** A source that breaks the never-throw contract, as an app's own source might. */
const throwing: FlagSource = {
  name: 'throwing',
  isEnabled() {
    throw new Error('boom');
  },
  status: () => ({ source: 'throwing', ready: true, stale: false, lastSyncAt: null }),
  onChange: () => () => {},
  close: async () => {},
};

describe('readFlag', () => {
  it("answers the source's value, with the context passed through", () => {
    const seen: unknown[] = [];
    const source = new StaticFlagSource({ ssot: true });
    const spy: FlagSource = { ...throwing, isEnabled: (flag, context) => (seen.push(context), source.isEnabled(flag)) };
    expect(readFlag(source, 'ssot')).toBe(true);
    expect(readFlag(source, 'unified', { userId: 'u1' })).toBe(false);
    expect(readFlag(spy, 'ssot', { userId: 'u1' })).toBe(true);
    expect(seen).toEqual([{ userId: 'u1' }]);
  });

  it('answers false (the legacy path) when the source throws, and logs it only if given a logger', () => {
    expect(readFlag(throwing, 'ssot', { userId: 'u1' })).toBe(false);
    const { logger, lines } = memoryLogger();
    expect(readFlag(throwing, 'factory', { userId: 'u1' }, logger)).toBe(false);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({ level: 40, flag: 'factory', msg: 'flag source threw: answering false (the legacy path)' });
    expect(lines[0]!['err']).toMatchObject({ message: 'boom' });
  });
});
