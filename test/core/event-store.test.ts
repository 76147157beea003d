import { afterEach, describe, expect, it } from 'vitest';
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
