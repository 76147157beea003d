/**
 * A deterministic sampler for shadow mode: mulberry32 over a 32-bit seed, so a test can seed it and get
 * the same sampled calls every run. Not for anything security-related.
 */
import { randomInt } from 'node:crypto';

export interface Sampler {
  /** True for about `rate` of the calls. */
  sample(): boolean;
}

/** `rate` 1 samples every call and 0 none, without drawing; anything between draws from the seeded generator. */
export function createSampler(rate: number, seed: number | null): Sampler {
  if (rate >= 1) return { sample: () => true };
  if (rate <= 0) return { sample: () => false };
  let state = (seed ?? randomInt(0, 0xffff_ffff)) >>> 0;
  const next = (): number => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
  return { sample: () => next() < rate };
}
