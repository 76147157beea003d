/**
 * One coded `DeprecationWarning` per deprecated entry point, through Node's warning machinery
 * (process-warning's `createDeprecation`): emitted once per code per process, silenced by
 * `--no-deprecation`, thrown by `--throw-deprecation`, traced by `--trace-deprecation`.
 * The warn-once flag lives in each warning item, per process by design (the documented exception to
 * "no module-level mutable state"); the items are shared by every loaded copy of the package.
 */
import processWarning from 'process-warning';
import { DEPRECATIONS, DEPRECATION_CODES, type DeprecationCode } from './deprecation-codes.js';

type WarningItem = ReturnType<typeof processWarning.createDeprecation>;

function createWarnings(): Map<string, WarningItem> {
  return new Map(
    DEPRECATION_CODES.map((code) => {
      const info = DEPRECATIONS[code];
      // '%%' keeps util.format from reading a stray '%' in the text as a placeholder.
      const message = `Deprecated: ${info.replace}. Use ${info.with} instead (MIGRATION.md, ${code}).`.replaceAll('%', '%%');
      return [code, processWarning.createDeprecation({ code, message })];
    }),
  );
}

// Shared through a Symbol.for slot so the ESM and CJS copies of the package (an app importing ws-ssot while
// an old module requires ws-ssot/legacy/*) warn once per code per process between them, not once each.
// Versioned: two incompatible majors in one process must not share (and misread) one slot.
const kWarnings = Symbol.for('ws-ssot.v1.legacy.deprecationWarnings');
const slot = globalThis as { [kWarnings]?: Map<string, WarningItem> };
const warnings: Map<string, WarningItem> = slot[kWarnings] ?? (slot[kWarnings] = createWarnings());

/** Emits the code's warning the first time it is called in this process; later calls do nothing. */
export function warnDeprecated(code: DeprecationCode): void {
  warnings.get(code)?.();
}

/** Whether the code's warning has been emitted in this process. */
export function deprecationEmitted(code: DeprecationCode): boolean {
  return warnings.get(code)?.emitted === true;
}
