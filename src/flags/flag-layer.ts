/**
 * A flag source that can also say "no opinion": the composite source stacks layers and asks each one in
 * turn, so a layer must be able to leave a flag unset instead of answering with its fallback.
 */
import type { FlagContext, FlagName, FlagSource } from './flag-source.js';

export interface FlagLayer extends FlagSource {
  /** The flag's value if this layer sets it, `undefined` if it has no opinion. Never throws. */
  peek(flag: FlagName, context?: FlagContext): boolean | undefined;
}

/** True for a source that implements {@link FlagLayer}. */
export function isFlagLayer(source: FlagSource): source is FlagLayer {
  return typeof (source as Partial<FlagLayer>).peek === 'function';
}
