import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { socketIoAdapterMissing, socketIoMissing } from '../lib/bench-deps.js';
import type { BenchServerOptions, ClientKind } from './types.js';

/** Implementation names, in the order they run (raw ws first: it is the reference for ratios). */
export const IMPL_NAMES = ['raw-ws', 'socket-io', 'ws-ssot', 'write-floor', 'greeting-floor', 'send-path-ab', 'socket-io-redis', 'socket-io-redis-streams', 'socket-io-redis-sharded'] as const;
export type ImplName = (typeof IMPL_NAMES)[number];
/** What runs without `--impl`: the write floor, the greeting floor and the send-path A/B are diagnostic references, opt-in. */
export const DEFAULT_IMPLS: readonly ImplName[] = ['raw-ws', 'socket-io', 'ws-ssot'];
/**
 * What the cluster scenarios (two or more nodes over one Redis) run without `--impl`, in this order: Socket.IO on
 * each of its Redis adapters, then ws-ssot on its Redis engine. `socket-io-redis-sharded` is opt-in.
 */
export const DEFAULT_CLUSTER_IMPLS: readonly ImplName[] = ['socket-io-redis', 'socket-io-redis-streams', 'ws-ssot'];
/** Every implementation the cluster scenarios can run, in the order they run. */
export const CLUSTER_ORDER: readonly ImplName[] = ['socket-io-redis', 'socket-io-redis-streams', 'socket-io-redis-sharded', 'ws-ssot'];

export interface ImplInfo {
  name: ImplName;
  /** Column label in reports. */
  label: string;
  /** Module (in this folder) exporting `createServer`; loaded only in the server child process. */
  module: string;
  clientKind: ClientKind;
  /** URL path clients connect to. */
  path: string;
  /** Null if it can run here, otherwise why not. */
  unavailable(): string | null;
  /**
   * The server options of a node of a multi-node deployment over the Redis at `redis`, its keys and channels under
   * `keyPrefix`; absent for an implementation the cluster scenarios do not run.
   */
  cluster?: (redis: string, keyPrefix: string) => BenchServerOptions;
  /** Runs only in the cluster scenarios (it needs Redis options). */
  clusterOnly?: boolean;
}

const here = (file: string): string => fileURLToPath(new URL(file, import.meta.url));

/** Why an implementation built on ws-ssot's `src/` cannot run, or null if it can. */
function coreUnavailable(): string | null {
  return existsSync(here('../../src/index.ts')) ? null : 'src/index.ts not present yet (core not merged)';
}

export const IMPLEMENTATIONS: Readonly<Record<ImplName, ImplInfo>> = {
  'raw-ws': {
    name: 'raw-ws',
    label: 'raw ws',
    module: here('./raw-ws.ts'),
    clientKind: 'ws',
    path: '/ws',
    unavailable: () => null,
  },
  'socket-io': {
    name: 'socket-io',
    label: 'Socket.IO',
    module: here('./socket-io.ts'),
    clientKind: 'socket.io',
    path: '/socket.io',
    unavailable: socketIoMissing,
  },
  'ws-ssot': {
    name: 'ws-ssot',
    label: 'ws-ssot',
    module: here('./ws-ssot.ts'),
    clientKind: 'ws',
    path: '/ws',
    unavailable: coreUnavailable,
    // The Redis engine with its defaults (auto-pipelined ioredis connections it opens from the URL).
    cluster: (redis, keyPrefix) => ({ cluster: { redis, keyPrefix } }),
  },
  'write-floor': {
    name: 'write-floor',
    label: 'write floor',
    module: here('./write-floor.ts'),
    clientKind: 'ws',
    path: '/ws',
    unavailable: () => null,
  },
  'greeting-floor': {
    name: 'greeting-floor',
    label: 'greeting floor',
    module: here('./greeting-floor.ts'),
    clientKind: 'ws',
    path: '/ws',
    unavailable: () => null,
  },
  'send-path-ab': {
    name: 'send-path-ab',
    label: 'send path A/B',
    module: here('./send-path-ab.ts'),
    clientKind: 'ws',
    path: '/ws',
    unavailable: coreUnavailable,
  },
  'socket-io-redis': {
    name: 'socket-io-redis',
    label: 'Socket.IO + redis-adapter',
    module: here('./socket-io-redis.ts'),
    clientKind: 'socket.io',
    path: '/socket.io',
    unavailable: () => socketIoAdapterMissing('@socket.io/redis-adapter'),
    cluster: (redis, keyPrefix) => ({ redis, keyPrefix, adapter: 'pubsub' }),
    clusterOnly: true,
  },
  'socket-io-redis-streams': {
    name: 'socket-io-redis-streams',
    label: 'Socket.IO + redis-streams-adapter',
    module: here('./socket-io-redis.ts'),
    clientKind: 'socket.io',
    path: '/socket.io',
    unavailable: () => socketIoAdapterMissing('@socket.io/redis-streams-adapter'),
    cluster: (redis, keyPrefix) => ({ redis, keyPrefix, adapter: 'streams' }),
    clusterOnly: true,
  },
  'socket-io-redis-sharded': {
    name: 'socket-io-redis-sharded',
    label: 'Socket.IO + redis-adapter (sharded)',
    module: here('./socket-io-redis.ts'),
    clientKind: 'socket.io',
    path: '/socket.io',
    unavailable: () => socketIoAdapterMissing('@socket.io/redis-adapter'),
    cluster: (redis, keyPrefix) => ({ redis, keyPrefix, adapter: 'sharded' }),
    clusterOnly: true,
  },
};

export function isImplName(name: string): name is ImplName {
  return (IMPL_NAMES as readonly string[]).includes(name);
}
