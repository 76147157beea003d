/**
 * A server's hold on its flag source, apart from routing by it: what close() does with the source (the
 * composite may be the app's own, or one built here over the app's source or from plain values), its sync
 * state for operators, and the runtime change `setFlags()` makes.
 */
import { FlagSourceReadOnlyError } from '../errors.js';
import type { CompositeFlagSource } from '../flags/composite-flag-source.js';
import type { FlagName, FlagSource, FlagSourceStatus } from '../flags/flag-source.js';
import { settableLayer } from '../flags/resolve-flag-source.js';

/** What a server's close() does with its flag source. */
export type FlagsRelease = 'close' | 'detach' | 'none';

function isFlagSourceLike(value: unknown): boolean {
  return typeof value === 'object' && value !== null && typeof (value as FlagSource).isEnabled === 'function';
}

/**
 * The app's own composite is left alone; a composite built here over the app's own source is detached, not
 * closed (the source is the app's); one built from plain values or the environment is closed.
 */
export function flagsReleaseOf(option: unknown, flags: CompositeFlagSource): FlagsRelease {
  return flags === option ? 'none' : isFlagSourceLike(option) ? 'detach' : 'close';
}

/** The flag source's sync state: for a composite, its primary's (Unleash), which is what operators need. */
export function flagSourceStatusOf(flags: CompositeFlagSource): FlagSourceStatus {
  const source = flags.primary ?? flags;
  try {
    return source.status();
  } catch (err) {
    return { source: source.name, ready: false, stale: true, lastSyncAt: null, lastError: (err as Error).message };
  }
}

/** Sets flags in the source's settable layer; throws `FlagSourceReadOnlyError` if it has none. */
export function setSettableFlags(flags: CompositeFlagSource, values: Partial<Record<FlagName, boolean | undefined>>): void {
  const layer = settableLayer(flags);
  if (layer === null) throw new FlagSourceReadOnlyError(flags.name);
  layer.set(values);
}
