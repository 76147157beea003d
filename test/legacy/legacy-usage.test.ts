import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { DEPRECATION_CODES } from '../../legacy/deprecation-codes.js';
import { LegacyUsage } from '../../legacy/legacy-usage.js';

const T0 = 1_700_000_000_000;

describe('LegacyUsage', () => {
  beforeEach(() => {
    vi.useFakeTimers();
    vi.setSystemTime(T0);
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('lists every code at 0 and counts per code, through record(code) and through a kept counter alike', () => {
    const usage = new LegacyUsage();
    expect(usage.counts()).toEqual(Object.fromEntries(DEPRECATION_CODES.map((code) => [code, 0])));
    expect(usage.snapshot().WSSOT_DEP001).toEqual({ calls: 0, lastCalledAt: null });
    usage.record('WSSOT_DEP001');
    const counter = usage.counter('WSSOT_DEP001');
    counter.record();
    counter.record();
    usage.counter('WSSOT_DEP002').record();
    expect(counter.calls).toBe(3);
    expect(usage.calls('WSSOT_DEP001')).toBe(3);
    expect(usage.counts()).toMatchObject({ WSSOT_DEP001: 3, WSSOT_DEP002: 1, WSSOT_DEP003: 0 });
    expect(usage.total()).toBe(4);
    expect(usage.snapshot()).toMatchObject({ WSSOT_DEP001: { calls: 3 }, WSSOT_DEP002: { calls: 1 }, WSSOT_DEP003: { calls: 0, lastCalledAt: null } });
  });

  it('lastCalledAt is the time of the latest call to within a second, read before or after the clock ticks', () => {
    const usage = new LegacyUsage();
    const counter = usage.counter('WSSOT_DEP001');
    vi.advanceTimersByTime(250);
    counter.record();
    const calledAt = Date.now();
    vi.advanceTimersByTime(400);
    // Read before the clock's first tick.
    const early = usage.snapshot().WSSOT_DEP001.lastCalledAt!;
    expect(early - calledAt).toBeGreaterThanOrEqual(0);
    expect(early - calledAt).toBeLessThanOrEqual(1_000);
    // Calls keep coming for 5 s: the latest one is what counts.
    for (let i = 0; i < 10; i++) {
      vi.advanceTimersByTime(500);
      counter.record();
    }
    const lastAt = Date.now();
    vi.advanceTimersByTime(1_000);
    const late = usage.snapshot().WSSOT_DEP001;
    expect(late.calls).toBe(11);
    expect(late.lastCalledAt! - lastAt).toBeGreaterThanOrEqual(0);
    expect(late.lastCalledAt! - lastAt).toBeLessThanOrEqual(1_000);
    // Without calls, lastCalledAt stays where it was.
    vi.advanceTimersByTime(60_000);
    expect(usage.snapshot().WSSOT_DEP001).toEqual(late);
    expect(usage.snapshot().WSSOT_DEP002.lastCalledAt).toBeNull();
  });

  it('its clock stops a second after the calls stop, and the next call restarts it', () => {
    const usage = new LegacyUsage();
    const counter = usage.counter('WSSOT_DEP004');
    expect(vi.getTimerCount()).toBe(0);
    counter.record();
    expect(vi.getTimerCount()).toBe(1);
    vi.advanceTimersByTime(1_000); // stamps the call
    expect(vi.getTimerCount()).toBe(1);
    vi.advanceTimersByTime(1_000); // a tick without calls: stops
    expect(vi.getTimerCount()).toBe(0);
    vi.advanceTimersByTime(30_000);
    const calledAt = Date.now();
    counter.record();
    expect(vi.getTimerCount()).toBe(1);
    vi.advanceTimersByTime(1_000);
    expect(usage.snapshot().WSSOT_DEP004).toEqual({ calls: 2, lastCalledAt: calledAt + 1_000 });
    vi.advanceTimersByTime(1_000);
    expect(vi.getTimerCount()).toBe(0);
  });
});
