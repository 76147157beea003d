/** Heap measurement for memory-bound tests and the soak script: a real `gc()` even without --expose-gc. */
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

let cached: (() => void) | null = null;

/** `global.gc` if the process was started with --expose-gc, otherwise one obtained through V8 flags. */
export function getGc(): () => void {
  if (cached !== null) return cached;
  const g = (globalThis as { gc?: () => void }).gc;
  if (typeof g === 'function') cached = g;
  else {
    setFlagsFromString('--expose-gc');
    cached = runInNewContext('gc') as () => void;
  }
  return cached;
}

/** Bytes the process holds for JS objects and Buffers (V8 heap used + ArrayBuffer memory), after full GCs. */
export function measureHeap(): { heapUsed: number; arrayBuffers: number; total: number } {
  const gc = getGc();
  gc();
  gc();
  const m = process.memoryUsage();
  return { heapUsed: m.heapUsed, arrayBuffers: m.arrayBuffers, total: m.heapUsed + m.arrayBuffers };
}

export const MiB = 1024 * 1024;
