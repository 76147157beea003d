/**
 * The options of {@link createWebSocketServer}, their defaults and validation. Options are validated once,
 * when a server is created, then frozen; an invalid option throws `InvalidOptionError` naming the field.
 */
import type { IncomingMessage, Server as HttpServer } from 'node:http';
import type { Server as HttpsServer } from 'node:https';
import type { Registry } from 'prom-client';
import { InvalidOptionError } from '../errors.js';
import type { AuthResult } from '../types.js';
import type { WebSocketConnection } from '../core/connection.js';
import type { FactoryOptions } from '../factory/factory-options.js';
import type { FlagsOption } from '../flags/resolve-flag-source.js';
import { resolveClusterOptions, type ClusterOptions, type ResolvedClusterOptions } from '../cluster/cluster-options.js';
import { resolveManagerOptions, type ManagerOptions, type ResolvedManagerOptions } from './manager-options.js';
import { boolean, integer, object } from './validators.js';

/** `authenticate(req)` resolves to the user, or null/undefined/false to refuse with HTTP 401. */
export type AuthenticateHook = (req: IncomingMessage) => AuthResult | null | undefined | false | Promise<AuthResult | null | undefined | false>;

/** Called for every inbound JSON message, after parsing. A throw or rejection is logged and counted; the connection stays. */
export type MessageHandler = (connection: WebSocketConnection, message: unknown) => void | Promise<void>;

/** Options of {@link createWebSocketServer}. */
export interface WebSocketServerOptions extends ManagerOptions {
  /** The app's HTTP(S) server; ws-ssot listens to its 'upgrade' event for `path` only. */
  server: HttpServer | HttpsServer;
  /** Identifies the user from the upgrade request (cookie, token…). The only source of user ids. */
  authenticate: AuthenticateHook;
  /** URL path served; upgrades for other paths are left to other listeners. @default '/ws' */
  path?: string;
  /** Allowed `Origin` header values; a mismatch is refused with HTTP 403. Unset: any origin. @default undefined */
  allowedOrigins?: readonly string[];
  /**
   * With `allowedOrigins`: accept an upgrade that sends no `Origin` at all (server-side clients: Node's `ws`,
   * other services; browsers always send one), leaving it to `authenticate`. A listed-but-wrong Origin is still
   * refused with 403. @default false
   */
  allowMissingOrigin?: boolean;
  /** Largest inbound frame in bytes; larger frames close the connection with 1009. @default 1_048_576 */
  maxPayload?: number;
  /** Ping interval; a peer that has not answered the previous ping is terminated. 0 disables. @default 25_000 */
  heartbeatIntervalMs?: number;
  /** How long `close()` waits for clients to finish closing before terminating them. @default 5_000 */
  closeTimeoutMs?: number;
  /**
   * How long `authenticate` may take for one upgrade. Past it the upgrade is refused with HTTP 503 (counted
   * as `wssot_connection_refusals_total{reason="auth_timeout"}`) and what the hook settles with later is
   * ignored: Node's `headersTimeout`/`requestTimeout` do not apply once a request is an upgrade, so a hook
   * that never settles would otherwise hold the socket forever. @default 5_000
   */
  authTimeoutMs?: number;
  /**
   * Upgrades on this server's path in flight at once (from the request to the handshake or refusal, so
   * mostly waiting on `authenticate`). Beyond it an upgrade is refused at once with HTTP 503 (counted as
   * `reason="too_many_upgrades"`), without calling `authenticate`. @default 1_000
   */
  maxPendingUpgrades?: number;
  /** Handler for inbound messages. @default undefined (messages are parsed and dropped) */
  onMessage?: MessageHandler;
  /** Metrics: a prom-client registry to register into, and a metric name prefix. @default { prefix: 'wssot_' } in a new Registry */
  metrics?: { registry?: Registry; prefix?: string };
  /**
   * Migration flags: a FlagSource (used as given), or initial values `{ ssot?, unified?, factory? }` over
   * the environment (`WS_ENABLE_SSOT`…; env `false` always wins). `ssot` routes new connections to the
   * SSOT manager (on) or the legacy path (off).
   * @default the environment, then every flag off
   */
  flags?: FlagsOption;
  /**
   * Options of the server's `factory` (isolated per-user managers).
   * @default { idleTimeoutMs: 1_800_000, maxManagersPerUser: 20 }
   */
  factory?: FactoryOptions;
  /**
   * When the flag source reports a change (Unleash's `changed`), close with 1012 the connections now on the
   * wrong code path, at most `ratePerSecond` per second, so clients reconnect onto the right one and resume.
   * `true` = `{ ratePerSecond: 100 }`. Off: existing connections keep their path until `drain()`.
   * @default false
   */
  drainOnFlagChange?: boolean | DrainOnFlagChangeOptions;
  /**
   * Shadow mode: for a sample of legacy-path sends, compare what the legacy path delivered with what the
   * SSOT manager would have delivered; mismatches are logged and counted, nothing is sent twice.
   * See docs/shadow-mode.md.
   * @default undefined (off)
   */
  shadow?: ShadowOptions;
  /**
   * The Redis engine: delivery, per-user seq, the replay log and presence shared by every node of a
   * deployment (see docs/cluster.md). Unset: everything in this process, no service needed.
   * @default undefined (in-process)
   */
  cluster?: ClusterOptions;
}

/** Rate of the drain that follows a flag change. */
export interface DrainOnFlagChangeOptions {
  /** Connections closed per second, at most (spread over the second, not all at once). @default 100 */
  ratePerSecond?: number;
}

/** Options of shadow mode. */
export interface ShadowOptions {
  /** Share of legacy-path sends compared, 0..1 (0 = off, 1 = every send). @default 0 */
  sampleRate: number;
  /** Seed of the deterministic sampler (tests). @default a random seed */
  seed?: number;
}

export interface ResolvedServerOptions extends ResolvedManagerOptions {
  readonly path: string;
  readonly allowedOrigins: ReadonlySet<string> | null;
  readonly allowMissingOrigin: boolean;
  readonly maxPayload: number;
  readonly heartbeatIntervalMs: number;
  readonly closeTimeoutMs: number;
  readonly authTimeoutMs: number;
  readonly maxPendingUpgrades: number;
  readonly metricsPrefix: string;
  /** null = off. */
  readonly drainOnFlagChange: Readonly<Required<DrainOnFlagChangeOptions>> | null;
  /** null = off (sampleRate 0). */
  readonly shadow: Readonly<{ sampleRate: number; seed: number | null }> | null;
  /** null = in-process. */
  readonly cluster: ResolvedClusterOptions | null;
}

export const SERVER_DEFAULTS = Object.freeze({
  path: '/ws',
  maxPayload: 1024 * 1024,
  heartbeatIntervalMs: 25_000,
  closeTimeoutMs: 5_000,
  authTimeoutMs: 5_000,
  maxPendingUpgrades: 1_000,
  metricsPrefix: 'wssot_',
  drainOnFlagChange: false,
  drainRatePerSecond: 100,
  shadowSampleRate: 0,
});

function resolveDrainOnFlagChange(value: unknown): ResolvedServerOptions['drainOnFlagChange'] {
  if (value === undefined || value === false) return null;
  if (value === true) return Object.freeze({ ratePerSecond: SERVER_DEFAULTS.drainRatePerSecond });
  const o = object('drainOnFlagChange', value);
  if (o === undefined) return null;
  return Object.freeze({ ratePerSecond: integer('drainOnFlagChange.ratePerSecond', o.ratePerSecond, SERVER_DEFAULTS.drainRatePerSecond, 1, 100_000) });
}

function resolveShadow(value: unknown): ResolvedServerOptions['shadow'] {
  const o = object('shadow', value);
  if (o === undefined) return null;
  const rate = o.sampleRate ?? SERVER_DEFAULTS.shadowSampleRate;
  if (typeof rate !== 'number' || !Number.isFinite(rate) || rate < 0 || rate > 1) throw new InvalidOptionError('shadow.sampleRate', 'a number from 0 to 1', o.sampleRate);
  const seed = o.seed === undefined ? null : integer('shadow.seed', o.seed, 0, 0, 0xffff_ffff);
  return rate === 0 ? null : Object.freeze({ sampleRate: rate, seed });
}

/** Validates and freezes server options (the manager's included). */
export function resolveServerOptions(options: WebSocketServerOptions): ResolvedServerOptions {
  const o = object('options', options);
  if (!o) throw new InvalidOptionError('options', 'an object', options);
  const server = o.server as { on?: unknown; removeListener?: unknown } | undefined;
  if (!server || typeof server.on !== 'function' || typeof server.removeListener !== 'function') {
    throw new InvalidOptionError('server', 'an http.Server or https.Server', o.server);
  }
  if (typeof o.authenticate !== 'function') throw new InvalidOptionError('authenticate', 'a function (req) => { userId } | null', o.authenticate);
  if (o.onMessage !== undefined && typeof o.onMessage !== 'function') throw new InvalidOptionError('onMessage', 'a function', o.onMessage);
  const path = o.path ?? SERVER_DEFAULTS.path;
  if (typeof path !== 'string' || !path.startsWith('/') || path.includes('?')) throw new InvalidOptionError('path', "a URL path starting with '/'", o.path);
  let allowedOrigins: ReadonlySet<string> | null = null;
  if (o.allowedOrigins !== undefined) {
    if (!Array.isArray(o.allowedOrigins) || !o.allowedOrigins.every((x) => typeof x === 'string' && x.length > 0)) {
      throw new InvalidOptionError('allowedOrigins', 'an array of origin strings', o.allowedOrigins);
    }
    allowedOrigins = new Set(o.allowedOrigins as string[]);
  }
  const metrics = object('metrics', o.metrics) ?? {};
  const prefix = metrics.prefix ?? SERVER_DEFAULTS.metricsPrefix;
  if (typeof prefix !== 'string' || !/^[a-zA-Z_:][a-zA-Z0-9_:]*$|^$/.test(prefix)) throw new InvalidOptionError('metrics.prefix', 'a Prometheus metric name prefix', prefix);
  return Object.freeze({
    ...resolveManagerOptions(options),
    path,
    allowedOrigins,
    allowMissingOrigin: boolean('allowMissingOrigin', o.allowMissingOrigin, false),
    maxPayload: integer('maxPayload', o.maxPayload, SERVER_DEFAULTS.maxPayload, 1, 100 * 1024 * 1024),
    heartbeatIntervalMs: integer('heartbeatIntervalMs', o.heartbeatIntervalMs, SERVER_DEFAULTS.heartbeatIntervalMs, 0, 3_600_000),
    closeTimeoutMs: integer('closeTimeoutMs', o.closeTimeoutMs, SERVER_DEFAULTS.closeTimeoutMs, 0, 600_000),
    authTimeoutMs: integer('authTimeoutMs', o.authTimeoutMs, SERVER_DEFAULTS.authTimeoutMs, 1, 600_000),
    maxPendingUpgrades: integer('maxPendingUpgrades', o.maxPendingUpgrades, SERVER_DEFAULTS.maxPendingUpgrades, 1, 1_000_000),
    metricsPrefix: prefix,
    drainOnFlagChange: resolveDrainOnFlagChange(o.drainOnFlagChange),
    shadow: resolveShadow(o.shadow),
    cluster: resolveClusterOptions(o.cluster),
  });
}
