/**
 * The exit codes of `ws-ssot` (docs/tools.md lists them; test/cli/exit-codes.test.ts runs each):
 *   0  done: check met --min-score and every file was read; migrate rewrote (or, with --dry-run, would
 *      rewrite) everything it found, or found nothing;
 *   1  check: the score is below --min-score, or a file could not be read or parsed; migrate: something is
 *      left that it could not rewrite (listed with the reason), or a file could not be read or parsed;
 *   2  usage: an unknown command or option, a missing or malformed value;
 *   3  the project cannot be read: the directory does not exist or is not a directory;
 *   4  the typescript package (an optional peer dependency) is not installed.
 */
export const EXIT = Object.freeze({
  ok: 0,
  findings: 1,
  usage: 2,
  project: 3,
  noTypeScript: 4,
} as const);

export type ExitCode = (typeof EXIT)[keyof typeof EXIT];

/** An error that ends the run with a coded message on stderr and an exit code. */
export class CliError extends Error {
  readonly code: string;
  readonly exitCode: ExitCode;

  constructor(code: string, message: string, exitCode: ExitCode) {
    super(message);
    this.name = 'CliError';
    this.code = code;
    this.exitCode = exitCode;
  }
}

/** A malformed command line (exit 2). */
export class UsageError extends CliError {
  constructor(message: string) {
    super('WSSOT_CLI_ERR_USAGE', message, EXIT.usage);
  }
}

/** A project that cannot be read at all (exit 3). */
export class ProjectError extends CliError {
  constructor(message: string) {
    super('WSSOT_CLI_ERR_PROJECT', message, EXIT.project);
  }
}
