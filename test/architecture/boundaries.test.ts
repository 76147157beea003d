/**
 * The seam between the two code paths (issue 14): nothing under src/ imports legacy/, so legacy/ can be
 * deleted in the next major without touching src/. Imports are read from each file's syntax tree and
 * resolved by the TypeScript compiler (static imports, type-only imports, `export … from`, dynamic
 * `import()`, require-like calls, import types), never by matching text.
 */
import { readFileSync } from 'node:fs';
import { isBuiltin } from 'node:module';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { packageRoot } from '../support/build.js';
import { importsOf, moduleGraph, preProcessedSpecifiers, type ImportEdge } from './module-graph.js';

/** What a src/ module may load: src/ itself, a Node builtin, or a package (node_modules). */
function leavesSrc(edge: ImportEdge): boolean {
  if (edge.resolved === null) return !isBuiltin(edge.specifier);
  return !edge.external && !edge.resolved.startsWith('src/');
}

/** An edge into the legacy code: legacy/ sources, their build, or the package's own `ws-ssot/legacy*` subpaths. */
function reachesLegacy(edge: ImportEdge): boolean {
  return /^ws-ssot\/legacy(\/|$)/.test(edge.specifier) || (edge.resolved !== null && /^(legacy|dist\/legacy)\//.test(edge.resolved));
}

const show = (edges: ImportEdge[]): string[] => edges.map((e) => `${e.from}:${e.line} ${e.kind} '${e.specifier}' → ${e.resolved ?? 'unresolved'}`);

describe('src/ never imports legacy/', () => {
  const src = moduleGraph('src');

  it('finds the modules and imports to check', () => {
    expect(src.files.length).toBeGreaterThan(50);
    expect(src.files).toContain('src/index.ts');
    expect(src.files).toContain('src/server/ws-ssot-server.ts');
    // The walk sees every kind src/ uses today, dynamic import() and require-like calls included.
    expect([...new Set(src.edges.map((e) => e.kind))]).toEqual(expect.arrayContaining(['import', 'import-type', 'export-from', 'export-type-from', 'dynamic-import', 'require']));
  });

  it('no file under src/ imports from legacy/ (in any form, type-only included)', () => {
    expect(show(src.edges.filter(reachesLegacy))).toEqual([]);
  });

  it('every import of a src/ file resolves into src/, a Node builtin or node_modules', () => {
    expect(show(src.edges.filter(leavesSrc))).toEqual([]);
  });

  it('the syntax-tree walk misses no specifier the compiler’s pre-processor finds', () => {
    const missed: string[] = [];
    for (const file of src.files) {
      const found = new Set(src.edges.filter((e) => e.from === file).map((e) => e.specifier));
      for (const specifier of preProcessedSpecifiers(readFileSync(path.join(packageRoot, file), 'utf8'))) if (!found.has(specifier)) missed.push(`${file}: '${specifier}'`);
    }
    expect(missed).toEqual([]);
  });

  it('would catch each form of import of legacy/ from a file under src/', () => {
    // A file as if it sat in src/server/: each line is one way to reach legacy/.
    const probe = path.join(packageRoot, 'src/server/__probe__.ts');
    const text = [
      "import { LegacyControl } from '../../legacy/legacy-control.js';",
      "import type { LegacyPathManager } from '../../legacy/legacy-path-manager.js';",
      "import { type DeprecationCode } from '../../legacy/deprecation-codes.js';",
      "export { createMigrationServer } from '../../legacy/index.js';",
      "export type { MigrationServerOptions } from '../../legacy/migration-server.js';",
      "export * from '../../legacy/protocols.js';",
      "import '../../legacy/deprecations.js';",
      "const lazy = () => import('../../legacy/global-binding.js');",
      "type Usage = typeof import('../../legacy/legacy-usage.js');",
      "const self = () => import('ws-ssot/legacy');",
    ].join('\n');
    const edges = importsOf(probe, text);
    // The package's own subpath resolves into dist/legacy/ once built; before that its name gives it away.
    const self = edges.at(-1)?.resolved ?? null;
    expect(self === null || self.startsWith('dist/legacy/'), String(self)).toBe(true);
    expect(edges.map((e) => [e.kind, e.resolved])).toEqual([
      ['import', 'legacy/legacy-control.ts'],
      ['import-type', 'legacy/legacy-path-manager.ts'],
      ['import', 'legacy/deprecation-codes.ts'],
      ['export-from', 'legacy/index.ts'],
      ['export-type-from', 'legacy/migration-server.ts'],
      ['export-from', 'legacy/protocols.ts'],
      ['import', 'legacy/deprecations.ts'],
      ['dynamic-import', 'legacy/global-binding.ts'],
      ['type-query', 'legacy/legacy-usage.ts'],
      ['dynamic-import', self],
    ]);
    expect(edges.filter(reachesLegacy)).toHaveLength(edges.length);
    expect(edges.filter(leavesSrc)).toHaveLength(edges.length);
  });
});
