/**
 * Prometheus metrics of one ws-ssot server, in a registry the app owns (a new one by default, never
 * prom-client's global). Labelled children are bound once so hot paths only call `inc()`. Gauges read
 * live counts at scrape time instead of being updated on every connect. prom-client itself is loaded with the
 * first server's metrics, not when ws-ssot is imported.
 */
import type { Counter, Histogram, Registry } from 'prom-client';
import { loadPromClient } from './deferred-modules.js';
import type { FlagSourceStatus } from '../flags/flag-source.js';
import type { CodePath } from '../types.js';

export type RefusalReason = 'unauthorized' | 'forbidden_origin' | 'connection_limit' | 'closing' | 'auth_error' | 'bad_request';
export type InboundResult = 'ok' | 'invalid_json' | 'binary' | 'too_big' | 'handler_error';
export type DeliveryKind = 'message' | 'broadcast' | 'event' | 'replay';
export type RecoveryOutcome = 'recovered' | 'not_recovered';
/** What closed a connection with 1012 to move it: `drainOnFlagChange`, or a call to `drain()`. */
export type DrainTrigger = 'flag_change' | 'manual';
/** How a shadow comparison failed: a different number of recipients, or different connections. */
export type ShadowMismatchKind = 'count' | 'recipients';

/** Live values the gauges read when scraped. */
export interface MetricsSnapshotSource {
  connectionsByPath(): Record<CodePath, number>;
  users(): number;
  /** The flag source's status (the primary's, for a composite); omitted: no flag-source gauges. */
  flagSource?(): FlagSourceStatus;
}

function metric<T>(registry: Registry, name: string, create: () => T): T {
  // Reuse a metric already registered under this name (two servers sharing one registry and prefix).
  return (registry.getSingleMetric(name) as T | undefined) ?? create();
}

export class WsSsotMetrics {
  readonly registry: Registry;
  readonly #refusals: Counter<'reason'>;
  readonly #inbound: Counter<'result'>;
  readonly #delivered: Record<DeliveryKind, Counter.Internal>;
  readonly #transientLoss: Record<'dropped' | 'coalesced', Counter.Internal>;
  readonly #slowConsumers: Counter;
  readonly #recovery: Record<RecoveryOutcome, Counter.Internal>;
  readonly #opened: Counter<'path'>;
  readonly #routing: Counter<'path'>;
  readonly #heartbeatTerminations: Counter;
  readonly #drained: Counter<'trigger' | 'path'>;
  readonly #fanoutSeconds: Histogram;
  readonly #shadowComparisons: Counter;
  readonly #shadowMismatches: Record<ShadowMismatchKind, Counter.Internal>;

  constructor(source: MetricsSnapshotSource, options: { registry?: Registry; prefix: string }) {
    const { Counter, Gauge, Histogram, Registry } = loadPromClient();
    const registry = options.registry ?? new Registry();
    const p = options.prefix;
    this.registry = registry;
    const registers = [registry];
    metric(registry, `${p}connections`, () => new Gauge({
      name: `${p}connections`, help: 'Open WebSocket connections, by code path', labelNames: ['path'], registers,
      collect() { const by = source.connectionsByPath(); this.set({ path: 'ssot' }, by.ssot); this.set({ path: 'legacy' }, by.legacy); },
    }));
    metric(registry, `${p}users`, () => new Gauge({
      name: `${p}users`, help: 'Users with at least one open connection', registers,
      collect() { this.set(source.users()); },
    }));
    const flagSource = source.flagSource?.bind(source);
    if (flagSource !== undefined) {
      metric(registry, `${p}flag_source_stale`, () => new Gauge({
        name: `${p}flag_source_stale`, help: '1 if the flag source could not refresh and serves last-known values', registers,
        collect() { this.set(flagSource().stale ? 1 : 0); },
      }));
      metric(registry, `${p}flag_source_last_sync_timestamp_seconds`, () => new Gauge({
        name: `${p}flag_source_last_sync_timestamp_seconds`, help: 'Unix time of the flag source\'s last successful sync (0 = never)', registers,
        collect() { const at = flagSource().lastSyncAt; this.set(at === null ? 0 : at / 1000); },
      }));
    }
    this.#opened = metric(registry, `${p}connections_opened_total`, () => new Counter({ name: `${p}connections_opened_total`, help: 'Connections accepted, by code path', labelNames: ['path'], registers }));
    this.#refusals = metric(registry, `${p}connection_refusals_total`, () => new Counter({ name: `${p}connection_refusals_total`, help: 'Upgrades refused, by reason', labelNames: ['reason'], registers }));
    this.#inbound = metric(registry, `${p}inbound_messages_total`, () => new Counter({ name: `${p}inbound_messages_total`, help: 'Inbound frames, by outcome', labelNames: ['result'], registers }));
    const delivered = metric(registry, `${p}deliveries_total`, () => new Counter({ name: `${p}deliveries_total`, help: 'Frames handed to sockets, by kind', labelNames: ['kind'], registers }));
    this.#delivered = { message: delivered.labels('message'), broadcast: delivered.labels('broadcast'), event: delivered.labels('event'), replay: delivered.labels('replay') };
    const loss = metric(registry, `${p}transient_events_lost_total`, () => new Counter({ name: `${p}transient_events_lost_total`, help: 'Transient (non-durable) frames dropped or coalesced away under backpressure', labelNames: ['reason'], registers }));
    this.#transientLoss = { dropped: loss.labels('dropped'), coalesced: loss.labels('coalesced') };
    this.#slowConsumers = metric(registry, `${p}slow_consumer_closes_total`, () => new Counter({ name: `${p}slow_consumer_closes_total`, help: 'Connections closed with 4008 because a durable frame met a full buffer', registers }));
    const recovery = metric(registry, `${p}recoveries_total`, () => new Counter({ name: `${p}recoveries_total`, help: 'Reconnects asking for replay, by outcome', labelNames: ['outcome'], registers }));
    this.#recovery = { recovered: recovery.labels('recovered'), not_recovered: recovery.labels('not_recovered') };
    this.#routing = metric(registry, `${p}routing_decisions_total`, () => new Counter({ name: `${p}routing_decisions_total`, help: 'Code path chosen for new connections', labelNames: ['path'], registers }));
    this.#drained = metric(registry, `${p}drained_connections_total`, () => new Counter({ name: `${p}drained_connections_total`, help: 'Connections closed with 1012 to move them to the code path the flags choose, by trigger and by the path they were on', labelNames: ['trigger', 'path'], registers }));
    this.#heartbeatTerminations = metric(registry, `${p}heartbeat_terminations_total`, () => new Counter({ name: `${p}heartbeat_terminations_total`, help: 'Peers terminated for missing a pong', registers }));
    this.#shadowComparisons = metric(registry, `${p}shadow_comparisons_total`, () => new Counter({ name: `${p}shadow_comparisons_total`, help: 'Sampled legacy-path sends compared with what the SSOT path would have delivered', registers }));
    const mismatches = metric(registry, `${p}shadow_mismatches_total`, () => new Counter({ name: `${p}shadow_mismatches_total`, help: 'Shadow comparisons where the legacy path and the SSOT path differ, by kind', labelNames: ['kind'], registers }));
    this.#shadowMismatches = { count: mismatches.labels('count'), recipients: mismatches.labels('recipients') };
    this.#fanoutSeconds = metric(registry, `${p}fanout_duration_seconds`, () => new Histogram({ name: `${p}fanout_duration_seconds`, help: 'Time to serialise and hand one event to all of its connections', buckets: [0.00001, 0.0001, 0.001, 0.01, 0.1, 1], registers }));
  }

  refused(reason: RefusalReason): void { this.#refusals.inc({ reason }); }
  inbound(result: InboundResult): void { this.#inbound.inc({ result }); }
  delivered(kind: DeliveryKind, count: number): void { if (count > 0) this.#delivered[kind].inc(count); }
  transientLoss(reason: 'dropped' | 'coalesced', count = 1): void { if (count > 0) this.#transientLoss[reason].inc(count); }
  slowConsumerClosed(): void { this.#slowConsumers.inc(); }
  recovery(outcome: RecoveryOutcome): void { this.#recovery[outcome].inc(); }
  connectionOpened(path: CodePath): void { this.#opened.inc({ path }); }
  routed(path: CodePath): void { this.#routing.inc({ path }); }
  drained(trigger: DrainTrigger, path: CodePath, count = 1): void { if (count > 0) this.#drained.inc({ trigger, path }, count); }
  heartbeatTerminated(): void { this.#heartbeatTerminations.inc(); }
  fanoutSeconds(seconds: number): void { this.#fanoutSeconds.observe(seconds); }
  shadowCompared(): void { this.#shadowComparisons.inc(); }
  shadowMismatch(kind: ShadowMismatchKind): void { this.#shadowMismatches[kind].inc(); }

  /** The Prometheus text exposition of the registry. */
  async text(): Promise<string> {
    return this.registry.metrics();
  }
}
