/**
 * What the rewriter may safely repeat or move: an expression that reads the same value wherever it is written
 * again (a constant, a parameter or `let` never assigned, a property path from one), whether it is in scope at
 * another place, and whether two expressions name the same user (following `const userId = ctx.user_id`).
 */
import type TS from 'typescript';
import type { Resolver } from '../symbols.js';

/** A function-like node or the file: where a declaration's scope ends. */
function scopeOf(ts: typeof TS, declaration: TS.Node): TS.Node {
  if (ts.isParameter(declaration)) return declaration.parent;
  for (let n: TS.Node | undefined = declaration.parent; n !== undefined; n = n.parent) {
    if (ts.isBlock(n) || ts.isSourceFile(n) || ts.isFunctionLike(n) || ts.isForStatement(n) || ts.isForOfStatement(n) || ts.isForInStatement(n) || ts.isCaseBlock(n)) return n;
  }
  return declaration.getSourceFile();
}

function isAssigned(r: Resolver, symbol: TS.Symbol, scope: TS.Node): boolean {
  const { ts, checker } = r;
  let assigned = false;
  const target = (e: TS.Expression): boolean => ts.isIdentifier(e) && checker.getSymbolAtLocation(e) === symbol;
  const visit = (n: TS.Node): void => {
    if (assigned) return;
    if (ts.isBinaryExpression(n) && n.operatorToken.kind >= ts.SyntaxKind.FirstAssignment && n.operatorToken.kind <= ts.SyntaxKind.LastAssignment && target(n.left)) assigned = true;
    else if ((ts.isPrefixUnaryExpression(n) || ts.isPostfixUnaryExpression(n)) && (n.operator === ts.SyntaxKind.PlusPlusToken || n.operator === ts.SyntaxKind.MinusMinusToken) && target(n.operand)) assigned = true;
    else ts.forEachChild(n, visit);
  };
  visit(scope);
  return assigned;
}

/** The variable a name reads (for `{ userId }`, the variable `userId`, not the property). */
export function valueSymbol(r: Resolver, id: TS.Identifier): TS.Symbol | undefined {
  const { ts, checker } = r;
  const parent = id.parent;
  if (parent !== undefined && ts.isShorthandPropertyAssignment(parent) && parent.name === id) return checker.getShorthandAssignmentValueSymbol(parent);
  return checker.getSymbolAtLocation(id);
}

/** The declaration of an identifier's variable or parameter, if it never changes after it is set. */
export function stableDeclaration(r: Resolver, id: TS.Identifier): TS.VariableDeclaration | TS.ParameterDeclaration | TS.BindingElement | null {
  const { ts } = r;
  const symbol = valueSymbol(r, id);
  const declaration = symbol?.valueDeclaration;
  if (symbol === undefined || declaration === undefined) return null;
  if (ts.isParameter(declaration) && ts.isIdentifier(declaration.name)) return isAssigned(r, symbol, declaration.parent) ? null : declaration;
  if (ts.isBindingElement(declaration)) return isAssigned(r, symbol, scopeOf(ts, declaration)) ? null : declaration;
  if (ts.isVariableDeclaration(declaration) && ts.isIdentifier(declaration.name)) {
    const list = declaration.parent;
    const isConst = ts.isVariableDeclarationList(list) && (list.flags & ts.NodeFlags.Const) !== 0;
    return isConst || !isAssigned(r, symbol, scopeOf(ts, declaration)) ? declaration : null;
  }
  return null;
}

/** An expression that can be written again elsewhere for the same value: a literal, a stable name, a property path from one. */
export function isStable(r: Resolver, e: TS.Expression): boolean {
  const { ts } = r;
  if (ts.isStringLiteralLike(e) || ts.isNumericLiteral(e)) return true;
  if (ts.isIdentifier(e)) return stableDeclaration(r, e) !== null;
  if (ts.isPropertyAccessExpression(e) && ts.isIdentifier(e.name)) return isStable(r, e.expression);
  if (ts.isParenthesizedExpression(e)) return isStable(r, e.expression);
  return false;
}

/** Whether every name `e` reads is declared where `at` can see it (and, for block-scoped ones, before it). */
export function inScopeAt(r: Resolver, e: TS.Expression, at: TS.Node): boolean {
  const { ts, checker } = r;
  let ok = true;
  const visit = (n: TS.Node): void => {
    if (!ok) return;
    if (ts.isIdentifier(n) && !(ts.isPropertyAccessExpression(n.parent) && n.parent.name === n)) {
      const declaration = checker.getSymbolAtLocation(n)?.valueDeclaration;
      if (declaration === undefined) return;
      const scope = scopeOf(ts, declaration);
      const inside = at.getSourceFile() === scope.getSourceFile() && at.getStart() >= scope.getStart() && at.getEnd() <= scope.getEnd();
      if (!inside || (!ts.isParameter(declaration) && !ts.isFunctionDeclaration(declaration) && declaration.getEnd() > at.getStart())) ok = false;
      return;
    }
    ts.forEachChild(n, visit);
  };
  visit(e);
  return ok;
}

/** A name and a property path from it: `userContext.user_id` is (userContext, ['user_id']). */
interface Path {
  readonly root: TS.Symbol;
  readonly props: readonly string[];
}

/** `e` as a path, following stable constants to their initializers (`const userId = ctx.user_id`). */
export function pathOf(r: Resolver, e: TS.Expression, depth = 0): Path | null {
  const { ts } = r;
  if (depth > 8) return null;
  if (ts.isParenthesizedExpression(e)) return pathOf(r, e.expression, depth + 1);
  if (ts.isPropertyAccessExpression(e) && ts.isIdentifier(e.name)) {
    const base = pathOf(r, e.expression, depth + 1);
    return base === null ? null : { root: base.root, props: [...base.props, e.name.text] };
  }
  if (!ts.isIdentifier(e)) return null;
  const declaration = stableDeclaration(r, e);
  if (declaration === null) return null;
  if (ts.isVariableDeclaration(declaration) && declaration.initializer !== undefined && isStable(r, declaration.initializer)) {
    const inner = pathOf(r, declaration.initializer, depth + 1);
    if (inner !== null) return inner;
  }
  const symbol = valueSymbol(r, e);
  return symbol === undefined ? null : { root: symbol, props: [] };
}

export function samePath(a: Path | null, b: Path | null): boolean {
  return a !== null && b !== null && a.root === b.root && a.props.length === b.props.length && a.props.every((p, i) => p === b.props[i]);
}

/** Whether a stable name is read as an object somewhere in its scope (`ctx.user_id`): a context, not an id. */
function readAsObject(r: Resolver, e: TS.Expression): boolean {
  const { ts, checker } = r;
  if (!ts.isIdentifier(e)) return ts.isPropertyAccessExpression(e);
  const symbol = checker.getSymbolAtLocation(e);
  const declaration = symbol?.valueDeclaration;
  if (symbol === undefined || declaration === undefined) return false;
  let found = false;
  const visit = (n: TS.Node): void => {
    if (found) return;
    if (ts.isPropertyAccessExpression(n) && ts.isIdentifier(n.expression) && checker.getSymbolAtLocation(n.expression) === symbol) found = true;
    else ts.forEachChild(n, visit);
  };
  visit(scopeOf(ts, declaration));
  return found;
}

export interface UserOf {
  /** What to write where the user id is needed, or null if it cannot be told (an untyped value that may be an id or a context). */
  readonly text: string | null;
  /** Paths that name this same user (for the proof that a call's user id is the bound user). */
  readonly paths: readonly Path[];
}

/**
 * The user of an old user context `e` (`{ userId }`, `{ user_id }`, a variable holding one, or an id) at a place
 * that takes a context (`kind: 'context'`, the `userContext` option) or either (`'either'`: the user-bound
 * classes, the global accessor). Null when nothing safe can be said (a call, a value that may change).
 */
export function userOfContext(r: Resolver, e: TS.Expression, kind: 'context' | 'either'): UserOf | null {
  const { ts, checker } = r;
  const source = e.getSourceFile();
  if (ts.isObjectLiteralExpression(e)) {
    for (const key of ['userId', 'user_id']) {
      const property = e.properties.find((p) => p.name !== undefined && ts.isIdentifier(p.name) && p.name.text === key);
      if (property === undefined) continue;
      const value = ts.isShorthandPropertyAssignment(property) ? property.name : ts.isPropertyAssignment(property) ? property.initializer : null;
      if (value === null || !isStable(r, value)) return null;
      return { text: value.getText(source), paths: [pathOf(r, value)].filter((p): p is Path => p !== null) };
    }
    return null;
  }
  if (!isStable(r, e)) return null;
  const text = e.getText(source);
  const self = pathOf(r, e);
  const type = checker.getTypeAtLocation(e);
  const untyped = (type.flags & (ts.TypeFlags.Any | ts.TypeFlags.Unknown)) !== 0;
  if (!untyped && (type.flags & (ts.TypeFlags.StringLike | ts.TypeFlags.NumberLike)) !== 0) return { text, paths: self === null ? [] : [self] };
  const fields = self === null ? [] : ['userId', 'user_id'].map((p) => ({ root: self.root, props: [...self.props, p] }));
  const has = (name: string): boolean => !untyped && type.getProperty(name) !== undefined;
  if (has('userId') && !has('user_id')) return { text: `${text}.userId`, paths: fields.slice(0, 1) };
  if (has('user_id') && !has('userId')) return { text: `${text}.user_id`, paths: fields.slice(1) };
  // Untyped: a context where only a context is taken, or where it is read as an object; else it may be either.
  if (kind === 'context' || readAsObject(r, e)) return { text: `${text}.userId ?? ${text}.user_id`, paths: fields };
  return { text: null, paths: self === null ? fields : [self, ...fields] };
}
