/**
 * The module graph of the package's own sources, read with the TypeScript compiler API (the parser for the
 * imports, the compiler's module resolution for where they lead): for the boundary and no-cycle tests.
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import ts from 'typescript';
import { packageRoot } from '../support/build.js';

/** How a module refers to another. `typeOnly` edges are erased from the JavaScript and cannot run anything. */
export type ImportKind =
  | 'import' // import … from 'x' / import 'x'
  | 'export-from' // export … from 'x'
  | 'dynamic-import' // import('x')
  | 'require' // require('x'), or a function made by createRequire (named *require*)
  | 'import-type' // import type … from 'x'
  | 'export-type-from' // export type … from 'x'
  | 'type-query'; // typeof import('x'), import('x').T

export interface ImportEdge {
  /** The importing file, relative to the package root (posix separators). */
  from: string;
  specifier: string;
  kind: ImportKind;
  typeOnly: boolean;
  /** 1-based line of the specifier. */
  line: number;
  /** The file the compiler resolves it to, relative to the package root; null if it does not resolve. */
  resolved: string | null;
  /** The compiler resolved it to a package (node_modules), not to a source of this one. */
  external: boolean;
}

const TYPE_ONLY_KINDS: ReadonlySet<ImportKind> = new Set(['import-type', 'export-type-from', 'type-query']);

function compilerOptions(): ts.CompilerOptions {
  const configPath = path.join(packageRoot, 'tsconfig.json');
  const config = ts.readConfigFile(configPath, ts.sys.readFile);
  if (config.error) throw new Error(ts.flattenDiagnosticMessageText(config.error.messageText, '\n'));
  return ts.parseJsonConfigFileContent(config.config, ts.sys, packageRoot, undefined, configPath).options;
}

const options = compilerOptions();
const resolutionCache = ts.createModuleResolutionCache(packageRoot, (s) => s, options);

export const toRelative = (file: string): string => path.relative(packageRoot, file).split(path.sep).join('/');

/**
 * Where the compiler resolves `specifier` from `fromFile` (absolute): the file relative to the package root
 * (null if it does not resolve, as for Node builtins, which only ambient declarations describe), and whether
 * it is a package's.
 */
export function resolveImport(specifier: string, fromFile: string, kind: ImportKind): { resolved: string | null; external: boolean } {
  const mode = kind === 'require' ? ts.ModuleKind.CommonJS : ts.ModuleKind.ESNext;
  const module = ts.resolveModuleName(specifier, fromFile, options, ts.sys, resolutionCache, undefined, mode).resolvedModule;
  return module === undefined ? { resolved: null, external: false } : { resolved: toRelative(module.resolvedFileName), external: module.isExternalLibraryImport === true };
}

function stringArgument(node: ts.CallExpression): string | null {
  const first = node.arguments[0];
  return first !== undefined && ts.isStringLiteralLike(first) ? first.text : null;
}

/**
 * Every module reference in one file's text, from its syntax tree: static imports and re-exports (type-only
 * or not), dynamic import(), require-like calls and import types. `import { type A } from 'x'` counts as a
 * runtime import: under verbatimModuleSyntax it is kept as `import 'x'`.
 */
export function importsOf(file: string, text: string): ImportEdge[] {
  const source = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true, ts.ScriptKind.TS);
  const edges: ImportEdge[] = [];
  const add = (literal: ts.Node, specifier: string, kind: ImportKind): void => {
    edges.push({
      from: toRelative(file),
      specifier,
      kind,
      typeOnly: TYPE_ONLY_KINDS.has(kind),
      line: source.getLineAndCharacterOfPosition(literal.getStart(source)).line + 1,
      ...resolveImport(specifier, file, kind),
    });
  };
  const visit = (node: ts.Node): void => {
    if (ts.isImportDeclaration(node) && ts.isStringLiteralLike(node.moduleSpecifier)) {
      add(node.moduleSpecifier, node.moduleSpecifier.text, node.importClause?.isTypeOnly === true ? 'import-type' : 'import');
    } else if (ts.isExportDeclaration(node) && node.moduleSpecifier !== undefined && ts.isStringLiteralLike(node.moduleSpecifier)) {
      add(node.moduleSpecifier, node.moduleSpecifier.text, node.isTypeOnly ? 'export-type-from' : 'export-from');
    } else if (ts.isImportEqualsDeclaration(node) && ts.isExternalModuleReference(node.moduleReference) && ts.isStringLiteralLike(node.moduleReference.expression)) {
      add(node.moduleReference.expression, node.moduleReference.expression.text, node.isTypeOnly ? 'import-type' : 'require');
    } else if (ts.isImportTypeNode(node) && ts.isLiteralTypeNode(node.argument) && ts.isStringLiteralLike(node.argument.literal)) {
      add(node.argument.literal, node.argument.literal.text, 'type-query');
    } else if (ts.isCallExpression(node)) {
      const specifier = stringArgument(node);
      if (specifier !== null && node.expression.kind === ts.SyntaxKind.ImportKeyword) add(node.arguments[0] as ts.Node, specifier, 'dynamic-import');
      else if (specifier !== null && ts.isIdentifier(node.expression) && /require/i.test(node.expression.text)) add(node.arguments[0] as ts.Node, specifier, 'require');
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return edges;
}

/**
 * The specifiers the compiler's own pre-processor (ts.preProcessFile, what tsserver uses to find a file's
 * dependencies) finds in the text: a cross-check that the tree walk above misses none.
 */
export function preProcessedSpecifiers(text: string): string[] {
  return ts.preProcessFile(text, true, true).importedFiles.map((f) => f.fileName);
}

/** Every .ts file (no declarations) under `folder`, relative to the package root, recursively. */
export function sourceFiles(folder: string): string[] {
  const out: string[] = [];
  const walk = (dir: string): void => {
    for (const entry of readdirSync(path.join(packageRoot, dir), { withFileTypes: true })) {
      const rel = `${dir}/${entry.name}`;
      if (entry.isDirectory()) walk(rel);
      else if (/\.(m|c)?tsx?$/.test(entry.name) && !/\.d\.(m|c)?ts$/.test(entry.name)) out.push(rel);
    }
  };
  walk(folder);
  return out.sort();
}

export interface ModuleGraph {
  files: string[];
  edges: ImportEdge[];
}

/** The imports of every source file under `folder`. */
export function moduleGraph(folder: string): ModuleGraph {
  const files = sourceFiles(folder);
  const edges = files.flatMap((file) => importsOf(path.join(packageRoot, file), readFileSync(path.join(packageRoot, file), 'utf8')));
  return { files, edges };
}

/**
 * The import cycles among `files` (strongly connected components of more than one module, or a module that
 * imports itself), over the edges that stay among them; type-only edges only if `includeTypeOnly`. Each
 * cycle is listed as its modules, sorted.
 */
export function importCycles(graph: ModuleGraph, includeTypeOnly: boolean): string[][] {
  const inGraph = new Set(graph.files);
  const next = new Map<string, Set<string>>(graph.files.map((f) => [f, new Set<string>()]));
  for (const edge of graph.edges) {
    if (edge.resolved === null || !inGraph.has(edge.resolved)) continue;
    if (edge.typeOnly && !includeTypeOnly) continue;
    next.get(edge.from)?.add(edge.resolved);
  }
  // Tarjan's strongly connected components.
  let index = 0;
  const indices = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const cycles: string[][] = [];
  const connect = (v: string): void => {
    indices.set(v, index);
    low.set(v, index);
    index++;
    stack.push(v);
    onStack.add(v);
    for (const w of next.get(v) ?? []) {
      if (!indices.has(w)) {
        connect(w);
        low.set(v, Math.min(low.get(v) as number, low.get(w) as number));
      } else if (onStack.has(w)) {
        low.set(v, Math.min(low.get(v) as number, indices.get(w) as number));
      }
    }
    if (low.get(v) === indices.get(v)) {
      const component: string[] = [];
      let w: string;
      do {
        w = stack.pop() as string;
        onStack.delete(w);
        component.push(w);
      } while (w !== v);
      if (component.length > 1 || next.get(v)?.has(v)) cycles.push(component.sort());
    }
  };
  for (const file of graph.files) if (!indices.has(file)) connect(file);
  return cycles.sort((a, b) => (a[0] as string).localeCompare(b[0] as string));
}
