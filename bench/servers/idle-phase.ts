/**
 * The phase a node that only delivers runs in the cluster scenarios (lib/cluster.ts): nothing. Running it makes the
 * host start its phase accounting (full GC, CPU and GC counters) on that node too, so its CPU from then until the
 * clients have everything is what delivering the producer's events cost it.
 */
export async function idlePhase(): Promise<{ sent: number }> {
  return { sent: 0 };
}
