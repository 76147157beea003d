/**
 * One method call on a legacy object, rewritten for what the object becomes (model.ts): the snake_case name
 * to its camelCase twin, the user made explicit where the canonical method needs it, the user dropped where the
 * canonical object is already bound to it. A call the rewriter cannot prove equivalent blocks the whole group.
 */
import type TS from 'typescript';
import { SNAKE_CASE } from '../catalog.js';
import type { Resolver } from '../symbols.js';
import { isCriticalTypeArgument } from '../signatures.js';
import { pathOf, samePath } from './expressions.js';
import { block, type Group, type Origin } from './model.js';

/** The unified protocol: what `wss.manager` has, with the same arguments as the process-wide legacy managers. */
const PROTOCOL = new Set(['sendMessage', 'broadcastMessage', 'getConnectionCount', 'addConnection', 'removeConnection', 'isUserConnected', 'handleConnection', 'handleDisconnection', 'sendAgentEvent', 'emitCriticalEvent', 'getConnection', 'getConnectionHealth']);
/** Of those, the ones whose first argument is the user (proved to be the bound one on objects that check it). */
const USER_FIRST = new Set(['sendMessage', 'addConnection', 'isUserConnected', 'sendAgentEvent', 'emitCriticalEvent']);

function optionsLiteral(ts: typeof TS, e: TS.Expression | undefined, keys: readonly string[]): boolean {
  return e !== undefined && ts.isObjectLiteralExpression(e) && e.properties.length > 0 && e.properties.every((p) => p.name !== undefined && ts.isIdentifier(p.name) && keys.includes(p.name.text));
}

/** Whether `arg` names the origin's bound user. */
function provedSameUser(r: Resolver, origin: Origin, arg: TS.Expression | undefined): boolean {
  if (arg === undefined || origin.user === null) return false;
  const path = pathOf(r, arg);
  return origin.user.paths.some((p) => samePath(p, path));
}

/** Which form a call on a user-bound object has: with the user first, without it, or unknown. */
function form(r: Resolver, origin: Origin, method: string, args: TS.NodeArray<TS.Expression>): 'with-user' | 'user-less' | 'unknown' {
  const { ts } = r;
  const [a, b, c] = args;
  if (provedSameUser(r, origin, a)) return 'with-user';
  if (method === 'emitCriticalEvent') return isCriticalTypeArgument(r, a) ? 'user-less' : 'unknown';
  if (method === 'sendMessage') {
    if (args.length === 1 || (args.length === 2 && optionsLiteral(ts, b, ['delivery']))) return 'user-less';
    return 'unknown';
  }
  if (method === 'sendAgentEvent') {
    if (args.length <= 2 || (args.length === 3 && (!ts.isStringLiteralLike(b as TS.Expression) || optionsLiteral(ts, c, ['delivery', 'runId'])))) return a !== undefined && ts.isStringLiteralLike(a) ? 'user-less' : 'unknown';
    return 'unknown';
  }
  if (method === 'isUserConnected') return args.length === 0 ? 'user-less' : 'unknown';
  return 'unknown';
}

/**
 * Rewrites `access.name(...)` (the call `call`) on the object of `origin`; the receiver is handled by the caller.
 * Pushes its edits on `group`, or blocks it.
 */
export function rewriteUse(r: Resolver, group: Group, origin: Origin, access: TS.PropertyAccessExpression, call: TS.CallExpression): void {
  const source = call.getSourceFile();
  const nameNode = access.name;
  const written = nameNode.text;
  const method = SNAKE_CASE.get(written) ?? written;
  const args = call.arguments;
  const rename = (to: string): void => {
    if (to !== written) group.edits.push({ source, start: nameNode.getStart(source), end: nameNode.getEnd(), text: to });
  };
  const insertUser = (): boolean => {
    const text = origin.user?.text ?? null;
    if (text === null) {
      block(group, `the user this ${origin.name} is bound to cannot be told from its code (an untyped value that may be an id or a context)`, call);
      return false;
    }
    const first = args[0];
    if (first === undefined) group.edits.push({ source, start: args.pos, end: args.pos, text });
    else group.edits.push({ source, start: first.getStart(source), end: first.getStart(source), text: `${text}, ` });
    return true;
  };
  const dropFirst = (): void => {
    const [first, second] = args;
    if (first === undefined) return;
    group.edits.push({ source, start: first.getStart(source), end: second === undefined ? first.getEnd() : second.getStart(source), text: '' });
  };
  group.covers.push({ source, start: nameNode.getStart(source) });
  const cannot = (why: string): void => block(group, `${written}(…) on ${origin.name}: ${why}`, call);

  switch (origin.kind) {
    case 'manager':
    case 'accessor': {
      if (!PROTOCOL.has(method)) return cannot('wss.manager has no such method');
      const userLess = method === 'emitCriticalEvent' && args.length <= 2 && isCriticalTypeArgument(r, args[0]);
      if (userLess) {
        rename(method);
        insertUser();
        return;
      }
      // A user-bound object refuses other users: only a call proved to name its user keeps its meaning.
      if (origin.checksUser) {
        if (!USER_FIRST.has(method)) return cannot('the accessor may return a manager scoped to the context’s user, and wss.manager is not');
        if (!provedSameUser(r, origin, args[0])) return cannot('the user id passed cannot be proved to be the context’s user');
      }
      return rename(method);
    }
    case 'user-bound': {
      const f = form(r, origin, method, args);
      if (method === 'getConnectionCount' && args.length === 0) {
        rename('getReachableConnectionCount');
        insertUser();
        return;
      }
      if (method === 'isUserConnected' || method === 'isConnected') {
        if (args.length === 0) {
          rename('isUserConnected');
          insertUser();
          return;
        }
        if (f !== 'with-user') return cannot('the user id passed cannot be proved to be the bound user');
        return rename('isUserConnected');
      }
      if (method !== 'sendMessage' && method !== 'sendAgentEvent' && method !== 'emitCriticalEvent') return cannot('scoped to its user, with no equivalent on wss.manager');
      if (f === 'unknown') return cannot('cannot tell whether the first argument is the bound user');
      rename(method);
      if (f === 'user-less') insertUser();
      return;
    }
    case 'factory': {
      if (method === 'createIsolatedManager') {
        const [user, connection] = args;
        if (user === undefined || connection === undefined) return cannot('expected (userId, connectionId)');
        rename(method);
        group.edits.push({ source, start: connection.getStart(source), end: connection.getEnd(), text: user.getText(source) });
        if (connection.getText(source) !== user.getText(source)) group.notes.push({ at: connection, text: `the connection id ${connection.getText(source)} is no longer passed: wss.factory keeps one manager per user, createIsolatedManager(userId, userId), as the old factory did (WSSOT_DEP007)` });
        return;
      }
      if (method === 'cleanupManager') {
        const [user] = args;
        if (args.length !== 1 || user === undefined) return cannot('a connection id given: the old factory only cleaned up the manager of its first connection id');
        rename(method);
        group.edits.push({ source, start: user.getEnd(), end: user.getEnd(), text: `, ${user.getText(source)}` });
        return;
      }
      if (method === 'getActiveConnectionsCount' || method === 'getManagerCount') return rename(method);
      return cannot('wss.factory has no equivalent');
    }
    case 'factory-manager': {
      const f = form(r, origin, method, args);
      if (method === 'getConnectionCount' || method === 'isConnected') return args.length === 0 ? rename(method) : cannot('unexpected arguments');
      if (method === 'isUserConnected') {
        if (args.length > 0 && f !== 'with-user') return cannot('the user id passed cannot be proved to be the bound user');
        rename('isConnected');
        if (args.length > 0) dropFirst();
        return;
      }
      if (method !== 'sendMessage' && method !== 'sendAgentEvent' && method !== 'emitCriticalEvent') return cannot('the manager of wss.factory has no such method');
      if (f === 'unknown') return cannot('cannot tell whether the first argument is the bound user');
      rename(method);
      if (f === 'with-user') dropFirst();
      return;
    }
  }
}
