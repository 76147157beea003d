/**
 * Code blocks of the docs as programs: extracted from the Markdown, written inside the package (.tmp/, git
 * ignored) so that `ws-ssot` and `ws-ssot/legacy` resolve to the built package by its own name, as an app's
 * imports would, then typechecked (strict) and run with tsx as a child process.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { packageRoot } from '../support/build.js';

export function readDoc(file: string): string {
  return readFileSync(path.join(packageRoot, file), 'utf8');
}

/** The fenced blocks of `lang` in `markdown` (indented blocks are de-indented), in order. */
export function codeBlocks(markdown: string, lang: string): string[] {
  const out: string[] = [];
  const re = new RegExp(`^( *)\`\`\`${lang}\\n([\\s\\S]*?)^\\1\`\`\`$`, 'gm');
  for (const m of markdown.matchAll(re)) {
    const indent = (m[1] as string).length;
    out.push((m[2] as string).split('\n').map((l) => l.slice(Math.min(indent, l.length - l.trimStart().length))).join('\n'));
  }
  return out;
}

/** The one block of `lang` in `markdown` whose text contains `marker`. */
export function codeBlock(markdown: string, lang: string, marker: string): string {
  const found = codeBlocks(markdown, lang).filter((b) => b.includes(marker));
  if (found.length !== 1) throw new Error(`expected one ${lang} block containing ${JSON.stringify(marker)}, found ${found.length}`);
  return found[0] as string;
}

/** A scratch directory inside the package (so the package resolves by name), removed by `dispose()`. */
export function scratch(): { dir: string; write(name: string, text: string): string; dispose(): void } {
  mkdirSync(path.join(packageRoot, '.tmp'), { recursive: true });
  const dir = mkdtempSync(path.join(packageRoot, '.tmp', 'doc-'));
  return {
    dir,
    write(name, text) {
      const file = path.join(dir, name);
      writeFileSync(file, text);
      return file;
    },
    dispose() {
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Typechecks `files` (strict, NodeNext, Node's types) against the built package; resolves with tsc's output ('' when clean). */
export function typecheck(files: string[]): Promise<string> {
  const args = [
    path.join(packageRoot, 'node_modules', 'typescript', 'bin', 'tsc'),
    '--noEmit', '--strict', '--module', 'nodenext', '--moduleResolution', 'nodenext', '--target', 'es2022', '--types', 'node',
    '--skipLibCheck', 'false', ...files,
  ];
  return new Promise((resolve) => {
    execFile(process.execPath, args, { cwd: packageRoot, timeout: 120_000 }, (_err, stdout, stderr) => resolve(`${stdout}${stderr}`.trim()));
  });
}

export interface RunningDoc {
  readonly port: number;
  stderr(): string;
  /** SIGTERM; resolves with the exit code once stdio closed. */
  stop(): Promise<number | null>;
}

/** Runs a TypeScript file with tsx; resolves once it logged `listening { … port: N … }` (what the docs' examples print). */
export async function runDoc(file: string, env: Record<string, string> = {}, timeoutMs = 20_000): Promise<RunningDoc> {
  const inherited = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('WS_ENABLE_')));
  const child: ChildProcess = spawn(process.execPath, ['--import', 'tsx', file], {
    cwd: packageRoot,
    env: { ...inherited, PORT: '0', WSSOT_LOG_LEVEL: 'warn', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr!.on('data', (c: Buffer) => {
    stderr += c.toString('utf8');
  });
  const closed = once(child, 'close') as Promise<[number | null]>;
  const port = await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${file} did not log 'listening' within ${timeoutMs} ms:\n${stderr}`)), timeoutMs);
    createInterface({ input: child.stdout! }).on('line', (line) => {
      const m = /^listening .*port: (\d+)/.exec(line);
      if (m !== null) {
        clearTimeout(timer);
        resolve(Number(m[1]));
      }
    });
    void closed.then(([code]) => {
      clearTimeout(timer);
      reject(new Error(`${file} exited (${code}) before listening:\n${stderr}`));
    });
  });
  let stopped: Promise<number | null> | null = null;
  return {
    port,
    stderr: () => stderr,
    stop() {
      stopped ??= (async () => {
        if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
        const [code] = await closed;
        return code;
      })();
      return stopped;
    },
  };
}
