/** Turns the server's `flags` option into a flag source, and finds the layer `setFlags()` changes. */
import { InvalidOptionError } from '../errors.js';
import { CompositeFlagSource } from './composite-flag-source.js';
import { EnvFlagSource } from './env-flag-source.js';
import type { FlagSource, FlagValues } from './flag-source.js';
import { StaticFlagSource } from './static-flag-source.js';

/** The server's `flags` option: a source of the app's, or initial values over the environment. */
export type FlagsOption = FlagSource | Partial<FlagValues>;

function isFlagSource(value: unknown): value is FlagSource {
  const v = value as Partial<FlagSource> | null;
  return typeof v === 'object' && v !== null && typeof v.isEnabled === 'function' && typeof v.onChange === 'function' && typeof v.status === 'function';
}

/**
 * - a `CompositeFlagSource`: used as given (the app composed the layers);
 * - a `StaticFlagSource`: the bootstrap layer of a composite over the environment (`setFlags` sets it);
 * - any other `FlagSource` (Unleash…): the primary layer of a composite over the environment, so the
 *   environment kill switch (`WS_ENABLE_SSOT=false`) still wins;
 * - an object `{ ssot?, unified?, factory? }`: initial values of the bootstrap layer over the environment;
 * - `undefined`: the environment over the defaults (all off).
 */
export function resolveFlagSource(option: unknown, env: () => EnvFlagSource = () => new EnvFlagSource()): CompositeFlagSource {
  if (option === undefined) return new CompositeFlagSource({ env: env() });
  if (option instanceof CompositeFlagSource) return option;
  if (option instanceof StaticFlagSource) return new CompositeFlagSource({ env: env(), bootstrap: option });
  if (isFlagSource(option)) return new CompositeFlagSource({ env: env(), primary: option });
  if (typeof option !== 'object' || option === null || Array.isArray(option)) throw new InvalidOptionError('flags', 'a FlagSource or an object { ssot?, unified?, factory? }', option);
  return new CompositeFlagSource({ env: env(), bootstrap: new StaticFlagSource(option as Partial<FlagValues>, 'bootstrap') });
}

/**
 * The layer runtime changes go to, or null if the source cannot be set from code: a composite with a
 * primary source (change flags there: a bootstrap value under a synced primary would silently do nothing).
 */
export function settableLayer(source: FlagSource): StaticFlagSource | null {
  if (source instanceof StaticFlagSource) return source;
  if (source instanceof CompositeFlagSource) return source.primary === null ? source.bootstrap : null;
  return null;
}
