/** The options of a {@link UnifiedWebSocketManager}: limits, backpressure, recovery bounds; their defaults and validation. */
import type { Logger } from 'pino';
import { integer, object, oneOf } from './validators.js';

/** What to do when a user opens one connection more than `maxConnectionsPerUser`. */
export type ConnectionLimitPolicy = 'reject-newest' | 'evict-oldest';

/** Bounds of the per-user event log used for recovery. */
export interface RecoveryOptions {
  /** Events kept per user; 0 disables recovery. @default 500 */
  maxEvents?: number;
  /** Age after which an event is no longer replayed. @default 300_000 (5 minutes) */
  maxAgeMs?: number;
  /**
   * Users without a connection whose log (or epoch) is kept, in total; over it the one idle longest is
   * forgotten (its client resumes with `recovered: false`). Connected users' logs are never evicted.
   * 0 keeps nothing for offline users. @default 10_000
   */
  maxOfflineUsers?: number;
  /**
   * Total size of the logs of users without a connection, counted as the length of their frames' JSON text
   * (UTF-16 code units: bytes for ASCII text); over it the logs idle longest are forgotten first. @default 67_108_864 (64 MiB)
   */
  maxOfflineBytes?: number;
}

/** Options of a {@link UnifiedWebSocketManager}. */
export interface ManagerOptions {
  /** Open connections one user may hold (tabs, devices). @default 10 */
  maxConnectionsPerUser?: number;
  /** Over the limit: refuse the newest connection, or close the user's oldest. @default 'reject-newest' */
  connectionLimitPolicy?: ConnectionLimitPolicy;
  /** Per-connection high-water mark on `bufferedAmount`, in bytes. @default 1_048_576 */
  highWaterMark?: number;
  /** How long a slow or ghost peer gets to finish its close handshake before it is terminated. @default 2_000 */
  slowCloseTimeoutMs?: number;
  /** Per-user event log bounds. @default { maxEvents: 500, maxAgeMs: 300_000, maxOfflineUsers: 10_000, maxOfflineBytes: 67_108_864 } */
  recovery?: RecoveryOptions;
  /** pino logger. @default pino({ name: 'ws-ssot' }) at WSSOT_LOG_LEVEL / LOG_LEVEL (info) */
  logger?: Logger;
}

export interface ResolvedManagerOptions {
  readonly maxConnectionsPerUser: number;
  readonly connectionLimitPolicy: ConnectionLimitPolicy;
  readonly highWaterMark: number;
  readonly slowCloseTimeoutMs: number;
  readonly recovery: Readonly<Required<RecoveryOptions>>;
}

export const MANAGER_DEFAULTS: ResolvedManagerOptions = Object.freeze({
  maxConnectionsPerUser: 10,
  connectionLimitPolicy: 'reject-newest',
  highWaterMark: 1024 * 1024,
  slowCloseTimeoutMs: 2_000,
  recovery: Object.freeze({ maxEvents: 500, maxAgeMs: 300_000, maxOfflineUsers: 10_000, maxOfflineBytes: 64 * 1024 * 1024 }),
});

/** Validates and freezes manager options. */
export function resolveManagerOptions(options: ManagerOptions = {}): ResolvedManagerOptions {
  const o = object('options', options) ?? {};
  const recovery = object('recovery', o.recovery) ?? {};
  return Object.freeze({
    maxConnectionsPerUser: integer('maxConnectionsPerUser', o.maxConnectionsPerUser, MANAGER_DEFAULTS.maxConnectionsPerUser, 1),
    connectionLimitPolicy: oneOf('connectionLimitPolicy', o.connectionLimitPolicy, MANAGER_DEFAULTS.connectionLimitPolicy, ['reject-newest', 'evict-oldest']),
    highWaterMark: integer('highWaterMark', o.highWaterMark, MANAGER_DEFAULTS.highWaterMark, 1),
    slowCloseTimeoutMs: integer('slowCloseTimeoutMs', o.slowCloseTimeoutMs, MANAGER_DEFAULTS.slowCloseTimeoutMs, 0, 600_000),
    recovery: Object.freeze({
      maxEvents: integer('recovery.maxEvents', recovery.maxEvents, MANAGER_DEFAULTS.recovery.maxEvents, 0, 1_000_000),
      maxAgeMs: integer('recovery.maxAgeMs', recovery.maxAgeMs, MANAGER_DEFAULTS.recovery.maxAgeMs, 1, 7 * 24 * 3_600_000),
      maxOfflineUsers: integer('recovery.maxOfflineUsers', recovery.maxOfflineUsers, MANAGER_DEFAULTS.recovery.maxOfflineUsers, 0),
      maxOfflineBytes: integer('recovery.maxOfflineBytes', recovery.maxOfflineBytes, MANAGER_DEFAULTS.recovery.maxOfflineBytes, 0),
    }),
  });
}
