/**
 * The native load client (`bench/native/ws-load-client.c`): built with the system's C compiler on first use,
 * into `bench/native/build/` (ignored by git), and rebuilt when the source is newer than the binary. The
 * parent builds it before forking any client, so compiling never overlaps a measurement.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const SOURCE = fileURLToPath(new URL('../native/ws-load-client.c', import.meta.url));
const BINARY = fileURLToPath(new URL('../native/build/ws-load-client', import.meta.url));

/** The binary's path, compiled if missing or older than its source. Throws with the compiler's output. */
export function ensureNativeClient(): string {
  if (existsSync(BINARY) && statSync(BINARY).mtimeMs >= statSync(SOURCE).mtimeMs) return BINARY;
  mkdirSync(path.dirname(BINARY), { recursive: true });
  const cc = process.env['CC'] ?? 'cc';
  try {
    execFileSync(cc, ['-O2', '-Wall', '-o', BINARY, SOURCE], { stdio: ['ignore', 'pipe', 'pipe'] });
  } catch (err) {
    const e = err as { code?: string; stderr?: Buffer };
    const why = e.code === 'ENOENT' ? `no C compiler '${cc}' on PATH (install gcc or set CC)` : (e.stderr?.toString() ?? String(err));
    throw new Error(`--client native: cannot build ${SOURCE}: ${why}`);
  }
  return BINARY;
}

/** The path the client relay reads the binary's location from. */
export const NATIVE_CLIENT_ENV = 'BENCH_NATIVE_CLIENT';
