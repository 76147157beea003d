/**
 * src/ typechecks alone (tsconfig.src.json), with legacy/ and the build hidden from the compiler, as if
 * legacy/ had been deleted (issue 14: phase 6 of MIGRATION.md must break no src/ file). `npm run typecheck`
 * runs the same config with tsc.
 */
import path from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';
import { packageRoot } from '../support/build.js';
import { toRelative } from './module-graph.js';

const hidden = (file: string): boolean => /^(legacy|dist)(\/|$)/.test(toRelative(path.resolve(packageRoot, file)));

let built: ts.Program | null = null;

/** The tsconfig.src.json program, on a host to which legacy/ and dist/ do not exist (built once). */
function srcProgram(): ts.Program {
  if (built !== null) return built;
  const configPath = path.join(packageRoot, 'tsconfig.src.json');
  const host: ts.ParseConfigFileHost = {
    ...ts.sys,
    fileExists: (f) => !hidden(f) && ts.sys.fileExists(f),
    readDirectory: (root, extensions, excludes, includes, depth) => ts.sys.readDirectory(root, extensions, excludes, includes, depth).filter((f) => !hidden(f)),
    onUnRecoverableConfigFileDiagnostic: (d) => {
      throw new Error(ts.flattenDiagnosticMessageText(d.messageText, '\n'));
    },
  };
  const config = ts.getParsedCommandLineOfConfigFile(configPath, undefined, host);
  if (config === undefined) throw new Error('tsconfig.src.json did not parse');
  expect(config.errors).toEqual([]);
  const compilerHost = ts.createCompilerHost(config.options);
  compilerHost.fileExists = (f) => !hidden(f) && ts.sys.fileExists(f);
  const readFile = compilerHost.readFile.bind(compilerHost);
  compilerHost.readFile = (f) => (hidden(f) ? undefined : readFile(f));
  compilerHost.directoryExists = (d) => !hidden(d) && ts.sys.directoryExists(d);
  built = ts.createProgram({ rootNames: config.fileNames, options: config.options, host: compilerHost });
  return built;
}

describe('src/ alone', () => {
  it('tsconfig.src.json takes every src/ file and nothing from legacy/, test/ or elsewhere', () => {
    const program = srcProgram();
    const own = program.getSourceFiles().map((f) => toRelative(f.fileName)).filter((f) => !f.startsWith('node_modules/') && !f.startsWith('../'));
    expect(own.length).toBeGreaterThan(50);
    expect(own.filter((f) => !f.startsWith('src/'))).toEqual([]);
    expect(own).toContain('src/index.ts');
    expect(own).toContain('src/client/index.ts');
  });

  it('typechecks with no diagnostic while legacy/ and dist/ do not exist for the compiler', () => {
    const program = srcProgram();
    const diagnostics = ts.getPreEmitDiagnostics(program);
    const text = ts.formatDiagnostics(diagnostics, { getCanonicalFileName: (f) => f, getCurrentDirectory: () => packageRoot, getNewLine: () => '\n' });
    expect(text).toBe('');
  }, 60_000);
});
