/**
 * Makes sure `dist/` is built from the current sources before tests that spawn `node` against the
 * package's own exports (`npm test` builds first; a bare `npx vitest run` rebuilds here if stale).
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, rmSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const packageRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

function newestMtime(entry: string): number {
  const stat = statSync(entry);
  if (!stat.isDirectory()) return stat.mtimeMs;
  let newest = 0;
  for (const name of readdirSync(entry)) newest = Math.max(newest, newestMtime(path.join(entry, name)));
  return newest;
}

function fresh(): boolean {
  const marker = path.join(packageRoot, 'dist', 'legacy', 'index.cjs');
  const sources = Math.max(...['src', 'legacy', 'package.json', 'tsup.config.ts'].map((p) => newestMtime(path.join(packageRoot, p))));
  return existsSync(marker) && statSync(marker).mtimeMs >= sources;
}

/** Blocks this thread for `ms` (the build runs synchronously in a beforeAll; this only waits for another one). */
function block(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

/**
 * Rebuilds dist/ if it is older than the sources. Test files in several workers may find it stale at once:
 * one builds (tsup empties dist/ first), the others wait for its lock and then find it fresh, so no test reads
 * a half-built dist/ that another worker's build is emptying or still writing.
 */
export function ensureBuilt(): void {
  const lock = path.join(packageRoot, '.tmp', 'build.lock');
  // The marker is written before the declarations: while another worker's build holds the lock, a fresh
  // marker does not mean a finished dist/ (a test once read a missing dist/index.d.ts so).
  if (fresh() && !existsSync(lock)) return;
  mkdirSync(path.dirname(lock), { recursive: true });
  const deadline = Date.now() + 180_000;
  for (;;) {
    try {
      mkdirSync(lock);
      break;
    } catch {
      // Another worker builds; a lock older than any build (a killed run) is taken over.
      const held = statSync(lock, { throwIfNoEntry: false });
      if (Date.now() > deadline || (held !== undefined && Date.now() - held.mtimeMs > 170_000)) rmSync(lock, { recursive: true, force: true });
      block(100);
    }
  }
  try {
    if (!fresh()) execFileSync(process.execPath, [path.join(packageRoot, 'node_modules', 'tsup', 'dist', 'cli-default.js')], { cwd: packageRoot, stdio: 'ignore' });
  } finally {
    rmSync(lock, { recursive: true, force: true });
  }
}
