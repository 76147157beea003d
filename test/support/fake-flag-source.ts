/** A remote-like flag source (Unleash stand-in) with fixed values and a switchable `ready`. */
import type { FlagSource } from '../../src/flags/flag-source.js';

export function fakePrimary(values: Partial<Record<string, boolean>>, ready = true): FlagSource & { ready: boolean } {
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
