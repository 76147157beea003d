/** What `check` reports, one finding per legacy use, and the messages shared by the CLI and the ESLint rules. */
import { DEPRECATION_TEXTS } from './catalog.js';

/**
 * The finder's rules:
 * - `legacy-import`: an import, re-export, `require()` or `import()` of a legacy name or module (or of one of
 *   the team's own old modules, `--legacy-module`);
 * - `legacy-name`: any other use of a legacy name, resolved by symbol;
 * - `snake-case`: a snake_case method of a legacy object (WSSOT_DEP009);
 * - `user-less-emit`: `emitCriticalEvent(type, data)` on a process-wide legacy manager (WSSOT_DEP010);
 * - `module-singleton`: a manager created at module level (import time), legacy or canonical;
 * - `import-cycle`: an import cycle through a module that touches a manager.
 */
export type Rule = 'legacy-import' | 'legacy-name' | 'snake-case' | 'user-less-emit' | 'module-singleton' | 'import-cycle';

export const RULES: readonly Rule[] = ['legacy-import', 'legacy-name', 'snake-case', 'user-less-emit', 'module-singleton', 'import-cycle'];

export interface Finding {
  /** Relative to the project root, posix separators. */
  readonly file: string;
  /** 1-based. */
  readonly line: number;
  /** 1-based. */
  readonly column: number;
  readonly endLine: number;
  readonly endColumn: number;
  readonly rule: Rule;
  /** The deprecation code it warns with at run time, or null (types, team modules, singletons of the canonical API, cycles). */
  readonly code: string | null;
  /** The legacy name, member or module path. */
  readonly name: string;
  readonly message: string;
  /** What to use instead, or null. */
  readonly replacement: string | null;
  /** Offsets in the file's text (for the rewriter and the ESLint rules). */
  readonly start: number;
  readonly end: number;
  /** How an import was written: static imports of a legacy path are also what `no-restricted-imports` reports. */
  readonly form?: 'static-import' | 'other';
}

/** A use of the migration server (phase 6 of MIGRATION.md): listed, not a phase-5 leftover, not in the score. */
export interface MigrationServerUse {
  readonly file: string;
  readonly line: number;
  readonly column: number;
  readonly name: string;
  readonly message: string;
  readonly start: number;
  readonly end: number;
}

/** The message of a finding: what it is, its code, and its replacement. */
export function findingMessage(what: string, code: string | null, replacement: string | null): string {
  const coded = code === null ? what : `${what} (${code})`;
  return replacement === null ? coded : `${coded}: use ${replacement}`;
}

/** The long replacement text of a deprecation code, as legacy/deprecation-codes.ts words it. */
export function codeReplacement(code: string): string | null {
  return DEPRECATION_TEXTS.get(code)?.with ?? null;
}

/** Sorted by file, position, rule, code: the order of the text and JSON output, stable across runs. */
export function compareFindings(a: Finding, b: Finding): number {
  return a.file < b.file ? -1 : a.file > b.file ? 1 : a.start - b.start || a.end - b.end || a.rule.localeCompare(b.rule) || (a.code ?? '').localeCompare(b.code ?? '');
}
