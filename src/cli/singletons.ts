/**
 * Module-level manager singletons: a manager made when the module is imported (`export const m = new
 * WebSocketManager()`, `module.exports.m = getWebSocketManager()`, a canonical `new UnifiedWebSocketManager()`),
 * before the app has a server. Each is a shared global that phase 5 of MIGRATION.md replaces by the server's
 * own manager passed through the app's context.
 */
import type TS from 'typescript';
import { CANONICAL_MANAGERS, type LegacyName } from './catalog.js';
import { legacyOfSymbol, symbolAt, targetOf, type Resolver } from './symbols.js';

export interface Singleton {
  /** The declared name (`m`), or the assigned property. */
  readonly name: TS.Identifier | TS.PrivateIdentifier | TS.StringLiteralLike;
  /** The variable declaration, when it is one (what the rewriter removes). */
  readonly declaration: TS.VariableDeclaration | null;
  /** The legacy class or accessor it is made with, or null for the canonical API. */
  readonly legacy: LegacyName | null;
  /** The canonical class, when it is one. */
  readonly canonicalName: string | null;
  readonly initializer: TS.Expression;
  /** Where it is reported: the name the manager is made with (`WebSocketManager` in `new WebSocketManager()`). */
  readonly at: TS.Node;
}

function unwrap(ts: typeof TS, e: TS.Expression): TS.Expression {
  let x = e;
  while (ts.isParenthesizedExpression(x) || ts.isAsExpression(x) || ts.isSatisfiesExpression(x) || ts.isNonNullExpression(x) || ts.isAwaitExpression(x) || ts.isTypeAssertionExpression(x)) x = x.expression;
  return x;
}

/** The manager an initializer makes: a legacy class or accessor, or a canonical manager class; else null. */
function made(r: Resolver, init: TS.Expression): { legacy: LegacyName | null; canonicalName: string | null; at: TS.Node } | null {
  const { ts } = r;
  const e = unwrap(ts, init);
  if (!ts.isNewExpression(e) && !ts.isCallExpression(e)) return null;
  const callee = e.expression;
  const nameNode = ts.isIdentifier(callee) ? callee : ts.isPropertyAccessExpression(callee) ? callee.name : null;
  if (nameNode === null) return null;
  const symbol = symbolAt(r, nameNode);
  if (symbol === undefined) return null;
  const legacy = legacyOfSymbol(r, symbol);
  if (legacy !== undefined) {
    const makesManager = ts.isNewExpression(e) ? legacy.kind === 'manager' || legacy.kind === 'user-bound' || legacy.kind === 'factory' : legacy.kind === 'accessor';
    return makesManager ? { legacy, canonicalName: null, at: nameNode } : null;
  }
  // A method of a legacy factory (create_isolated_manager …) called at module level.
  if (ts.isCallExpression(e) && ts.isPropertyAccessExpression(callee) && r.index.legacyOwner(symbol) === 'factory') return { legacy: null, canonicalName: null, at: nameNode };
  // The canonical classes constructed directly at module level hold none of the server's connections.
  if (ts.isNewExpression(e)) {
    const target = targetOf(r, symbol);
    if (r.index.isCanonical(target) && (target.flags & ts.SymbolFlags.Class) !== 0 && CANONICAL_MANAGERS.has(target.name)) return { legacy: null, canonicalName: target.name, at: nameNode };
  }
  return null;
}

function isModuleExports(ts: typeof TS, e: TS.Expression): boolean {
  if (ts.isIdentifier(e)) return e.text === 'exports';
  return ts.isPropertyAccessExpression(e) && ts.isIdentifier(e.expression) && e.expression.text === 'module' && e.name.text === 'exports';
}

/** The singletons declared by the top-level statements of `source`. */
export function findSingletons(r: Resolver, source: TS.SourceFile): Singleton[] {
  const { ts } = r;
  const out: Singleton[] = [];
  for (const statement of source.statements) {
    if (ts.isVariableStatement(statement)) {
      for (const declaration of statement.declarationList.declarations) {
        if (declaration.initializer === undefined || !ts.isIdentifier(declaration.name)) continue;
        const m = made(r, declaration.initializer);
        if (m !== null) out.push({ name: declaration.name, declaration, initializer: declaration.initializer, ...m });
      }
    } else if (ts.isExpressionStatement(statement) && ts.isBinaryExpression(statement.expression) && statement.expression.operatorToken.kind === ts.SyntaxKind.EqualsToken) {
      const { left, right } = statement.expression;
      if (!ts.isPropertyAccessExpression(left) || !isModuleExports(ts, left.expression)) continue;
      const m = made(r, right);
      if (m !== null) out.push({ name: left.name, declaration: null, initializer: right, ...m });
    }
  }
  return out;
}
