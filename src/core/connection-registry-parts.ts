/**
 * What a connection registry (connection-registry.ts) is built from: the server's logger, metrics, event
 * store and shadow observer, and the bounds on a connection's buffer and close. A manager resolves its
 * options into these.
 */
import type { Logger } from 'pino';
import type { WsSsotMetrics } from '../observability/metrics.js';
import type { LegacySendObserver } from '../shadow/shadow-send-observer.js';
import type { EventStore } from './event-store.js';

/** What a registry is built from. */
export interface ConnectionRegistryParts {
  logger: Logger;
  metrics: WsSsotMetrics | null;
  /** The event store; `ownsStore` says whether closing the registry closes it too. */
  store: EventStore;
  ownsStore: boolean;
  /** Per-connection high-water mark on bufferedAmount, in bytes. */
  highWaterMark: number;
  /** How long a peer closed as slow, replaced or evicted may take to finish the close handshake. */
  slowCloseTimeoutMs: number;
  /** Shadow mode: told which legacy-path connections a sampled send reached. null = off. */
  shadow: LegacySendObserver | null;
}
