/**
 * Loading a project for the tools: its `tsconfig.json`, else its `jsconfig.json`, else defaults that read
 * every TypeScript and JavaScript file under the directory (node_modules and build output left out). A
 * config that cannot be read is reported and the defaults are used; a file with syntax errors is reported
 * and still read as far as the parser got. Nothing here aborts the run but a directory that does not exist.
 */
import { statSync } from 'node:fs';
import path from 'node:path';
import { ProjectError } from './exit-codes.js';
import type { TypeScript } from './load-typescript.js';
import type TS from 'typescript';

/** A problem with one file (or the config) that did not stop the run. */
export interface FileError {
  /** Relative to the project root, posix separators; '' for the project as a whole. */
  readonly file: string;
  readonly line: number;
  readonly column: number;
  readonly code: 'WSSOT_CLI_ERR_CONFIG' | 'WSSOT_CLI_ERR_PARSE' | 'WSSOT_CLI_ERR_READ' | 'WSSOT_CLI_ERR_ANALYZE';
  readonly message: string;
}

export interface Project {
  readonly ts: TypeScript;
  /** Absolute. */
  readonly root: string;
  /** 'tsconfig.json', 'jsconfig.json', or null for the defaults. */
  readonly config: string | null;
  readonly options: TS.CompilerOptions;
  readonly program: TS.Program;
  /** The project's own source files (no declaration files, nothing from node_modules), sorted by path. */
  readonly files: readonly TS.SourceFile[];
  readonly errors: FileError[];
  /** Relative posix path of a file of the project. */
  relative(fileName: string): string;
}

/** Extensions read without a config. */
export const SOURCE_EXTENSIONS: readonly string[] = ['.ts', '.tsx', '.mts', '.cts', '.js', '.jsx', '.mjs', '.cjs'];
const DEFAULT_EXCLUDES = ['**/node_modules', '**/dist', '**/build', '**/coverage', '**/.git'];

/** The options used without a config: every file, JavaScript included, resolved as Node resolves it. */
export function defaultOptions(ts: TypeScript): TS.CompilerOptions {
  return {
    allowJs: true,
    checkJs: false,
    noEmit: true,
    module: ts.ModuleKind.NodeNext,
    moduleResolution: ts.ModuleResolutionKind.NodeNext,
    target: ts.ScriptTarget.ES2022,
    jsx: ts.JsxEmit.Preserve,
    resolveJsonModule: true,
    skipLibCheck: true,
    types: [],
  };
}

function diagnosticError(ts: TypeScript, d: TS.Diagnostic, relative: (f: string) => string, code: FileError['code']): FileError {
  const where = d.file !== undefined && d.start !== undefined ? d.file.getLineAndCharacterOfPosition(d.start) : null;
  return {
    file: d.file === undefined ? '' : relative(d.file.fileName),
    line: where === null ? 0 : where.line + 1,
    column: where === null ? 0 : where.character + 1,
    code,
    message: `TS${d.code}: ${ts.flattenDiagnosticMessageText(d.messageText, ' ')}`,
  };
}

interface ConfigRead {
  config: string | null;
  options: TS.CompilerOptions;
  fileNames: string[];
  errors: FileError[];
}

function readConfig(ts: TypeScript, root: string, relative: (f: string) => string): ConfigRead {
  const errors: FileError[] = [];
  for (const name of ['tsconfig.json', 'jsconfig.json']) {
    const configPath = path.join(root, name);
    if (!ts.sys.fileExists(configPath)) continue;
    const read = ts.readConfigFile(configPath, ts.sys.readFile);
    if (read.error !== undefined) {
      errors.push({ ...diagnosticError(ts, read.error, relative, 'WSSOT_CLI_ERR_CONFIG'), file: name });
      break; // unreadable: the defaults below
    }
    // jsconfig.json means allowJs, as editors read it.
    const existing = name === 'jsconfig.json' ? { allowJs: true } : undefined;
    const parsed = ts.parseJsonConfigFileContent(read.config, ts.sys, root, existing, configPath);
    for (const d of parsed.errors) {
      // "No inputs were found" is reported below as an empty project, not as a broken config.
      if (d.code !== 18003) errors.push({ ...diagnosticError(ts, d, relative, 'WSSOT_CLI_ERR_CONFIG'), file: name });
    }
    return { config: name, options: { ...parsed.options, noEmit: true }, fileNames: parsed.fileNames, errors };
  }
  const fileNames = ts.sys.readDirectory(root, [...SOURCE_EXTENSIONS], DEFAULT_EXCLUDES, ['**/*']).filter((f) => !/\.d\.[cm]?ts$/.test(f));
  return { config: null, options: defaultOptions(ts), fileNames, errors };
}

/**
 * Reads the project at `dir`. `extraRoots(options, root)` names declaration files to load with it (the
 * package's legacy and canonical entry points, so their symbols are there to compare with).
 */
export function loadProject(ts: TypeScript, dir: string, extraRoots: (options: TS.CompilerOptions, root: string) => string[] = () => []): Project {
  const root = path.resolve(dir);
  let isDir = false;
  try {
    isDir = statSync(root).isDirectory();
  } catch {
    isDir = false;
  }
  if (!isDir) throw new ProjectError(`${root} is not a directory`);
  const relative = (fileName: string): string => path.relative(root, fileName).split(path.sep).join('/');
  const read = readConfig(ts, root, relative);
  const own = new Set(read.fileNames.map((f) => path.resolve(f)));
  const program = ts.createProgram({ rootNames: [...read.fileNames, ...extraRoots(read.options, root)], options: read.options });
  const errors = read.errors;
  for (const d of program.getOptionsDiagnostics()) errors.push(diagnosticError(ts, d, relative, 'WSSOT_CLI_ERR_CONFIG'));
  const files: TS.SourceFile[] = [];
  for (const fileName of [...own].sort()) {
    const source = program.getSourceFile(fileName);
    if (source === undefined) {
      errors.push({ file: relative(fileName), line: 0, column: 0, code: 'WSSOT_CLI_ERR_READ', message: 'the file could not be read' });
      continue;
    }
    files.push(source);
    for (const d of program.getSyntacticDiagnostics(source)) errors.push(diagnosticError(ts, d, relative, 'WSSOT_CLI_ERR_PARSE'));
  }
  return { ts, root, config: read.config, options: read.options, program, files, errors, relative };
}
