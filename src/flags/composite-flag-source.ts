/**
 * The flag source a server uses by default: layers asked in order of precedence, per flag.
 *
 * 1. `env` set to **false**: the kill switch (`WS_ENABLE_SSOT=false` always wins; so does any flag the
 *    environment turns off, which is what the rollback runbook relies on).
 * 2. `primary` (Unleash), once it reports `ready` (it has synced).
 * 3. `bootstrap`: the options object and runtime `set()` (`wss.setFlags`); then, while the primary has not
 *    synced, the last-known values the primary holds itself if it is a {@link FlagLayer} (Unleash's
 *    `bootstrap` and `backupPath` toggles: `peek()` answers for the toggles it holds).
 * 4. `env` set to **true**.
 * 5. `defaults`: every flag off, as in the seeds.
 *
 * Never throws: a failing layer is skipped.
 */
import { isFlagLayer, type FlagLayer } from './flag-layer.js';
import { FlagListeners } from './flag-listeners.js';
import type { FlagContext, FlagName, FlagSource, FlagSourceStatus, FlagValues } from './flag-source.js';
import { StaticFlagSource } from './static-flag-source.js';
import { FlagDecisions, FlagSlots, validateFlagValues } from './flag-values.js';
import { LocalFlagLayer } from './local-flag-layer.js';

export interface CompositeFlagSourceOptions {
  /** The environment layer (kill switch, then fallback). @default null */
  env?: FlagLayer | null;
  /** A remote source such as Unleash; used once `status().ready`. @default null */
  primary?: FlagSource | null;
  /** Options object and runtime changes. @default a new empty StaticFlagSource('bootstrap') */
  bootstrap?: StaticFlagSource;
  /** Values when no layer sets a flag. @default { ssot: false, unified: false, factory: false } */
  defaults?: Partial<FlagValues>;
}

/** An in-process layer whose answers are its values alone (its peek() is not overridden). */
function isPlainLocalLayer(layer: FlagLayer | null): layer is LocalFlagLayer {
  return layer instanceof LocalFlagLayer && layer.peek === LocalFlagLayer.prototype.peek;
}

function safePeek(layer: FlagLayer | null, flag: FlagName, context: FlagContext | undefined): boolean | undefined {
  if (layer === null) return undefined;
  try {
    return layer.peek(flag, context);
  } catch {
    return undefined;
  }
}

export class CompositeFlagSource implements FlagSource {
  readonly name = 'composite';
  readonly env: FlagLayer | null;
  readonly primary: FlagSource | null;
  /** The settable layer behind `wss.setFlags()`. */
  readonly bootstrap: StaticFlagSource;
  readonly #defaults: FlagSlots;
  readonly #listeners = new FlagListeners();
  readonly #unsubscribe: Array<() => void>;
  /**
   * Over in-process layers only (no primary; env and bootstrap plain LocalFlagLayers), a decision depends
   * on their values alone, not on the context or the time: the three decisions are derived when first asked
   * after a change of those values (the layers invalidate them before notifying anyone) and read per call.
   * With a primary or another kind of layer, and after detach(), every call asks the layers in turn.
   */
  #local: boolean;
  #resolved: FlagDecisions | null = null;

  constructor(options: CompositeFlagSourceOptions = {}) {
    this.env = options.env ?? null;
    this.primary = options.primary ?? null;
    this.bootstrap = options.bootstrap ?? new StaticFlagSource({}, 'bootstrap');
    this.#defaults = new FlagSlots(validateFlagValues('defaults', options.defaults ?? {}));
    const notify = (): void => this.#listeners.notify();
    this.#unsubscribe = [this.env, this.primary, this.bootstrap].filter((s): s is FlagSource => s !== null).map((s) => s.onChange(notify));
    // A subclass that overrides isEnabled() is asked through it, never through derived decisions.
    const ownIsEnabled = this.isEnabled === CompositeFlagSource.prototype.isEnabled;
    this.#local = ownIsEnabled && this.primary === null && isPlainLocalLayer(this.bootstrap) && (this.env === null || isPlainLocalLayer(this.env));
    if (this.#local) {
      const invalidate = (): void => {
        this.#resolved = null;
      };
      this.#unsubscribe.push(this.bootstrap.onValuesChanged(invalidate));
      if (this.env !== null) this.#unsubscribe.push((this.env as LocalFlagLayer).onValuesChanged(invalidate));
    }
  }

  isEnabled(flag: FlagName, context?: FlagContext): boolean {
    const resolved = this.#resolved;
    if (resolved !== null) return resolved.get(flag);
    return this.#decide(flag, context);
  }

  /**
   * The three flags as decided for every context alike, or null when a decision may depend on the context or
   * the time (a primary such as Unleash, a layer of another kind, an `isEnabled` overridden by a subclass, or
   * after detach()): ask isEnabled() per flag then. Over in-process layers it is the same immutable object until
   * a layer changes, so a caller that needs more than one flag per call (the legacy user-bound adapters read
   * `factory`, then `unified`) reads fields and allocates nothing; read it on every call, never keep it.
   */
  localDecisions(): FlagDecisions | null {
    const resolved = this.#resolved;
    if (resolved !== null) return resolved;
    return this.#local ? this.#derive() : null;
  }

  /**
   * isEnabled() without derived decisions: derives them (in-process layers only) or asks the layers. Kept out
   * of isEnabled() so that the per-call path stays small enough for V8 to inline into its callers (legacy
   * calls, routing) within its inlining budget.
   */
  #decide(flag: FlagName, context: FlagContext | undefined): boolean {
    if (this.#local) return this.#derive().get(flag);
    return this.#evaluate(flag, context);
  }

  /** Over in-process layers: the decisions until their next change (they do not depend on the context). */
  #derive(): FlagDecisions {
    const resolved = new FlagDecisions(this.#evaluate('ssot'), this.#evaluate('unified'), this.#evaluate('factory'));
    this.#resolved = resolved;
    return resolved;
  }

  /** The decision layer by layer. */
  #evaluate(flag: FlagName, context?: FlagContext): boolean {
    const fromEnv = safePeek(this.env, flag, context);
    if (fromEnv === false) return false;
    const primary = this.primary;
    if (primary !== null) {
      try {
        if (primary.status().ready) return primary.isEnabled(flag, context);
      } catch {
        // an unreachable or broken primary falls through to the last-known and default layers
      }
    }
    const fromBootstrap = safePeek(this.bootstrap, flag, context);
    if (fromBootstrap !== undefined) return fromBootstrap;
    const lastKnown = this.#primaryLastKnown(flag, context);
    if (lastKnown !== undefined) return lastKnown;
    if (fromEnv === true) return true;
    return this.#defaults.get(flag) ?? false;
  }

  /** What a primary that has not synced holds for `flag` (its bootstrap or backup), if it can say (a FlagLayer). */
  #primaryLastKnown(flag: FlagName, context: FlagContext | undefined): boolean | undefined {
    const primary = this.primary;
    return primary !== null && isFlagLayer(primary) ? safePeek(primary, flag, context) : undefined;
  }

  /** Which layer decides `flag` for `context` now (for health and debugging). */
  decidedBy(flag: FlagName, context?: FlagContext): 'env' | 'primary' | 'bootstrap' | 'default' {
    const fromEnv = safePeek(this.env, flag, context);
    if (fromEnv === false) return 'env';
    try {
      if (this.primary?.status().ready) return 'primary';
    } catch {
      // see isEnabled
    }
    if (safePeek(this.bootstrap, flag, context) !== undefined) return 'bootstrap';
    if (this.#primaryLastKnown(flag, context) !== undefined) return 'primary';
    return fromEnv === true ? 'env' : 'default';
  }

  status(): FlagSourceStatus {
    let primary: FlagSourceStatus | null = null;
    try {
      primary = this.primary?.status() ?? null;
    } catch (err) {
      primary = { source: this.primary?.name ?? 'primary', ready: false, stale: true, lastSyncAt: null, lastError: (err as Error).message };
    }
    const status: FlagSourceStatus = { source: this.name, ready: true, stale: primary?.stale ?? false, lastSyncAt: primary?.lastSyncAt ?? this.bootstrap.status().lastSyncAt };
    if (primary?.lastError !== undefined) status.lastError = primary.lastError;
    return status;
  }

  onChange(listener: () => void): () => void {
    return this.#listeners.add(listener);
  }

  /** Unsubscribes from the layers without closing them (they belong to someone else). Idempotent. */
  detach(): void {
    // No longer told of layer changes: ask the layers on every call from now on.
    this.#local = false;
    this.#resolved = null;
    for (const unsubscribe of this.#unsubscribe.splice(0)) unsubscribe();
    this.#listeners.clear();
  }

  /** Unsubscribes from the layers and closes them. Idempotent. */
  async close(): Promise<void> {
    this.detach();
    await Promise.all([this.env, this.primary, this.bootstrap].map((s) => s?.close()));
  }
}
