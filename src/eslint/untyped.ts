/**
 * What the rules can see without type information (plain ESLint, no typescript-eslint program): the names a file
 * binds from a legacy path itself (import, `require()` destructuring) followed through ESLint's scope analysis —
 * their uses, the objects made with them, the snake_case methods and user-less emits called on those objects,
 * module-level singletons — and `require()` / `import()` of legacy and team paths. A legacy name that comes
 * through a re-export, or an object passed in from another module, needs the types (typed linting).
 */
import type { Rule, Scope, SourceCode } from 'eslint';
import type * as ESTree from 'estree';
import { CRITICAL_EVENT_TYPES, isLegacyPath, LEGACY_NAMES, SNAKE_CASE, SNAKE_CASE_CODE, USER_LESS_EMIT_CODE, type LegacyKind, type LegacyName } from '../cli/catalog.js';
import type { Rule as FindingRule } from '../cli/findings.js';
import { findingMessage } from '../cli/findings.js';

export interface LintFinding {
  readonly rule: FindingRule;
  readonly code: string | null;
  readonly node: ESTree.Node;
  readonly message: string;
}

type Node = ESTree.Node & { parent?: Node };

function literalString(node: ESTree.Node | undefined | null): string | null {
  return node !== undefined && node !== null && node.type === 'Literal' && typeof node.value === 'string' ? node.value : null;
}

function isRequire(node: ESTree.CallExpression): boolean {
  return node.callee.type === 'Identifier' && node.callee.name === 'require' && literalString(node.arguments[0] as ESTree.Node) !== null;
}

export function untypedFindings(sourceCode: SourceCode, teamModules: readonly string[]): LintFinding[] {
  const out: LintFinding[] = [];
  const ast = sourceCode.ast as unknown as ESTree.Program;
  const bound = new Map<Scope.Variable, LegacyName>();
  const objects = new Map<Scope.Variable, LegacyKind>();
  const team = (s: string): string | null => teamModules.find((p) => s === p || s.startsWith(`${p}/`)) ?? null;
  const push = (node: ESTree.Node, rule: FindingRule, code: string | null, what: string, replacement: string | null): void => {
    out.push({ rule, code, node, message: findingMessage(what, code, replacement) });
  };
  const bind = (declaring: ESTree.Node, local: string, name: string): void => {
    const entry = LEGACY_NAMES.get(name);
    const variable = sourceCode.getDeclaredVariables(declaring).find((v) => v.name === local);
    if (entry !== undefined && variable !== undefined && entry.kind !== 'migration') bound.set(variable, entry);
  };
  const variableOf = (id: ESTree.Identifier): Scope.Variable | null => {
    for (let scope: Scope.Scope | null = sourceCode.getScope(id); scope !== null; scope = scope.upper) {
      const ref = scope.references.find((r) => r.identifier === id);
      if (ref !== undefined) return ref.resolved;
      const v = scope.set.get(id.name);
      if (v !== undefined && v.identifiers.includes(id)) return v;
    }
    return null;
  };

  // Bindings from legacy paths, and requires of legacy or team modules.
  for (const statement of ast.body) {
    if (statement.type === 'ImportDeclaration') {
      const from = literalString(statement.source);
      if (from === null || !isLegacyPath(from)) continue;
      for (const s of statement.specifiers) if (s.type === 'ImportSpecifier') bind(s, s.local.name, s.imported.type === 'Identifier' ? s.imported.name : String(s.imported.value));
    }
  }
  const visitRequire = (node: ESTree.CallExpression | ESTree.ImportExpression): void => {
    const from = node.type === 'ImportExpression' ? literalString(node.source) : literalString(node.arguments[0] as ESTree.Node);
    if (from === null) return;
    const legacy = isLegacyPath(from);
    const teamPattern = legacy ? null : team(from);
    if (!legacy && teamPattern === null) return;
    const parent = (node as Node).parent;
    if (legacy && node.type === 'CallExpression' && parent?.type === 'VariableDeclarator' && parent.id.type === 'ObjectPattern') {
      for (const p of parent.id.properties) {
        if (p.type !== 'Property' || p.key.type !== 'Identifier' || p.value.type !== 'Identifier') continue;
        const entry = LEGACY_NAMES.get(p.key.name);
        bind(parent, p.value.name, p.key.name);
        if (entry?.kind === 'migration') continue;
        const what = `legacy ${entry?.kind === 'type' ? 'type' : 'name'} ${p.key.name} imported from '${from}'`;
        for (const code of entry === undefined || entry.codes.length === 0 ? [null] : entry.codes) push(p, 'legacy-import', code, what, entry?.replacement ?? null);
      }
      return;
    }
    const what = teamPattern === null ? `legacy module '${from}' loaded` : `the team's old module '${from}' loaded (--legacy-module ${teamPattern})`;
    push(node.type === 'ImportExpression' ? node.source : (node.arguments[0] as ESTree.Node), 'legacy-import', null, what, "'ws-ssot' (the canonical API: createWebSocketServer, wss.manager, wss.factory)");
  };
  const walk = (node: Node, visit: (n: Node) => void): void => {
    visit(node);
    for (const key of sourceCode.visitorKeys[node.type] ?? []) {
      const child = (node as unknown as Record<string, unknown>)[key];
      for (const c of Array.isArray(child) ? child : [child]) if (c !== null && typeof c === 'object' && typeof (c as Node).type === 'string') walk(c as Node, visit);
    }
  };
  walk(ast as Node, (n) => {
    if ((n.type === 'CallExpression' && isRequire(n)) || n.type === 'ImportExpression') visitRequire(n);
  });

  // What each legacy binding makes: `new X()`, `accessor()`, `factory.createIsolatedManager()` held in a const.
  const made = (init: ESTree.Expression | null | undefined): LegacyKind | null => {
    if (init === null || init === undefined) return null;
    if ((init.type === 'NewExpression' || init.type === 'CallExpression') && init.callee.type === 'Identifier') {
      const v = variableOf(init.callee);
      const entry = v === null ? undefined : bound.get(v);
      if (entry === undefined) return null;
      if (init.type === 'NewExpression' && (entry.kind === 'manager' || entry.kind === 'user-bound' || entry.kind === 'factory')) return entry.kind;
      if (init.type === 'CallExpression' && entry.kind === 'accessor') return 'manager';
      return null;
    }
    if (init.type === 'CallExpression' && init.callee.type === 'MemberExpression' && init.callee.object.type === 'Identifier' && init.callee.property.type === 'Identifier') {
      const v = variableOf(init.callee.object);
      const method = SNAKE_CASE.get(init.callee.property.name) ?? init.callee.property.name;
      if (v !== null && objects.get(v) === 'factory' && (method === 'createIsolatedManager' || method === 'getManagerByUser')) return 'user-bound';
    }
    return null;
  };
  walk(ast as Node, (n) => {
    if (n.type !== 'VariableDeclarator' || n.id.type !== 'Identifier') return;
    const kind = made(n.init);
    const v = sourceCode.getDeclaredVariables(n)[0];
    if (kind !== null && v !== undefined) objects.set(v, kind);
  });

  // Uses of the legacy bindings.
  for (const [variable, entry] of bound) {
    for (const ref of variable.references) {
      const id = ref.identifier as ESTree.Identifier;
      if (variable.identifiers.includes(id)) continue;
      push(id, 'legacy-name', entry.codes[0] ?? null, `legacy ${entry.kind === 'type' ? 'type' : 'name'} ${entry.name}`, entry.replacement);
      if (entry.codes.includes(SNAKE_CASE_CODE) && entry.codes[0] !== SNAKE_CASE_CODE) push(id, 'snake-case', SNAKE_CASE_CODE, `snake_case name ${entry.name}`, 'getWebSocketManager(…), the camelCase name (then wss.manager, MIGRATION.md phase 5)');
    }
  }
  // Old signatures on the objects made with them.
  walk(ast as Node, (n) => {
    if (n.type !== 'CallExpression' || n.callee.type !== 'MemberExpression' || n.callee.property.type !== 'Identifier') return;
    const receiver = n.callee.object;
    const v = receiver.type === 'Identifier' ? variableOf(receiver) : null;
    const kind = v === null ? made(receiver as ESTree.Expression) : objects.get(v) ?? null;
    if (kind === null) return;
    const name = n.callee.property.name;
    const camel = SNAKE_CASE.get(name);
    if (camel !== undefined) push(n.callee.property, 'snake-case', SNAKE_CASE_CODE, `snake_case method ${name}`, `${camel}(…), the camelCase method of the same object`);
    const first = literalString(n.arguments[0] as ESTree.Node);
    if (kind === 'manager' && (camel ?? name) === 'emitCriticalEvent' && n.arguments.length <= 2 && first !== null && CRITICAL_EVENT_TYPES.has(first)) {
      push(n.callee.property, 'user-less-emit', USER_LESS_EMIT_CODE, `${name}(type, data) without a user, on a process-wide legacy manager`, 'wss.manager.emitCriticalEvent(userId, type, data), or emitCriticalEvent(type, data) on a manager of wss.factory');
    }
  });
  // Module-level singletons.
  for (const statement of ast.body) {
    const declaration = statement.type === 'ExportNamedDeclaration' ? statement.declaration : statement;
    if (declaration === null || declaration === undefined || declaration.type !== 'VariableDeclaration') continue;
    for (const d of declaration.declarations) {
      const init = d.init;
      if (d.id.type !== 'Identifier' || init === null || init === undefined || made(init) === null || (init.type !== 'NewExpression' && init.type !== 'CallExpression') || init.callee.type !== 'Identifier') continue;
      const entry = bound.get(variableOf(init.callee) as Scope.Variable);
      push(init.callee, 'module-singleton', entry?.codes[0] ?? null, `module-level manager singleton ${d.id.name} (${init.callee.name}, made at import time, before the app has a server)`, "wss.manager (or wss.factory) passed through the app's context (MIGRATION.md phase 5)");
    }
  }
  return out;
}

export type { Rule };
