/** The human output of `check` and the lists `migrate` prints: one line per finding, grouped by file. */
import { DEPRECATION_TEXTS } from './catalog.js';
import type { CheckResult } from './report-json.js';
import { passed } from './report-json.js';
import type { FileError } from './project.js';

export function errorLines(errors: readonly FileError[]): string[] {
  return errors.map((e) => `${e.file === '' ? '(project)' : e.file}${e.line > 0 ? `:${e.line}:${e.column}` : ''}  ${e.code}  ${e.message}`);
}

export function checkText(result: CheckResult): string {
  const out: string[] = [];
  let current = '';
  for (const f of result.findings) {
    if (f.file !== current) {
      if (current !== '') out.push('');
      out.push(f.file);
      current = f.file;
    }
    out.push(`  ${f.line}:${f.column}  ${f.code ?? f.rule}  ${f.message}`);
  }
  if (result.migrationServer.length > 0) {
    out.push('', 'Migration server (phase 6 of MIGRATION.md; not counted in the score):');
    for (const u of result.migrationServer) out.push(`  ${u.file}:${u.line}:${u.column}  ${u.message}`);
  }
  if (result.errors.length > 0) out.push('', 'Files that could not be read in full:', ...errorLines(result.errors).map((l) => `  ${l}`));
  out.push('', 'Summary per code:');
  for (const [code, count] of Object.entries(result.summary.byCode)) {
    if (count === 0) continue;
    out.push(`  ${code}  ${String(count).padStart(4)}  ${DEPRECATION_TEXTS.get(code)?.replace ?? ''}`);
  }
  if (result.summary.uncoded > 0) out.push(`  (no code)     ${String(result.summary.uncoded).padStart(4)}  legacy types, team modules, singletons of the canonical API, import cycles`);
  if (result.findings.length === 0) out.push('  nothing left');
  if (!result.typesResolved) out.push('', "Note: ws-ssot's type declarations were not found from this project, so only imports were checked (install ws-ssot, then npm run build if it is this repository).");
  out.push(
    '',
    `Score: ${result.score}/100 (${result.findings.length} finding${result.findings.length === 1 ? '' : 's'}, ${result.canonicalUses} canonical use${result.canonicalUses === 1 ? '' : 's'}, ${result.files} file${result.files === 1 ? '' : 's'})${passed(result) ? '' : result.score < result.minScore ? ` — below --min-score ${result.minScore}` : ' — some files could not be read'}`,
  );
  return `${out.join('\n')}\n`;
}
