/**
 * A starting tab waits for its user's subscription, but not forever: on a Redis Cluster a subscribe sent
 * by a stale slot map (a slot that just moved to another master) gets MOVED, and ioredis never settles that
 * command, although it subscribes the channel on the new master once it has refreshed the map. Past the
 * timeout the subscribe is sent again for the next start, and this start fails (its tab is told to retry).
 */
import type { UserRoute } from './user-route.js';

/**
 * Whether `subscribe` settled within `timeoutMs` (it rejects if `subscribe` rejected in time). A subscribe
 * ioredis never settles (it got MOVED) is thus waited for only so long.
 */
export async function settlesWithin(subscribe: Promise<unknown>, timeoutMs: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<false>((resolve) => {
    timer = setTimeout(resolve, timeoutMs, false);
    timer.unref(); // never what keeps a closing process alive
  });
  try {
    return await Promise.race([subscribe.then(() => true as const), timedOut]);
  } finally {
    clearTimeout(timer);
  }
}

/** Resolves once `route` is subscribed; rejects if that fails or takes over `timeoutMs` (after `resend` replaced the attempt, when it returns one). */
export async function subscribedWithin(route: UserRoute, timeoutMs: number, resend: () => Promise<void> | null): Promise<void> {
  if (await settlesWithin(route.subscribed, timeoutMs)) return;
  const again = resend();
  if (again !== null) {
    again.catch(() => undefined); // awaited by the next start, if any: never an unhandled rejection meanwhile
    route.subscribed = again;
  }
  throw new Error(`the subscription to ${route.channel} did not complete within ${timeoutMs} ms`);
}
