/**
 * Prometheus metrics of one ws-ssot server, in a registry the app owns (a new one by default, never
 * prom-client's global). Labelled children are bound once so hot paths only call `inc()`. Gauges read
 * live counts at scrape time instead of being updated on every connect. prom-client itself is loaded with the
 * first server's metrics, not when ws-ssot is imported.
 *
 * Several servers may share one registry (and prefix). Counters and the histogram are then shared too: each
 * metric is registered once, by the first server, and every server increments it, so they count the sum of
 * all. The gauges are registered once as well, and sum the live counts of every server sharing them: each
 * gauge keeps the set of its servers' count providers on itself (under a `Symbol.for` key, so the ESM and
 * the CJS copy of the package find the same set), each server adds its provider when its metrics are built
 * and removes it in {@link WsSsotMetrics.release} (its `close()` calls that), and a scrape sums the providers
 * still there: `connections` and `users` are sums (a user connected to two servers counts twice),
 * `flag_source_stale` is 1 if any server's source is stale, `flag_source_last_sync_timestamp_seconds` is
 * the oldest of their last syncs (0 if any never synced). With no server left they read 0. Nothing is kept
 * at module level.
 */
import type { Counter, Gauge, Histogram, Registry } from 'prom-client';
import { loadPromClient } from './deferred-modules.js';
import type { EvictionLimit } from '../core/event-store.js';
import type { FlagSourceStatus } from '../flags/flag-source.js';
import type { CodePath } from '../types.js';

export type RefusalReason = 'unauthorized' | 'forbidden_origin' | 'connection_limit' | 'closing' | 'auth_error' | 'auth_timeout' | 'too_many_upgrades' | 'bad_request';
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

/** Where a gauge keeps the providers it sums. Versioned like the error brands: a later major may differ in shape. */
const kProviders = Symbol.for('ws-ssot.v1.metrics.providers');

type Providers = Set<MetricsSnapshotSource>;

/**
 * The provider set of the gauge `name`, created with `create(providers)` if the registry has no such
 * metric; null if the registry has a metric of that name that is not a ws-ssot gauge (an app's own).
 */
function gaugeProviders(registry: Registry, name: string, create: (providers: Providers) => Gauge): Providers | null {
  const existing = registry.getSingleMetric(name) as { [kProviders]?: unknown } | undefined;
  if (existing !== undefined) return existing[kProviders] instanceof Set ? (existing[kProviders] as Providers) : null;
  const providers: Providers = new Set();
  Object.defineProperty(create(providers), kProviders, { value: providers });
  return providers;
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
  readonly #recoveryLogsEvicted: Record<EvictionLimit, Counter.Internal>;
  /** This server's provider, and the provider sets of the gauges it was added to (emptied by release()). */
  readonly #provider: MetricsSnapshotSource;
  readonly #gaugeSets: Providers[];

  constructor(source: MetricsSnapshotSource, options: { registry?: Registry; prefix: string }) {
    const { Counter, Gauge, Histogram, Registry } = loadPromClient();
    const registry = options.registry ?? new Registry();
    const p = options.prefix;
    this.registry = registry;
    const registers = [registry];
    // One provider object per server (not the source itself: two metrics on one source still count twice).
    const flagSource = source.flagSource?.bind(source);
    this.#provider = { connectionsByPath: () => source.connectionsByPath(), users: () => source.users(), flagSource };
    const gaugeSets: Providers[] = [];
    const gauge = (name: string, create: (providers: Providers) => Gauge): void => {
      const providers = gaugeProviders(registry, name, create);
      if (providers === null) return;
      providers.add(this.#provider);
      gaugeSets.push(providers);
    };
    gauge(`${p}connections`, (providers) => new Gauge({
      name: `${p}connections`, help: 'Open WebSocket connections, by code path (summed over the servers sharing this registry)', labelNames: ['path'], registers,
      collect() {
        let ssot = 0;
        let legacy = 0;
        for (const provider of providers) {
          const by = provider.connectionsByPath();
          ssot += by.ssot;
          legacy += by.legacy;
        }
        this.set({ path: 'ssot' }, ssot);
        this.set({ path: 'legacy' }, legacy);
      },
    }));
    gauge(`${p}users`, (providers) => new Gauge({
      name: `${p}users`, help: 'Users with at least one open connection (summed over the servers sharing this registry)', registers,
      collect() {
        let users = 0;
        for (const provider of providers) users += provider.users();
        this.set(users);
      },
    }));
    if (flagSource !== undefined) {
      gauge(`${p}flag_source_stale`, (providers) => new Gauge({
        name: `${p}flag_source_stale`, help: '1 if a flag source (of any server sharing this registry) could not refresh and serves last-known values', registers,
        collect() {
          let stale = 0;
          for (const provider of providers) if (provider.flagSource?.().stale === true) stale = 1;
          this.set(stale);
        },
      }));
      gauge(`${p}flag_source_last_sync_timestamp_seconds`, (providers) => new Gauge({
        name: `${p}flag_source_last_sync_timestamp_seconds`, help: 'Unix time of the flag source\'s last successful sync, the oldest over the servers sharing this registry (0 = never)', registers,
        collect() {
          let oldest: number | null = null;
          for (const provider of providers) {
            const status = provider.flagSource?.();
            if (status === undefined) continue;
            const at = status.lastSyncAt === null ? 0 : status.lastSyncAt / 1000;
            if (oldest === null || at < oldest) oldest = at;
          }
          this.set(oldest ?? 0);
        },
      }));
    }
    this.#gaugeSets = gaugeSets;
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
    const evicted = metric(registry, `${p}recovery_logs_evicted_total`, () => new Counter({ name: `${p}recovery_logs_evicted_total`, help: 'Logs of users without a connection forgotten to stay within recovery.maxOfflineUsers (limit="users") or recovery.maxOfflineBytes (limit="bytes"); their users resume with recovered: false', labelNames: ['limit'], registers }));
    this.#recoveryLogsEvicted = { users: evicted.labels('users'), bytes: evicted.labels('bytes') };
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
  /** For the EventStore's `onEvict` hook. */
  recoveryLogEvicted(limit: EvictionLimit): void { this.#recoveryLogsEvicted[limit].inc(); }

  /**
   * Takes this server's live counts out of the gauges it shares with other servers (its close() calls this), so
   * they sum only the servers still running. Counters keep what was counted. Idempotent.
   */
  release(): void {
    for (const providers of this.#gaugeSets) providers.delete(this.#provider);
    this.#gaugeSets.length = 0;
  }

  /** The Prometheus text exposition of the registry. */
  async text(): Promise<string> {
    return this.registry.metrics();
  }
}
