/**
 * `--pin`: the server process on one CPU and the load client on another (Linux `taskset`, which every thread
 * of the process inherits), so that neither is descheduled for the other and each run sees the same split of
 * the machine. Without it the kernel places them, and on a 2-core machine a server and a client that share a
 * core for a few milliseconds show up as latency spikes that belong to neither.
 */
import { spawnSync } from 'node:child_process';
import os from 'node:os';

export interface CpuPinning {
  /** CPU list (taskset syntax) of the server process. */
  server: string;
  /** CPU list of the load client (and the processes it starts). */
  client: string;
}

/** The pinning `--pin` asks for; throws if this machine cannot give it (one CPU, or no `taskset`). */
export function cpuPinning(): CpuPinning {
  const cpus = os.availableParallelism();
  if (cpus < 2) throw new Error(`--pin needs at least 2 CPUs; this process may use ${cpus}`);
  const probe = spawnSync('taskset', ['--version'], { encoding: 'utf8' });
  if (probe.error !== undefined || probe.status !== 0) throw new Error('--pin needs taskset (Debian: apt-get install util-linux)');
  return { server: '0', client: '1' };
}

/** A process's command line run on `cpus` (taskset syntax), or as it is for null. */
export function pinnedCommand(cpus: string | null, command: string, args: string[]): { command: string; args: string[] } {
  return cpus === null ? { command, args } : { command: 'taskset', args: ['--cpu-list', cpus, command, ...args] };
}
