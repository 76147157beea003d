/** The options of `UnleashFlagSource.create()`: their types, their defaults, and their validation. */
import type { Logger } from 'pino';
import type { Unleash } from 'unleash-client';
import { boolean, integer, nonEmptyString, object, oneOf } from '../config/validators.js';
import { InvalidOptionError } from '../errors.js';
import { createDefaultLogger } from '../observability/logger.js';
import { FLAG_ENV_VARS, FLAG_NAMES, type FlagName, type FlagValues } from './flag-source.js';
import { validateFlagValues } from './flag-values.js';

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
export interface ResolvedUnleashOptions {
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

/** An object with these methods: how an SDK instance or a logger is recognised (neither is a plain object). */
function hasMethods(value: unknown, methods: readonly string[]): boolean {
  if (typeof value !== 'object' || value === null) return false;
  return methods.every((method) => typeof (value as Record<string, unknown>)[method] === 'function');
}

/** An absolute http(s) URL. */
function httpUrl(field: string, value: unknown): string {
  if (typeof value === 'string') {
    try {
      const { protocol } = new URL(value);
      if (protocol === 'http:' || protocol === 'https:') return value;
    } catch {
      // not a URL: rejected below
    }
  }
  throw new InvalidOptionError(field, 'an absolute http(s) URL', value);
}

function resolveToggleNames(value: unknown): Record<FlagName, string> {
  const toggleNames: Record<FlagName, string> = { ...UNLEASH_FLAG_SOURCE_DEFAULTS.toggleNames };
  const given = object('toggleNames', value);
  if (given === undefined) return toggleNames;
  for (const [key, name] of Object.entries(given)) {
    // The fallback is never used: a key is never undefined.
    const flag = oneOf(`toggleNames.${key}`, key, 'ssot', FLAG_NAMES);
    if (typeof name !== 'string' || !TOGGLE_NAME_PATTERN.test(name)) {
      throw new InvalidOptionError(`toggleNames.${key}`, 'an Unleash toggle name ([A-Za-z0-9_.-~], 1-100 characters)', name);
    }
    toggleNames[flag] = name;
  }
  if (new Set(Object.values(toggleNames)).size !== FLAG_NAMES.length) {
    throw new InvalidOptionError('toggleNames', 'three distinct toggle names', value);
  }
  return toggleNames;
}

function resolveBootstrap(value: unknown): UnleashBootstrapOptions | undefined {
  const given = object('bootstrap', value);
  if (given === undefined) return undefined;
  const bootstrap: UnleashBootstrapOptions = {};
  if (given['values'] !== undefined) bootstrap.values = validateFlagValues('bootstrap.values', given['values']);
  const filePath = nonEmptyString('bootstrap.filePath', given['filePath'], undefined);
  if (filePath !== undefined) bootstrap.filePath = filePath;
  return bootstrap;
}

/** Validates the options, naming the first bad field, and fills in the defaults. */
export function resolveUnleashFlagSourceOptions(options: UnleashFlagSourceOptions): ResolvedUnleashOptions {
  // undefined is no options object either: `url` or `unleash` is required.
  if (object('options', options) === undefined) throw new InvalidOptionError('options', 'an object', options);
  const d = UNLEASH_FLAG_SOURCE_DEFAULTS;

  const unleash = options.unleash;
  if (unleash !== undefined && !hasMethods(unleash, ['isEnabled', 'on'])) {
    throw new InvalidOptionError('unleash', 'an Unleash instance from unleash-client', unleash);
  }
  // An app-owned instance has its own URL; without one the source must know where to fetch from.
  const url = options.url !== undefined || unleash === undefined ? httpUrl('url', options.url) : undefined;
  const appName = nonEmptyString('appName', options.appName, d.appName);
  const apiToken = nonEmptyString('apiToken', options.apiToken, undefined);

  const customHeaders: Record<string, string> = {};
  if (apiToken !== undefined) customHeaders['Authorization'] = apiToken;
  for (const [name, value] of Object.entries(object('customHeaders', options.customHeaders) ?? {})) {
    if (typeof value !== 'string') throw new InvalidOptionError(`customHeaders.${name}`, 'a string', value);
    customHeaders[name] = value;
  }

  const refreshInterval = integer('refreshInterval', options.refreshInterval, d.refreshInterval, 100);
  const requestTimeoutMs = integer('requestTimeoutMs', options.requestTimeoutMs, d.requestTimeoutMs, 1000);
  const environment = nonEmptyString('environment', options.environment, d.environment);
  const startupTimeoutMs = integer('startupTimeoutMs', options.startupTimeoutMs, d.startupTimeoutMs, 0);
  const toggleNames = resolveToggleNames(options.toggleNames);
  const bootstrap = resolveBootstrap(options.bootstrap);
  const backupPath = nonEmptyString('backupPath', options.backupPath, undefined);
  const defaults: FlagValues = { ...d.defaults };
  if (options.defaults !== undefined) Object.assign(defaults, validateFlagValues('defaults', options.defaults));
  const disableMetrics = boolean('disableMetrics', options.disableMetrics, d.disableMetrics);

  if (options.logger !== undefined && !hasMethods(options.logger, ['warn', 'info'])) {
    throw new InvalidOptionError('logger', 'a pino Logger', options.logger);
  }
  const logger = options.logger ?? createDefaultLogger();

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
