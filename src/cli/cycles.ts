/**
 * Import cycles through the modules that touch a manager: the runtime import graph of the project (static
 * imports and re-exports that are not type-only, `import x = require()`, `require()`; not `import()`, which
 * runs later), its strongly connected components, and each component with a module that touches a manager
 * (legacy or canonical). Such a cycle is where a module-level manager is read before its module ran.
 */
import type TS from 'typescript';
import { isRequireCall, stringArgument, type Resolver } from './symbols.js';

export interface ImportEdge {
  readonly from: string;
  readonly to: string;
  /** The module specifier's node in `from`. */
  readonly literal: TS.Node;
}

export interface Cycle {
  /** The cycle as a path, starting and ending at the first touching module: a → b → a. */
  readonly path: readonly string[];
  /** The import that starts the path. */
  readonly edge: ImportEdge;
}

/** The runtime imports of `source` that lead to another file of the project. */
export function importEdges(r: Resolver, source: TS.SourceFile, resolve: (specifier: string, mode: 'import' | 'require') => string | null, inProject: (file: string) => boolean): ImportEdge[] {
  const { ts } = r;
  const edges: ImportEdge[] = [];
  const add = (literal: TS.StringLiteralLike, mode: 'import' | 'require'): void => {
    const to = resolve(literal.text, mode);
    if (to !== null && inProject(to)) edges.push({ from: source.fileName, to, literal });
  };
  const visit = (node: TS.Node): void => {
    if (ts.isImportDeclaration(node) && ts.isStringLiteralLike(node.moduleSpecifier)) {
      if (node.importClause?.isTypeOnly !== true) add(node.moduleSpecifier, 'import');
      return;
    }
    if (ts.isExportDeclaration(node) && node.moduleSpecifier !== undefined && ts.isStringLiteralLike(node.moduleSpecifier)) {
      if (!node.isTypeOnly) add(node.moduleSpecifier, 'import');
      return;
    }
    if (ts.isImportEqualsDeclaration(node) && ts.isExternalModuleReference(node.moduleReference) && ts.isStringLiteralLike(node.moduleReference.expression)) {
      if (!node.isTypeOnly) add(node.moduleReference.expression, 'require');
      return;
    }
    if (ts.isCallExpression(node) && stringArgument(ts, node) !== null && isRequireCall(r, node)) add(node.arguments[0] as TS.StringLiteralLike, 'require');
    ts.forEachChild(node, visit);
  };
  visit(source);
  return edges;
}

/** The cycles among `edges` that go through a module of `touching` (one per strongly connected component). */
export function managerCycles(files: readonly string[], edges: readonly ImportEdge[], touching: ReadonlySet<string>): Cycle[] {
  const next = new Map<string, ImportEdge[]>(files.map((f) => [f, []]));
  for (const e of edges) next.get(e.from)?.push(e);
  // Tarjan's strongly connected components, iteratively (a long chain of modules must not overflow the stack).
  let counter = 0;
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const components: string[][] = [];
  for (const start of files) {
    if (index.has(start)) continue;
    const work: Array<{ v: string; i: number }> = [{ v: start, i: 0 }];
    index.set(start, counter);
    low.set(start, counter++);
    stack.push(start);
    onStack.add(start);
    while (work.length > 0) {
      const frame = work[work.length - 1] as { v: string; i: number };
      const out = next.get(frame.v) ?? [];
      if (frame.i < out.length) {
        const w = (out[frame.i++] as ImportEdge).to;
        if (!index.has(w)) {
          index.set(w, counter);
          low.set(w, counter++);
          stack.push(w);
          onStack.add(w);
          work.push({ v: w, i: 0 });
        } else if (onStack.has(w)) low.set(frame.v, Math.min(low.get(frame.v) as number, index.get(w) as number));
        continue;
      }
      work.pop();
      const parent = work[work.length - 1];
      if (parent !== undefined) low.set(parent.v, Math.min(low.get(parent.v) as number, low.get(frame.v) as number));
      if (low.get(frame.v) === index.get(frame.v)) {
        const component: string[] = [];
        let w: string;
        do {
          w = stack.pop() as string;
          onStack.delete(w);
          component.push(w);
        } while (w !== frame.v);
        components.push(component.sort());
      }
    }
  }
  const cycles: Cycle[] = [];
  for (const component of components) {
    const members = new Set(component);
    const selfLoop = component.length === 1 && (next.get(component[0] as string) ?? []).some((e) => e.to === component[0]);
    if (component.length < 2 && !selfLoop) continue;
    const first = component.find((f) => touching.has(f));
    if (first === undefined) continue;
    // The shortest way back to `first` inside the component (breadth first), for the message.
    const back = new Map<string, ImportEdge>();
    const queue: string[] = [first];
    let closing: ImportEdge | null = null;
    while (queue.length > 0 && closing === null) {
      const v = queue.shift() as string;
      for (const e of next.get(v) ?? []) {
        if (!members.has(e.to)) continue;
        if (e.to === first) {
          closing = e;
          break;
        }
        if (!back.has(e.to)) {
          back.set(e.to, e);
          queue.push(e.to);
        }
      }
    }
    if (closing === null) continue;
    const path: ImportEdge[] = [closing];
    for (let at = closing.from; at !== first; at = (back.get(at) as ImportEdge).from) path.unshift(back.get(at) as ImportEdge);
    cycles.push({ path: [first, ...path.map((e) => e.to)], edge: path[0] as ImportEdge });
  }
  return cycles;
}
