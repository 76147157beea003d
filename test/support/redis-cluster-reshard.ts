/**
 * Moves one hash slot between two live masters of a test's Redis Cluster, as `redis-cli --cluster reshard`
 * does for each slot it moves: the target IMPORTING and the source MIGRATING, every key of the slot MIGRATEd,
 * then every master told the target owns it (CLUSTER SETSLOT … NODE). Giving the slot up makes the source
 * push an unasked SUNSUBSCRIBE to the subscribers of the slot's shard channels (Redis ≥ 7).
 */
import { call } from './redis-topology.js';

const HOST = '127.0.0.1';

async function idOf(port: number): Promise<string> {
  return String(await call(port, 'CLUSTER', 'MYID'));
}

/** Moves `slot` from the master on `fromPort` to the master on `toPort`; `masters`: every master's port. */
export async function moveSlot(slot: number, fromPort: number, toPort: number, masters: number[]): Promise<void> {
  const [from, to] = [await idOf(fromPort), await idOf(toPort)];
  await call(toPort, 'CLUSTER', 'SETSLOT', slot, 'IMPORTING', from);
  await call(fromPort, 'CLUSTER', 'SETSLOT', slot, 'MIGRATING', to);
  for (;;) {
    const keys = (await call(fromPort, 'CLUSTER', 'GETKEYSINSLOT', slot, 100)) as string[];
    if (keys.length === 0) break;
    await call(fromPort, 'MIGRATE', HOST, toPort, '', 0, 5_000, 'KEYS', ...keys);
  }
  // The target first, then the source (which then unsubscribes the slot's shard channels), then the rest.
  await call(toPort, 'CLUSTER', 'SETSLOT', slot, 'NODE', to);
  await call(fromPort, 'CLUSTER', 'SETSLOT', slot, 'NODE', to);
  for (const port of masters) if (port !== fromPort && port !== toPort) await call(port, 'CLUSTER', 'SETSLOT', slot, 'NODE', to);
}
