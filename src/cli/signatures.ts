/**
 * Old signatures on legacy objects, told by the member's symbol (the checker's view of the receiver), not by
 * its spelling: snake_case methods (WSSOT_DEP009), and `emitCriticalEvent(type, data)` without a user on a
 * process-wide legacy manager (WSSOT_DEP010; on a user-bound object it is the canonical form).
 */
import type TS from 'typescript';
import { CRITICAL_EVENT_TYPES, SNAKE_CASE, SNAKE_CASE_CODE, USER_LESS_EMIT_CODE } from './catalog.js';
import type { Resolver } from './symbols.js';

export interface SignatureHit {
  readonly code: string;
  readonly rule: 'snake-case' | 'user-less-emit';
  readonly name: string;
  readonly replacement: string;
}

/** The member name node of `x.name` / `x['name']`, or null. */
export function memberNameOf(ts: typeof TS, node: TS.Node): TS.Identifier | TS.StringLiteralLike | TS.PrivateIdentifier | null {
  if (ts.isPropertyAccessExpression(node)) return node.name;
  if (ts.isElementAccessExpression(node) && ts.isStringLiteralLike(node.argumentExpression)) return node.argumentExpression;
  return null;
}

/** Whether an argument is one of the five critical event types (a literal, or a value of such a literal type). */
export function isCriticalTypeArgument(r: Resolver, arg: TS.Expression | undefined): boolean {
  if (arg === undefined) return false;
  const { ts, checker } = r;
  if (ts.isStringLiteralLike(arg)) return CRITICAL_EVENT_TYPES.has(arg.text);
  const type = checker.getTypeAtLocation(arg);
  const parts = type.isUnion() ? type.types : [type];
  return parts.length > 0 && parts.every((t) => t.isStringLiteral() && CRITICAL_EVENT_TYPES.has(t.value));
}

/** A snake_case member of a legacy object (its symbol is declared by the package). */
export function snakeCaseHit(r: Resolver, name: TS.Node & { text: string }, member: TS.Symbol): SignatureHit | null {
  const camel = SNAKE_CASE.get(name.text);
  if (camel === undefined || r.index.legacyOwner(member) === undefined) return null;
  return { code: SNAKE_CASE_CODE, rule: 'snake-case', name: name.text, replacement: `${camel}(…), the camelCase method of the same object` };
}

/** Whether a member name is emitCriticalEvent or its snake_case twin. */
export function isUserLessCandidate(name: string): boolean {
  return name === 'emitCriticalEvent' || SNAKE_CASE.get(name) === 'emitCriticalEvent';
}

/** `emitCriticalEvent(type, data)` (or its snake_case twin) without a user, on a process-wide legacy manager. */
export function userLessEmitHit(r: Resolver, call: TS.CallExpression, member: TS.Symbol): SignatureHit | null {
  const { ts } = r;
  const name = memberNameOf(ts, call.expression);
  if (name === null || !isUserLessCandidate(name.text)) return null;
  if (r.index.legacyOwner(member) !== 'manager') return null;
  if (call.arguments.length > 2 || !isCriticalTypeArgument(r, call.arguments[0])) return null;
  return {
    code: USER_LESS_EMIT_CODE,
    rule: 'user-less-emit',
    name: name.text,
    replacement: 'wss.manager.emitCriticalEvent(userId, type, data), or emitCriticalEvent(type, data) on a manager of wss.factory',
  };
}
