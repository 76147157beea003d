/**
 * The ESLint preset `ws-ssot/eslint` (the built package, loaded by its exports subpath), run by ESLint 9 for real
 * with typescript-eslint's parser: with type information it reports the same set as `ws-ssot check` on the
 * old-backend fixture (each legacy use at the same line and column with the same code), nothing on the
 * canonical-only fixture, follows a legacy name through a re-export in TypeScript, and reports the team's own
 * old modules given to `wsSsot({ legacyModules })`; without type information it still reports what the syntax
 * shows. Projects are copies in temp dirs.
 */
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { ESLint, type Linter } from 'eslint';
import tseslint from 'typescript-eslint';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ensureBuilt } from '../support/build.js';
import { checkJson } from '../cli/helpers/run-cli.js';
import { cleanTemp, copyFixture, writeProject } from '../cli/helpers/temp-project.js';

type Preset = typeof import('../../src/eslint/index.js');
let preset: Preset;

beforeAll(async () => {
  ensureBuilt();
  preset = (await import('ws-ssot/eslint' as string)) as Preset;
}, 120_000);

afterEach(() => cleanTemp());

const TSCONFIG = { compilerOptions: { allowJs: true, checkJs: false, noEmit: true, module: 'nodenext', moduleResolution: 'nodenext', target: 'es2022', skipLibCheck: true, types: [] }, include: ['**/*'] };

/** Lints every source of `dir` with the preset (typed: typescript-eslint's program from dir/tsconfig.json). */
async function lint(dir: string, config: Linter.Config[], typed = true): Promise<ESLint.LintResult[]> {
  const parser: Linter.Config[] = typed
    ? [{ files: ['**/*.{js,mjs,cjs,ts,mts,cts}'], languageOptions: { parser: tseslint.parser as Linter.Parser, parserOptions: { project: './tsconfig.json', tsconfigRootDir: dir } } }]
    : [];
  const eslint = new ESLint({ cwd: dir, overrideConfigFile: true, overrideConfig: [...parser, ...config] });
  return eslint.lintFiles(['**/*.{js,mjs,cjs,ts,mts,cts}']);
}

const RULE_OF: Record<string, string> = {
  'no-restricted-imports': 'legacy-import',
  'ws-ssot/no-legacy-import': 'legacy-import',
  'ws-ssot/no-legacy-name': 'legacy-name',
  'ws-ssot/no-snake-case': 'snake-case',
  'ws-ssot/no-user-less-emit': 'user-less-emit',
  'ws-ssot/no-module-singleton': 'module-singleton',
  'ws-ssot/no-manager-import-cycle': 'import-cycle',
};

/** `file:line:column code-or-rule` for every message (a message naming two codes stands for both). */
function eslintKeys(dir: string, results: readonly ESLint.LintResult[]): string[] {
  const keys = new Set<string>();
  for (const r of results) {
    for (const m of r.messages) {
      expect(m.fatal, m.message).not.toBe(true);
      const at = `${path.relative(dir, r.filePath)}:${m.line}:${m.column}`;
      const codes = m.message.match(/WSSOT_DEP\d{3}/g) ?? [];
      if (codes.length === 0) keys.add(`${at} ${RULE_OF[m.ruleId ?? ''] ?? m.ruleId}`);
      for (const code of codes) keys.add(`${at} ${code}`);
    }
  }
  return [...keys].sort();
}

function checkKeys(dir: string, ...extra: string[]): string[] {
  const { report } = checkJson(dir, ...extra);
  return [...new Set(report.findings.map((f) => `${f.file}:${f.line}:${f.column} ${f.code ?? f.rule}`))].sort();
}

describe('ws-ssot/eslint with type information (typescript-eslint)', () => {
  it('reports on old-backend the same set as ws-ssot check, each message with its code and replacement', async () => {
    const dir = copyFixture('old-backend');
    writeFileSync(path.join(dir, 'tsconfig.json'), JSON.stringify(TSCONFIG));
    const results = await lint(dir, preset.default);
    const keys = eslintKeys(dir, results);
    expect(keys.length).toBeGreaterThan(30);
    expect(keys).toEqual(checkKeys(dir));
    for (const m of results.flatMap((r) => r.messages)) {
      expect(m.message).toMatch(/use .+/);
      expect(m.severity).toBe(2);
    }
    // Static imports come from no-restricted-imports, the CommonJS requires from the plugin.
    const byRule = (id: string): string[] => results.flatMap((r) => r.messages.filter((m) => m.ruleId === id).map((m) => `${path.basename(r.filePath)}:${m.line}`));
    expect(byRule('no-restricted-imports')).toContain('stats.mjs:2');
    expect(byRule('ws-ssot/no-legacy-import')).toEqual(['agent-registry.cjs:4', 'agent-registry.cjs:4', 'agent-registry.cjs:5']);
  }, 120_000);

  it('reports nothing on canonical-backend (its local class WebSocketManager is not the legacy one)', async () => {
    const dir = copyFixture('canonical-backend');
    writeFileSync(path.join(dir, 'tsconfig.json'), JSON.stringify(TSCONFIG));
    const results = await lint(dir, preset.default);
    expect(results.flatMap((r) => r.messages)).toEqual([]);
    expect(results.length).toBeGreaterThan(3);
  }, 120_000);

  it('follows a legacy class through the project’s own re-export (TypeScript), as check does', async () => {
    const dir = writeProject({
      'tsconfig.json': JSON.stringify({ ...TSCONFIG, include: ['src'] }),
      'src/managers.ts': "export { WebSocketManager as AppManager } from 'ws-ssot/legacy/manager';\n",
      'src/use.ts': "import { AppManager } from './managers.js';\n\nexport function count(): number {\n  return new AppManager().get_connection_count();\n}\n",
    });
    const results = await lint(dir, preset.default);
    const keys = eslintKeys(dir, results);
    expect(keys).toEqual(checkKeys(dir));
    expect(keys).toEqual(['src/managers.ts:1:10 WSSOT_DEP001', 'src/use.ts:1:10 WSSOT_DEP001', 'src/use.ts:4:14 WSSOT_DEP001', 'src/use.ts:4:27 WSSOT_DEP009']);
    const reExport = results.find((r) => r.filePath.endsWith('use.ts'))?.messages.find((m) => m.line === 1);
    expect(reExport?.ruleId).toBe('ws-ssot/no-legacy-import');
    expect(reExport?.message).toContain("through './managers.js' (a re-export of ws-ssot/legacy)");
  }, 120_000);

  it('wsSsot({ legacyModules }) restricts the team’s old modules, by package name and by path, as check --legacy-module', async () => {
    const dir = writeProject({
      'tsconfig.json': JSON.stringify(TSCONFIG),
      'node_modules/@acme/old-ws/package.json': JSON.stringify({ name: '@acme/old-ws', main: 'index.js' }),
      'node_modules/@acme/old-ws/index.js': 'exports.send = () => true;\n',
      'lib/old-manager.mjs': 'export const send = () => true;\n',
      'app.mjs': "import { send } from '@acme/old-ws';\nimport { send as local } from './lib/old-manager.mjs';\n\nsend();\nlocal();\n",
    });
    const config = preset.wsSsot({ legacyModules: ['@acme/old-ws', './lib/old-manager'] });
    const keys = eslintKeys(dir, await lint(dir, config));
    expect(keys).toEqual(checkKeys(dir, '--legacy-module', '@acme/old-ws', '--legacy-module', './lib/old-manager'));
    expect(keys).toEqual(['app.mjs:1:1 legacy-import', 'app.mjs:2:1 legacy-import']);
  }, 120_000);
});

describe('ws-ssot/eslint without type information (ESLint’s own parser)', () => {
  it('still reports on old-backend what the syntax shows: a subset of check’s set with every old signature and singleton', async () => {
    const dir = copyFixture('old-backend');
    const keys = eslintKeys(dir, await lint(dir, preset.default, false));
    const full = checkKeys(dir);
    expect(keys.filter((k) => !full.includes(k))).toEqual([]);
    // This fixture binds every legacy object in the module that uses it, so the syntax is enough for all of them.
    expect(keys).toEqual(full);
  }, 120_000);
});

describe('the preset’s no-restricted-imports entries', () => {
  it('restrict every legacy name of every ws-ssot/legacy path in package.json, with its code and replacement', async () => {
    const pkg = (await import('../../package.json', { with: { type: 'json' } })).default as { exports: Record<string, unknown> };
    const legacyPaths = Object.keys(pkg.exports).filter((k) => k.startsWith('./legacy')).map((k) => `ws-ssot${k.slice(1)}`);
    const rules = (preset.default[0]?.rules ?? {}) as Record<string, unknown>;
    const [, options] = rules['no-restricted-imports'] as [string, { paths: Array<{ name: string; importNames?: string[]; message: string }> }];
    expect([...new Set(options.paths.map((p) => p.name))].sort()).toEqual(legacyPaths.sort());
    for (const p of options.paths) {
      expect(p.importNames).toHaveLength(1);
      expect(p.message).toContain('use ');
    }
    const websocketManager = options.paths.find((p) => p.name === 'ws-ssot/legacy/manager' && p.importNames?.[0] === 'WebSocketManager');
    expect(websocketManager?.message).toMatch(/^\(WSSOT_DEP001\) WebSocketManager from 'ws-ssot\/legacy\/manager' is deprecated: use wss\.manager/);
    // The migration server stays allowed until phase 6.
    expect(options.paths.filter((p) => p.importNames?.includes('createMigrationServer'))).toEqual([]);
    // Every rule of the plugin is on.
    for (const id of Object.keys(preset.plugin.rules ?? {})) expect(rules[`ws-ssot/${id}`]).toEqual(['error']);
  });
});
