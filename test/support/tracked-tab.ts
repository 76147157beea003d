/**
 * A browser tab for broker-failover tests: the shipped client (it resumes with lastSeq/epoch on its own and
 * reports `recovered: false` as a gap), recording what the app saw in order, and the check that nothing was
 * lost silently: what the tab shows is the user's log in Redis, event for event, since its last gap (or
 * since it connected, if it never had one).
 */
import type { Cluster, Redis } from 'ioredis';
import WebSocket from 'ws';
import { createClient, type ResumeState, type WsSsotClient } from '../../src/client/index.js';
import { ClusterKeys } from '../../src/cluster/cluster-keys.js';

export type Seen = { kind: 'event'; seq: number; i: number } | { kind: 'gap'; fromSeq: number; toSeq: number; epochChanged: boolean };

export interface TrackedTab {
  userId: string;
  client: WsSsotClient;
  /** Durable events and gaps, in the order the app saw them. */
  seen: Seen[];
  /** The lastSeq of the first session frame (where the tab started). */
  startSeq: number | null;
  /** The close codes of the connections it lost. */
  closes: number[];
  /** Frames without a seq (the app's messages, broadcasts), in order. */
  messages: unknown[];
}

/** A `ws` WebSocket that authenticates as `userId` (what a browser does with its cookie). */
function wsAs(userId: string): unknown {
  return class extends WebSocket {
    constructor(url: string | URL, protocols?: string | string[]) {
      super(url, protocols, { headers: { authorization: `Bearer user:${userId}` } });
    }
  };
}

/** A tab of `userId` on the node at `url`; with `resumeFrom`, a page reloaded with what the last one left. */
export function openTab(url: string, userId: string, resumeFrom?: ResumeState): TrackedTab {
  const client = createClient({ url, WebSocket: wsAs(userId) as never, reconnect: { initialDelayMs: 20, maxDelayMs: 200 }, resumeFrom });
  const tab: TrackedTab = { userId, client, seen: [], startSeq: null, closes: [], messages: [] };
  client.on('session', (s) => void (tab.startSeq ??= s.lastSeq));
  client.on('event', (e) => {
    if (e.transient !== true) tab.seen.push({ kind: 'event', seq: e.seq, i: (e.data as { i: number }).i });
  });
  client.onGap((g) => void tab.seen.push({ kind: 'gap', fromSeq: g.fromSeq, toSeq: g.toSeq, epochChanged: g.epochChanged }));
  client.on('disconnect', (d) => void tab.closes.push(d.code));
  client.on('message', (m) => void tab.messages.push(m));
  return tab;
}

export const gapsOf = (tab: TrackedTab): number => tab.seen.filter((s) => s.kind === 'gap').length;

/** The user's replay log in Redis: seq → the payload's `i`, in order. */
export async function readLog(redis: Redis | Cluster, keyPrefix: string, userId: string): Promise<Map<number, number>> {
  const log = new Map<number, number>();
  for (const [, fields] of await redis.xrange(new ClusterKeys(keyPrefix).user(userId).log, '-', '+')) {
    const frame = JSON.parse(fields[1] as string) as { seq: number; data: { i: number } };
    log.set(frame.seq, frame.data.i);
  }
  return log;
}

/**
 * What is wrong with what the tab showed, given the user's final log (empty: nothing). Every event is its
 * predecessor's seq + 1 (a gap moves the base to its `toSeq`); since the last gap, or since the tab started,
 * the tab has exactly the log's events (same seqs, same payloads) up to the log's end.
 */
export function silentLoss(tab: TrackedTab, log: Map<number, number>): string[] {
  const problems: string[] = [];
  let last = tab.startSeq ?? 0;
  let base = last;
  let since: Array<{ seq: number; i: number }> = [];
  for (const item of tab.seen) {
    if (item.kind === 'gap') {
      last = base = item.toSeq;
      since = [];
      continue;
    }
    if (item.seq !== last + 1) problems.push(`${tab.userId}: seq ${item.seq} after ${last}`);
    last = item.seq;
    since.push(item);
  }
  const expected = [...log.entries()].filter(([seq]) => seq > base).sort((a, b) => a[0] - b[0]);
  const shown = since.map((e) => `${e.seq}:${e.i}`).join(' ');
  const logged = expected.map(([seq, i]) => `${seq}:${i}`).join(' ');
  if (shown !== logged) problems.push(`${tab.userId}: the tab shows [${shown.slice(-300)}] since seq ${base}, the log has [${logged.slice(-300)}]`);
  return problems;
}
