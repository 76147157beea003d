/**
 * `ws-ssot check --json`: one JSON document on stdout, for CI dashboards. The schema is versioned
 * (`schemaVersion`); fields are only ever added within a version, and every list is sorted (file, then
 * position), so two runs on the same code print the same bytes but for `root`. docs/tools.md documents it;
 * test/cli/check-json.test.ts checks its shape.
 */
import type { Finding, MigrationServerUse } from './findings.js';
import type { FileError } from './project.js';
import type { Summary } from './score.js';

export const CHECK_SCHEMA_VERSION = 1;

export interface CheckReport {
  readonly schemaVersion: 1;
  readonly tool: 'ws-ssot check';
  /** The project directory, absolute. */
  readonly root: string;
  /** 'tsconfig.json', 'jsconfig.json', or null when the defaults were used. */
  readonly config: string | null;
  /** Whether ws-ssot's own type declarations were found from the project (without them only imports are seen). */
  readonly typesResolved: boolean;
  readonly score: number;
  readonly minScore: number;
  /** score ≥ minScore and no file error: what exit code 0 means. */
  readonly passed: boolean;
  readonly counts: {
    readonly files: number;
    readonly filesWithFindings: number;
    readonly findings: number;
    readonly canonicalUses: number;
    readonly migrationServerUses: number;
    readonly errors: number;
  };
  readonly byCode: Summary['byCode'];
  readonly uncoded: number;
  readonly byRule: Summary['byRule'];
  readonly findings: ReadonlyArray<{
    file: string;
    line: number;
    column: number;
    endLine: number;
    endColumn: number;
    rule: Finding['rule'];
    code: string | null;
    name: string;
    message: string;
    replacement: string | null;
  }>;
  readonly migrationServer: ReadonlyArray<{ file: string; line: number; column: number; name: string; message: string }>;
  readonly errors: ReadonlyArray<{ file: string; line: number; column: number; code: string; message: string }>;
}

export interface CheckResult {
  readonly root: string;
  readonly config: string | null;
  readonly typesResolved: boolean;
  readonly files: number;
  readonly findings: readonly Finding[];
  readonly migrationServer: readonly MigrationServerUse[];
  readonly canonicalUses: number;
  readonly errors: readonly FileError[];
  readonly score: number;
  readonly minScore: number;
  readonly summary: Summary;
}

export function passed(result: CheckResult): boolean {
  return result.score >= result.minScore && result.errors.length === 0;
}

export function checkReport(result: CheckResult): CheckReport {
  return {
    schemaVersion: CHECK_SCHEMA_VERSION,
    tool: 'ws-ssot check',
    root: result.root,
    config: result.config,
    typesResolved: result.typesResolved,
    score: result.score,
    minScore: result.minScore,
    passed: passed(result),
    counts: {
      files: result.files,
      filesWithFindings: new Set(result.findings.map((f) => f.file)).size,
      findings: result.findings.length,
      canonicalUses: result.canonicalUses,
      migrationServerUses: result.migrationServer.length,
      errors: result.errors.length,
    },
    byCode: result.summary.byCode,
    uncoded: result.summary.uncoded,
    byRule: result.summary.byRule,
    findings: result.findings.map((f) => ({ file: f.file, line: f.line, column: f.column, endLine: f.endLine, endColumn: f.endColumn, rule: f.rule, code: f.code, name: f.name, message: f.message, replacement: f.replacement })),
    migrationServer: result.migrationServer.map((u) => ({ file: u.file, line: u.line, column: u.column, name: u.name, message: u.message })),
    errors: [...result.errors]
      .sort((a, b) => (a.file < b.file ? -1 : a.file > b.file ? 1 : a.line - b.line || a.column - b.column))
      .map((e) => ({ file: e.file, line: e.line, column: e.column, code: e.code, message: e.message })),
  };
}
