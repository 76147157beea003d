/**
 * The built `ws-ssot` entry carries no legacy code (issue 14): tsup splits shared code into chunks, so a
 * legacy module could land in a chunk that dist/index.js imports without src/ importing legacy/. Checked on
 * the files reachable from dist/index.js and dist/index.cjs (static and dynamic imports, require), through
 * their source maps (no legacy/ source) and their code (no name only legacy/ declares), and on the
 * declarations reachable from dist/index.d.ts. The same walk from dist/legacy/index.js does find legacy
 * code, so the check can see it.
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import ts from 'typescript';
import { beforeAll, describe, expect, it } from 'vitest';
import { ensureBuilt, packageRoot } from '../support/build.js';
import { sourceFiles, toRelative } from './module-graph.js';

const dist = path.join(packageRoot, 'dist');

/** The file and every relative module it loads, transitively (in declarations `./x.js` names `./x.d.ts`). */
function reachable(entry: string): string[] {
  const declarations = /\.d\.c?ts$/.test(entry);
  const files: string[] = [];
  const visit = (file: string): void => {
    if (files.includes(file)) return;
    files.push(file);
    for (const { fileName } of ts.preProcessFile(readFileSync(file, 'utf8'), true, true).importedFiles) {
      if (!fileName.startsWith('./') && !fileName.startsWith('../')) continue;
      const target = declarations ? fileName.replace(/\.js$/, '.d.ts').replace(/\.cjs$/, '.d.cts') : fileName;
      visit(path.resolve(path.dirname(file), target));
    }
  };
  visit(path.join(dist, entry));
  return files;
}

/** The sources a built file was made from (its source map), relative to the package root. */
function mappedSources(file: string): string[] {
  const map = JSON.parse(readFileSync(`${file}.map`, 'utf8')) as { sources: string[] };
  return map.sources.map((s) => toRelative(path.resolve(path.dirname(file), s)));
}

/** The identifiers and string literals of a file's code (comments, which the build drops, left out). */
function codeTokens(text: string): string {
  const scanner = ts.createScanner(ts.ScriptTarget.Latest, true, ts.LanguageVariant.Standard, text);
  const tokens: string[] = [];
  for (let kind = scanner.scan(); kind !== ts.SyntaxKind.EndOfFileToken; kind = scanner.scan()) {
    if (kind === ts.SyntaxKind.Identifier || kind === ts.SyntaxKind.StringLiteral || kind === ts.SyntaxKind.NoSubstitutionTemplateLiteral || kind === ts.SyntaxKind.TemplateHead) tokens.push(scanner.getTokenValue());
  }
  return tokens.join('\n');
}

/**
 * Names declared at the top level of legacy/ modules that no src/ code uses (as a name or inside a string,
 * such as an error message naming a legacy function): if one shows up in a built file, legacy code went
 * into it.
 */
function legacyOnlyNames(): string[] {
  const srcText = sourceFiles('src').map((f) => codeTokens(readFileSync(path.join(packageRoot, f), 'utf8'))).join('\n');
  const names = new Set<string>();
  for (const file of sourceFiles('legacy')) {
    const source = ts.createSourceFile(file, readFileSync(path.join(packageRoot, file), 'utf8'), ts.ScriptTarget.Latest, false, ts.ScriptKind.TS);
    for (const statement of source.statements) {
      if ((ts.isClassDeclaration(statement) || ts.isFunctionDeclaration(statement) || ts.isInterfaceDeclaration(statement) || ts.isTypeAliasDeclaration(statement)) && statement.name) names.add(statement.name.text);
      if (ts.isVariableStatement(statement)) for (const d of statement.declarationList.declarations) if (ts.isIdentifier(d.name)) names.add(d.name.text);
    }
  }
  return [...names].filter((name) => !new RegExp(`\\b${name}\\b`).test(srcText)).sort();
}

/**
 * Legacy-only names in the code of a built file, and the deprecation codes (WSSOT_DEP0…), which only
 * legacy/ defines. Comments are left out: declarations keep doc comments, which may mention a legacy name.
 */
function legacyMarks(file: string, names: readonly string[]): string[] {
  const text = codeTokens(readFileSync(file, 'utf8'));
  const found = names.filter((name) => new RegExp(`\\b${name}\\d*\\b`).test(text));
  if (text.includes('WSSOT_DEP0')) found.push('WSSOT_DEP0');
  return found;
}

/** The files among `files` with legacy marks, each with its marks. */
function marked(files: readonly string[]): Array<{ file: string; marks: string[] }> {
  return files.map((f) => ({ file: toRelative(f), marks: legacyMarks(f, names) })).filter(({ marks }) => marks.length > 0);
}

let names: string[] = [];
beforeAll(() => {
  ensureBuilt();
  names = legacyOnlyNames();
}, 120_000);

describe('the built ws-ssot entry', () => {
  it('knows the legacy-only names to look for', () => {
    expect(names).toEqual(expect.arrayContaining(['LegacySharedManager', 'LegacyControl', 'MigrationServer', 'createMigrationServer', 'unbindLegacyGlobals']));
    expect(names).not.toContain('UnifiedWebSocketManager'); // a legacy re-export of a src/ name
    expect(names).not.toContain('bindLegacyGlobals'); // named in a src/ error message
  });

  for (const entry of ['index.js', 'index.cjs']) {
    it(`dist/${entry} and every chunk it loads are built from src/ only and contain no legacy-only name`, () => {
      const files = reachable(entry);
      expect(files.length).toBeGreaterThan(1); // the entry and its chunks
      const sources = files.flatMap(mappedSources);
      // tsup's own shim (import.meta.url in CommonJS) is the one source from outside src/.
      expect(sources.filter((s) => !s.startsWith('src/') && !/(^|\/)node_modules\/tsup\/assets\//.test(s))).toEqual([]);
      expect(sources).toContain('src/server/ws-ssot-server.ts');
      expect(marked(files)).toEqual([]);
    });
  }

  for (const entry of ['index.d.ts', 'index.d.cts']) {
    it(`dist/${entry} and the declarations it imports contain no legacy-only name`, () => {
      const files = reachable(entry);
      for (const file of files) expect(existsSync(file), toRelative(file)).toBe(true);
      expect(files.map((f) => path.basename(f)).filter((f) => /^legacy/.test(f))).toEqual([]);
      expect(marked(files)).toEqual([]);
    });
  }

  it('the same walk from dist/legacy/index.js finds legacy sources and names (the check can see them)', () => {
    const files = reachable('legacy/index.js');
    const sources = files.flatMap(mappedSources);
    expect(sources).toEqual(expect.arrayContaining(['legacy/legacy-shared-manager.ts', 'legacy/migration-server.ts', 'src/server/ws-ssot-server.ts']));
    const marks = new Set(files.flatMap((f) => legacyMarks(f, names)));
    expect([...marks]).toEqual(expect.arrayContaining(['LegacySharedManager', 'createMigrationServer', 'WSSOT_DEP0']));
  });
});
