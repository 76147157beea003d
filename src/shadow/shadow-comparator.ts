/**
 * Shadow mode (as GitHub's Scientist does for refactors): for a sample of legacy-path sends, compare the
 * legacy path's delivery with what the SSOT manager's semantics would have delivered, and log and count the
 * differences, before anyone flips `WS_ENABLE_SSOT`. It only observes: it never sends anything, so the user
 * never gets a second copy.
 *
 * The SSOT view of a user is rebuilt from the legacy path's own connection events:
 * - the legacy path keeps one connection per user (last one wins, the previous is closed with 4010);
 *   the SSOT manager would have kept every one of them, up to `maxConnectionsPerUser`;
 * - so a connection closed with 4010 (replaced) stays in the SSOT view; any other close removes it;
 * - when the user's last live legacy connection closes for another reason, the whole view is dropped
 *   (the user left), which also bounds memory to the users the legacy path serves × the limit;
 * - over the limit, `reject-newest` leaves the newest out of the view (SSOT would have refused it with
 *   429) and `evict-oldest` drops the oldest.
 * See docs/shadow-mode.md for exactly what is compared and what is not.
 */
import type { Logger } from 'pino';
import { CloseCode } from '../close-codes.js';
import type { ConnectionLimitPolicy } from '../config/manager-options.js';
import type { WebSocketConnection } from '../core/connection.js';
import type { WsSsotMetrics } from '../observability/metrics.js';
import type { ConnectionId, UserId } from '../types.js';
import type { LegacySendObserver } from './shadow-send-observer.js';
import { createSampler, type Sampler } from './sampler.js';

export interface ShadowComparatorOptions {
  /** Share of sends compared, 0..1. */
  sampleRate: number;
  /** Seed of the sampler; null = random. */
  seed: number | null;
  /** The SSOT manager's limit and policy, which the SSOT view applies. */
  maxConnectionsPerUser: number;
  connectionLimitPolicy: ConnectionLimitPolicy;
  metrics: WsSsotMetrics | null;
  logger: Logger;
}

/** One connection of a user, as the legacy path and the SSOT manager would each hold it. */
interface ViewEntry {
  id: ConnectionId;
  /** Still open on the legacy path (false: replaced there, but SSOT would have kept it). */
  live: boolean;
  /** The SSOT manager would hold it (false: refused or evicted by its per-user limit). */
  ssot: boolean;
}

/** The outcome of one comparison (also what the warning log carries). */
export interface ShadowComparison {
  /** The user, for a per-user send; null for a broadcast. */
  userId: UserId | null;
  /** Legacy-path connections that received the frame. */
  legacyCount: number;
  /** Connections the SSOT manager would have delivered it to. */
  ssotCount: number;
  /** Legacy recipients the SSOT manager would not have had (refused or evicted by its limit). */
  unexpectedRecipients: number;
}

function heldBySsot(view: readonly ViewEntry[]): number {
  let held = 0;
  for (const e of view) if (e.ssot) held++;
  return held;
}

/** How many of `delivered` the SSOT manager would not hold. */
function notHeldBySsot(view: readonly ViewEntry[], delivered: readonly WebSocketConnection[]): number {
  let missing = 0;
  for (const connection of delivered) if (!view.some((e) => e.ssot && e.id === connection.id)) missing++;
  return missing;
}

export class ShadowComparator implements LegacySendObserver {
  readonly #sampler: Sampler;
  readonly #limit: number;
  readonly #policy: ConnectionLimitPolicy;
  readonly #metrics: WsSsotMetrics | null;
  readonly #logger: Logger;
  /** userId → the user's connections in the SSOT view, oldest first. */
  readonly #views = new Map<UserId, ViewEntry[]>();
  #comparisons = 0;
  #mismatches = 0;

  constructor(options: ShadowComparatorOptions) {
    this.#sampler = createSampler(options.sampleRate, options.seed);
    this.#limit = options.maxConnectionsPerUser;
    this.#policy = options.connectionLimitPolicy;
    this.#metrics = options.metrics;
    this.#logger = options.logger;
  }

  /** Comparisons made and how many of them mismatched (for tests and health). */
  counts(): { comparisons: number; mismatches: number } {
    return { comparisons: this.#comparisons, mismatches: this.#mismatches };
  }

  connectionOpened(connection: WebSocketConnection): void {
    let view = this.#views.get(connection.userId);
    if (view === undefined) {
      view = [];
      this.#views.set(connection.userId, view);
    }
    if (heldBySsot(view) >= this.#limit) {
      if (this.#policy === 'reject-newest') {
        view.push({ id: connection.id, live: true, ssot: false }); // SSOT would have answered 429
        return;
      }
      const oldest = view.find((e) => e.ssot) as ViewEntry;
      oldest.ssot = false; // SSOT would have closed it with 4029
      if (!oldest.live) view.splice(view.indexOf(oldest), 1);
    }
    view.push({ id: connection.id, live: true, ssot: true });
  }

  connectionClosed(connection: WebSocketConnection, code: number): void {
    const view = this.#views.get(connection.userId);
    if (view === undefined) return;
    const index = view.findIndex((e) => e.id === connection.id);
    if (index === -1) return;
    const entry = view[index] as ViewEntry;
    if (code === CloseCode.REPLACED_BY_NEWER) {
      // A legacy-only close: the SSOT manager keeps every tab it holds. A newer connection of the user is
      // about to register, so the view stays even if nothing in it is live for that moment.
      if (entry.ssot) entry.live = false;
      else view.splice(index, 1);
      return;
    }
    view.splice(index, 1);
    // The user's last live legacy connection went away for real: they left, forget the replaced tabs too.
    if (!view.some((e) => e.live)) this.#views.delete(connection.userId);
  }

  sample(userId?: UserId): boolean {
    if (userId !== undefined && !this.#views.has(userId)) return false; // not served by the legacy path
    if (userId === undefined && this.#views.size === 0) return false;
    return this.#sampler.sample();
  }

  userSend(userId: UserId, delivered: readonly WebSocketConnection[]): void {
    const view = this.#views.get(userId) ?? [];
    this.#record({ userId, legacyCount: delivered.length, ssotCount: heldBySsot(view), unexpectedRecipients: notHeldBySsot(view, delivered) });
  }

  broadcast(delivered: readonly WebSocketConnection[]): void {
    let ssotCount = 0;
    for (const view of this.#views.values()) ssotCount += heldBySsot(view);
    let unexpected = 0;
    for (const connection of delivered) unexpected += notHeldBySsot(this.#views.get(connection.userId) ?? [], [connection]);
    this.#record({ userId: null, legacyCount: delivered.length, ssotCount, unexpectedRecipients: unexpected });
  }

  #record(comparison: ShadowComparison): void {
    this.#comparisons++;
    this.#metrics?.shadowCompared();
    const countDiffers = comparison.legacyCount !== comparison.ssotCount;
    const recipientsDiffer = comparison.unexpectedRecipients > 0;
    if (!countDiffers && !recipientsDiffer) return;
    this.#mismatches++;
    if (countDiffers) this.#metrics?.shadowMismatch('count');
    if (recipientsDiffer) this.#metrics?.shadowMismatch('recipients');
    const kinds = [countDiffers ? 'count' : null, recipientsDiffer ? 'recipients' : null].filter((k) => k !== null);
    this.#logger.warn({ ...comparison, kinds }, 'shadow mismatch: the SSOT path would have delivered differently');
  }
}
