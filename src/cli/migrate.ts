import type { MigrateArgs } from './args.js';
import { EXIT, type ExitCode } from './exit-codes.js';
export function runMigrate(_args: MigrateArgs, _out: (t: string) => void, _err: (t: string) => void): { exitCode: ExitCode } {
  return { exitCode: EXIT.ok };
}
