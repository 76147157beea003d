/**
 * Runs the CLI: in process through `main()` (src/cli/main.ts, the same code the bin runs), or as the built
 * `dist/cli.js` in a child process (the bin itself, its shebang and exit code).
 */
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { main } from '../../../src/cli/main.js';
import { packageRoot } from '../../support/build.js';

export interface CliResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

export function cli(...argv: string[]): CliResult {
  let stdout = '';
  let stderr = '';
  const code = main(argv, (t) => (stdout += t), (t) => (stderr += t));
  return { code, stdout, stderr };
}

/** The JSON document of `check … --json`. */
export function checkJson(dir: string, ...extra: string[]): { code: number; report: import('../../../src/cli/report-json.js').CheckReport } {
  const r = cli('check', dir, '--json', '--no-progress', ...extra);
  return { code: r.code, report: JSON.parse(r.stdout) };
}

/** `node dist/cli.js …` (build first). */
export function bin(args: readonly string[], options: { cwd?: string; execPath?: string; script?: string } = {}): CliResult {
  const script = options.script ?? path.join(packageRoot, 'dist', 'cli.js');
  const r = spawnSync(options.execPath ?? process.execPath, [script, ...args], { cwd: options.cwd ?? packageRoot, encoding: 'utf8', timeout: 120_000 });
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}
