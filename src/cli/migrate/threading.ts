/**
 * The phase-5 pattern of MIGRATION.md, applied: no global accessor, the server passed through the app's own
 * context. The module that creates the server (`const wss = createWebSocketServer(…)` or `createMigrationServer`,
 * at its top level) gets `const ctx = { wss };`; each top-level function that now needs the server takes `ctx`
 * as its first parameter and reads `ctx.wss`; each of its callers passes its own `ctx` — up to the module that
 * made it. A function the rewriter cannot follow to that module (used as a value, called at import time, a class
 * method) blocks the rewrites that need it, with the reason.
 */
import type TS from 'typescript';
import { LEGACY_NAMES, MIGRATION_SERVER } from '../catalog.js';
import { legacyOfSymbol, symbolAt, targetOf, type Resolver } from '../symbols.js';
import { endOfLine, indentationAt } from './edits.js';
import { where, type PlannedEdit } from './model.js';
import type { ReferenceIndex } from './references.js';

interface Root {
  readonly source: TS.SourceFile;
  readonly statement: TS.VariableStatement;
  /** The server's variable (`wss`). */
  readonly name: string;
}

type FunctionLike = TS.FunctionDeclaration | TS.ArrowFunction | TS.FunctionExpression;
type Scope = { kind: 'root' } | { kind: 'function'; fn: FunctionLike } | { kind: 'none'; reason: string };

export interface ThreadingContext extends Resolver {
  readonly references: ReferenceIndex;
  readonly files: readonly TS.SourceFile[];
  relative(fileName: string): string;
}

export interface Threading {
  /** The server's expression at `at`, or why it cannot be reached there. */
  serverAt(at: TS.Node): { text: string } | { reason: string };
  /** The edits that pass the context to the places `used` (the `serverAt` nodes of the groups applied). */
  edits(used: readonly TS.Node[]): PlannedEdit[];
}

const TS_EXTENSIONS = /\.[cm]?tsx?$/;

/** The one module-level `const x = createWebSocketServer(…)` / `createMigrationServer(…)` of the project, or why not. */
function findRoot(c: ThreadingContext): Root | string {
  const { ts } = c;
  const roots: Root[] = [];
  for (const source of c.files) {
    for (const statement of source.statements) {
      if (!ts.isVariableStatement(statement)) continue;
      for (const d of statement.declarationList.declarations) {
        const init = d.initializer;
        if (!ts.isIdentifier(d.name) || init === undefined || !ts.isCallExpression(init)) continue;
        const callee = ts.isIdentifier(init.expression) ? init.expression : ts.isPropertyAccessExpression(init.expression) ? init.expression.name : null;
        const symbol = callee === null ? undefined : symbolAt(c, callee);
        if (symbol === undefined) continue;
        const legacy = legacyOfSymbol(c, symbol);
        const isMigration = legacy !== undefined && legacy.name === MIGRATION_SERVER.create && LEGACY_NAMES.get(legacy.name)?.kind === 'migration';
        const target = targetOf(c, symbol);
        const isCanonical = legacy === undefined && c.index.isCanonical(target) && target.name === MIGRATION_SERVER.canonicalCreate;
        if (isMigration || isCanonical) roots.push({ source, statement, name: d.name.text });
      }
    }
  }
  if (roots.length === 1) return roots[0] as Root;
  if (roots.length === 0) return `no module-level const wss = ${MIGRATION_SERVER.canonicalCreate}(…) was found to pass the server on from`;
  return `the server is created in ${roots.length} places (${roots.map((r) => where(r.statement, c.relative)).join(', ')}): pass it on by hand`;
}

function isTopLevelFunction(ts: typeof TS, fn: TS.Node): fn is FunctionLike {
  if (ts.isFunctionDeclaration(fn)) return ts.isSourceFile(fn.parent);
  if (!ts.isArrowFunction(fn) && !ts.isFunctionExpression(fn)) return false;
  const d = fn.parent;
  return ts.isVariableDeclaration(d) && d.initializer === fn && ts.isVariableStatement(d.parent.parent) && ts.isSourceFile(d.parent.parent.parent);
}

function nameOf(ts: typeof TS, fn: FunctionLike): TS.Identifier | undefined {
  if (ts.isFunctionDeclaration(fn)) return fn.name;
  const d = fn.parent;
  return ts.isVariableDeclaration(d) && ts.isIdentifier(d.name) ? d.name : undefined;
}

/** Whether `name` is free inside `node` (no identifier spelled so) and not visible at it. */
function isFree(c: ThreadingContext, node: TS.Node, name: string): boolean {
  const { ts } = c;
  let used = false;
  const visit = (n: TS.Node): void => {
    if (used) return;
    if (ts.isIdentifier(n) && n.text === name) used = true;
    else ts.forEachChild(n, visit);
  };
  visit(node);
  return !used && c.checker.resolveName(name, node, ts.SymbolFlags.Value, false) === undefined;
}

function freeName(c: ThreadingContext, node: TS.Node): string {
  for (const candidate of ['ctx', 'appContext', 'wsContext']) if (isFree(c, node, candidate)) return candidate;
  for (let i = 2; ; i++) if (isFree(c, node, `ctx${i}`)) return `ctx${i}`;
}

export function threading(c: ThreadingContext): Threading {
  const { ts } = c;
  const root = findRoot(c);
  const state = new Map<FunctionLike, 'busy' | 'ok' | string>();
  const callSites = new Map<FunctionLike, TS.CallExpression[]>();
  const names = new Map<FunctionLike, string>();
  let rootCtx: string | null = null;

  const scopeOf = (at: TS.Node): Scope => {
    let outer: TS.Node | null = null;
    for (let n: TS.Node | undefined = at.parent; n !== undefined && !ts.isSourceFile(n); n = n.parent) if (ts.isFunctionLike(n)) outer = n;
    if (typeof root !== 'string' && at.getSourceFile() === root.source) {
      if (outer !== null || at.getStart() > root.statement.getEnd()) return { kind: 'root' };
      return { kind: 'none', reason: `runs before the server is created in ${c.relative(root.source.fileName)}` };
    }
    if (typeof root === 'string') return { kind: 'none', reason: root };
    if (outer === null) return { kind: 'none', reason: `runs at import time (${where(at, c.relative)}), before the app has a server` };
    if (!isTopLevelFunction(ts, outer)) return { kind: 'none', reason: `inside ${ts.SyntaxKind[outer.kind]} at ${where(outer, c.relative)}: pass wss to it by hand (MIGRATION.md phase 5)` };
    return { kind: 'function', fn: outer };
  };

  /** Whether `fn` can take the context: every reference is a call from a place that has it, or an import/export. */
  const thread = (fn: FunctionLike): string | null => {
    const known = state.get(fn);
    if (known === 'busy' || known === 'ok') return null;
    if (known !== undefined) return known;
    state.set(fn, 'busy');
    const fail = (reason: string): string => (state.set(fn, reason), reason);
    const id = nameOf(ts, fn);
    const symbol = id === undefined ? undefined : c.checker.getSymbolAtLocation(id);
    if (id === undefined || symbol === undefined) return fail(`a function without a name at ${where(fn, c.relative)}`);
    const sites: TS.CallExpression[] = [];
    for (const ref of c.references.of(symbol)) {
      if (ref === id) continue;
      const p = ref.parent;
      if (ts.isCallExpression(p) && p.expression === ref) {
        const scope = scopeOf(p);
        if (scope.kind === 'none') return fail(`${id.text} is called at ${where(p, c.relative)}, which ${scope.reason}`);
        if (scope.kind === 'function') {
          const inner = thread(scope.fn);
          if (inner !== null) return fail(inner);
        }
        sites.push(p);
        continue;
      }
      if (ts.isImportSpecifier(p) || ts.isImportClause(p) || ts.isBindingElement(p) || ts.isExportSpecifier(p)) continue;
      // CommonJS exports: module.exports = { f }, exports.f = f.
      if (ts.isShorthandPropertyAssignment(p) || (ts.isPropertyAssignment(p) && p.initializer === ref)) continue;
      if (ts.isBinaryExpression(p) && p.right === ref && p.operatorToken.kind === ts.SyntaxKind.EqualsToken) continue;
      return fail(`${id.text} is used as a value at ${where(ref, c.relative)} (not called): pass the server to it by hand`);
    }
    callSites.set(fn, sites);
    state.set(fn, 'ok');
    return null;
  };

  const ctxName = (fn: FunctionLike): string => {
    let name = names.get(fn);
    if (name === undefined) {
      name = freeName(c, fn);
      names.set(fn, name);
    }
    return name;
  };
  const rootName = (): string => {
    rootCtx ??= freeName(c, (root as Root).source);
    return rootCtx;
  };

  return {
    serverAt(at) {
      const scope = scopeOf(at);
      if (scope.kind === 'none') return { reason: scope.reason };
      if (scope.kind === 'root') return { text: (root as Root).name };
      const reason = thread(scope.fn);
      return reason === null ? { text: `${ctxName(scope.fn)}.wss` } : { reason };
    },
    edits(used) {
      const out: PlannedEdit[] = [];
      const needed = new Set<FunctionLike>();
      const add = (fn: FunctionLike): void => {
        if (needed.has(fn)) return;
        needed.add(fn);
        for (const site of callSites.get(fn) ?? []) {
          const scope = scopeOf(site);
          if (scope.kind === 'function') add(scope.fn);
        }
      };
      for (const at of used) {
        const scope = scopeOf(at);
        if (scope.kind === 'function') add(scope.fn);
      }
      let rootUsed = false;
      for (const fn of needed) {
        const source = fn.getSourceFile();
        const name = ctxName(fn);
        const typed = TS_EXTENSIONS.test(source.fileName) ? `${name}: { readonly wss: import('ws-ssot').WsSsotServer }` : name;
        const params = fn.parameters;
        const parenthesized = !ts.isArrowFunction(fn) || fn.getChildren(source).some((k) => k.kind === ts.SyntaxKind.OpenParenToken);
        if (!parenthesized) {
          // x => …: parenthesized, with the context first.
          const first = params[0] as TS.Node;
          out.push({ source, start: first.getStart(source), end: first.getStart(source), text: `(${typed}, ` }, { source, start: first.getEnd(), end: first.getEnd(), text: ')' });
        } else out.push({ source, start: params.pos, end: params.pos, text: params.length > 0 ? `${typed}, ` : typed });
        for (const site of callSites.get(fn) ?? []) {
          const scope = scopeOf(site);
          const passed = scope.kind === 'root' ? rootName() : scope.kind === 'function' ? ctxName(scope.fn) : null;
          if (passed === null) continue;
          if (scope.kind === 'root') rootUsed = true;
          out.push({ source: site.getSourceFile(), start: site.arguments.pos, end: site.arguments.pos, text: site.arguments.length > 0 ? `${passed}, ` : passed });
        }
      }
      if (rootUsed && typeof root !== 'string') {
        const { source, statement } = root;
        const at = endOfLine(source.text, statement.getEnd());
        const indent = indentationAt(source.text, statement.getStart(source));
        out.push({ source, start: at, end: at, text: `\n${indent}const ${rootName()} = { ${root.name} }; // the app's context: the server, passed to what needs it (MIGRATION.md phase 5)` });
      }
      return out;
    },
  };
}
