/**
 * `npm run bench -- --pin`: the server and the load client each on a CPU of their own. What a pinned child
 * may run on is read back from Linux's /proc, for every thread of it and for a process it starts (the native
 * client is started by its Node relay); then a pinned quick broadcast must still deliver everything.
 */
import os from 'node:os';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { cpuPinning } from '../lib/cpu-pinning.js';
import { forkTs, type Child, type IpcMessage } from '../lib/proc.js';
import type { ScenarioContext } from '../lib/types.js';
import { broadcast, sizes } from '../scenarios/broadcast.js';

const PROBE = fileURLToPath(new URL('./fixtures/affinity-probe.ts', import.meta.url));
const children: Child[] = [];
afterEach(async () => {
  await Promise.all(children.splice(0).map((c) => c.stop()));
});

describe.skipIf(process.platform !== 'linux' || os.availableParallelism() < 2)('bench --pin', () => {
  it('runs a pinned child, each of its threads and what it starts, on the CPUs asked; an unpinned one on all', async () => {
    const pinning = cpuPinning();
    expect(pinning.server).not.toBe(pinning.client);
    for (const cpus of [pinning.server, pinning.client]) {
      const child = forkTs(`probe:${cpus}`, PROBE, [], [], {}, cpus);
      children.push(child);
      const seen = await child.waitFor<IpcMessage & { threads: string[]; started: string }>('cpus', 20_000);
      expect(seen.threads.length).toBeGreaterThan(1); // Node's own threads too
      expect(new Set(seen.threads)).toEqual(new Set([cpus]));
      expect(seen.started).toBe(cpus);
    }
    const free = forkTs('probe:free', PROBE);
    children.push(free);
    const seen = await free.waitFor<IpcMessage & { threads: string[] }>('cpus', 20_000);
    expect(seen.threads.every((list) => list !== pinning.server && list !== pinning.client)).toBe(true);
  }, 30_000);

  it('a pinned quick broadcast delivers every event to every client', async () => {
    const ctx: ScenarioContext = { quick: true, runs: 1, impls: ['raw-ws', 'ws-ssot'], maxOtherLoadPct: 100, client: 'node', pin: cpuPinning(), log: () => {} };
    const { connections, events } = sizes(true);
    const result = await broadcast.run(ctx);
    for (const row of result.rows) {
      expect(row.notes, row.name).toEqual([]);
      expect(row.metrics['delivered'], row.name).toBe(connections * events);
    }
  }, 20_000);
});
