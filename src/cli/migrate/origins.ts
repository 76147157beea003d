/**
 * The legacy objects of a file and what becomes of them: each construction of a legacy manager, call of the
 * global accessor, or manager of the old factory (an origin), where its value goes (used at once, held in a
 * local, or a module-level singleton, whose uses anywhere in the project are rewritten and whose declaration
 * goes), and each of its method calls (uses.ts). One group per origin: applied whole, or not at all.
 */
import type TS from 'typescript';
import { SNAKE_CASE, type LegacyName } from '../catalog.js';
import { legacyOfSymbol, symbolAt, type Resolver } from '../symbols.js';
import { removeListElements, removeStatement } from './edits.js';
import { isStable, userOfContext } from './expressions.js';
import { block, newGroup, where, type Group, type Origin, type OriginKind } from './model.js';
import type { ReferenceIndex } from './references.js';
import { rewriteUse } from './uses.js';

const CONTEXT_KEYS = ['userContext', 'user_context', 'isolationContext', 'isolation_context'];

/** An expression that can be dropped without losing an effect. */
function isPure(ts: typeof TS, e: TS.Expression): boolean {
  if (ts.isStringLiteralLike(e) || ts.isNumericLiteral(e) || ts.isIdentifier(e) || e.kind === ts.SyntaxKind.NullKeyword || e.kind === ts.SyntaxKind.TrueKeyword || e.kind === ts.SyntaxKind.FalseKeyword) return true;
  if (ts.isPropertyAccessExpression(e) || ts.isParenthesizedExpression(e)) return isPure(ts, e.expression);
  if (ts.isTemplateExpression(e)) return e.templateSpans.every((s) => isPure(ts, s.expression));
  if (ts.isArrowFunction(e) || ts.isFunctionExpression(e)) return true;
  if (ts.isObjectLiteralExpression(e)) return e.properties.every((p) => ts.isShorthandPropertyAssignment(p) || (ts.isPropertyAssignment(p) && isPure(ts, p.initializer)));
  if (ts.isArrayLiteralExpression(e)) return e.elements.every((x) => isPure(ts, x));
  return false;
}

export interface OriginContext extends Resolver {
  readonly references: ReferenceIndex;
  relative(fileName: string): string;
}

/** The legacy name a `new X()` or call `f()` makes its object with, if it makes one. */
function legacyMaker(c: OriginContext, node: TS.NewExpression | TS.CallExpression): { entry: LegacyName; name: TS.Node } | null {
  const { ts } = c;
  const callee = node.expression;
  const name = ts.isIdentifier(callee) ? callee : ts.isPropertyAccessExpression(callee) ? callee.name : null;
  if (name === null) return null;
  const symbol = symbolAt(c, name);
  const entry = symbol === undefined ? undefined : legacyOfSymbol(c, symbol);
  if (entry === undefined) return null;
  const ok = ts.isNewExpression(node) ? entry.kind === 'manager' || entry.kind === 'user-bound' || entry.kind === 'factory' : entry.kind === 'accessor';
  return ok ? { entry, name } : null;
}

/** The origin made by `node`, reading its arguments (the user it is bound to, an explicit server); null with a reason if they cannot be read. */
function readOrigin(c: OriginContext, node: TS.NewExpression | TS.CallExpression, entry: LegacyName, name: TS.Node): Origin | string {
  const { ts } = c;
  const args = node.arguments ?? ts.factory.createNodeArray<TS.Expression>([]);
  const kind = entry.kind as OriginKind;
  const base = { node, kind, name: entry.name, codes: entry.codes, covers: [name.getStart()] };
  const options = (e: TS.Expression | undefined, allowed: readonly string[]): { server: string | null; context: TS.Expression | null } | string => {
    if (e === undefined || e.kind === ts.SyntaxKind.NullKeyword || (ts.isIdentifier(e) && e.text === 'undefined')) return { server: null, context: null };
    if (!ts.isObjectLiteralExpression(e) || !isPure(ts, e)) return 'its options are not an object literal the rewriter can read';
    let server: string | null = null;
    let context: TS.Expression | null = null;
    for (const p of e.properties) {
      const key = p.name !== undefined && (ts.isIdentifier(p.name) || ts.isStringLiteral(p.name)) ? p.name.text : null;
      const value = ts.isPropertyAssignment(p) ? p.initializer : ts.isShorthandPropertyAssignment(p) ? p.name : null;
      if (key === null || value === null) return 'its options are not an object literal the rewriter can read';
      if (key === 'server') {
        if (!isStable(c, value)) return 'its server option is not a plain name';
        server = value.getText();
      } else if (CONTEXT_KEYS.includes(key)) context = value;
      else if (!allowed.includes('*')) return `its option ${key} has no equivalent on wss.factory (set it with createWebSocketServer({ factory }))`;
    }
    return { server, context };
  };
  if (kind === 'manager') {
    const o = options(args[0], ['*']);
    if (typeof o === 'string') return o;
    const user = o.context === null ? null : userOfContext(c, o.context, 'context');
    if (o.context !== null && user === null) return 'the user context it is bound to is not a plain name or object literal';
    return { ...base, user, checksUser: false, explicitServer: o.server };
  }
  if (kind === 'factory') {
    const o = options(args[0], []);
    if (typeof o === 'string') return o;
    return { ...base, user: null, checksUser: false, explicitServer: o.server };
  }
  if (kind === 'user-bound') {
    const [user, connection, opts] = args;
    if (user === undefined) return 'it is made without a user';
    if (connection !== undefined && !isPure(ts, connection)) return 'its connection id has side effects';
    const o = options(opts, []);
    if (typeof o === 'string') return o;
    const bound = userOfContext(c, user, 'either');
    if (bound === null) return 'the user it is bound to is not a plain name or object literal';
    return { ...base, user: bound, checksUser: true, explicitServer: o.server };
  }
  // The global accessor: with a context it may return a manager scoped to that user (WS_ENABLE_FACTORY).
  const [context] = args;
  if (context !== undefined && !isPure(ts, context)) return 'its argument has side effects';
  const user = context === undefined ? null : userOfContext(c, context, 'either');
  if (context !== undefined && user === null) return 'the user context it is given is not a plain name or object literal';
  return { ...base, user, checksUser: context !== undefined, explicitServer: null };
}

/** The expression the old object becomes, for a server expression. */
function replacement(kind: OriginKind): (server: string) => string {
  return kind === 'factory' ? (s) => `${s}.factory` : (s) => `${s}.manager`;
}

/** Plans the uses of an object reached through `receiver` (an identifier or the origin itself) in `call`. */
function use(c: OriginContext, group: Group, origin: Origin, receiver: TS.Expression): void {
  const { ts } = c;
  const access = receiver.parent;
  if (!ts.isPropertyAccessExpression(access) || access.expression !== receiver || !ts.isIdentifier(access.name)) return block(group, `${origin.name} is used as a value at ${where(receiver, c.relative)} (passed on, returned or stored): rewrite by hand`, receiver);
  const call = access.parent;
  if (!ts.isCallExpression(call) || call.expression !== access) return block(group, `a property of ${origin.name} is read at ${where(access, c.relative)}: no canonical equivalent`, access);
  rewriteUse(c, group, origin, access, call);
  // A manager of the old factory: its own uses follow, in this same group.
  if (origin.kind === 'factory' && group.blocked === null && (SNAKE_CASE.get(access.name.text) ?? access.name.text) === 'createIsolatedManager') {
    const [user] = call.arguments;
    if (user === undefined || !isStable(c, user)) return block(group, `the user id of ${where(call, c.relative)} is not a plain name: it is passed twice, createIsolatedManager(userId, userId)`, call);
    const child: Origin = { node: call, kind: 'factory-manager', name: 'a manager of the old factory', codes: origin.codes, user: { text: user.getText(), paths: userOfContext(c, user, 'either')?.paths ?? [] }, checksUser: true, explicitServer: null, covers: [] };
    hold(c, group, child);
  }
}

/** Where an origin's value goes, and the edits for it and its uses. */
function hold(c: OriginContext, group: Group, origin: Origin): void {
  const { ts } = c;
  const node = origin.node;
  const source = node.getSourceFile();
  const make = replacement(origin.kind);
  const edit = (at: TS.Node): void => {
    if (origin.kind === 'factory-manager') return; // made by wss.factory already (the factory's use rewrote the call)
    group.edits.push({ source: at.getSourceFile(), start: at.getStart(), end: at.getEnd(), text: make, serverAt: at, ...(origin.explicitServer === null ? {} : { explicitServer: origin.explicitServer }) });
  };
  let parent = node.parent;
  while (ts.isParenthesizedExpression(parent)) parent = parent.parent;
  if (ts.isPropertyAccessExpression(parent) && parent.expression === node) {
    edit(node);
    return use(c, group, origin, node);
  }
  if (!ts.isVariableDeclaration(parent) || parent.initializer !== node || !ts.isIdentifier(parent.name)) return block(group, `${origin.name} at ${where(node, c.relative)} is not held in a variable or used at once: rewrite by hand`, node);
  const declaration = parent;
  const symbol = c.checker.getSymbolAtLocation(declaration.name as TS.Identifier);
  if (symbol === undefined) return block(group, 'its variable cannot be resolved', node);
  const list = declaration.parent as TS.VariableDeclarationList;
  if ((list.flags & ts.NodeFlags.Const) === 0) return block(group, `${origin.name} is held in a variable that is not const: rewrite by hand`, declaration);
  const statement = list.parent;
  const moduleLevel = ts.isVariableStatement(statement) && ts.isSourceFile(statement.parent);
  const refs = c.references.of(symbol).filter((id) => id !== declaration.name);
  if (!moduleLevel) {
    edit(node);
    for (const ref of refs) use(c, group, origin, ref);
    return;
  }
  // A module-level singleton: its declaration goes, each use becomes the server's own object.
  if (origin.kind === 'factory-manager') return block(group, 'a manager of the old factory held at module level: rewrite by hand', declaration);
  if (origin.explicitServer === null && !ts.isVariableStatement(statement)) return block(group, 'unexpected declaration', declaration);
  for (const ref of refs) {
    const p = ref.parent;
    if (ts.isImportSpecifier(p) || ts.isExportSpecifier(p) || ts.isBindingElement(p) || ts.isImportClause(p)) {
      if (ts.isExportSpecifier(p)) return block(group, `${ref.text} is re-exported at ${where(ref, c.relative)}: rewrite by hand`, ref);
      continue; // an import of it: removed with its last use (imports.ts)
    }
    group.dropped.add(ref);
    edit(ref);
    use(c, group, origin, ref);
  }
  group.dropped.add(declaration.name);
  const s = statement as TS.VariableStatement;
  const index = s.declarationList.declarations.indexOf(declaration);
  group.edits.push(s.declarationList.declarations.length === 1 ? { source, ...removeStatement(ts, source, s, true) } : { source, ...(removeListElements(source, s.declarationList.declarations, new Set([index]))[0] as { start: number; end: number; text: string }) });
}

/** The groups of `source`: one per origin. */
export function originGroups(c: OriginContext, source: TS.SourceFile): Group[] {
  const { ts } = c;
  const groups: Group[] = [];
  const visit = (node: TS.Node): void => {
    if (ts.isNewExpression(node) || ts.isCallExpression(node)) {
      const maker = legacyMaker(c, node);
      if (maker !== null) {
        const origin = readOrigin(c, node, maker.entry, maker.name);
        const group = newGroup(typeof origin === 'string' ? null : origin, [...maker.entry.codes, 'legacy-name', 'module-singleton']);
        group.covers.push({ source, start: maker.name.getStart(source) });
        group.dropped.add(maker.name);
        if (typeof origin === 'string') block(group, `${maker.entry.name} at ${where(node, c.relative)}: ${origin}`, node);
        else hold(c, group, origin);
        groups.push(group);
      }
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return groups;
}
