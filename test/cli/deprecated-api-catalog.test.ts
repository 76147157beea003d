/**
 * src/cli/deprecated-api-catalog.json is the legacy API as data (src/ must not import legacy/): kept equal here to what
 * legacy/ really exports and declares — the codes and texts of legacy/deprecation-codes.ts, the names each
 * legacy entry exports (read with the TypeScript compiler, types included), the subpaths of package.json, the
 * snake_case methods of the legacy classes and their camelCase twins, the critical event types — and to the
 * canonical names it relies on. A change in legacy/ that the tools do not know fails here with the difference.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';
import { DEPRECATIONS } from '../../legacy/deprecation-codes.js';
import * as legacyIndex from '../../legacy/index.js';
import * as canonical from '../../src/index.js';
import { CANONICAL_MANAGERS, CANONICAL_TWINS, CRITICAL_EVENT_TYPES, DEPRECATION_TEXTS, LEGACY_NAMES, LEGACY_OWNERS, LEGACY_PATHS, MIGRATION_SERVER, SNAKE_CASE } from '../../src/cli/catalog.js';
import { packageRoot } from '../support/build.js';

const pkg = JSON.parse(readFileSync(path.join(packageRoot, 'package.json'), 'utf8')) as { exports: Record<string, unknown> };
const tsup = readFileSync(path.join(packageRoot, 'tsup.config.ts'), 'utf8');

/** The legacy source file of a subpath, from tsup.config.ts's entries (`'legacy/manager': 'legacy/manager.ts'`). */
function sourceOf(subpath: string): string {
  const entry = subpath === 'ws-ssot/legacy' ? 'legacy/index' : subpath.slice('ws-ssot/'.length);
  const m = new RegExp(`'${entry}': '([^']+)'`).exec(tsup);
  if (m === null) throw new Error(`no tsup entry for ${entry}`);
  return path.join(packageRoot, m[1] as string);
}

const program = ts.createProgram([...LEGACY_PATHS.keys()].map(sourceOf), { module: ts.ModuleKind.NodeNext, moduleResolution: ts.ModuleResolutionKind.NodeNext, target: ts.ScriptTarget.ES2022, noEmit: true, skipLibCheck: true });
const checker = program.getTypeChecker();
const target = (s: ts.Symbol): ts.Symbol => ((s.flags & ts.SymbolFlags.Alias) !== 0 ? checker.getAliasedSymbol(s) : s);

function exportsOf(file: string): ts.Symbol[] {
  const source = program.getSourceFile(file);
  const moduleSymbol = source === undefined ? undefined : checker.getSymbolAtLocation(source);
  if (moduleSymbol === undefined) throw new Error(`cannot read ${file}`);
  return checker.getExportsOfModule(moduleSymbol);
}

describe('src/cli/deprecated-api-catalog.json against legacy/ and package.json', () => {
  it('lists every ws-ssot/legacy* subpath of package.json, each with a source entry', () => {
    const subpaths = Object.keys(pkg.exports).filter((k) => k === './legacy' || k.startsWith('./legacy/')).map((k) => `ws-ssot${k.slice(1)}`);
    expect([...LEGACY_PATHS.keys()].sort()).toEqual(subpaths.sort());
  });

  it('lists, per subpath, exactly the names its module exports (types included)', () => {
    for (const [subpath, names] of LEGACY_PATHS) expect([...names].sort(), subpath).toEqual(exportsOf(sourceOf(subpath)).map((s) => s.name).sort());
  });

  it('describes every exported name, and the runtime exports of ws-ssot/legacy are among them', () => {
    const all = new Set([...LEGACY_PATHS.values()].flat());
    expect([...LEGACY_NAMES.keys()].sort()).toEqual([...all].sort());
    for (const name of Object.keys(legacyIndex)) expect(LEGACY_NAMES.has(name), name).toBe(true);
  });

  it('has the codes and texts of legacy/deprecation-codes.ts', () => {
    expect(Object.fromEntries([...DEPRECATION_TEXTS].map(([code, t]) => [code, { code, replace: t.replace, with: t.with }]))).toEqual(DEPRECATIONS);
  });

  it('gives each deprecated class or function the code its @deprecated tag names', () => {
    for (const s of exportsOf(sourceOf('ws-ssot/legacy'))) {
      const entry = LEGACY_NAMES.get(s.name);
      const declaration = target(s).valueDeclaration;
      if (entry === undefined || declaration === undefined) continue;
      const tag = ts.getJSDocTags(declaration).find((t) => t.tagName.text === 'deprecated');
      const text = tag === undefined ? '' : ts.getTextOfJSDocComment(tag.comment) ?? '';
      const tagged = text.match(/WSSOT_DEP\d{3}/g) ?? [];
      if (entry.kind === 'manager' || entry.kind === 'user-bound' || entry.kind === 'factory' || entry.kind === 'accessor') expect(entry.codes, s.name).toEqual([...new Set(tagged)]);
      else expect(entry.codes, s.name).toEqual([]);
    }
  });

  it('maps every snake_case method of the legacy classes to a camelCase twin of the same class', () => {
    const seen = new Set<string>();
    for (const s of exportsOf(sourceOf('ws-ssot/legacy'))) {
      const t = target(s);
      if ((t.flags & (ts.SymbolFlags.Class | ts.SymbolFlags.Interface)) === 0) continue;
      const properties = checker.getPropertiesOfType(checker.getDeclaredTypeOfSymbol(t)).map((p) => p.name);
      for (const p of properties.filter((n) => /^[a-z]+(_[a-z]+)+$/.test(n) && !/^(user|connection|websocket|isolation)_/.test(n))) {
        seen.add(p);
        expect(SNAKE_CASE.get(p), `${t.name}.${p}`).toBeDefined();
        expect(properties, `${t.name}.${p}`).toContain(SNAKE_CASE.get(p));
      }
    }
    // And the snake_case global accessor.
    seen.add('get_websocket_manager');
    expect([...SNAKE_CASE.keys()].sort()).toEqual([...seen].sort());
  });

  it('names legacy owners that legacy/ declares, and canonical names that src/ exports', () => {
    const declared = new Set(exportsOf(sourceOf('ws-ssot/legacy')).map((s) => s.name));
    for (const owner of LEGACY_OWNERS.keys()) expect(declared.has(owner), owner).toBe(true);
    for (const name of CANONICAL_TWINS) expect(declared.has(name) && (name in canonical || ['WebSocketManagerProtocol'].includes(name)), name).toBe(true);
    for (const name of CANONICAL_MANAGERS) expect(name in canonical, name).toBe(true);
    for (const e of LEGACY_NAMES.values()) if (e.canonical !== null && !['WebSocketManagerProtocol', 'FactoryOptions'].includes(e.canonical)) expect(e.canonical in canonical, e.canonical).toBe(true);
    expect(MIGRATION_SERVER.canonicalCreate in canonical).toBe(true);
    expect(MIGRATION_SERVER.create in legacyIndex).toBe(true);
    expect([...CRITICAL_EVENT_TYPES]).toEqual([...canonical.CRITICAL_EVENT_TYPES]);
  });
});
