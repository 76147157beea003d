/**
 * The finder of `ws-ssot check` over the program typescript-eslint built (typed linting): one analysis per program,
 * root and set of team modules, shared by every rule and file of an ESLint run. So the rules report exactly what
 * `check` reports, resolved by symbol the same way.
 */
import path from 'node:path';
import type TS from 'typescript';
import { analyzeProgram, type Analysis } from '../cli/analyze.js';
import type { Finding } from '../cli/findings.js';
import { loadTypeScript } from '../cli/load-typescript.js';

const cache = new WeakMap<TS.Program, Map<string, Analysis>>();

/** The program's own files: no declaration file, nothing from node_modules. */
function ownFiles(program: TS.Program): TS.SourceFile[] {
  return program.getSourceFiles().filter((f) => !f.isDeclarationFile && !f.fileName.split(path.sep).includes('node_modules') && !f.fileName.includes('/node_modules/'));
}

export function programAnalysis(program: TS.Program, root: string, legacyModules: readonly string[]): Analysis {
  const key = `${root}\0${legacyModules.join('\0')}`;
  let byKey = cache.get(program);
  if (byKey === undefined) {
    byKey = new Map();
    cache.set(program, byKey);
  }
  let analysis = byKey.get(key);
  if (analysis === undefined) {
    analysis = analyzeProgram(loadTypeScript(root), program, ownFiles(program), { root, legacyModules });
    byKey.set(key, analysis);
  }
  return analysis;
}

/** The findings of one file (absolute path) in that analysis. */
export function fileFindings(analysis: Analysis, fileName: string): readonly Finding[] {
  return analysis.files.get(analysis.context.relative(fileName))?.findings ?? [];
}
