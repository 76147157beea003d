/** What `health()` returns and `/health/websocket` serves. */
import type { ClusterHealth } from '../cluster/redis-engine.js';
import type { FlagSourceStatus, FlagValues } from '../flags/flag-source.js';
import type { CodePath } from '../types.js';

export type ServerState = 'open' | 'closing' | 'closed';

export interface WebSocketHealth {
  /** `degraded`: the cluster engine's Redis is unreachable (local delivery goes on; see `cluster`). */
  status: 'ok' | 'degraded' | 'closing' | 'closed';
  /** Open connections of this process, on every code path (cluster-wide figures: `cluster.cluster`). */
  connections: number;
  /** Users with at least one open connection in this process. */
  users: number;
  path: string;
  uptimeMs: number;
  maxConnectionsPerUser: number;
  heartbeatIntervalMs: number;
  /** The migration flags as they stand for a connection without user context. */
  flags: FlagValues;
  /** Open connections by the code path that admitted them (a canonical server has only `ssot` ones). */
  paths: Record<CodePath, number>;
  /** Where the flags come from: the app's remote source (Unleash) if any, with its sync state. */
  flagSource: FlagSourceStatus;
  /** The Redis engine's state, this node's figures and the cluster's; null in-process. */
  cluster: ClusterHealth | null;
}
