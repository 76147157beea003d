/**
 * Imports after the rewrite: a legacy import (or the import of a singleton the rewriter removed) whose every use
 * went away is removed — the name from its list, or the whole statement when nothing is left of it — for ES
 * imports and for CommonJS `const { a } = require(…)`. Imports the rewrite did not free stay as written.
 */
import type TS from 'typescript';
import { isLegacyPath } from '../catalog.js';
import { legacyOfSymbol, stringArgument, targetOf, type Resolver } from '../symbols.js';
import { removeListElements, removeStatement, type TextEdit } from './edits.js';

export interface ImportRemoval {
  readonly edits: TextEdit[];
  /** Starts of the removed bindings (what answers their legacy-import findings). */
  readonly removed: number[];
}

/** The identifiers of `source` that refer to the local binding `symbol`, but for `except`. */
function localUses(r: Resolver, source: TS.SourceFile, symbol: TS.Symbol, name: string, except: TS.Node): TS.Identifier[] {
  const { ts, checker } = r;
  const out: TS.Identifier[] = [];
  const visit = (n: TS.Node): void => {
    if (ts.isIdentifier(n) && n.text === name && n !== except) {
      const parent = n.parent;
      const s = ts.isShorthandPropertyAssignment(parent) && parent.name === n ? checker.getShorthandAssignmentValueSymbol(parent) : checker.getSymbolAtLocation(n);
      if (s === symbol) out.push(n);
    }
    ts.forEachChild(n, visit);
  };
  visit(source);
  return out;
}

/**
 * Removes the bindings of `source` that are legacy (or resolve to one of `removedSymbols`) and whose uses are all
 * in `dropped`.
 */
export function removeFreedImports(r: Resolver, source: TS.SourceFile, dropped: ReadonlySet<TS.Node>, removedSymbols: ReadonlySet<TS.Symbol>): ImportRemoval {
  const { ts, checker } = r;
  const edits: TextEdit[] = [];
  const removed: number[] = [];
  const freed = (name: TS.Identifier, fromLegacy: boolean): boolean => {
    const symbol = checker.getSymbolAtLocation(name);
    if (symbol === undefined) return false;
    const legacy = fromLegacy || legacyOfSymbol(r, symbol) !== undefined || removedSymbols.has(targetOf(r, symbol));
    if (!legacy) return false;
    const entry = legacyOfSymbol(r, symbol);
    if (entry?.kind === 'migration') return false;
    return localUses(r, source, symbol, name.text, name).every((u) => dropped.has(u));
  };
  for (const statement of source.statements) {
    if (ts.isImportDeclaration(statement) && ts.isStringLiteralLike(statement.moduleSpecifier)) {
      const clause = statement.importClause;
      const bindings = clause?.namedBindings;
      if (clause === undefined || clause.name !== undefined || bindings === undefined || !ts.isNamedImports(bindings) || bindings.elements.length === 0) continue;
      const fromLegacy = isLegacyPath(statement.moduleSpecifier.text);
      const gone = new Set<number>();
      bindings.elements.forEach((e, i) => {
        if (freed(e.name, fromLegacy)) gone.add(i);
      });
      if (gone.size === 0) continue;
      for (const i of gone) removed.push((bindings.elements[i] as TS.Node).getStart(source));
      edits.push(...(gone.size === bindings.elements.length ? [removeStatement(ts, source, statement)] : removeListElements(source, bindings.elements, gone)));
    } else if (ts.isVariableStatement(statement) && statement.declarationList.declarations.length === 1) {
      const d = statement.declarationList.declarations[0] as TS.VariableDeclaration;
      if (!ts.isObjectBindingPattern(d.name) || d.initializer === undefined || !ts.isCallExpression(d.initializer)) continue;
      const specifier = stringArgument(ts, d.initializer);
      if (specifier === null) continue;
      const fromLegacy = isLegacyPath(specifier);
      const elements = d.name.elements;
      const gone = new Set<number>();
      elements.forEach((e, i) => {
        if (ts.isIdentifier(e.name) && e.dotDotDotToken === undefined && freed(e.name, fromLegacy)) gone.add(i);
      });
      if (gone.size === 0) continue;
      for (const i of gone) removed.push((elements[i] as TS.Node).getStart(source));
      edits.push(...(gone.size === elements.length ? [removeStatement(ts, source, statement)] : removeListElements(source, elements, gone)));
    }
  }
  return { edits, removed };
}
