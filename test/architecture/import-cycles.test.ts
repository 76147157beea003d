/**
 * No import cycle in src/ or in legacy/ (issue 14), over the module graph the TypeScript compiler resolves
 * (test/architecture/module-graph.ts). Runtime imports (everything but `import type`, `export type … from`
 * and import types, which are erased from the JavaScript) may form no cycle at all: a runtime cycle is what
 * makes module evaluation order matter (a class read before its module ran). Type-only imports cannot run
 * anything; the one type-only cycle left is listed below with why it stays, and no other may appear.
 */
import { describe, expect, it } from 'vitest';
import { importCycles, moduleGraph, type ModuleGraph } from './module-graph.js';

/**
 * The migration server owns a LegacyControl (a runtime import), and LegacyControl and the global binding
 * hold that server as their type (`import type { MigrationServer }`): erased, so nothing runs in a cycle.
 * Breaking it would mean typing the global slot without MigrationServer across four legacy/ files.
 */
const KNOWN_TYPE_ONLY_CYCLES: readonly string[][] = [['legacy/global-binding.ts', 'legacy/legacy-control.ts', 'legacy/migration-server.ts']];

const src = moduleGraph('src');
const legacy = moduleGraph('legacy');
const both: ModuleGraph = { files: [...src.files, ...legacy.files], edges: [...src.edges, ...legacy.edges] };

const unknown = (cycles: string[][]): string[][] => cycles.filter((c) => !KNOWN_TYPE_ONLY_CYCLES.some((k) => JSON.stringify(k) === JSON.stringify(c)));

describe('import cycles', () => {
  it('none among src/ modules, counting type-only imports too', () => {
    expect(src.files.length).toBeGreaterThan(50);
    expect(importCycles(src, false)).toEqual([]);
    expect(importCycles(src, true)).toEqual([]);
  });

  it('no runtime one among legacy/ modules, and no type-only one but the known one', () => {
    expect(legacy.files.length).toBeGreaterThan(15);
    expect(importCycles(legacy, false)).toEqual([]);
    expect(unknown(importCycles(legacy, true))).toEqual([]);
  });

  it('none across src/ and legacy/ together (legacy/ imports src/, never the other way)', () => {
    expect(importCycles(both, false)).toEqual([]);
    expect(unknown(importCycles(both, true))).toEqual([]);
  });

  it('the search finds a cycle when there is one (runtime and type-only)', () => {
    const graph: ModuleGraph = {
      files: ['a.ts', 'b.ts', 'c.ts', 'd.ts'],
      edges: [
        { from: 'a.ts', specifier: './b.js', kind: 'import', typeOnly: false, line: 1, external: false, resolved: 'b.ts' },
        { from: 'b.ts', specifier: './c.js', kind: 'export-from', typeOnly: false, line: 1, external: false, resolved: 'c.ts' },
        { from: 'c.ts', specifier: './a.js', kind: 'dynamic-import', typeOnly: false, line: 1, external: false, resolved: 'a.ts' },
        { from: 'c.ts', specifier: './d.js', kind: 'import', typeOnly: false, line: 1, external: false, resolved: 'd.ts' },
        { from: 'd.ts', specifier: './c.js', kind: 'import-type', typeOnly: true, line: 1, external: false, resolved: 'c.ts' },
      ],
    };
    expect(importCycles(graph, false)).toEqual([['a.ts', 'b.ts', 'c.ts']]);
    expect(importCycles(graph, true)).toEqual([['a.ts', 'b.ts', 'c.ts', 'd.ts']]);
  });
});
