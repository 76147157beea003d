/**
 * Issue 16 point 9: servers sharing one prom-client registry. Counters are registered once and shared; the
 * gauges sum the live counts of every server still sharing them, and a server's release() (its close())
 * takes its counts out. Fake count providers: the aggregation is what is under test.
 */
import { Gauge, Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { EventStore } from '../../src/core/event-store.js';
import type { FlagSourceStatus } from '../../src/flags/flag-source.js';
import { WsSsotMetrics, type MetricsSnapshotSource } from '../../src/observability/metrics.js';

interface FakeCounts {
  ssot: number;
  legacy: number;
  users: number;
  flags?: { stale: boolean; lastSyncAt: number | null };
}

function source(counts: FakeCounts): MetricsSnapshotSource {
  return {
    connectionsByPath: () => ({ ssot: counts.ssot, legacy: counts.legacy }),
    users: () => counts.users,
    ...(counts.flags === undefined ? {} : { flagSource: () => counts.flags as unknown as FlagSourceStatus }),
  };
}

/** The value of `name` (with `labels`) in the registry's exposition, or undefined if absent. */
async function value(registry: Registry, name: string, labels: Record<string, string> = {}): Promise<number | undefined> {
  // A histogram's samples (`_count`, `_sum`, `_bucket`) are values of the metric named without the suffix.
  const metric = (await registry.getMetricsAsJSON()).find((m) => m.name === name || name.startsWith(`${m.name}_`));
  const entry = metric?.values.find((v) => ((v as { metricName?: string }).metricName ?? metric.name) === name && Object.entries(labels).every(([k, l]) => v.labels[k] === l));
  return entry?.value;
}

describe('WsSsotMetrics on a shared registry', () => {
  it('the connection and user gauges sum over every server sharing the registry, and drop a server once it is released', async () => {
    const registry = new Registry();
    const a: FakeCounts = { ssot: 2, legacy: 1, users: 2 };
    const b: FakeCounts = { ssot: 3, legacy: 0, users: 1 };
    const first = new WsSsotMetrics(source(a), { registry, prefix: 'wssot_' });
    const second = new WsSsotMetrics(source(b), { registry, prefix: 'wssot_' });
    expect(await value(registry, 'wssot_connections', { path: 'ssot' })).toBe(5);
    expect(await value(registry, 'wssot_connections', { path: 'legacy' })).toBe(1);
    expect(await value(registry, 'wssot_users')).toBe(3);
    // Live: read at scrape time.
    b.ssot = 7;
    expect(await value(registry, 'wssot_connections', { path: 'ssot' })).toBe(9);
    // The first server closes while the second still holds connections.
    first.release();
    first.release(); // idempotent
    expect(await value(registry, 'wssot_connections', { path: 'ssot' })).toBe(7);
    expect(await value(registry, 'wssot_connections', { path: 'legacy' })).toBe(0);
    expect(await value(registry, 'wssot_users')).toBe(1);
    second.release();
    expect(await value(registry, 'wssot_connections', { path: 'ssot' })).toBe(0);
    expect(await value(registry, 'wssot_users')).toBe(0);
    // Each registry and prefix keeps its own set: a server on another registry is not summed in.
    const other = new Registry();
    const third = new WsSsotMetrics(source({ ssot: 1, legacy: 0, users: 1 }), { registry: other, prefix: 'wssot_' });
    new WsSsotMetrics(source({ ssot: 100, legacy: 0, users: 100 }), { registry: other, prefix: 'other_' }).release();
    expect(await value(other, 'wssot_connections', { path: 'ssot' })).toBe(1);
    expect(await value(registry, 'wssot_connections', { path: 'ssot' })).toBe(0);
    third.release();
  });

  it('the flag-source gauges: stale if any server\'s source is, the oldest last sync (0 if one never synced)', async () => {
    const registry = new Registry();
    const a: FakeCounts = { ssot: 0, legacy: 0, users: 0, flags: { stale: false, lastSyncAt: 5_000 } };
    const b: FakeCounts = { ssot: 0, legacy: 0, users: 0, flags: { stale: true, lastSyncAt: 2_000 } };
    const first = new WsSsotMetrics(source(a), { registry, prefix: 'wssot_' });
    const noFlags = new WsSsotMetrics(source({ ssot: 1, legacy: 0, users: 1 }), { registry, prefix: 'wssot_' });
    const second = new WsSsotMetrics(source(b), { registry, prefix: 'wssot_' });
    expect(await value(registry, 'wssot_flag_source_stale')).toBe(1);
    expect(await value(registry, 'wssot_flag_source_last_sync_timestamp_seconds')).toBe(2);
    second.release();
    expect(await value(registry, 'wssot_flag_source_stale')).toBe(0);
    expect(await value(registry, 'wssot_flag_source_last_sync_timestamp_seconds')).toBe(5);
    a.flags = { stale: false, lastSyncAt: null };
    expect(await value(registry, 'wssot_flag_source_last_sync_timestamp_seconds')).toBe(0);
    first.release();
    noFlags.release();
  });

  it('counters and the histogram are registered once and count for every server; a second registration does not throw', async () => {
    const registry = new Registry();
    const first = new WsSsotMetrics(source({ ssot: 0, legacy: 0, users: 0 }), { registry, prefix: 'wssot_' });
    const second = new WsSsotMetrics(source({ ssot: 0, legacy: 0, users: 0 }), { registry, prefix: 'wssot_' });
    first.delivered('message', 2);
    second.delivered('message', 3);
    first.refused('unauthorized');
    second.refused('unauthorized');
    first.fanoutSeconds(0.001);
    second.fanoutSeconds(0.001);
    first.recoveryLogEvicted('users');
    second.recoveryLogEvicted('bytes');
    expect(await value(registry, 'wssot_deliveries_total', { kind: 'message' })).toBe(5);
    expect(await value(registry, 'wssot_connection_refusals_total', { reason: 'unauthorized' })).toBe(2);
    expect(await value(registry, 'wssot_fanout_duration_seconds_count')).toBe(2);
    expect(await value(registry, 'wssot_recovery_logs_evicted_total', { limit: 'users' })).toBe(1);
    expect(await value(registry, 'wssot_recovery_logs_evicted_total', { limit: 'bytes' })).toBe(1);
    // Counters keep their counts after release.
    first.release();
    second.release();
    expect(await value(registry, 'wssot_deliveries_total', { kind: 'message' })).toBe(5);
    expect((await registry.metrics()).match(/^# TYPE wssot_connections gauge$/gm)).toHaveLength(1);
  });

  it('leaves alone an app metric of the same name that is not a ws-ssot gauge', async () => {
    const registry = new Registry();
    new Gauge({ name: 'wssot_users', help: 'the app\'s own', registers: [registry] }).set(42);
    const metrics = new WsSsotMetrics(source({ ssot: 1, legacy: 0, users: 7 }), { registry, prefix: 'wssot_' });
    expect(await value(registry, 'wssot_users')).toBe(42);
    expect(await value(registry, 'wssot_connections', { path: 'ssot' })).toBe(1);
    metrics.release();
  });

  it('counts the event store\'s evictions in wssot_recovery_logs_evicted_total through its onEvict hook', async () => {
    const registry = new Registry();
    const metrics = new WsSsotMetrics(source({ ssot: 0, legacy: 0, users: 0 }), { registry, prefix: 'wssot_' });
    const store = new EventStore({ maxEvents: 10, maxAgeMs: 60_000, maxOfflineUsers: 2 }, { onEvict: (_userId, limit) => metrics.recoveryLogEvicted(limit) });
    try {
      for (let i = 0; i < 5; i++) {
        const stream = store.stream(`u${i}`);
        stream.seq = 1;
        stream.log.append(1, 1_000 + i, '{}');
        store.release(stream, 1_000 + i);
      }
      expect(store.offlineLogCount).toBe(2);
      expect(await value(registry, 'wssot_recovery_logs_evicted_total', { limit: 'users' })).toBe(3);
    } finally {
      store.close();
      metrics.release();
    }
  });
});
