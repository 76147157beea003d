/**
 * One coded `DeprecationWarning` per deprecated entry point, through Node's warning machinery
 * (process-warning's `createDeprecation`): emitted once per code per process, silenced by
 * `--no-deprecation`, thrown by `--throw-deprecation`, traced by `--trace-deprecation`.
 * The warn-once flag lives in each warning item, per process by design (the documented exception to
 * "no module-level mutable state").
 */
import processWarning from 'process-warning';
import { DEPRECATIONS, DEPRECATION_CODES, type DeprecationCode } from './deprecation-codes.js';

type WarningItem = ReturnType<typeof processWarning.createDeprecation>;

const warnings = new Map<DeprecationCode, WarningItem>(
  DEPRECATION_CODES.map((code) => {
    const info = DEPRECATIONS[code];
    // '%%' keeps util.format from reading a stray '%' in the text as a placeholder.
    const message = `Deprecated: ${info.replace}. Use ${info.with} instead (MIGRATION.md, ${code}).`.replaceAll('%', '%%');
    return [code, processWarning.createDeprecation({ code, message })];
  }),
);

/** Emits the code's warning the first time it is called in this process; later calls do nothing. */
export function warnDeprecated(code: DeprecationCode): void {
  warnings.get(code)?.();
}

/** Whether the code's warning has been emitted in this process. */
export function deprecationEmitted(code: DeprecationCode): boolean {
  return warnings.get(code)?.emitted === true;
}
