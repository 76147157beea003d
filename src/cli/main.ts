/**
 * The command line of the migration tools: parses the arguments, runs the command, prints coded errors on
 * stderr, and returns the documented exit code.
 */
import { readFileSync } from 'node:fs';
import { parseArgs } from './args.js';
import { runCheck } from './check.js';
import { CliError, EXIT, type ExitCode } from './exit-codes.js';
import { helpText } from './help.js';
import { runMigrate } from './migrate.js';

function version(): string {
  for (const candidate of ['../package.json', '../../package.json']) {
    try {
      return (JSON.parse(readFileSync(new URL(candidate, import.meta.url), 'utf8')) as { version: string }).version;
    } catch {
      // not in this layout
    }
  }
  return 'unknown';
}

/** Runs the command line; returns the exit code (the entry point below exits with it). */
export function main(argv: readonly string[], out: (text: string) => void = (t) => process.stdout.write(t), err: (text: string) => void = (t) => process.stderr.write(t)): ExitCode {
  try {
    const args = parseArgs(argv);
    if (args.command === 'help') {
      out(helpText(args.topic));
      return EXIT.ok;
    }
    if (args.command === 'version') {
      out(`${version()}\n`);
      return EXIT.ok;
    }
    if (args.command === 'check') return runCheck(args, out).exitCode;
    return runMigrate(args, out, err).exitCode;
  } catch (e) {
    if (e instanceof CliError) {
      err(`ws-ssot: ${e.code}: ${e.message}\n`);
      return e.exitCode;
    }
    throw e;
  }
}

