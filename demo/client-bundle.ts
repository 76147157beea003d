/**
 * The browser client the demo page imports: the package's own build, dist/client.js (ws-ssot/client as an
 * ES module with no import), served as /client.js. No bundler: the page imports it as is.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
export const CLIENT_BUNDLE = path.join(root, 'dist', 'client.js');
const CLIENT_SOURCES = path.join(root, 'src', 'client');
/** Held while one process builds: the build empties dist/ first, so a second one (or a reader) must wait. */
const BUILD_LOCK = path.join(root, '.tmp', 'dist-build.lock');
const LOCK_TIMEOUT_MS = 180_000;

export interface ClientBundle {
  /** dist/client.js */
  code: Buffer;
  /** dist/client.js.map, if built */
  map: Buffer | null;
}

function newestSource(dir: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestSource(full) : statSync(full).mtimeMs);
  }
  return newest;
}

/** Whether dist/client.js is missing or older than a file of src/client (what it is built from). */
export function clientBundleStale(): boolean {
  if (!existsSync(CLIENT_BUNDLE)) return true;
  return existsSync(CLIENT_SOURCES) && newestSource(CLIENT_SOURCES) > statSync(CLIENT_BUNDLE).mtimeMs;
}

/**
 * `npm start` on a fresh clone (after `npm ci`, before any build), or after an edit of src/client: runs the
 * package build (tsup, as `npm run build`) once, its output on stderr. A no-op when dist/client.js is fresh.
 * Several processes at once (the demo's tests run `npm start` beside an in-process demo) build one at a
 * time: the others wait for the lock, then find dist/ fresh.
 */
export function buildClientIfStale(log: (message: string) => void = () => undefined): void {
  if (!clientBundleStale()) return;
  withBuildLock(() => {
    if (!clientBundleStale()) return; // built by the process we waited for
    log(existsSync(CLIENT_BUNDLE) ? 'src/client changed since the last build: running `npm run build`…' : 'dist/ is not built yet: running `npm run build` (once)…');
    const tsup = path.join(root, 'node_modules', 'tsup', 'dist', 'cli-default.js');
    execFileSync(process.execPath, [tsup], { cwd: root, stdio: ['ignore', process.stderr, process.stderr] });
  });
}

function lockHolderAlive(): boolean {
  try {
    const pid = Number(readFileSync(path.join(BUILD_LOCK, 'pid'), 'utf8'));
    process.kill(pid, 0);
    return true;
  } catch (err) {
    // No pid file yet (the holder is between mkdir and write): alive. ESRCH: it died holding the lock.
    return (err as NodeJS.ErrnoException).code !== 'ESRCH' && (err as NodeJS.ErrnoException).code !== 'ERR_INVALID_ARG_TYPE';
  }
}

/** A lock directory (mkdir is atomic) with the holder's pid; a dead holder's lock is taken over. */
function withBuildLock(build: () => void): void {
  mkdirSync(path.dirname(BUILD_LOCK), { recursive: true });
  const deadline = Date.now() + LOCK_TIMEOUT_MS;
  const pause = new Int32Array(new SharedArrayBuffer(4));
  for (;;) {
    try {
      mkdirSync(BUILD_LOCK);
      break;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      if (!lockHolderAlive()) {
        rmSync(BUILD_LOCK, { recursive: true, force: true });
        continue;
      }
      if (Date.now() > deadline) throw new Error(`another process has been building dist/ for ${LOCK_TIMEOUT_MS / 1000} s (${BUILD_LOCK})`);
      Atomics.wait(pause, 0, 0, 100); // a blocking start-up step: nothing else runs in this process yet
    }
  }
  try {
    writeFileSync(path.join(BUILD_LOCK, 'pid'), String(process.pid));
    build();
  } finally {
    rmSync(BUILD_LOCK, { recursive: true, force: true });
  }
}

/**
 * Reads the built client. While dist/ is missing it waits up to `waitMs` for it to appear (a build in
 * another terminal or process empties dist/ first, for several seconds), then fails with a clear error.
 */
export async function loadClientBundle(waitMs = 30_000): Promise<ClientBundle> {
  const deadline = Date.now() + waitMs;
  while (!existsSync(CLIENT_BUNDLE)) {
    if (Date.now() > deadline) throw new Error(`${path.relative(process.cwd(), CLIENT_BUNDLE) || CLIENT_BUNDLE} is missing: run \`npm run build\` first (npm start does it for you)`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  const code = await readFile(CLIENT_BUNDLE);
  const mapPath = `${CLIENT_BUNDLE}.map`;
  return { code, map: existsSync(mapPath) ? await readFile(mapPath).catch(() => null) : null };
}
