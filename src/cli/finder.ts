/**
 * The legacy-use finder of one file: walks its syntax tree and asks the type checker what each candidate name
 * is. Imports and requires of legacy paths are read from the tree; every other use is resolved by symbol, so a
 * legacy class imported through the project's own re-export module counts and a local class that shares its
 * name does not.
 */
import type TS from 'typescript';
import { isLegacyPath, LEGACY_NAMES, SNAKE_CASE_CODE, codesSuffix, type LegacyName } from './catalog.js';
import { findingMessage, type Finding, type MigrationServerUse, type Rule } from './findings.js';
import { isUserLessCandidate, memberNameOf, snakeCaseHit, userLessEmitHit } from './signatures.js';
import { findSingletons } from './singletons.js';
import { importedName, isRequireCall, legacyOfSymbol, stringArgument, symbolAt, targetOf, type Resolver } from './symbols.js';
import type { TeamModules } from './team-modules.js';

export interface FileAnalysis {
  readonly findings: Finding[];
  readonly migrationServer: MigrationServerUse[];
  /** Uses of the canonical API (names and members the package declares that are not legacy). */
  readonly canonicalUses: number;
}

export interface FinderContext extends Resolver {
  readonly team: TeamModules;
  /** Where a specifier leads from a file (absolute), or null. */
  resolveModule(specifier: string, from: TS.SourceFile, mode: 'import' | 'require'): string | null;
  relative(fileName: string): string;
}

const MODULE_REPLACEMENT = "'ws-ssot' (the canonical API: createWebSocketServer, wss.manager, wss.factory)";

export function analyzeFile(c: FinderContext, source: TS.SourceFile): FileAnalysis {
  const { ts } = c;
  const file = c.relative(source.fileName);
  const findings: Finding[] = [];
  const migrationServer: MigrationServerUse[] = [];
  const handled = new Set<TS.Node>();
  let canonicalUses = 0;

  const add = (node: TS.Node, rule: Rule, code: string | null, name: string, what: string, replacement: string | null, form?: Finding['form']): void => {
    const start = node.getStart(source);
    const end = node.getEnd();
    const a = source.getLineAndCharacterOfPosition(start);
    const b = source.getLineAndCharacterOfPosition(end);
    findings.push({ file, line: a.line + 1, column: a.character + 1, endLine: b.line + 1, endColumn: b.character + 1, rule, code, name, message: findingMessage(what, code, replacement), replacement, start, end, ...(form === undefined ? {} : { form }) });
  };
  const addMigration = (node: TS.Node, name: string, entry: LegacyName | null): void => {
    const start = node.getStart(source);
    const at = source.getLineAndCharacterOfPosition(start);
    const message = entry === null ? `${name}: the migration server's legacy control, gone in phase 6` : `${name} (the migration server): in phase 6, ${entry.replacement}`;
    migrationServer.push({ file, line: at.line + 1, column: at.character + 1, name, message, start, end: node.getEnd() });
  };
  /** A legacy name imported (or required, or re-exported) at `node`. */
  const importOf = (node: TS.Node, entry: LegacyName | undefined, name: string, from: string, form: Finding['form']): void => {
    if (entry?.kind === 'migration') return addMigration(node, name, entry);
    const through = isLegacyPath(from) ? `from '${from}'` : `through '${from}' (a re-export of ws-ssot/legacy)`;
    const what = `legacy ${entry === undefined ? 'name' : entry.kind === 'type' ? 'type' : 'name'} ${name} imported ${through}`;
    // One finding per code: get_websocket_manager is the global accessor and a snake_case name.
    const codes: ReadonlyArray<string | null> = entry === undefined || entry.codes.length === 0 ? [null] : entry.codes;
    for (const code of codes) add(node, 'legacy-import', code, name, what, entry?.replacement ?? MODULE_REPLACEMENT, form);
  };
  /** A whole legacy (or team) module loaded at `node`. */
  const moduleOf = (node: TS.Node, specifier: string, team: string | null, form: Finding['form']): void => {
    const what = team === null ? `legacy module '${specifier}' loaded` : `the team's old module '${specifier}' loaded (--legacy-module ${team})`;
    add(node, 'legacy-import', null, specifier, what, MODULE_REPLACEMENT, form);
  };
  const teamOf = (specifier: string, mode: 'import' | 'require'): string | null => (isLegacyPath(specifier) ? null : c.team.patterns.length === 0 ? null : c.team.match(specifier, c.resolveModule(specifier, source, mode)));

  /** `import … from` / `export … from`: per name for a legacy path, else per name that resolves to a legacy export. */
  const importDeclaration = (node: TS.ImportDeclaration | TS.ExportDeclaration, specifier: string): void => {
    const legacyPath = isLegacyPath(specifier);
    const team = teamOf(specifier, 'import');
    // `no-restricted-imports` sees a team module by its specifier only; one matched by the file it resolves to is the plugin's.
    // At the declaration, where `no-restricted-imports` reports a whole module.
    if (team !== null) moduleOf(node, specifier, team, specifier === team || specifier.startsWith(`${team}/`) ? 'static-import' : 'other');
    const names: Array<{ node: TS.ImportSpecifier | TS.ExportSpecifier; imported: string }> = [];
    let wholeModule = false;
    if (ts.isImportDeclaration(node)) {
      const clause = node.importClause;
      if (clause === undefined || clause.name !== undefined) wholeModule = true;
      const bindings = clause?.namedBindings;
      if (bindings !== undefined && ts.isNamespaceImport(bindings)) wholeModule = true;
      if (bindings !== undefined && ts.isNamedImports(bindings)) for (const s of bindings.elements) names.push({ node: s, imported: (s.propertyName ?? s.name).text });
    } else if (node.exportClause === undefined || ts.isNamespaceExport(node.exportClause)) wholeModule = true;
    else for (const s of node.exportClause.elements) names.push({ node: s, imported: (s.propertyName ?? s.name).text });
    if (legacyPath && wholeModule) moduleOf(node, specifier, null, 'static-import');
    for (const { node: s, imported } of names) {
      handled.add(s.name);
      if (s.propertyName !== undefined) handled.add(s.propertyName);
      if (legacyPath) {
        importOf(s, LEGACY_NAMES.get(imported), imported, specifier, 'static-import');
        continue;
      }
      if (team !== null) continue;
      const symbol = c.checker.getSymbolAtLocation(s.name);
      const entry = symbol === undefined ? undefined : legacyOfSymbol(c, symbol);
      if (entry !== undefined) importOf(s, entry, imported, specifier, 'other');
      else if (symbol !== undefined && c.index.isCanonical(targetOf(c, symbol))) canonicalUses++;
    }
  };

  /** `const { a, b: c } = require('x')` and `const x = require('x')`. */
  const requireDeclaration = (declaration: TS.VariableDeclaration, call: TS.CallExpression, specifier: string): void => {
    handled.add(call);
    const team = teamOf(specifier, 'require');
    if (team !== null) return moduleOf(call.arguments[0] as TS.Node, specifier, team, 'other');
    const pattern = declaration.name;
    if (!ts.isObjectBindingPattern(pattern)) {
      if (isLegacyPath(specifier)) moduleOf(call.arguments[0] as TS.Node, specifier, null, 'other');
      return;
    }
    for (const element of pattern.elements) {
      if (!ts.isIdentifier(element.name)) continue;
      handled.add(element.name);
      if (element.propertyName !== undefined) handled.add(element.propertyName);
      const imported = importedName(ts, element) ?? element.name.text;
      if (isLegacyPath(specifier)) {
        importOf(element, LEGACY_NAMES.get(imported), imported, specifier, 'other');
        continue;
      }
      const symbol = c.checker.getSymbolAtLocation(element.name);
      const entry = symbol === undefined ? undefined : legacyOfSymbol(c, symbol);
      if (entry !== undefined) importOf(element, entry, imported, specifier, 'other');
    }
  };

  /** Any other identifier: a use of a legacy name, of the migration server, or of the canonical API. */
  const reference = (id: TS.Identifier): void => {
    const symbol = symbolAt(c, id);
    if (symbol === undefined) return;
    const entry = legacyOfSymbol(c, symbol);
    if (entry === undefined) {
      if (c.index.isCanonical(targetOf(c, symbol))) canonicalUses++;
      return;
    }
    if (entry.kind === 'migration') return addMigration(id, id.text, entry);
    const code = entry.codes[0] ?? null;
    add(id, 'legacy-name', code, entry.name, `legacy ${entry.kind === 'type' ? 'type' : 'name'} ${entry.name}${id.text === entry.name ? '' : ` (as ${id.text})`}`, entry.replacement);
    // get_websocket_manager is the global accessor and a snake_case name: both codes warn at run time.
    if (entry.codes.includes(SNAKE_CASE_CODE) && code !== SNAKE_CASE_CODE) add(id, 'snake-case', SNAKE_CASE_CODE, entry.name, `snake_case name ${entry.name}${codesSuffix([])}`, 'getWebSocketManager(…), the camelCase name (then wss.manager, MIGRATION.md phase 5)');
  };

  /** `x.name` / `x['name']`: snake_case members, the migration server's control, canonical members. */
  const member = (access: TS.PropertyAccessExpression | TS.ElementAccessExpression, name: TS.Identifier | TS.StringLiteralLike | TS.PrivateIdentifier): void => {
    handled.add(name);
    if (!c.index.memberNames.has(name.text) && !c.index.exportNames.has(name.text)) return;
    const symbol = c.checker.getSymbolAtLocation(name);
    if (symbol === undefined) return;
    const entry = legacyOfSymbol(c, symbol);
    if (entry !== undefined) {
      if (entry.kind === 'migration') return addMigration(name, name.text, entry);
      return add(name, 'legacy-name', entry.codes[0] ?? null, entry.name, `legacy ${entry.kind === 'type' ? 'type' : 'name'} ${entry.name}`, entry.replacement);
    }
    const owner = c.index.legacyOwner(symbol);
    if (owner === 'migration') {
      // `wss.legacy.bindGlobal()` is one use, reported at `bindGlobal`.
      const outer = access.parent;
      if ((ts.isPropertyAccessExpression(outer) || ts.isElementAccessExpression(outer)) && outer.expression === access) return;
      return addMigration(name, name.text, null);
    }
    const snake = snakeCaseHit(c, name, symbol);
    if (snake !== null) add(name, snake.rule, snake.code, snake.name, `snake_case method ${snake.name}`, snake.replacement);
    const call = access.parent;
    if (ts.isCallExpression(call) && call.expression === access && isUserLessCandidate(name.text)) {
      const hit = userLessEmitHit(c, call, symbol);
      if (hit !== null) add(name, hit.rule, hit.code, hit.name, `${hit.name}(type, data) without a user, on a process-wide legacy manager`, hit.replacement);
    }
    if (owner === undefined && c.index.isCanonical(symbol)) canonicalUses++;
  };

  const visit = (node: TS.Node): void => {
    if ((ts.isImportDeclaration(node) || ts.isExportDeclaration(node)) && node.moduleSpecifier !== undefined && ts.isStringLiteralLike(node.moduleSpecifier)) {
      importDeclaration(node, node.moduleSpecifier.text);
      return;
    }
    if (ts.isImportEqualsDeclaration(node) && ts.isExternalModuleReference(node.moduleReference) && ts.isStringLiteralLike(node.moduleReference.expression)) {
      const specifier = node.moduleReference.expression.text;
      const team = teamOf(specifier, 'require');
      if (isLegacyPath(specifier) || team !== null) moduleOf(node.moduleReference.expression, specifier, team, 'other');
      handled.add(node.name);
      return;
    }
    if (ts.isVariableDeclaration(node) && node.initializer !== undefined && ts.isCallExpression(node.initializer) && isRequireCall(c, node.initializer)) {
      requireDeclaration(node, node.initializer, stringArgument(ts, node.initializer) as string);
    } else if (ts.isCallExpression(node) && !handled.has(node)) {
      const specifier = stringArgument(ts, node);
      const dynamic = node.expression.kind === ts.SyntaxKind.ImportKeyword;
      if (specifier !== null && (dynamic || isRequireCall(c, node))) {
        const team = teamOf(specifier, dynamic ? 'import' : 'require');
        if (isLegacyPath(specifier) || team !== null) moduleOf(node.arguments[0] as TS.Node, specifier, team, 'other');
      }
    }
    const name = memberNameOf(ts, node);
    if (name !== null && (ts.isPropertyAccessExpression(node) || ts.isElementAccessExpression(node))) member(node, name);
    else if (ts.isIdentifier(node) && !handled.has(node) && (c.index.exportNames.has(node.text) || localNames.has(node.text))) reference(node);
    ts.forEachChild(node, visit);
  };

  // Names bound by this file's imports and requires (a legacy class renamed on import is found by its local name).
  const localNames = new Set<string>();
  for (const statement of source.statements) {
    if (ts.isImportDeclaration(statement) && statement.importClause !== undefined) {
      const clause = statement.importClause;
      if (clause.name !== undefined) localNames.add(clause.name.text);
      const b = clause.namedBindings;
      if (b !== undefined) (ts.isNamespaceImport(b) ? [b.name] : b.elements.map((e) => e.name)).forEach((n) => localNames.add(n.text));
    } else if (ts.isVariableStatement(statement)) {
      for (const d of statement.declarationList.declarations) {
        if (d.initializer === undefined || !ts.isCallExpression(d.initializer)) continue;
        if (ts.isIdentifier(d.name)) localNames.add(d.name.text);
        else if (ts.isObjectBindingPattern(d.name)) for (const e of d.name.elements) if (ts.isIdentifier(e.name)) localNames.add(e.name.text);
      }
    }
  }
  visit(source);

  for (const singleton of findSingletons(c, source)) {
    const code = singleton.legacy?.codes[0] ?? null;
    const made = singleton.legacy?.name ?? singleton.canonicalName ?? 'a legacy factory';
    add(singleton.at, 'module-singleton', code, singleton.at.getText(source), `module-level manager singleton ${singleton.name.text} (${made}, made at import time, before the app has a server)`, "wss.manager (or wss.factory) passed through the app's context (MIGRATION.md phase 5)");
  }
  return { findings, migrationServer, canonicalUses };
}
