/** Forks the client child a run uses: the Node client (`clients/client.ts`) or the native one's relay. */
import { fileURLToPath } from 'node:url';
import { ensureNativeClient, NATIVE_CLIENT_ENV } from './native-client.js';
import { forkTs, type Child } from './proc.js';
import type { ScenarioContext } from './types.js';

const NODE_CLIENT = fileURLToPath(new URL('../clients/client.ts', import.meta.url));
const NATIVE_RELAY = fileURLToPath(new URL('../clients/native-client.ts', import.meta.url));

export function forkClient(ctx: ScenarioContext, label: string): Child {
  const cpus = ctx.pin?.client ?? null;
  if (ctx.client === 'native') return forkTs(label, NATIVE_RELAY, [], [], { [NATIVE_CLIENT_ENV]: ensureNativeClient() }, cpus);
  return forkTs(label, NODE_CLIENT, [], ['--max-old-space-size=2048'], {}, cpus);
}
