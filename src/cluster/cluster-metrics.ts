/**
 * The Redis engine's Prometheus metrics, in the server's registry and prefix: publish latency and failures,
 * sends retried while Redis was unreachable, deliveries routed from the broker to local sockets, resubscriptions after a reconnect, resyncs (local
 * tabs closed with 1012 so they resume exactly, after a gap in pub/sub or a lost log), and logs found
 * rewritten by a failover (given a new epoch).
 */
import type { Counter, Histogram, Registry } from 'prom-client';
import { loadPromClient } from '../observability/deferred-modules.js';

export type PublishKind = 'event' | 'message' | 'broadcast' | 'control';
export type ResyncReason = 'gap' | 'epoch' | 'reconnect' | 'overflow' | 'stalled';

function metric<T>(registry: Registry, name: string, create: () => T): T {
  return (registry.getSingleMetric(name) as T | undefined) ?? create();
}

export class ClusterMetrics {
  readonly #publishSeconds: Histogram;
  readonly #failures: Counter<'kind'>;
  readonly #routed: Counter;
  readonly #resubscriptions: Counter;
  readonly #resyncs: Counter<'reason'>;
  readonly #rewritten: Counter;
  readonly #resends: Counter;

  constructor(registry: Registry, prefix: string) {
    const { Counter, Histogram } = loadPromClient();
    const registers = [registry];
    const p = `${prefix}cluster_`;
    this.#publishSeconds = metric(registry, `${p}publish_duration_seconds`, () => new Histogram({ name: `${p}publish_duration_seconds`, help: 'Time from a send to Redis acknowledging it (logged and published)', buckets: [0.0005, 0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5], registers }));
    this.#failures = metric(registry, `${p}publish_failures_total`, () => new Counter({ name: `${p}publish_failures_total`, help: 'Sends Redis did not take (unreachable or refused): nothing was logged, delivered or given a seq', labelNames: ['kind'], registers }));
    this.#routed = metric(registry, `${p}routed_deliveries_total`, () => new Counter({ name: `${p}routed_deliveries_total`, help: 'Frames from the broker handed to this node\'s sockets', registers }));
    this.#resubscriptions = metric(registry, `${p}resubscriptions_total`, () => new Counter({ name: `${p}resubscriptions_total`, help: 'Times the subscriber reconnected and resubscribed for the users this node holds', registers }));
    this.#resyncs = metric(registry, `${p}resyncs_total`, () => new Counter({ name: `${p}resyncs_total`, help: 'Users whose local tabs were closed with 1012 to resume exactly (a pub/sub gap, a lost log, a reconnect that missed events)', labelNames: ['reason'], registers }));
    this.#resends = metric(registry, `${p}publish_retries_total`, () => new Counter({ name: `${p}publish_retries_total`, help: 'Times an event\'s send was sent again after Redis could not be reached (same send id: logged once)', registers }));
    this.#rewritten = metric(registry, `${p}rewritten_logs_total`, () => new Counter({ name: `${p}rewritten_logs_total`, help: 'User logs found to have lost events their tabs were given (a failover lost acknowledged writes) and given a new epoch', registers }));
  }

  published(seconds: number): void { this.#publishSeconds.observe(seconds); }
  publishFailed(kind: PublishKind): void { this.#failures.inc({ kind }); }
  routed(count: number): void { if (count > 0) this.#routed.inc(count); }
  resubscribed(): void { this.#resubscriptions.inc(); }
  resynced(reason: ResyncReason): void { this.#resyncs.inc({ reason }); }
  logRewritten(): void { this.#rewritten.inc(); }
  resent(): void { this.#resends.inc(); }
}
