/**
 * Resolving a name by symbol: through import and export aliases (a legacy class imported from the project's
 * own re-export module, renamed on the way, is still the legacy class), through `require()` in CommonJS and
 * through a `require` made by `createRequire`. A local declaration that happens to share a legacy name
 * resolves to itself, and is not legacy.
 */
import type TS from 'typescript';
import { isLegacyPath, LEGACY_NAMES, type LegacyName } from './catalog.js';
import type { TypeScript } from './load-typescript.js';
import { resolveAlias, type PackageIndex } from './package-index.js';

export interface Resolver {
  readonly ts: TypeScript;
  readonly checker: TS.TypeChecker;
  readonly index: PackageIndex;
}

/** The string of `require('x')`, `import('x')`, or null. */
export function stringArgument(ts: TypeScript, call: TS.CallExpression): string | null {
  const first = call.arguments[0];
  return first !== undefined && ts.isStringLiteralLike(first) ? first.text : null;
}

function importSpecifierOf(ts: TypeScript, node: TS.Node): string | null {
  for (let n: TS.Node | undefined = node; n !== undefined; n = n.parent) {
    if ((ts.isImportDeclaration(n) || ts.isExportDeclaration(n)) && n.moduleSpecifier !== undefined && ts.isStringLiteralLike(n.moduleSpecifier)) return n.moduleSpecifier.text;
    if (ts.isImportEqualsDeclaration(n) && ts.isExternalModuleReference(n.moduleReference) && ts.isStringLiteralLike(n.moduleReference.expression)) return n.moduleReference.expression.text;
    if (ts.isVariableDeclaration(n)) {
      const init = n.initializer;
      return init !== undefined && ts.isCallExpression(init) ? stringArgument(ts, init) : null;
    }
    if (ts.isStatement(n)) return null;
  }
  return null;
}

/**
 * Whether `call` loads a module the CommonJS way: the global `require`, or a function made by
 * `createRequire` of `node:module` (a local named `require` that is anything else is not).
 */
export function isRequireCall(r: Resolver, call: TS.CallExpression): boolean {
  const { ts, checker } = r;
  if (!ts.isIdentifier(call.expression) || stringArgument(ts, call) === null) return false;
  const symbol = checker.getSymbolAtLocation(call.expression);
  const declaration = symbol?.valueDeclaration ?? symbol?.declarations?.[0];
  if (declaration === undefined || declaration.getSourceFile().isDeclarationFile) return call.expression.text === 'require';
  if (!ts.isVariableDeclaration(declaration) || declaration.initializer === undefined) return false;
  const init = declaration.initializer;
  if (!ts.isCallExpression(init) || !ts.isIdentifier(init.expression)) return false;
  const made = checker.getSymbolAtLocation(init.expression);
  const from = made === undefined ? null : importSpecifierOf(ts, made.declarations?.[0] ?? init);
  return (from === 'node:module' || from === 'module') && (importedName(ts, made?.declarations?.[0]) ?? init.expression.text) === 'createRequire';
}

/** The exported name an import-like declaration takes (`b` in `import { b as c }`), or null for a whole module. */
export function importedName(ts: TypeScript, declaration: TS.Declaration | TS.Node | undefined): string | null {
  if (declaration === undefined) return null;
  if (ts.isImportSpecifier(declaration) || ts.isExportSpecifier(declaration)) return (declaration.propertyName ?? declaration.name).text;
  if (ts.isBindingElement(declaration)) {
    const key = declaration.propertyName ?? declaration.name;
    return ts.isIdentifier(key) || ts.isStringLiteral(key) ? key.text : null;
  }
  if (ts.isImportClause(declaration)) return 'default';
  return null;
}

/** The symbol a name refers to, as the checker sees it at that place (shorthand `{ X }` and `export { X }` included). */
export function symbolAt(r: Resolver, name: TS.Node): TS.Symbol | undefined {
  const { ts, checker } = r;
  const parent = name.parent;
  if (parent !== undefined && ts.isShorthandPropertyAssignment(parent) && parent.name === name) return checker.getShorthandAssignmentValueSymbol(parent);
  if (parent !== undefined && ts.isExportSpecifier(parent) && parent.parent.parent.moduleSpecifier === undefined) return checker.getExportSpecifierLocalTargetSymbol(parent) ?? checker.getSymbolAtLocation(name);
  return checker.getSymbolAtLocation(name);
}

/**
 * The legacy entry a symbol stands for: an alias step that imports it from a legacy path names it (this works
 * even where ws-ssot's declarations cannot be found), else the symbol the aliases end at is a legacy export.
 */
export function legacyOfSymbol(r: Resolver, symbol: TS.Symbol): LegacyName | undefined {
  const { ts, checker, index } = r;
  let step: TS.Symbol | undefined = symbol;
  for (let depth = 0; step !== undefined && depth < 16 && (step.flags & ts.SymbolFlags.Alias) !== 0; depth++) {
    const declaration = step.declarations?.[0];
    const specifier = declaration === undefined ? null : importSpecifierOf(ts, declaration);
    if (specifier !== null && isLegacyPath(specifier)) {
      const name = importedName(ts, declaration) ?? step.name;
      const entry = LEGACY_NAMES.get(name);
      if (entry !== undefined) return entry;
    }
    step = checker.getImmediateAliasedSymbol(step);
  }
  return index.legacyName(resolveAlias(ts, checker, symbol));
}

/** The symbol aliases end at (the declaration itself). */
export function targetOf(r: Resolver, symbol: TS.Symbol): TS.Symbol {
  return resolveAlias(r.ts, r.checker, symbol);
}
