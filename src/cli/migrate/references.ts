/**
 * Every place the project refers to a symbol, found by symbol (through import aliases and `require()`
 * destructuring), for the rewriter: the uses of a manager held in a variable, the callers of a function that
 * must now take the app's context.
 */
import type TS from 'typescript';
import { symbolAt, targetOf, type Resolver } from '../symbols.js';

export interface ReferenceIndex {
  /** The identifiers of the project that resolve to `symbol` (aliases ended), its declaration's name included. */
  of(symbol: TS.Symbol): readonly TS.Identifier[];
}

export function referenceIndex(r: Resolver, files: readonly TS.SourceFile[]): ReferenceIndex {
  const { ts } = r;
  const byText = new Map<string, TS.Identifier[]>();
  /** Renames on the way: `import { a as b }`, `const { a: b } = require()`, `export { a as b }`: a → b. */
  const renames = new Map<string, Set<string>>();
  const rename = (from: string, to: string): void => {
    if (from === to) return;
    const set = renames.get(from) ?? new Set<string>();
    set.add(to);
    renames.set(from, set);
  };
  for (const source of files) {
    const visit = (node: TS.Node): void => {
      if (ts.isIdentifier(node)) {
        const list = byText.get(node.text);
        if (list === undefined) byText.set(node.text, [node]);
        else list.push(node);
      } else if ((ts.isImportSpecifier(node) || ts.isExportSpecifier(node)) && node.propertyName !== undefined) rename(node.propertyName.text, node.name.text);
      else if (ts.isBindingElement(node) && node.propertyName !== undefined && ts.isIdentifier(node.propertyName) && ts.isIdentifier(node.name)) rename(node.propertyName.text, node.name.text);
      ts.forEachChild(node, visit);
    };
    visit(source);
  }
  const cache = new Map<TS.Symbol, TS.Identifier[]>();
  return {
    of(symbol) {
      const known = cache.get(symbol);
      if (known !== undefined) return known;
      const texts = new Set<string>([symbol.name]);
      for (const text of texts) for (const to of renames.get(text) ?? []) texts.add(to);
      const out: TS.Identifier[] = [];
      for (const text of texts) {
        for (const id of byText.get(text) ?? []) {
          const s = symbolAt(r, id);
          if (s !== undefined && targetOf(r, s) === symbol) out.push(id);
        }
      }
      cache.set(symbol, out);
      return out;
    },
  };
}
