/**
 * Runs one of the backend fixtures (test/fixtures/old-backend, test/fixtures/canonical-backend) as a child
 * process against the built package: it imports `ws-ssot` and `ws-ssot/legacy/*` by name, resolved through the
 * package's own `exports` (self-reference from inside the package, as an installed dependency would be). The
 * child prints `{"listening": port}` once up; everything it writes to stderr is kept (Node's deprecation
 * warnings land there).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { packageRoot } from './build.js';

export interface BackendProcess {
  readonly port: number;
  /** `http://127.0.0.1:<port>` */
  readonly base: string;
  /** `ws://127.0.0.1:<port>/ws` */
  readonly wsUrl: string;
  /** Everything the child wrote to stderr so far. */
  stderr(): string;
  /** The `[WSSOT_DEPxxx] DeprecationWarning` codes in stderr, in order (one line per emitted warning). */
  deprecationWarnings(): string[];
  /** stderr lines that are neither a deprecation warning nor Node's `--trace-deprecation` hint. */
  unexpectedStderr(): string[];
  /** SIGTERM (the app's shutdown handler closes ws-ssot and exits), then the exit code. */
  stop(): Promise<number | null>;
}

/** Starts `fixture/entry` with the given environment (WS_ENABLE_* of the developer's shell are not inherited). */
export async function startBackend(fixture: string, entry: string, env: Record<string, string> = {}, timeoutMs = 15_000): Promise<BackendProcess> {
  const inherited = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('WS_ENABLE_') && !k.startsWith('UNLEASH_')));
  const child: ChildProcess = spawn(process.execPath, [path.join(packageRoot, 'test', 'fixtures', fixture, entry)], {
    cwd: packageRoot,
    env: { ...inherited, PORT: '0', WSSOT_LOG_LEVEL: 'warn', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr!.on('data', (chunk: Buffer) => {
    stderr += chunk.toString('utf8');
  });
  // 'close', not 'exit': stderr is read to its end by then.
  const exited = once(child, 'close') as Promise<[number | null, NodeJS.Signals | null]>;
  const port = await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${fixture} did not listen within ${timeoutMs} ms; stderr:\n${stderr}`)), timeoutMs);
    const lines = createInterface({ input: child.stdout! });
    lines.on('line', (line) => {
      try {
        const parsed = JSON.parse(line) as { listening?: number };
        if (typeof parsed.listening === 'number') {
          clearTimeout(timer);
          resolve(parsed.listening);
        }
      } catch {
        // a log line
      }
    });
    void exited.then(([code]) => {
      clearTimeout(timer);
      reject(new Error(`${fixture} exited (${code}) before listening; stderr:\n${stderr}`));
    });
  });
  let stopped: Promise<number | null> | null = null;
  return {
    port,
    base: `http://127.0.0.1:${port}`,
    wsUrl: `ws://127.0.0.1:${port}/ws`,
    stderr: () => stderr,
    deprecationWarnings: () => [...stderr.matchAll(/\[(WSSOT_DEP\d{3})\] DeprecationWarning/g)].map((m) => m[1] as string),
    unexpectedStderr: () =>
      stderr
        .split('\n')
        .filter((line) => line.trim() !== '' && !/\[WSSOT_DEP\d{3}\] DeprecationWarning/.test(line) && !line.includes('node --trace-deprecation')),
    stop() {
      stopped ??= (async () => {
        if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
        const [code] = await exited;
        return code;
      })();
      return stopped;
    },
  };
}
