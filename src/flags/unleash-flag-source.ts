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
 */
import { promises as fs } from 'node:fs';
import type { Logger } from 'pino';
import type { ClientFeaturesResponse, Context, Unleash, UnleashConfig } from 'unleash-client';
import { InvalidOptionError } from '../errors.js';
import { createDefaultLogger } from '../observability/logger.js';
import {
  FLAG_ENV_VARS,
  FLAG_NAMES,
  type FlagContext,
  type FlagName,
  type FlagSource,
  type FlagSourceStatus,
  type FlagValues,
} from './flag-source.js';

/** One toggle definition in the Unleash client API format (`/api/client/features`). */
export type UnleashToggleDefinition = ClientFeaturesResponse['features'][number];

/** Values the source serves before its first sync with Unleash (handed to the SDK's bootstrap). */
export interface UnleashBootstrapOptions {
  /**
   * Initial value per flag: `true` becomes a toggle that is on for everyone, `false` one that is off.
   * Applied on top of `filePath` when both are given.
   * @default {}
   */
  values?: Partial<FlagValues>;
  /**
   * A JSON file in the Unleash client API format (`{ "version": 2, "features": [...] }`), for example a
   * saved `/api/client/features` response or an SDK backup file. A missing or unreadable file is logged
   * and ignored.
   * @default undefined
   */
  filePath?: string;
}

/** Options of `UnleashFlagSource.create()`. Every field is optional except `url` (unless `unleash` is given). */
export interface UnleashFlagSourceOptions {
  /**
   * Base URL of the Unleash API, e.g. `https://unleash.example.com/api/`. Required unless `unleash` is given.
   * @default undefined
   */
  url?: string;
  /**
   * The application name Unleash shows for this SDK.
   * @default 'ws-ssot'
   */
  appName?: string;
  /**
   * A client (backend) API token; sent as the `Authorization` header.
   * @default undefined
   */
  apiToken?: string;
  /**
   * Extra HTTP headers on every request to Unleash (an `Authorization` here wins over `apiToken`).
   * @default {}
   */
  customHeaders?: Record<string, string>;
  /**
   * How often the SDK polls Unleash, in ms.
   * @default 15000
   */
  refreshInterval?: number;
  /**
   * Timeout of one HTTP request to Unleash, in ms; at least 1000 (it also caps the back-off of the two
   * retries the SDK makes of a failed fetch, whose minimum is 1 s).
   * @default 10000
   */
  requestTimeoutMs?: number;
  /**
   * The `environment` field of the evaluation context (the server-side environment is the token's).
   * @default 'default'
   */
  environment?: string;
  /**
   * The Unleash toggle name of each flag.
   * @default { ssot: 'WS_ENABLE_SSOT', unified: 'WS_ENABLE_UNIFIED', factory: 'WS_ENABLE_FACTORY' }
   */
  toggleNames?: Partial<Record<FlagName, string>>;
  /**
   * How long `create()` waits for the first sync before it resolves anyway (with bootstrap or default
   * values, and a warning). The SDK itself would keep waiting forever on repeated 5xx.
   * @default 5000
   */
  startupTimeoutMs?: number;
  /**
   * Values to serve before the first sync.
   * @default undefined
   */
  bootstrap?: UnleashBootstrapOptions;
  /**
   * A directory where the SDK keeps a file backup of the last fetched toggles, read at the next start
   * (last-known values across restarts). Without it the backup is kept in memory only.
   * @default undefined
   */
  backupPath?: string;
  /**
   * The value of a flag whose toggle Unleash does not know, or before any values are known.
   * @default { ssot: false, unified: false, factory: false }
   */
  defaults?: Partial<FlagValues>;
  /**
   * Turns off the SDK's usage metrics (sent to Unleash every minute).
   * @default false
   */
  disableMetrics?: boolean;
  /**
   * Where the source logs.
   * @default pino({ name: 'ws-ssot' }) at WSSOT_LOG_LEVEL / LOG_LEVEL (info)
   */
  logger?: Logger;
  /**
   * An `Unleash` instance the app already has. Its connection settings win (`url`, `appName`,
   * `apiToken`, `customHeaders`, `refreshInterval`, `requestTimeoutMs`, `bootstrap`, `backupPath`,
   * `disableMetrics` are then ignored), and `close()` leaves it running: the app owns it.
   * @default undefined
   */
  unleash?: Unleash;
}

/** The defaults of every option of `UnleashFlagSource.create()`. */
export const UNLEASH_FLAG_SOURCE_DEFAULTS = Object.freeze({
  appName: 'ws-ssot',
  customHeaders: Object.freeze({}) as Readonly<Record<string, string>>,
  refreshInterval: 15_000,
  requestTimeoutMs: 10_000,
  environment: 'default',
  toggleNames: FLAG_ENV_VARS,
  startupTimeoutMs: 5_000,
  defaults: Object.freeze({ ssot: false, unified: false, factory: false }) as Readonly<FlagValues>,
  disableMetrics: false,
});

/** Options after validation and defaults. */
interface ResolvedOptions {
  url: string | undefined;
  appName: string;
  customHeaders: Record<string, string>;
  refreshInterval: number;
  requestTimeoutMs: number;
  environment: string;
  toggleNames: Record<FlagName, string>;
  startupTimeoutMs: number;
  bootstrap: UnleashBootstrapOptions | undefined;
  backupPath: string | undefined;
  defaults: FlagValues;
  disableMetrics: boolean;
  logger: Logger;
  unleash: Unleash | undefined;
}

const TOGGLE_NAME_PATTERN = /^[A-Za-z0-9_.\-~]{1,100}$/;

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return isObjectLike(value);
}

/** Like isPlainObject, without narrowing (for values already typed, such as an SDK instance). */
function isObjectLike(value: unknown): boolean {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function checkPositiveInt(field: string, value: unknown, min: number): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min) {
    throw new InvalidOptionError(field, `an integer >= ${min}`, value);
  }
  return value;
}

function checkString(field: string, value: unknown): string {
  if (typeof value !== 'string' || value.trim() === '') throw new InvalidOptionError(field, 'a non-empty string', value);
  return value;
}

function checkFlagValues(field: string, value: unknown): Partial<FlagValues> {
  if (!isPlainObject(value)) throw new InvalidOptionError(field, 'an object of flag name to boolean', value);
  for (const [key, v] of Object.entries(value)) {
    if (!(FLAG_NAMES as readonly string[]).includes(key)) {
      throw new InvalidOptionError(`${field}.${key}`, `one of ${FLAG_NAMES.join(', ')}`, key);
    }
    if (typeof v !== 'boolean') throw new InvalidOptionError(`${field}.${key}`, 'a boolean', v);
  }
  return value as Partial<FlagValues>;
}

/** Validates the options, naming the first bad field, and fills in the defaults. */
export function resolveUnleashFlagSourceOptions(options: UnleashFlagSourceOptions): ResolvedOptions {
  if (!isObjectLike(options)) throw new InvalidOptionError('options', 'an object', options);
  const d = UNLEASH_FLAG_SOURCE_DEFAULTS;

  const unleash = options.unleash;
  if (unleash !== undefined) {
    const candidate = unleash as unknown as Record<string, unknown>;
    if (!isObjectLike(unleash) || typeof candidate['isEnabled'] !== 'function' || typeof candidate['on'] !== 'function') {
      throw new InvalidOptionError('unleash', 'an Unleash instance from unleash-client', unleash);
    }
  }

  let url: string | undefined;
  if (options.url !== undefined || unleash === undefined) {
    const checked = checkString('url', options.url);
    url = checked;
    let parsed: URL;
    try {
      parsed = new URL(checked);
    } catch {
      throw new InvalidOptionError('url', 'an absolute http(s) URL', options.url);
    }
    if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
      throw new InvalidOptionError('url', 'an absolute http(s) URL', options.url);
    }
  }

  const appName = options.appName === undefined ? d.appName : checkString('appName', options.appName);
  if (options.apiToken !== undefined) checkString('apiToken', options.apiToken);

  const customHeaders: Record<string, string> = {};
  if (options.apiToken !== undefined) customHeaders['Authorization'] = options.apiToken;
  if (options.customHeaders !== undefined) {
    if (!isPlainObject(options.customHeaders)) {
      throw new InvalidOptionError('customHeaders', 'an object of header name to string', options.customHeaders);
    }
    for (const [name, value] of Object.entries(options.customHeaders)) {
      if (typeof value !== 'string') throw new InvalidOptionError(`customHeaders.${name}`, 'a string', value);
      customHeaders[name] = value;
    }
  }

  const refreshInterval =
    options.refreshInterval === undefined ? d.refreshInterval : checkPositiveInt('refreshInterval', options.refreshInterval, 100);
  const requestTimeoutMs =
    options.requestTimeoutMs === undefined ? d.requestTimeoutMs : checkPositiveInt('requestTimeoutMs', options.requestTimeoutMs, 1000);
  const environment = options.environment === undefined ? d.environment : checkString('environment', options.environment);
  const startupTimeoutMs =
    options.startupTimeoutMs === undefined ? d.startupTimeoutMs : checkPositiveInt('startupTimeoutMs', options.startupTimeoutMs, 0);

  const toggleNames: Record<FlagName, string> = { ...d.toggleNames };
  if (options.toggleNames !== undefined) {
    if (!isPlainObject(options.toggleNames)) {
      throw new InvalidOptionError('toggleNames', 'an object of flag name to toggle name', options.toggleNames);
    }
    for (const [key, value] of Object.entries(options.toggleNames)) {
      if (!(FLAG_NAMES as readonly string[]).includes(key)) {
        throw new InvalidOptionError(`toggleNames.${key}`, `one of ${FLAG_NAMES.join(', ')}`, key);
      }
      if (typeof value !== 'string' || !TOGGLE_NAME_PATTERN.test(value)) {
        throw new InvalidOptionError(`toggleNames.${key}`, 'an Unleash toggle name ([A-Za-z0-9_.-~], 1-100 characters)', value);
      }
      toggleNames[key as FlagName] = value;
    }
    if (new Set(Object.values(toggleNames)).size !== FLAG_NAMES.length) {
      throw new InvalidOptionError('toggleNames', 'three distinct toggle names', options.toggleNames);
    }
  }

  let bootstrap: UnleashBootstrapOptions | undefined;
  if (options.bootstrap !== undefined) {
    if (!isPlainObject(options.bootstrap)) throw new InvalidOptionError('bootstrap', 'an object { values?, filePath? }', options.bootstrap);
    bootstrap = {};
    if (options.bootstrap.values !== undefined) bootstrap.values = checkFlagValues('bootstrap.values', options.bootstrap.values);
    if (options.bootstrap.filePath !== undefined) bootstrap.filePath = checkString('bootstrap.filePath', options.bootstrap.filePath);
  }
  const backupPath = options.backupPath === undefined ? undefined : checkString('backupPath', options.backupPath);

  const defaults: FlagValues = { ...d.defaults };
  if (options.defaults !== undefined) Object.assign(defaults, checkFlagValues('defaults', options.defaults));

  if (options.disableMetrics !== undefined && typeof options.disableMetrics !== 'boolean') {
    throw new InvalidOptionError('disableMetrics', 'a boolean', options.disableMetrics);
  }
  const disableMetrics = options.disableMetrics ?? d.disableMetrics;

  let logger: Logger;
  if (options.logger !== undefined) {
    const l = options.logger as unknown as Record<string, unknown>;
    if (!isObjectLike(options.logger) || typeof l['warn'] !== 'function' || typeof l['info'] !== 'function') {
      throw new InvalidOptionError('logger', 'a pino Logger', options.logger);
    }
    logger = options.logger;
  } else {
    logger = createDefaultLogger();
  }

  return {
    url,
    appName,
    customHeaders,
    refreshInterval,
    requestTimeoutMs,
    environment,
    toggleNames,
    startupTimeoutMs,
    bootstrap,
    backupPath,
    defaults,
    disableMetrics,
    logger,
    unleash,
  };
}

/** A toggle that is on (`true`) or off (`false`) for everyone, in the client API format. */
function staticToggle(name: string, enabled: boolean): UnleashToggleDefinition {
  return {
    name,
    enabled,
    type: 'release',
    project: 'default',
    stale: false,
    impressionData: false,
    strategies: [{ name: 'default', parameters: {}, constraints: [] }],
    variants: [],
  };
}

function errorMessage(error: unknown): string {
  if (error instanceof Error) return error.message;
  return typeof error === 'string' ? error : String(error);
}

/** SDK warnings that mean "this fetch of toggles failed" (the SDK reports 404/429/5xx as warnings). */
const FETCH_FAILURE_WARNING = /responded (TOO_MANY_CONNECTIONS |FILE_NOT_FOUND )?\(?\d{3}\)?|Socket keep alive error/;
/** The SDK prefixes errors of its toggle repository (fetch, parse, 401/403) with this. */
const REPOSITORY_ERROR_PREFIX = 'Unleash Repository error';

/**
 * Flags from Unleash, evaluated locally per connection. Create with `await UnleashFlagSource.create(opts)`.
 */
export class UnleashFlagSource implements FlagSource {
  readonly name = 'unleash';
  /** The Unleash toggle name of each flag. */
  readonly toggleNames: Readonly<Record<FlagName, string>>;

  readonly #opts: ResolvedOptions;
  readonly #unleash: Unleash;
  readonly #ownsInstance: boolean;
  readonly #logger: Logger;
  readonly #listeners = new Set<() => void>();
  readonly #warned = new Set<string>();
  readonly #lastKnown = new Map<FlagName, boolean>();
  readonly #detach: Array<() => void> = [];
  #startupTimer: NodeJS.Timeout | undefined;
  #bootstrapWindow = false;
  #ready = false;
  /** The SDK answers from its toggles only after its `ready` event (a tick after the data arrives). */
  #sdkReady = false;
  #stale = false;
  #lastSyncAt: number | null = null;
  #lastError: string | undefined;
  #closed = false;
  #closing: Promise<void> | undefined;
  #onFirstOutcome: (() => void) | undefined;

  private constructor(opts: ResolvedOptions, unleash: Unleash, ownsInstance: boolean) {
    this.#opts = opts;
    this.#unleash = unleash;
    this.#ownsInstance = ownsInstance;
    this.#logger = opts.logger.child({ component: 'unleash-flag-source' });
    this.toggleNames = Object.freeze({ ...opts.toggleNames });
  }

  /**
   * Validates `options` (throws `InvalidOptionError` naming the field), loads `unleash-client`, starts
   * the SDK and waits at most `startupTimeoutMs` for the first sync. Never rejects because Unleash is
   * unreachable or refuses the token: it then resolves with bootstrap or default values and logs a warning.
   */
  static async create(options: UnleashFlagSourceOptions): Promise<UnleashFlagSource> {
    const opts = resolveUnleashFlagSourceOptions(options);
    let unleash = opts.unleash;
    const ownsInstance = unleash === undefined;
    let source: UnleashFlagSource;
    if (unleash === undefined) {
      const sdk = await import('unleash-client');
      // unleash-client is CommonJS: its exports may sit on `default` depending on the loader.
      const mod = ((sdk as { Unleash?: unknown }).Unleash ? sdk : (sdk as unknown as { default: typeof sdk }).default) as typeof sdk;
      // The source is built first so the SDK's bootstrap provider can tell it about bootstrap data.
      let sourceRef: UnleashFlagSource | undefined;
      const config: UnleashConfig = {
        url: opts.url as string,
        appName: opts.appName,
        environment: opts.environment,
        refreshInterval: opts.refreshInterval,
        timeout: opts.requestTimeoutMs,
        customHeaders: opts.customHeaders,
        disableMetrics: opts.disableMetrics,
        disableAutoStart: true,
        bootstrap: { bootstrapProvider: { readBootstrap: () => (sourceRef as UnleashFlagSource).#readBootstrap() } },
        // Bootstrap data only ever stands in until the first fetch; it never overrides fetched toggles.
        bootstrapOverride: false,
      };
      if (opts.backupPath !== undefined) config.backupPath = opts.backupPath;
      else config.storageProvider = new mod.InMemStorageProvider<ClientFeaturesResponse>();
      unleash = new mod.Unleash(config);
      source = new UnleashFlagSource(opts, unleash, ownsInstance);
      sourceRef = source;
    } else {
      source = new UnleashFlagSource(opts, unleash, ownsInstance);
    }
    await source.#start();
    return source;
  }

  /** The SDK's bootstrap: a file in client API format, with `bootstrap.values` on top. */
  async #readBootstrap(): Promise<ClientFeaturesResponse | undefined> {
    const bootstrap = this.#opts.bootstrap;
    if (bootstrap === undefined) return undefined;
    const features = new Map<string, UnleashToggleDefinition>();
    let segments: ClientFeaturesResponse['segments'];
    if (bootstrap.filePath !== undefined) {
      try {
        const parsed: unknown = JSON.parse(await fs.readFile(bootstrap.filePath, 'utf8'));
        if (!isPlainObject(parsed) || !Array.isArray(parsed['features'])) {
          throw new Error('expected { "version": 2, "features": [...] }');
        }
        for (const feature of parsed['features'] as UnleashToggleDefinition[]) {
          if (isPlainObject(feature) && typeof feature.name === 'string') features.set(feature.name, feature);
        }
        if (Array.isArray(parsed['segments'])) segments = parsed['segments'] as ClientFeaturesResponse['segments'];
      } catch (error) {
        this.#logger.warn({ err: errorMessage(error), filePath: bootstrap.filePath }, 'unleash bootstrap file ignored');
      }
    }
    for (const flag of FLAG_NAMES) {
      const value = bootstrap.values?.[flag];
      if (value !== undefined) features.set(this.#opts.toggleNames[flag], staticToggle(this.#opts.toggleNames[flag], value));
    }
    if (features.size === 0) return undefined;
    // If the SDK applies it (it skips it once it has toggles), it does so with save(), which emits
    // `changed` synchronously in the continuation of this promise, before any setImmediate callback:
    // a `changed` inside that window is the bootstrap, not a sync.
    this.#bootstrapWindow = true;
    setImmediate(() => {
      this.#bootstrapWindow = false;
    });
    const response: ClientFeaturesResponse = { version: 2, features: [...features.values()] };
    if (segments !== undefined) response.segments = segments;
    return response;
  }

  async #start(): Promise<void> {
    const unleash = this.#unleash;
    const on = (event: string, handler: (...args: never[]) => void): void => {
      unleash.on(event, handler as (...args: unknown[]) => void);
      this.#detach.push(() => unleash.off(event, handler as (...args: unknown[]) => void));
    };
    on('ready', () => {
      this.#sdkReady = true;
      if (this.#ready) this.#onFirstOutcome?.();
    });
    on('changed', () => this.#handleChanged());
    on('unchanged', () => this.#markSynced());
    on('error', (error: unknown) => this.#handleError(error));
    on('warn', (message: unknown) => this.#handleWarn(message));

    // An instance the app passed in may have synced already.
    if (!this.#ownsInstance && unleash.isSynchronized()) {
      this.#sdkReady = true;
      this.#markSynced();
    }

    const firstOutcome = new Promise<'synced' | 'refused' | 'timeout' | 'closed'>((resolve) => {
      if (this.#ready && this.#sdkReady) {
        resolve('synced');
        return;
      }
      this.#onFirstOutcome = () => resolve(this.#closed ? 'closed' : this.#ready ? 'synced' : 'refused');
      this.#startupTimer = setTimeout(() => resolve('timeout'), this.#opts.startupTimeoutMs);
    });

    // start() resolves only after the first fetch (and metrics registration) settle: never awaited here.
    unleash.start().catch((error: unknown) => this.#handleError(error));

    const outcome = await firstOutcome;
    this.#onFirstOutcome = undefined;
    if (this.#startupTimer !== undefined) {
      clearTimeout(this.#startupTimer);
      this.#startupTimer = undefined;
    }
    if (outcome === 'synced') {
      this.#logger.info({ lastSyncAt: this.#lastSyncAt }, 'unleash flags synced');
      return;
    }
    if (outcome === 'closed') return;
    this.#logger.warn(
      {
        outcome,
        startupTimeoutMs: this.#opts.startupTimeoutMs,
        lastError: this.#lastError,
        values: this.#snapshot(),
      },
      outcome === 'timeout'
        ? 'unleash did not sync within startupTimeoutMs: serving bootstrap/default flag values until it does'
        : 'unleash refused the SDK (check the API token): serving bootstrap/default flag values',
    );
  }

  #snapshot(): FlagValues {
    return { ssot: this.isEnabled('ssot'), unified: this.isEnabled('unified'), factory: this.isEnabled('factory') };
  }

  #handleChanged(): void {
    if (this.#bootstrapWindow) {
      this.#bootstrapWindow = false;
      this.#logger.info('unleash bootstrap values loaded');
    } else {
      this.#markSynced();
    }
    this.#notify();
  }

  #markSynced(): void {
    if (this.#closed) return;
    const wasStale = this.#stale;
    this.#ready = true;
    this.#stale = false;
    this.#lastSyncAt = Date.now();
    if (wasStale) this.#logger.info({ lastError: this.#lastError }, 'unleash reachable again: flags resynced, no longer stale');
    if (this.#sdkReady) this.#onFirstOutcome?.();
  }

  #markFailed(message: string, unrecoverable: boolean): void {
    if (this.#closed) return;
    const wasStale = this.#stale;
    this.#stale = true;
    this.#lastError = message;
    if (!wasStale) {
      this.#logger.warn({ err: message, lastSyncAt: this.#lastSyncAt }, 'unleash refresh failed: serving last known flag values');
    } else {
      this.#logger.debug({ err: message }, 'unleash refresh still failing');
    }
    if (unrecoverable) this.#onFirstOutcome?.();
  }

  #handleError(error: unknown): void {
    const message = errorMessage(error);
    if (message.startsWith(REPOSITORY_ERROR_PREFIX)) {
      // 401/403: the SDK stops polling for good; nothing to wait for at startup.
      this.#markFailed(message, / responded 40[13] /.test(message));
    } else {
      this.#warnOnce(`sdk-error:${message}`, { err: message }, 'unleash SDK error');
    }
  }

  #handleWarn(message: unknown): void {
    const text = errorMessage(message);
    if (FETCH_FAILURE_WARNING.test(text)) {
      this.#markFailed(text, false);
    } else if (text.startsWith('Unleash has not been initialized yet')) {
      // Our own isEnabled() before the first values: expected, and already answered with the fallback.
    } else {
      this.#warnOnce(`sdk-warn:${text}`, { warning: text }, 'unleash SDK warning');
    }
  }

  #warnOnce(key: string, details: Record<string, unknown>, message: string): void {
    if (this.#warned.has(key)) return;
    // Bounded, so a stream of distinct messages cannot grow it without limit.
    if (this.#warned.size >= 1000) return;
    this.#warned.add(key);
    this.#logger.warn(details, message);
  }

  #notify(): void {
    for (const listener of [...this.#listeners]) {
      try {
        listener();
      } catch (error) {
        this.#logger.error({ err: errorMessage(error) }, 'flag onChange listener threw');
      }
    }
  }

  #toSdkContext(context: FlagContext | undefined): Context {
    const out: Context = { environment: this.#opts.environment };
    if (context === undefined) return out;
    if (typeof context.userId === 'string') out.userId = context.userId;
    if (typeof context.sessionId === 'string') out.sessionId = context.sessionId;
    if (isPlainObject(context.properties)) out.properties = { ...context.properties };
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
        if (this.#ready) {
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
    const status: FlagSourceStatus = {
      source: 'unleash',
      ready: this.#ready,
      stale: this.#stale,
      lastSyncAt: this.#lastSyncAt,
    };
    if (this.#lastError !== undefined) status.lastError = this.#lastError;
    return status;
  }

  /** Calls `listener` when the SDK reports new toggles (its `changed` event). Returns an unsubscribe function. */
  onChange(listener: () => void): () => void {
    if (typeof listener !== 'function') throw new InvalidOptionError('listener', 'a function', listener);
    const entry = (): void => listener();
    this.#listeners.add(entry);
    return () => {
      this.#listeners.delete(entry);
    };
  }

  /** Stops polling and metrics, clears timers and listeners. Idempotent. An app-owned instance is left running. */
  close(): Promise<void> {
    if (this.#closing !== undefined) return this.#closing;
    this.#closed = true;
    if (this.#startupTimer !== undefined) {
      clearTimeout(this.#startupTimer);
      this.#startupTimer = undefined;
    }
    this.#onFirstOutcome?.();
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
