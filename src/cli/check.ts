/** `ws-ssot check [dir]`: the legacy uses left in a codebase, a compliance score and a summary per code. */
import { analyzeProgram } from './analyze.js';
import type { CheckArgs } from './args.js';
import { EXIT, type ExitCode } from './exit-codes.js';
import { loadTypeScript } from './load-typescript.js';
import { packageEntryFiles } from './package-index.js';
import { progress, PROGRESS_FROM } from './progress.js';
import { loadProject } from './project.js';
import { checkReport, passed, type CheckResult } from './report-json.js';
import { checkText } from './report-text.js';
import { complianceScore, summarize } from './score.js';

export interface CheckRun {
  readonly result: CheckResult;
  readonly exitCode: ExitCode;
}

/** Runs the check; `write` gets stdout's text. */
export function runCheck(args: CheckArgs, write: (text: string) => void): CheckRun {
  const ts = loadTypeScript(args.dir);
  const p = progress(args.progress, 'ws-ssot check');
  const project = loadProject(ts, args.dir, (options, root) => packageEntryFiles(ts, options, root));
  if (project.files.length >= PROGRESS_FROM) p.note(`${project.files.length} files (${project.config ?? 'no tsconfig.json or jsconfig.json: defaults'})`);
  const analysis = analyzeProgram(ts, project.program, project.files, { root: project.root, legacyModules: args.legacyModules, onFile: (d, t) => p.file(d, t) });
  const errors = [...project.errors, ...analysis.errors];
  const result: CheckResult = {
    root: project.root,
    config: project.config,
    typesResolved: analysis.index.resolved,
    files: project.files.length,
    findings: analysis.findings,
    migrationServer: analysis.migrationServer,
    canonicalUses: analysis.canonicalUses,
    errors,
    score: complianceScore(analysis.findings.length, analysis.canonicalUses),
    minScore: args.minScore,
    summary: summarize(analysis.findings),
  };
  write(args.json ? `${JSON.stringify(checkReport(result), null, 2)}\n` : checkText(result));
  return { result, exitCode: passed(result) ? EXIT.ok : EXIT.findings };
}
