/**
 * Machine-wide CPU accounting, to tell a clean run from one that shared the cores with other work.
 * `os.cpus()` times are cumulative per core (ms, 10 ms ticks on Linux): good enough over phases of seconds.
 */
import os from 'node:os';

export interface CpuSnapshot {
  busyMs: number;
  totalMs: number;
}

export function cpuSnapshot(): CpuSnapshot {
  let busy = 0;
  let total = 0;
  for (const c of os.cpus()) {
    const t = c.times;
    busy += t.user + t.nice + t.sys + t.irq;
    total += t.user + t.nice + t.sys + t.irq + t.idle;
  }
  return { busyMs: busy, totalMs: total };
}

/**
 * Share of the machine's CPU capacity (all cores) used between the two snapshots by processes other than
 * the benchmark's own (`ownMs` = CPU of server + client + parent), in %. Clamped at 0.
 */
export function foreignCpuPct(before: CpuSnapshot, after: CpuSnapshot, ownMs: number): number | null {
  const total = after.totalMs - before.totalMs;
  if (total <= 0) return null;
  const foreign = after.busyMs - before.busyMs - ownMs;
  return Math.max(0, (foreign / total) * 100);
}
