/**
 * Redis memory of ws-ssot's engine, for the deployment doc: how much `INFO memory` used_memory grows when N users
 * each have M logged events (agent events of a ~256 B payload, through `manager.publishAgentEvent`: the engine's
 * publish script, which appends to the user's stream and publishes), on a key prefix of its own. Full: N = 1,000
 * and 10,000, M = 100 and 500 (the default log bound, recovery.maxEvents, is 500); quick: 100 users × 10 and 50.
 *
 * One producing node (a ws-ssot server on the engine, no connections) writes the events; the parent reads
 * used_memory before and after, the streams' lengths (XLEN of every user's log) and one frame's size, then stops the
 * node and deletes every key under the prefix (SCAN + UNLINK). Per event = growth / events retained; per user =
 * growth / N; and from two M for the same N, the fit growth = N × (fixed + M × per event). The Redis is shared:
 * other work writing to it during a fill shows up in the growth (small against the larger sizes).
 * Each size runs once (the figure is an allocation count, not a timing).
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import type { Redis } from 'ioredis';
import { makePayload } from '../lib/payload.js';
import { forkTs, type IpcMessage } from '../lib/proc.js';
import { deleteByPrefix, keysWithPrefix, openRedis, REDIS_URL, redisCpuMs, redisUnreachable, redisUsedMemory, redisVersion, uniquePrefix } from '../lib/redis.js';
import type { Row, Scenario, ScenarioContext, ScenarioResult } from '../lib/types.js';
import { IMPLEMENTATIONS } from '../servers/index.js';
import type { BenchServer } from '../servers/types.js';
import type { WsSsotBenchServer } from '../servers/ws-ssot.js';

const HOST = fileURLToPath(new URL('../servers/host.ts', import.meta.url));

interface FillParams {
  users: number;
  events: number;
  size: number;
  /** Publishes in flight at once (the engine's connection auto-pipelines them). */
  inFlight: number;
}

/** Runs in the node: event e to every user, for e = 0 … events − 1, each awaited (in batches of `inFlight`). */
export async function fillPhase(server: BenchServer, params: Record<string, unknown>): Promise<{ published: number; failed: number }> {
  const { users, events, size, inFlight } = params as unknown as FillParams;
  const manager = (server as WsSsotBenchServer).manager;
  let failed = 0;
  let batch: Array<Promise<unknown>> = [];
  for (let e = 0; e < events; e++) {
    for (let u = 0; u < users; u++) {
      batch.push(manager.publishAgentEvent(`u${u}`, 'bench.event', makePayload(e, size), { runId: 'redis-memory' }).catch(() => failed++));
      if (batch.length >= inFlight) {
        await Promise.all(batch);
        batch = [];
      }
    }
  }
  await Promise.all(batch);
  return { published: users * events - failed, failed };
}

interface Measured {
  users: number;
  events: number;
  growth: number;
  retained: number;
  keys: number;
  frameBytes: number | null;
  fillMs: number;
  redisCpuMs: number | null;
  freedAfterCleanup: number | null;
  notes: string[];
}

async function sumXlen(redis: Redis, prefix: string, users: number): Promise<number> {
  let total = 0;
  for (let start = 0; start < users; start += 1_000) {
    const p = redis.pipeline();
    for (let u = start; u < Math.min(users, start + 1_000); u++) p.xlen(`${prefix}:{u:u${u}}:log`);
    for (const [err, n] of (await p.exec()) ?? []) if (err === null) total += Number(n);
  }
  return total;
}

async function measure(redis: Redis, users: number, events: number, size: number, ctx: ScenarioContext): Promise<Measured> {
  const prefix = uniquePrefix(`rm-${users}x${events}`);
  const notes: string[] = [];
  const node = forkTs('node:ws-ssot', HOST, ['ws-ssot', JSON.stringify(IMPLEMENTATIONS['ws-ssot'].cluster!(REDIS_URL, prefix))], [], {}, null);
  try {
    await node.waitFor('ready', 30_000);
    // The node's own keys (its stats, the live-node set) are written by its first heartbeat: let it pass first.
    await sleep(500);
    const before = await redisUsedMemory(redis);
    const cpu0 = await redisCpuMs(redis).catch(() => null);
    const sent = await node.request<IpcMessage & { t0: number; t1: number; result: { published: number; failed: number } }>(
      { type: 'phase', module: fileURLToPath(import.meta.url), fn: 'fillPhase', params: { users, events, size, inFlight: 2_000 } },
      'sent',
      600_000,
    );
    const cpu1 = await redisCpuMs(redis).catch(() => null);
    await sleep(200);
    const after = await redisUsedMemory(redis);
    if (sent.result.failed > 0) notes.push(`${sent.result.failed} publishes failed`);
    const fillMs = sent.t1 - sent.t0;
    if (fillMs > 300_000) notes.push('the fill took longer than the log age bound (recovery.maxAgeMs, 300 s): the first events were trimmed by age');
    const retained = await sumXlen(redis, prefix, users);
    const keys = (await keysWithPrefix(redis, prefix)).length;
    const first = (await redis.xrange(`${prefix}:{u:u0}:log`, '-', '+', 'COUNT', 1)) as Array<[string, string[]]>;
    const frameBytes = first[0]?.[1]?.[1] !== undefined ? Buffer.byteLength(first[0][1][1]) : null;
    ctx.log(`  ${users} users × ${events} events: +${((after - before) / 2 ** 20).toFixed(1)} MB, ${retained} entries retained, ${keys} keys, filled in ${(fillMs / 1000).toFixed(1)} s`);
    await node.stop();
    await deleteByPrefix(redis, prefix);
    await sleep(500); // UNLINK frees in the background
    const cleaned = await redisUsedMemory(redis);
    const left = (await keysWithPrefix(redis, prefix)).length;
    if (left > 0) notes.push(`${left} keys left under the prefix after the cleanup`);
    return { users, events, growth: after - before, retained, keys, frameBytes, fillMs, redisCpuMs: cpu0 !== null && cpu1 !== null ? cpu1 - cpu0 : null, freedAfterCleanup: after - cleaned, notes };
  } finally {
    await node.stop();
    await deleteByPrefix(redis, prefix).catch(() => undefined);
  }
}

export const redisMemory: Scenario = {
  name: 'redis-memory',
  async run(ctx: ScenarioContext): Promise<ScenarioResult> {
    const size = 256;
    const userCounts = ctx.quick ? [100] : [1_000, 10_000];
    const eventCounts = ctx.quick ? [10, 50] : [100, 500];
    const unreachable = await redisUnreachable(REDIS_URL);
    const why = unreachable ?? IMPLEMENTATIONS['ws-ssot'].unavailable();
    const result: ScenarioResult = {
      name: 'redis-memory',
      title: 'Redis memory of the engine’s logs',
      rowHeader: 'ws-ssot: users × events each',
      setup: '',
      columns: [
        { key: 'events', label: 'events logged', digits: 0 },
        { key: 'retained', label: 'entries retained (XLEN)', digits: 0 },
        { key: 'keys', label: 'keys', digits: 0 },
        { key: 'growthMB', label: 'used_memory growth MB', digits: 1 },
        { key: 'bytesPerEvent', label: 'bytes / retained event', digits: 0 },
        { key: 'bytesPerUser', label: 'bytes / user', digits: 0 },
        { key: 'fixedPerUser', label: 'fit: fixed bytes / user', digits: 0 },
        { key: 'perEvent', label: 'fit: bytes / event', digits: 0 },
        { key: 'frameBytes', label: 'frame B', digits: 0 },
        { key: 'publishPerSec', label: 'logged events / s', digits: 0 },
        { key: 'redisCpuUsPerEvent', label: 'Redis CPU µs / event', digits: 1 },
      ],
      rows: [],
      targets: [],
    };
    if (why !== null) {
      result.setup = `n/a: ${why}`;
      result.rows = [{ name: 'ws-ssot', metrics: {}, notes: [`n/a: ${why}`] }];
      return result;
    }
    const redis = openRedis();
    try {
      const version = await redisVersion(redis);
      const measured: Measured[] = [];
      for (const users of userCounts) {
        for (const events of eventCounts) {
          try {
            measured.push(await measure(redis, users, events, size, ctx));
          } catch (err) {
            measured.push({ users, events, growth: Number.NaN, retained: 0, keys: 0, frameBytes: null, fillMs: 0, redisCpuMs: null, freedAfterCleanup: null, notes: [`failed: ${(err instanceof Error ? err.message : String(err)).split('\n')[0]}`] });
          }
        }
      }
      result.rows = measured.map((m): Row => {
        const same = measured.filter((x) => x.users === m.users && Number.isFinite(x.growth));
        let fixedPerUser: number | null = null;
        let perEvent: number | null = null;
        if (same.length >= 2) {
          const lo = same.reduce((a, b) => (b.retained < a.retained ? b : a));
          const hi = same.reduce((a, b) => (b.retained > a.retained ? b : a));
          if (hi.retained > lo.retained) {
            perEvent = (hi.growth - lo.growth) / (hi.retained - lo.retained);
            fixedPerUser = (lo.growth - perEvent * lo.retained) / m.users;
          }
        }
        const total = m.users * m.events;
        return {
          name: `${m.users.toLocaleString('en-US')} users × ${m.events} events`,
          metrics: {
            events: total,
            retained: m.retained,
            keys: m.keys,
            growthMB: m.growth / 2 ** 20,
            bytesPerEvent: m.retained > 0 ? m.growth / m.retained : null,
            bytesPerUser: m.growth / m.users,
            fixedPerUser,
            perEvent,
            frameBytes: m.frameBytes,
            publishPerSec: m.fillMs > 0 ? (total * 1000) / m.fillMs : null,
            redisCpuUsPerEvent: m.redisCpuMs !== null ? (m.redisCpuMs * 1000) / total : null,
          },
          notes: [...m.notes, ...(m.freedAfterCleanup !== null ? [`cleanup freed ${(m.freedAfterCleanup / 2 ** 20).toFixed(1)} MB`] : [])],
        };
      });
      result.setup =
        `Redis ${version}; N users × M agent events (payload ${size} B, inside the event envelope) logged through the engine's publish script ` +
        '(default log bounds: 500 events, 300 s); growth of INFO memory used_memory; one run per size; ' +
        'fit: from the two M of one N, growth = N × (fixed + retained/N × per event)';
      return result;
    } finally {
      redis.disconnect();
    }
  },
};
