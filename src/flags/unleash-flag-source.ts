/**
 * A `FlagSource` backed by Unleash (`unleash-client`), evaluated locally in this process.
 *
 * - One SDK *instance* per source (`new Unleash(...)`), never the SDK's global `initialize()` singleton;
 *   the app may also pass in an instance it already has.
 * - `unleash-client` is loaded lazily by `UnleashFlagSource.create()`, so importing ws-ssot costs nothing.
 * - Flags are evaluated with `{ userId, sessionId, environment, properties }`, so a `flexibleRollout`
 *   with stickiness `userId` gives a user the same answer on every connection and every node.
 * - Nothing here throws into the app once created: an unreachable server, a 401, a 5xx or a malformed
 *   payload leave the last known toggles in place and show up as `status().stale === true`.
 *
 * Its parts: options (`unleash-options.ts`), the SDK instance (`unleash-sdk.ts`), bootstrap data
 * (`unleash-bootstrap.ts`), what the SDK's events mean (`unleash-sdk-messages.ts`) and the sync state
 * (`unleash-sync-state.ts`).
 */
import type { Logger } from 'pino';
import type { ClientFeaturesResponse, Context, Unleash } from 'unleash-client';
import { InvalidOptionError } from '../errors.js';
import type { FlagLayer } from './flag-layer.js';
import { FlagListeners } from './flag-listeners.js';
import { FLAG_NAMES, type FlagContext, type FlagName, type FlagSource, type FlagSourceStatus } from './flag-source.js';
import { readBootstrap } from './unleash-bootstrap.js';
import { resolveUnleashFlagSourceOptions, type ResolvedUnleashOptions, type UnleashFlagSourceOptions } from './unleash-options.js';
import { createUnleashSdk } from './unleash-sdk.js';
import { classifySdkError, classifySdkWarning, errorMessage, type SdkMessage } from './unleash-sdk-messages.js';
import { UnleashSyncState } from './unleash-sync-state.js';

/**
 * Flags from Unleash, evaluated locally per connection. Create with `await UnleashFlagSource.create(opts)`.
 */
export class UnleashFlagSource implements FlagSource, FlagLayer {
  readonly name = 'unleash';
  /** The Unleash toggle name of each flag. */
  readonly toggleNames: Readonly<Record<FlagName, string>>;

  readonly #opts: ResolvedUnleashOptions;
  readonly #unleash: Unleash;
  readonly #ownsInstance: boolean;
  readonly #logger: Logger;
  readonly #sync: UnleashSyncState;
  readonly #listeners: FlagListeners;
  readonly #warned = new Set<string>();
  readonly #lastKnown = new Map<FlagName, boolean>();
  readonly #detach: Array<() => void> = [];
  #closing: Promise<void> | undefined;

  private constructor(opts: ResolvedUnleashOptions, unleash: Unleash, ownsInstance: boolean) {
    this.#opts = opts;
    this.#unleash = unleash;
    this.#ownsInstance = ownsInstance;
    this.#logger = opts.logger.child({ component: 'unleash-flag-source' });
    this.#sync = new UnleashSyncState(this.#logger);
    this.#listeners = new FlagListeners((error) => this.#logger.error({ err: errorMessage(error) }, 'flag onChange listener threw'));
    this.toggleNames = Object.freeze({ ...opts.toggleNames });
  }

  /**
   * Validates `options` (throws `InvalidOptionError` naming the field), loads `unleash-client`, starts
   * the SDK and waits at most `startupTimeoutMs` for the first sync. Never rejects because Unleash is
   * unreachable or refuses the token: it then resolves with bootstrap or default values and logs a warning.
   */
  static async create(options: UnleashFlagSourceOptions): Promise<UnleashFlagSource> {
    const opts = resolveUnleashFlagSourceOptions(options);
    let source: UnleashFlagSource;
    if (opts.unleash !== undefined) {
      source = new UnleashFlagSource(opts, opts.unleash, false);
    } else {
      // The SDK asks for its bootstrap only once started, when the source exists.
      const unleash = await createUnleashSdk(opts, () => source.#bootstrap());
      source = new UnleashFlagSource(opts, unleash, true);
    }
    await source.#start();
    return source;
  }

  /** The SDK's bootstrap provider. */
  async #bootstrap(): Promise<ClientFeaturesResponse | undefined> {
    const response = await readBootstrap(this.#opts.bootstrap, this.#opts.toggleNames, this.#logger);
    if (response !== undefined) this.#sync.bootstrapping();
    return response;
  }

  async #start(): Promise<void> {
    const unleash = this.#unleash;
    const on = (event: string, handler: (...args: never[]) => void): void => {
      unleash.on(event, handler as (...args: unknown[]) => void);
      this.#detach.push(() => unleash.off(event, handler as (...args: unknown[]) => void));
    };
    on('ready', () => this.#sync.sdkReady());
    on('changed', () => {
      this.#sync.changed();
      this.#listeners.notify();
    });
    on('unchanged', () => this.#sync.synced());
    on('error', (error: unknown) => this.#handleSdkMessage(classifySdkError(error)));
    on('warn', (message: unknown) => this.#handleSdkMessage(classifySdkWarning(message)));

    // An instance the app passed in may have synced already.
    if (!this.#ownsInstance && unleash.isSynchronized()) {
      this.#sync.sdkReady();
      this.#sync.synced();
    }

    const firstOutcome = this.#sync.firstOutcome(this.#opts.startupTimeoutMs);
    // start() resolves only after the first fetch (and metrics registration) settle: never awaited here.
    unleash.start().catch((error: unknown) => this.#handleSdkMessage(classifySdkError(error)));

    const outcome = await firstOutcome;
    if (outcome === 'synced') {
      this.#logger.info({ lastSyncAt: this.#sync.lastSyncAt }, 'unleash flags synced');
      return;
    }
    if (outcome === 'closed') return;
    const { held, notHeld } = this.#heldToggles();
    this.#logger.warn(
      {
        outcome,
        startupTimeoutMs: this.#opts.startupTimeoutMs,
        lastError: this.#sync.lastError,
        bootstrap: held,
        notInBootstrap: notHeld,
      },
      outcome === 'timeout'
        ? 'unleash did not sync within startupTimeoutMs: until it does, the bootstrap/backup toggles it holds decide (bootstrap); a flag it holds none for (notInBootstrap) is decided by the server\'s other layers (environment true, else off)'
        : 'unleash refused the SDK (check the API token): the bootstrap/backup toggles it holds decide (bootstrap); a flag it holds none for (notInBootstrap) is decided by the server\'s other layers (environment true, else off)',
    );
  }

  /**
   * The toggles this source holds before its first sync (from `bootstrap` or `backupPath`), each as what it
   * answers: `true`/`false` for everyone, or its strategies (a rollout answers per user); and the flags it holds
   * no toggle for. This is what a server's composite uses while Unleash has not synced (see `peek`).
   */
  #heldToggles(): { held: Partial<Record<FlagName, boolean | string>>; notHeld: FlagName[] } {
    const held: Partial<Record<FlagName, boolean | string>> = {};
    const notHeld: FlagName[] = [];
    for (const flag of FLAG_NAMES) {
      const definition = this.#definition(flag);
      if (definition === undefined) notHeld.push(flag);
      else held[flag] = describeToggle(definition, this.isEnabled(flag));
    }
    return { held, notHeld };
  }

  #definition(flag: FlagName): ReturnType<Unleash['getFeatureToggleDefinition']> {
    try {
      return this.#unleash.getFeatureToggleDefinition(this.#opts.toggleNames[flag]);
    } catch {
      return undefined;
    }
  }

  /**
   * The flag's value if this source holds its toggle (fetched, or from `bootstrap` / `backupPath` before the
   * first sync), `undefined` if it holds none. A composite asks this while the source is not `ready`, so the
   * bootstrap values are the ones a server really uses until Unleash answers. Never throws.
   */
  peek(flag: FlagName, context?: FlagContext): boolean | undefined {
    if (!(FLAG_NAMES as readonly string[]).includes(flag)) return undefined;
    if (this.#definition(flag) === undefined) return undefined;
    return this.isEnabled(flag, context);
  }

  #handleSdkMessage(message: SdkMessage): void {
    if (message.kind === 'fetch-failed') this.#sync.failed(message.text, message.unrecoverable);
    else if (message.kind === 'sdk-error') this.#warnOnce(`sdk-error:${message.text}`, { err: message.text }, 'unleash SDK error');
    else if (message.kind === 'sdk-warning') this.#warnOnce(`sdk-warn:${message.text}`, { warning: message.text }, 'unleash SDK warning');
  }

  #warnOnce(key: string, details: Record<string, unknown>, message: string): void {
    if (this.#warned.has(key)) return;
    // Bounded, so a stream of distinct messages cannot grow it without limit.
    if (this.#warned.size >= 1000) return;
    this.#warned.add(key);
    this.#logger.warn(details, message);
  }

  #toSdkContext(context: FlagContext | undefined): Context {
    const out: Context = { environment: this.#opts.environment };
    if (context === undefined) return out;
    if (typeof context.userId === 'string') out.userId = context.userId;
    if (typeof context.sessionId === 'string') out.sessionId = context.sessionId;
    const properties = context.properties;
    if (typeof properties === 'object' && properties !== null && !Array.isArray(properties)) out.properties = { ...properties };
    return out;
  }

  /**
   * The flag's value for this context, evaluated locally by the SDK on the last toggles it fetched.
   * Never throws: an unknown flag, or a toggle Unleash does not know, gives the default (warned once);
   * an SDK failure gives the last value this flag had.
   */
  isEnabled(flag: FlagName, context?: FlagContext): boolean {
    try {
      if (!(FLAG_NAMES as readonly string[]).includes(flag)) {
        this.#warnOnce(`unknown-flag:${String(flag)}`, { flag: String(flag) }, 'unknown flag name: answering false');
        return false;
      }
      const fallback = this.#opts.defaults[flag];
      const toggle = this.#opts.toggleNames[flag];
      if (this.#unleash.getFeatureToggleDefinition(toggle) === undefined) {
        if (this.#sync.ready) {
          this.#warnOnce(`unknown-toggle:${toggle}`, { flag, toggle, value: fallback }, 'toggle not found in Unleash: answering the default');
        }
        return fallback;
      }
      const value = this.#unleash.isEnabled(toggle, this.#toSdkContext(context), fallback);
      this.#lastKnown.set(flag, value);
      return value;
    } catch (error) {
      const fallback = this.#lastKnown.get(flag) ?? this.#opts.defaults[flag] ?? false;
      this.#warnOnce(`eval-error:${String(flag)}`, { flag: String(flag), err: errorMessage(error), value: fallback }, 'flag evaluation failed: answering the last known value');
      return fallback;
    }
  }

  status(): FlagSourceStatus {
    return this.#sync.status();
  }

  /** Calls `listener` when the SDK reports new toggles (its `changed` event). Returns an unsubscribe function. */
  onChange(listener: () => void): () => void {
    if (typeof listener !== 'function') throw new InvalidOptionError('listener', 'a function', listener);
    // One entry per call, so the same function subscribed twice is called twice and unsubscribed one at a time.
    return this.#listeners.add(() => listener());
  }

  /** Stops polling and metrics, clears timers and listeners. Idempotent. An app-owned instance is left running. */
  close(): Promise<void> {
    if (this.#closing !== undefined) return this.#closing;
    this.#sync.close();
    this.#listeners.clear();
    for (const detach of this.#detach.splice(0)) detach();
    if (this.#ownsInstance) {
      try {
        // Keep a no-op error listener: the SDK logs to console.error when no one listens.
        this.#unleash.on('error', () => undefined);
        this.#unleash.destroy();
      } catch (error) {
        this.#logger.warn({ err: errorMessage(error) }, 'unleash SDK destroy failed');
      }
    }
    this.#closing = Promise.resolve();
    return this.#closing;
  }
}

/** A toggle as the start-up log shows it: on/off for everyone, or the strategies that decide per context. */
function describeToggle(definition: NonNullable<ReturnType<Unleash['getFeatureToggleDefinition']>>, withoutContext: boolean): boolean | string {
  if (definition.enabled !== true) return false;
  const strategies = Array.isArray(definition.strategies) ? definition.strategies : [];
  if (strategies.length === 0 || strategies.some((s) => s.name === 'default' && (s.constraints ?? []).length === 0)) return true;
  return strategies
    .map((s) => {
      const p = (s.parameters ?? {}) as Record<string, unknown>;
      return s.name === 'flexibleRollout' ? `flexibleRollout ${String(p['rollout'])}% by ${String(p['stickiness'] ?? 'default')}` : s.name;
    })
    .join(' or ')
    .concat(` (without a user: ${withoutContext})`);
}
