import { describe, expect, it } from 'vitest';
import { EventLog } from '../../src/core/event-log.js';

function filled(capacity: number, maxAgeMs: number, count: number, t0 = 1_000): EventLog {
  const log = new EventLog(capacity, maxAgeMs);
  for (let seq = 1; seq <= count; seq++) log.append(seq, t0 + seq, `e${seq}`);
  return log;
}

describe('EventLog', () => {
  it('replays exactly the events after lastSeq, in order', () => {
    const log = filled(10, 60_000, 5);
    expect(log.replayAfter(2, 5, 2_000)).toEqual({ recovered: true, fromSeq: 3, toSeq: 5, frames: ['e3', 'e4', 'e5'] });
    expect(log.replayAfter(0, 5, 2_000).frames).toEqual(['e1', 'e2', 'e3', 'e4', 'e5']);
    expect(log.replayAfter(5, 5, 2_000)).toEqual({ recovered: true, fromSeq: 6, toSeq: 5, frames: [] });
  });

  it('bounds by count: overwritten events are reported as not recoverable, never partially', () => {
    const log = filled(3, 60_000, 10);
    expect(log.size).toBe(3);
    expect(log.oldestSeq).toBe(8);
    expect(log.replayAfter(7, 10, 2_000).frames).toEqual(['e8', 'e9', 'e10']);
    expect(log.replayAfter(6, 10, 2_000)).toEqual({ recovered: false, fromSeq: 7, toSeq: 10, frames: null });
  });

  it('bounds by age', () => {
    const log = new EventLog(100, 1_000);
    log.append(1, 0, 'old');
    log.append(2, 900, 'mid');
    log.append(3, 1_500, 'new');
    expect(log.size).toBe(2); // 'old' expired when 'new' arrived
    expect(log.replayAfter(1, 3, 1_500).frames).toEqual(['mid', 'new']);
    expect(log.replayAfter(1, 3, 2_000).recovered).toBe(false);
    expect(log.replayAfter(2, 3, 2_000).frames).toEqual(['new']);
  });

  it('rejects a lastSeq from the future or not an integer', () => {
    const log = filled(10, 60_000, 3);
    expect(log.replayAfter(4, 3, 2_000).recovered).toBe(false);
    expect(log.replayAfter(-1, 3, 2_000).recovered).toBe(false);
    expect(log.replayAfter(1.5, 3, 2_000).recovered).toBe(false);
  });

  it('with capacity 0 keeps nothing but still knows when nothing was missed', () => {
    const log = filled(0, 60_000, 3);
    expect(log.size).toBe(0);
    expect(log.replayAfter(3, 3, 2_000).recovered).toBe(true);
    expect(log.replayAfter(2, 3, 2_000).recovered).toBe(false);
  });

  it('wraps around its ring many times and stays correct', () => {
    const log = new EventLog(7, 1e9);
    for (let seq = 1; seq <= 1_000; seq++) {
      log.append(seq, seq, `e${seq}`);
      const from = Math.max(0, seq - 7);
      const replay = log.replayAfter(from, seq, seq);
      expect(replay.frames).toEqual(Array.from({ length: seq - from }, (_, i) => `e${from + i + 1}`));
    }
  });

  it('keeps the total text length of what it retains (overwrites and expiry included), for the store\'s bound on offline logs', () => {
    const log = new EventLog(3, 1_000);
    expect(log.textLength).toBe(0);
    log.append(1, 0, 'a');
    log.append(2, 100, 'bb');
    log.append(3, 200, 'ccc');
    expect(log.textLength).toBe(6);
    log.append(4, 300, 'dddd'); // overwrites 'a'
    expect(log.textLength).toBe(9);
    log.prune(1_150); // drops 'bb' (ts 100)
    expect(log.textLength).toBe(7);
    log.prune(10_000);
    expect(log.textLength).toBe(0);
    const none = new EventLog(0, 1_000);
    none.append(1, 0, 'kept nowhere');
    expect(none.textLength).toBe(0);
  });
});
