/**
 * A starting tab waits for its user's subscription, but not forever: on a Redis Cluster a subscribe sent
 * by a stale slot map (a slot that just moved to another master) gets MOVED, and ioredis never settles that
 * command, although it subscribes the channel on the new master once it has refreshed the map. Past the
 * timeout the subscribe is sent again for the next start, and this start fails (its tab is told to retry).
 */
import type { UserRoute } from './user-route.js';

/** Resolves once `route` is subscribed; rejects if that fails or takes over `timeoutMs` (after `resend` replaced the attempt, when it returns one). */
export async function subscribedWithin(route: UserRoute, timeoutMs: number, resend: () => Promise<void> | null): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<true>((resolve) => {
    timer = setTimeout(resolve, timeoutMs, true);
    timer.unref(); // never what keeps a closing process alive
  });
  try {
    if ((await Promise.race([route.subscribed.then(() => false as const), timedOut])) !== true) return;
  } finally {
    clearTimeout(timer);
  }
  const again = resend();
  if (again !== null) {
    again.catch(() => undefined); // awaited by the next start, if any: never an unhandled rejection meanwhile
    route.subscribed = again;
  }
  throw new Error(`the subscription to ${route.channel} did not complete within ${timeoutMs} ms`);
}
