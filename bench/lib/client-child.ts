/** Forks the client child a run uses: the Node client (`clients/client.ts`) or the native one's relay. */
import { fileURLToPath } from 'node:url';
import { ensureNativeClient, NATIVE_CLIENT_ENV } from './native-client.js';
import { forkTs, type Child } from './proc.js';
import type { ScenarioContext } from './types.js';

const NODE_CLIENT = fileURLToPath(new URL('../clients/client.ts', import.meta.url));
const NATIVE_RELAY = fileURLToPath(new URL('../clients/native-client.ts', import.meta.url));

export function forkClient(ctx: ScenarioContext, label: string): Child {
  const cpus = ctx.pin?.client ?? null;
  // On a CPU of its own (--pin), the native client polls without sleeping during a phase: an idle CPU's wake-up
  // (milliseconds, at times, for a virtual machine's) is then not in the latencies, and it can tell when it was
  // preempted while deliveries were arriving (see runWithRetries).
  if (ctx.client === 'native') return forkTs(label, NATIVE_RELAY, [], [], { [NATIVE_CLIENT_ENV]: ensureNativeClient(), BENCH_NATIVE_SPIN: cpus === null ? '0' : '1' }, cpus);
  return forkTs(label, NODE_CLIENT, [], ['--max-old-space-size=2048'], {}, cpus);
}
