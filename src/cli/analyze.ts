/**
 * One analysis of a program: every file through the finder (a file that throws is reported and skipped, the
 * others go on), then the import cycles through the modules that touch a manager. Shared by `check`,
 * `migrate` and the ESLint rules (which hand over typescript-eslint's program).
 */
import path from 'node:path';
import type TS from 'typescript';
import { analyzeFile, type FileAnalysis, type FinderContext } from './finder.js';
import { compareFindings, findingMessage, type Finding, type MigrationServerUse } from './findings.js';
import { importEdges, managerCycles, type ImportEdge } from './cycles.js';
import type { TypeScript } from './load-typescript.js';
import { buildPackageIndex, type PackageIndex } from './package-index.js';
import type { FileError } from './project.js';
import { teamModules } from './team-modules.js';

export interface Analysis {
  readonly index: PackageIndex;
  readonly findings: Finding[];
  readonly migrationServer: MigrationServerUse[];
  readonly canonicalUses: number;
  /** Per file (relative path): its own analysis. */
  readonly files: ReadonlyMap<string, FileAnalysis>;
  readonly errors: FileError[];
  readonly context: FinderContext;
}

export interface AnalyzeOptions {
  readonly root: string;
  readonly legacyModules: readonly string[];
  /** Called after each file, for progress. */
  readonly onFile?: (done: number, total: number) => void;
}

/** The finder's context over `program`: resolution, the package index, the team's modules. */
export function finderContext(ts: TypeScript, program: TS.Program, root: string, legacyModules: readonly string[], fromFile: string): FinderContext {
  const options = program.getCompilerOptions();
  const cache = ts.createModuleResolutionCache(root, (f) => f, options);
  const index = buildPackageIndex(ts, program, fromFile);
  return {
    ts,
    checker: program.getTypeChecker(),
    index,
    team: teamModules(root, legacyModules),
    relative: (fileName) => path.relative(root, fileName).split(path.sep).join('/'),
    resolveModule(specifier, from, mode) {
      const kind = mode === 'require' ? ts.ModuleKind.CommonJS : from.impliedNodeFormat ?? ts.ModuleKind.ESNext;
      return ts.resolveModuleName(specifier, from.fileName, options, ts.sys, cache, undefined, kind).resolvedModule?.resolvedFileName ?? null;
    },
  };
}

function touches(a: FileAnalysis): boolean {
  return a.findings.length > 0 || a.migrationServer.length > 0 || a.canonicalUses > 0;
}

/** Analyzes `files` (the project's own) of `program`. */
export function analyzeProgram(ts: TypeScript, program: TS.Program, files: readonly TS.SourceFile[], options: AnalyzeOptions): Analysis {
  const context = finderContext(ts, program, options.root, options.legacyModules, files[0]?.fileName ?? path.join(options.root, 'index.ts'));
  const perFile = new Map<string, FileAnalysis>();
  const errors: FileError[] = [];
  const edges: ImportEdge[] = [];
  const own = new Set(files.map((f) => f.fileName));
  let done = 0;
  for (const source of files) {
    const file = context.relative(source.fileName);
    try {
      perFile.set(file, analyzeFile(context, source));
      edges.push(...importEdges(context, source, (s, mode) => context.resolveModule(s, source, mode), (f) => own.has(f)));
    } catch (err) {
      errors.push({ file, line: 0, column: 0, code: 'WSSOT_CLI_ERR_ANALYZE', message: `could not be analyzed: ${err instanceof Error ? err.message : String(err)}` });
    }
    options.onFile?.(++done, files.length);
  }
  const touching = new Set<string>();
  for (const source of files) {
    const a = perFile.get(context.relative(source.fileName));
    if (a !== undefined && touches(a)) touching.add(source.fileName);
  }
  const findings: Finding[] = [...perFile.values()].flatMap((a) => a.findings);
  for (const cycle of managerCycles(files.map((f) => f.fileName), edges, touching)) {
    const source = cycle.edge.literal.getSourceFile();
    const start = cycle.edge.literal.getStart(source);
    const end = cycle.edge.literal.getEnd();
    const a = source.getLineAndCharacterOfPosition(start);
    const b = source.getLineAndCharacterOfPosition(end);
    const shown = cycle.path.map((f) => context.relative(f)).join(' → ');
    const file = context.relative(source.fileName);
    const finding: Finding = {
      file,
      line: a.line + 1,
      column: a.character + 1,
      endLine: b.line + 1,
      endColumn: b.character + 1,
      rule: 'import-cycle',
      code: null,
      name: shown,
      message: findingMessage(`import cycle through modules that touch a manager: ${shown}`, null, "wss passed through the app's context instead of a shared manager module, so the cycle can be broken"),
      replacement: null,
      start,
      end,
    };
    findings.push(finding);
    perFile.get(file)?.findings.push(finding);
  }
  findings.sort(compareFindings);
  const migrationServer = [...perFile.values()].flatMap((a) => a.migrationServer).sort((x, y) => (x.file < y.file ? -1 : x.file > y.file ? 1 : x.start - y.start));
  let canonicalUses = 0;
  for (const a of perFile.values()) canonicalUses += a.canonicalUses;
  return { index: context.index, findings, migrationServer, canonicalUses, files: perFile, errors, context };
}
