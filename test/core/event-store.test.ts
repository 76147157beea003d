import { afterEach, describe, expect, it } from 'vitest';
import { resolveManagerOptions } from '../../src/config/manager-options.js';
import { EventStore } from '../../src/core/event-store.js';

let store: EventStore;
afterEach(() => store.close());

describe('EventStore', () => {
  describe('#release', () => {
    it('forgets a stream nobody ever held and that has nothing to replay', () => {
      store = new EventStore({ maxEvents: 10, maxAgeMs: 1_000 });
      const s = store.stream('u');
      store.release(s, 0);
      expect(store.peek('u')).toBeUndefined();
    });

    it('keeps a stream with replayable events after its last connection left, and renews the epoch once they expire', () => {
      store = new EventStore({ maxEvents: 10, maxAgeMs: 1_000 });
      const s = store.stream('u');
      store.attach(s);
      s.seq = 1;
      s.log.append(1, 100, '{}');
      store.detach(s, 200);
      expect(store.peek('u')).toBe(s);
      store.sweep(1_101); // the event is now older than maxAgeMs
      expect(store.peek('u')).toBeUndefined();
      expect(store.stream('u').epoch).not.toBe(s.epoch);
    });

    it('keeps a held seq-0 stream for maxAgeMs after its last connection left, then forgets it', () => {
      store = new EventStore({ maxEvents: 10, maxAgeMs: 1_000 });
      const s = store.stream('u');
      store.attach(s);
      store.attach(s);
      store.detach(s, 100);
      expect(s.lastHeldAt).toBe(0); // still held by one connection
      store.detach(s, 200);
      expect(s.lastHeldAt).toBe(200);
      store.sweep(1_199);
      expect(store.peek('u')).toBe(s);
      store.sweep(1_200);
      expect(store.peek('u')).toBeUndefined();
    });

    it('forgets a held stream with seq > 0 and an empty log at once (nothing to keep its epoch for)', () => {
      store = new EventStore({ maxEvents: 0, maxAgeMs: 1_000 });
      const s = store.stream('u');
      store.attach(s);
      s.seq = 3;
      s.log.append(3, 100, '{}'); // capacity 0: not kept
      store.detach(s, 200);
      expect(store.peek('u')).toBeUndefined();
    });
  });
});

/** One durable event to the user's stream at `ts`, as a manager sends it while the user has no connection. */
function offlineEvent(s: EventStore, userId: string, ts: number, frame = `{"e":"${userId}"}`): void {
  const stream = s.stream(userId);
  stream.seq++;
  stream.log.append(stream.seq, ts, frame);
  s.release(stream, ts);
}

describe('EventStore: bounds on offline users', () => {
  it('keeps at most maxOfflineUsers offline streams, forgetting the one idle longest first', () => {
    const evicted: Array<[string, string]> = [];
    store = new EventStore({ maxEvents: 10, maxAgeMs: 60_000, maxOfflineUsers: 3 }, { onEvict: (userId, limit) => evicted.push([userId, limit]) });
    const epochOfA = store.stream('a').epoch;
    for (const [i, u] of ['a', 'b', 'c'].entries()) offlineEvent(store, u, 1_000 + i);
    expect(store.offlineLogCount).toBe(3);
    expect(evicted).toEqual([]);
    offlineEvent(store, 'd', 1_003);
    expect(evicted).toEqual([['a', 'users']]);
    expect(store.offlineLogCount).toBe(3);
    expect(store.peek('a')).toBeUndefined();
    // A later event makes b the most recently active: c goes next, not b.
    offlineEvent(store, 'b', 1_004);
    offlineEvent(store, 'e', 1_005);
    expect(evicted).toEqual([['a', 'users'], ['c', 'users']]);
    expect(['b', 'd', 'e'].map((u) => store.peek(u)?.seq)).toEqual([2, 1, 1]);
    // The evicted user's stream starts anew: a new epoch, so a client resuming with the old one gets recovered: false.
    expect(store.stream('a').epoch).not.toBe(epochOfA);
  });

  it('never evicts a connected user, and counts a user from the moment the last connection leaves', () => {
    const evicted: string[] = [];
    store = new EventStore({ maxEvents: 10, maxAgeMs: 60_000, maxOfflineUsers: 2 }, { onEvict: (userId) => evicted.push(userId) });
    const online = store.stream('online');
    store.attach(online);
    for (let i = 0; i < 5; i++) offlineEvent(store, 'online', 1_000 + i); // release() is a no-op while it is held
    for (let i = 0; i < 50; i++) offlineEvent(store, `u${i}`, 2_000 + i);
    expect(store.peek('online')).toBe(online);
    expect(online.log.size).toBe(5);
    expect(store.offlineLogCount).toBe(2);
    expect(evicted).toHaveLength(48);
    expect(evicted.slice(0, 3)).toEqual(['u0', 'u1', 'u2']);
    store.detach(online, 3_000); // now offline and the most recently active: the oldest other one goes
    expect(store.offlineLogCount).toBe(2);
    expect(evicted.at(-1)).toBe('u48');
    expect(store.peek('online')).toBe(online);
    // Reconnecting takes it out of the offline set again.
    store.attach(online);
    expect(store.offlineLogCount).toBe(1);
  });

  it('keeps the offline logs within maxOfflineBytes of text, evicting the idle-longest first', () => {
    const evicted: Array<[string, string]> = [];
    store = new EventStore({ maxEvents: 10, maxAgeMs: 1_000, maxOfflineBytes: 100 }, { onEvict: (userId, limit) => evicted.push([userId, limit]) });
    const frame = 'x'.repeat(40);
    offlineEvent(store, 'u1', 0, frame);
    offlineEvent(store, 'u2', 100, frame);
    expect(store.offlineBytes).toBe(80);
    offlineEvent(store, 'u3', 200, frame);
    expect(evicted).toEqual([['u1', 'bytes']]);
    expect(store.offlineBytes).toBe(80);
    offlineEvent(store, 'u2', 300, frame); // u2 grows to 80 and becomes the most recent: u3 goes
    expect(evicted).toEqual([['u1', 'bytes'], ['u3', 'bytes']]);
    expect(store.offlineBytes).toBe(80);
    expect(store.offlineLogCount).toBe(1);
    // Expiry shrinks the count: u2's first event (ts 100) is older than maxAgeMs at 1_200.
    store.sweep(1_200);
    expect(store.offlineBytes).toBe(40);
    store.sweep(1_400);
    expect(store.offlineBytes).toBe(0);
    expect(store.offlineLogCount).toBe(0);
    expect(store.size).toBe(0);
  });

  it('counts a held seq-0 stream kept for its epoch as an offline user too', () => {
    store = new EventStore({ maxEvents: 10, maxAgeMs: 60_000, maxOfflineUsers: 1 });
    const s = store.stream('tab');
    store.attach(s);
    store.detach(s, 100);
    expect(store.offlineLogCount).toBe(1);
    offlineEvent(store, 'other', 200);
    expect(store.peek('tab')).toBeUndefined();
    expect(store.offlineLogCount).toBe(1);
  });

  it('with maxOfflineUsers 0 keeps nothing for a user without a connection', () => {
    store = new EventStore({ maxEvents: 10, maxAgeMs: 60_000, maxOfflineUsers: 0 });
    offlineEvent(store, 'u', 100);
    expect(store.peek('u')).toBeUndefined();
    expect(store.offlineLogCount).toBe(0);
  });

  it('a sweep prunes without changing the eviction order', () => {
    const evicted: string[] = [];
    store = new EventStore({ maxEvents: 10, maxAgeMs: 60_000, maxOfflineUsers: 2 }, { onEvict: (userId) => evicted.push(userId) });
    offlineEvent(store, 'first', 100);
    offlineEvent(store, 'second', 200);
    store.sweep(300);
    offlineEvent(store, 'third', 400);
    expect(evicted).toEqual(['first']);
  });

  it('close() forgets every stream, and afterwards nothing is kept for users without a connection', () => {
    store = new EventStore({ maxEvents: 10, maxAgeMs: 60_000 });
    offlineEvent(store, 'a', 100);
    const held = store.stream('held');
    store.attach(held);
    store.close();
    expect(store.size).toBe(0);
    expect(store.offlineLogCount).toBe(0);
    expect(store.offlineBytes).toBe(0);
    offlineEvent(store, 'late', 200);
    expect(store.peek('late')).toBeUndefined();
    const again = store.stream('held');
    store.attach(again);
    offlineEvent(store, 'held', 300);
    expect(store.peek('held')).toBe(again); // connected: kept while held
    store.detach(again, 400);
    expect(store.peek('held')).toBeUndefined();
    expect(store.size).toBe(0);
  });
});

describe('recovery options', () => {
  it('default to 10_000 offline users and 64 MiB of offline log text, and are validated', () => {
    expect(resolveManagerOptions().recovery).toEqual({ maxEvents: 500, maxAgeMs: 300_000, maxOfflineUsers: 10_000, maxOfflineBytes: 67_108_864 });
    expect(resolveManagerOptions({ recovery: { maxOfflineUsers: 0, maxOfflineBytes: 1 } }).recovery).toMatchObject({ maxOfflineUsers: 0, maxOfflineBytes: 1 });
    for (const [field, value] of [['maxOfflineUsers', -1], ['maxOfflineUsers', 1.5], ['maxOfflineBytes', '1'], ['maxOfflineBytes', Number.NaN]] as const) {
      let err: unknown;
      try {
        resolveManagerOptions({ recovery: { [field]: value } });
      } catch (e) {
        err = e;
      }
      expect(err).toMatchObject({ code: 'WSSOT_ERR_INVALID_OPTION', field: `recovery.${field}` });
    }
  });
});
