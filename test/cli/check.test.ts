/**
 * `ws-ssot check` for real (the TypeScript compiler, the built package's declarations): on old-backend it finds
 * exactly the hand-written oracle (EXPECTED_LEGACY_USES.json: every legacy use, at its line and column, with its
 * code; module-level singletons where it says moduleLevel), on canonical-backend nothing; legacy names are
 * resolved by symbol (aliases, re-exports, namespace imports, CommonJS and createRequire count; a local class of
 * the same name does not); team modules, singletons, cycles, the score, the JSON schema and per-file errors.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { complianceScore } from '../../src/cli/score.js';
import { ensureBuilt, packageRoot } from '../support/build.js';
import { checkJson, cli } from './helpers/run-cli.js';
import { cleanTemp, writeProject } from './helpers/temp-project.js';

beforeAll(() => ensureBuilt(), 120_000);
afterEach(() => cleanTemp());

const fixtures = path.join(packageRoot, 'test', 'fixtures');

interface OracleUse {
  file: string;
  line: number;
  column: number;
  name: string;
  code: string | null;
  moduleLevel?: boolean;
}

describe('check on the backend fixtures', () => {
  it('finds in old-backend exactly the legacy uses of its hand-written oracle', () => {
    const oracle = (JSON.parse(readFileSync(path.join(fixtures, 'old-backend', 'EXPECTED_LEGACY_USES.json'), 'utf8')) as { uses: OracleUse[] }).uses;
    const { code, report } = checkJson(path.join(fixtures, 'old-backend'));
    expect(code).toBe(1);
    const key = (u: { file: string; line: number; column: number; name: string; code: string | null }): string => `${u.file}:${u.line}:${u.column} ${u.name} ${u.code}`;
    const found = [...report.findings.map(key), ...report.migrationServer.map((u) => key({ ...u, code: null }))];
    expect([...new Set(found)].sort()).toEqual(oracle.map(key).sort());
    // The migration server (code null in the oracle) is listed apart, not counted.
    expect(report.findings.every((f) => f.code !== null)).toBe(true);
    expect(report.migrationServer.map((u) => u.name).sort()).toEqual(oracle.filter((u) => u.code === null).map((u) => u.name).sort());
    // The module-level singletons are the oracle's moduleLevel constructions.
    expect(report.findings.filter((f) => f.rule === 'module-singleton').map((f) => `${f.file}:${f.line}:${f.column}`)).toEqual(oracle.filter((u) => u.moduleLevel === true).map((u) => `${u.file}:${u.line}:${u.column}`));
    expect(report.errors).toEqual([]);
    expect(report.typesResolved).toBe(true);
    for (const c of ['WSSOT_DEP001', 'WSSOT_DEP009', 'WSSOT_DEP010']) expect(report.byCode[c]).toBeGreaterThan(0);
  }, 60_000);

  it('finds nothing in canonical-backend: 100, exit 0, its own class WebSocketManager is not the legacy one', () => {
    const { code, report } = checkJson(path.join(fixtures, 'canonical-backend'));
    expect(report.findings).toEqual([]);
    expect(report.migrationServer).toEqual([]);
    expect(report.score).toBe(100);
    expect(report.passed).toBe(true);
    expect(code).toBe(0);
    expect(report.counts.canonicalUses).toBeGreaterThan(0);
  }, 60_000);

  it('prints each finding as file, line:column, code and message, then the summary per code and the score', () => {
    const r = cli('check', path.join(fixtures, 'old-backend'));
    expect(r.code).toBe(1);
    expect(r.stdout).toContain('websocket/shared-manager.mjs\n  3:10  WSSOT_DEP001  legacy name WebSocketManager imported from');
    expect(r.stdout).toMatch(/Summary per code:\n {2}WSSOT_DEP001 +\d+ {2}WebSocketManager from/);
    expect(r.stdout).toMatch(/Score: \d+\/100 \(\d+ findings, \d+ canonical uses, 7 files\) — below --min-score 100\n$/);
    expect(r.stdout).toContain('Migration server (phase 6 of MIGRATION.md; not counted in the score):');
  }, 60_000);
});

describe('legacy names are resolved by symbol', () => {
  it('counts aliases, re-exports, namespace imports, CommonJS and createRequire; not a local class with the same name', () => {
    const dir = writeProject({
      'managers.mjs': "export { WebSocketManager as AppManager } from 'ws-ssot/legacy/manager';\nexport * as legacy from 'ws-ssot/legacy';\n",
      'aliased.mjs': "import { AppManager } from './managers.mjs';\nimport { getWebSocketManager as gwm } from 'ws-ssot/legacy/websocket-manager';\n\nexport function a(ctx) {\n  gwm().send_message('u', 1);\n  return new AppManager();\n}\n",
      'namespace.mjs': "import * as L from 'ws-ssot/legacy';\n\nexport function b() {\n  return new L.ConnectionManager();\n}\n",
      'old.cjs': "const legacy = require('ws-ssot/legacy');\nconst { WebSocketManagerAdapter: Adapter } = require('ws-ssot/legacy/protocols');\n\nmodule.exports = () => new Adapter().is_user_connected('u') && legacy.getWebSocketManager();\n",
      'esm-require.mjs': "import { createRequire } from 'node:module';\n\nconst require = createRequire(import.meta.url);\nconst { IsolatedWebSocketManager } = require('ws-ssot/legacy/websocket-manager-factory');\n\nexport const c = () => new IsolatedWebSocketManager('u');\n",
      'lookalike.mjs': "class WebSocketManager {\n  send_message() {\n    return 1;\n  }\n}\n\nexport const d = () => new WebSocketManager().send_message();\n",
    });
    const { report } = checkJson(dir);
    const at = report.findings.map((f) => `${f.file}:${f.line}:${f.column} ${f.rule} ${f.code ?? '-'} ${f.name}`);
    expect(at).toEqual([
      'aliased.mjs:1:10 legacy-import WSSOT_DEP001 AppManager',
      'aliased.mjs:2:10 legacy-import WSSOT_DEP006 getWebSocketManager',
      'aliased.mjs:5:3 legacy-name WSSOT_DEP006 getWebSocketManager',
      'aliased.mjs:5:9 snake-case WSSOT_DEP009 send_message',
      'aliased.mjs:6:14 legacy-name WSSOT_DEP001 WebSocketManager',
      'esm-require.mjs:4:9 legacy-import WSSOT_DEP004 IsolatedWebSocketManager',
      'esm-require.mjs:6:28 legacy-name WSSOT_DEP004 IsolatedWebSocketManager',
      'managers.mjs:1:10 legacy-import WSSOT_DEP001 WebSocketManager',
      'managers.mjs:2:1 legacy-import - ws-ssot/legacy',
      'namespace.mjs:1:1 legacy-import - ws-ssot/legacy',
      'namespace.mjs:4:16 legacy-name WSSOT_DEP002 ConnectionManager',
      'old.cjs:1:24 legacy-import - ws-ssot/legacy',
      'old.cjs:2:9 legacy-import WSSOT_DEP003 WebSocketManagerAdapter',
      'old.cjs:4:28 legacy-name WSSOT_DEP003 WebSocketManagerAdapter',
      'old.cjs:4:38 snake-case WSSOT_DEP009 is_user_connected',
      'old.cjs:4:71 legacy-name WSSOT_DEP006 getWebSocketManager',
    ]);
    expect(report.findings.find((f) => f.file === 'aliased.mjs' && f.line === 1)?.message).toContain("through './managers.mjs' (a re-export of ws-ssot/legacy)");
    expect(report.findings.filter((f) => f.file === 'lookalike.mjs')).toEqual([]);
  }, 60_000);

  it('reports module-level singletons, legacy or canonical, and not the same inside a function', () => {
    const dir = writeProject({
      'singletons.mjs': "import { UnifiedWebSocketManager } from 'ws-ssot';\nimport { ConnectionManager } from 'ws-ssot/legacy/connection-manager';\n\nexport const shared = new UnifiedWebSocketManager();\nmodule.exports.old = new ConnectionManager();\n\nexport function inside() {\n  return new UnifiedWebSocketManager();\n}\n",
    });
    const { report } = checkJson(dir);
    expect(report.findings.filter((f) => f.rule === 'module-singleton').map((f) => `${f.line}:${f.column} ${f.code} ${f.name}`)).toEqual(['4:27 null UnifiedWebSocketManager', '5:26 WSSOT_DEP002 ConnectionManager']);
  }, 60_000);

  it('reports an import cycle through a module that touches a manager, not one among others, nor a type-only edge', () => {
    const dir = writeProject({
      'tsconfig.json': JSON.stringify({ compilerOptions: { module: 'nodenext', moduleResolution: 'nodenext', target: 'es2022', strict: true, noEmit: true, skipLibCheck: true, types: [] }, include: ['src'] }),
      'src/a.ts': "import { b } from './b.js';\nimport { CRITICAL_EVENT_TYPES } from 'ws-ssot';\nexport const a = (): number => b() + CRITICAL_EVENT_TYPES.length;\n",
      'src/b.ts': "import { a } from './a.js';\nexport const b = (): number => (a === undefined ? 0 : 1);\n",
      'src/c.ts': "import { d } from './d.js';\nexport const c = (): number => d();\n",
      'src/d.ts': "import { c } from './c.js';\nexport const d = (): number => (c === undefined ? 0 : 1);\n",
      'src/e.ts': "import type { F } from './f.js';\nimport { CRITICAL_EVENT_TYPES } from 'ws-ssot';\nexport type E = F | typeof CRITICAL_EVENT_TYPES;\n",
      'src/f.ts': "import type { E } from './e.js';\nexport type F = E | number;\n",
      'outside/ignored.ts': "import 'ws-ssot/legacy';\n",
    });
    const { report } = checkJson(dir);
    expect(report.config).toBe('tsconfig.json');
    expect(report.counts.files).toBe(6);
    expect(report.findings.map((f) => `${f.file}:${f.line}:${f.column} ${f.rule} ${f.name}`)).toEqual(['src/a.ts:1:19 import-cycle src/a.ts → src/b.ts → src/a.ts']);
  }, 60_000);

  it('reports the team’s own old modules given with --legacy-module, by package, subpath, and file', () => {
    const dir = writeProject({
      'node_modules/@acme/ws/package.json': JSON.stringify({ name: '@acme/ws', exports: { '.': './index.js', './manager': './manager.js' } }),
      'node_modules/@acme/ws/index.js': 'exports.x = 1;\n',
      'node_modules/@acme/ws/manager.js': 'exports.y = 1;\n',
      'src/ws/old-manager.mjs': 'export const z = 1;\n',
      'src/app.mjs': "import { x } from '@acme/ws';\nimport { y } from '@acme/ws/manager';\nimport { z } from './ws/old-manager.mjs';\nconst w = require('./ws/old-manager.mjs');\nexport default [x, y, z, w];\n",
    });
    const without = checkJson(dir).report;
    expect(without.findings).toEqual([]);
    const { report } = checkJson(dir, '--legacy-module', '@acme/ws,src/ws/old-manager');
    expect(report.findings.map((f) => `${f.line}:${f.column} ${f.name}`)).toEqual(['1:1 @acme/ws', '2:1 @acme/ws/manager', '3:1 ./ws/old-manager.mjs', '4:19 ./ws/old-manager.mjs']);
    expect(report.findings[0]?.message).toContain("the team's old module '@acme/ws' loaded (--legacy-module @acme/ws)");
    expect(report.score).toBe(0);
  }, 60_000);
});

describe('the score, the JSON output and errors', () => {
  it('scores 100 with nothing left, else floor(100 × canonical / (canonical + findings))', () => {
    expect(complianceScore(0, 0)).toBe(100);
    expect(complianceScore(0, 7)).toBe(100);
    expect(complianceScore(1, 10_000)).toBe(99);
    expect(complianceScore(3, 1)).toBe(25);
    expect(complianceScore(5, 0)).toBe(0);
    const { report } = checkJson(path.join(fixtures, 'old-backend'));
    expect(report.score).toBe(complianceScore(report.counts.findings, report.counts.canonicalUses));
  }, 60_000);

  it('--json prints one document of schema version 1, sorted, and the same twice', () => {
    const first = cli('check', path.join(fixtures, 'old-backend'), '--json');
    const second = cli('check', path.join(fixtures, 'old-backend'), '--json');
    expect(first.stdout).toBe(second.stdout);
    const report = JSON.parse(first.stdout) as Record<string, unknown>;
    expect(Object.keys(report)).toEqual(['schemaVersion', 'tool', 'root', 'config', 'typesResolved', 'score', 'minScore', 'passed', 'counts', 'byCode', 'uncoded', 'byRule', 'findings', 'migrationServer', 'errors']);
    expect(report['schemaVersion']).toBe(1);
    expect(Object.keys(report['byCode'] as object)).toEqual(Array.from({ length: 10 }, (_, i) => `WSSOT_DEP${String(i + 1).padStart(3, '0')}`));
    expect(Object.keys(report['byRule'] as object)).toEqual(['legacy-import', 'legacy-name', 'snake-case', 'user-less-emit', 'module-singleton', 'import-cycle']);
    const findings = report['findings'] as Array<Record<string, unknown>>;
    expect(Object.keys(findings[0] as object)).toEqual(['file', 'line', 'column', 'endLine', 'endColumn', 'rule', 'code', 'name', 'message', 'replacement']);
    const order = findings.map((f) => `${f['file']}\0${String(f['line']).padStart(6, '0')}\0${String(f['column']).padStart(6, '0')}`);
    expect(order).toEqual([...order].sort());
  }, 60_000);

  it('--min-score: exit 0 at or above it, 1 below', () => {
    const { report } = checkJson(path.join(fixtures, 'old-backend'));
    expect(checkJson(path.join(fixtures, 'old-backend'), '--min-score', String(report.score)).code).toBe(0);
    expect(checkJson(path.join(fixtures, 'old-backend'), '--min-score', String(report.score + 1)).code).toBe(1);
  }, 60_000);

  it('reports a file that does not parse and a config that does not read, and checks the rest', () => {
    const dir = writeProject({
      'tsconfig.json': '{ "compilerOptions": { "allowJs": true, } oops',
      'good.mjs': "import { ConnectionManager } from 'ws-ssot/legacy/connection-manager';\nexport const f = () => new ConnectionManager();\n",
      'broken.mjs': "import { WebSocketManager } from 'ws-ssot/legacy/manager';\nexport function g( {\n  return new WebSocketManager(;\n",
    });
    const { code, report } = checkJson(dir);
    expect(code).toBe(1);
    expect(report.config).toBe(null);
    expect(report.errors.map((e) => `${e.file} ${e.code}`)).toEqual(expect.arrayContaining(['broken.mjs WSSOT_CLI_ERR_PARSE', 'tsconfig.json WSSOT_CLI_ERR_CONFIG']));
    expect(report.findings.filter((f) => f.file === 'good.mjs').map((f) => f.code)).toEqual(['WSSOT_DEP002', 'WSSOT_DEP002']);
    expect(report.findings.some((f) => f.file === 'broken.mjs' && f.rule === 'legacy-import')).toBe(true);
    expect(report.passed).toBe(false);
  }, 60_000);

  it('reads a jsconfig.json (JavaScript allowed) when there is no tsconfig.json', () => {
    const dir = writeProject({
      'jsconfig.json': JSON.stringify({ compilerOptions: { module: 'nodenext', moduleResolution: 'nodenext', target: 'es2022' }, include: ['lib'] }),
      'lib/a.mjs': "import { ConnectionManager } from 'ws-ssot/legacy/connection-manager';\nexport const f = () => new ConnectionManager().get_connection_count();\n",
      'scripts/b.mjs': "import 'ws-ssot/legacy';\n",
    });
    const { report } = checkJson(dir);
    expect(report.config).toBe('jsconfig.json');
    expect(report.findings.map((f) => `${f.file} ${f.code}`)).toEqual(['lib/a.mjs WSSOT_DEP002', 'lib/a.mjs WSSOT_DEP002', 'lib/a.mjs WSSOT_DEP009']);
  }, 60_000);
});
