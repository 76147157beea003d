/**
 * `ws-ssot migrate [dir]`: rewrites what can be translated safely to the canonical API (migrate/plan.ts), in
 * place or, with `--dry-run`, as a unified diff on stdout; then lists what it could not rewrite and why.
 */
import { writeFileSync } from 'node:fs';
import { analyzeProgram } from './analyze.js';
import { MIGRATION_SERVER } from './catalog.js';
import type { MigrateArgs } from './args.js';
import { EXIT, type ExitCode } from './exit-codes.js';
import { loadTypeScript } from './load-typescript.js';
import { unifiedDiff } from './migrate/diff.js';
import { planMigration, type MigrationPlan } from './migrate/plan.js';
import { packageEntryFiles } from './package-index.js';
import { progress, PROGRESS_FROM } from './progress.js';
import { loadProject, type FileError } from './project.js';
import { errorLines } from './report-text.js';

export const MIGRATE_SCHEMA_VERSION = 1;

export interface MigrateRun {
  readonly plan: MigrationPlan;
  readonly errors: readonly FileError[];
  readonly exitCode: ExitCode;
}

function text(args: MigrateArgs, plan: MigrationPlan, errors: readonly FileError[]): string {
  const out: string[] = [];
  if (args.dryRun) for (const change of plan.changes) out.push(unifiedDiff(change.file, change.before, change.after).replace(/\n$/, ''));
  const verb = args.dryRun ? 'would rewrite' : 'rewrote';
  out.push(`${out.length > 0 ? '\n' : ''}ws-ssot migrate: ${verb} ${plan.rewritten.length} legacy use${plan.rewritten.length === 1 ? '' : 's'} in ${plan.changes.length} file${plan.changes.length === 1 ? '' : 's'}${args.dryRun ? ' (dry run: nothing written)' : ''}.`);
  for (const change of plan.changes) out.push(`  ${change.file}`);
  if (plan.notes.length > 0) {
    out.push('', 'To review:');
    for (const n of plan.notes) out.push(`  ${n.file}:${n.line}:${n.column}  ${n.text}`);
  }
  if (plan.notRewritten.length > 0) {
    out.push('', `Not rewritten (${plan.notRewritten.length}):`);
    for (const { finding: f, reason } of plan.notRewritten) out.push(`  ${f.file}:${f.line}:${f.column}  ${f.code ?? f.rule}  ${f.name}: ${reason}`);
  } else if (plan.rewritten.length > 0 || plan.changes.length > 0) out.push('', `Nothing legacy is left but the migration server (${MIGRATION_SERVER.create}: phase 6 of MIGRATION.md).`);
  else out.push('', 'Nothing to rewrite.');
  if (errors.length > 0) out.push('', 'Files that could not be read in full:', ...errorLines(errors).map((l) => `  ${l}`));
  return `${out.join('\n')}\n`;
}

function json(args: MigrateArgs, root: string, plan: MigrationPlan, errors: readonly FileError[]): string {
  const f = (x: { file: string; line: number; column: number; code: string | null; rule: string; name: string }) => ({ file: x.file, line: x.line, column: x.column, code: x.code, rule: x.rule, name: x.name });
  const report = {
    schemaVersion: MIGRATE_SCHEMA_VERSION,
    tool: 'ws-ssot migrate',
    root,
    dryRun: args.dryRun,
    only: args.only,
    changedFiles: plan.changes.map((c) => c.file),
    rewritten: plan.rewritten.map(f),
    notRewritten: plan.notRewritten.map((u) => ({ ...f(u.finding), reason: u.reason })),
    notes: plan.notes,
    errors: errors.map((e) => ({ file: e.file, line: e.line, column: e.column, code: e.code, message: e.message })),
  };
  return `${JSON.stringify(report, null, 2)}\n`;
}

export function runMigrate(args: MigrateArgs, write: (text: string) => void, _writeErr: (text: string) => void): MigrateRun {
  const ts = loadTypeScript(args.dir);
  const p = progress(args.progress, 'ws-ssot migrate');
  const project = loadProject(ts, args.dir, (options, root) => packageEntryFiles(ts, options, root));
  if (project.files.length >= PROGRESS_FROM) p.note(`${project.files.length} files (${project.config ?? 'defaults'})`);
  const analysis = analyzeProgram(ts, project.program, project.files, { root: project.root, legacyModules: args.legacyModules, onFile: (d, t) => p.file(d, t) });
  const plan = planMigration(analysis, project.files, args.only);
  const errors = [...project.errors, ...analysis.errors, ...plan.errors];
  if (!args.dryRun) {
    for (const change of plan.changes) {
      try {
        writeFileSync(change.fileName, change.after);
      } catch (err) {
        errors.push({ file: change.file, line: 0, column: 0, code: 'WSSOT_CLI_ERR_READ', message: `could not be written: ${err instanceof Error ? err.message : String(err)}` });
      }
    }
  }
  write(args.json ? json(args, project.root, plan, errors) : text(args, plan, errors));
  const ok = plan.notRewritten.length === 0 && errors.length === 0;
  return { plan, errors, exitCode: ok ? EXIT.ok : EXIT.findings };
}
