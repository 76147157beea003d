/**
 * The backend fixtures stay what they claim to be: old-backend's hand-written list of legacy uses
 * (EXPECTED_LEGACY_USES.json, the oracle of the migration tools) points at real positions and misses no legacy
 * import; canonical-backend uses nothing legacy; and both typecheck (`checkJs`) against the published types,
 * so an old name missing from them (TS2551, `mgr.emit_critical_event` on the factory's manager) fails here.
 */
import { execFile } from 'node:child_process';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { DEPRECATION_CODES } from '../../legacy/deprecation-codes.js';
import { ensureBuilt, packageRoot } from '../support/build.js';

const fixtures = path.join(packageRoot, 'test', 'fixtures');

interface LegacyUse {
  file: string;
  line: number;
  column: number;
  name: string;
  kind: 'import' | 'require' | 'new' | 'global-accessor-call' | 'snake-case-method' | 'user-less-call' | 'migration-call';
  code: string | null;
  from?: string;
  moduleLevel?: boolean;
}

function sources(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir)) {
    const full = path.join(dir, name);
    if (statSync(full).isDirectory()) out.push(...sources(full));
    else if (/\.(mjs|cjs|js|ts)$/.test(name)) out.push(full);
  }
  return out.sort();
}

const oracle = JSON.parse(readFileSync(path.join(fixtures, 'old-backend', 'EXPECTED_LEGACY_USES.json'), 'utf8')) as { uses: LegacyUse[] };

/** Every legacy import in a source: [line, column of the name, name, specifier]. ESM named imports and CommonJS destructured requires. */
function legacyImports(source: string): Array<[number, number, string, string]> {
  const out: Array<[number, number, string, string]> = [];
  const lines = source.split('\n');
  lines.forEach((text, i) => {
    const m = /^(?:import|const)\s*\{([^}]*)\}\s*(?:from|=\s*require\()\s*'(ws-ssot\/legacy[^']*)'/.exec(text);
    if (m === null) return;
    for (const raw of (m[1] as string).split(',')) {
      const name = raw.trim();
      if (name !== '') out.push([i + 1, text.indexOf(name) + 1, name, m[2] as string]);
    }
  });
  return out;
}

describe('old-backend: EXPECTED_LEGACY_USES.json', () => {
  it('points every entry at its name in the source', () => {
    for (const use of oracle.uses) {
      const text = readFileSync(path.join(fixtures, 'old-backend', use.file), 'utf8').split('\n')[use.line - 1] ?? '';
      expect(text.slice(use.column - 1, use.column - 1 + use.name.length), `${use.file}:${use.line}:${use.column} ${use.name}`).toBe(use.name);
    }
  });

  it('lists every legacy import of every module, with its specifier and code', () => {
    const imports = oracle.uses.filter((u) => u.kind === 'import' || u.kind === 'require');
    let seen = 0;
    for (const file of sources(path.join(fixtures, 'old-backend'))) {
      const rel = path.relative(path.join(fixtures, 'old-backend'), file);
      for (const [line, column, name, from] of legacyImports(readFileSync(file, 'utf8'))) {
        seen++;
        const listed = imports.filter((u) => u.file === rel && u.line === line && u.column === column && u.name === name);
        expect(listed.length, `${rel}:${line}:${column} ${name}`).toBeGreaterThan(0);
        for (const u of listed) expect(u.from).toBe(from);
      }
    }
    expect(seen).toBe(new Set(imports.map((u) => `${u.file}:${u.line}:${u.column}`)).size);
  });

  it('covers every deprecation code, each with a valid code or null for the migration layer', () => {
    const codes = new Set(oracle.uses.map((u) => u.code));
    for (const code of DEPRECATION_CODES) expect(codes.has(code), code).toBe(true);
    for (const u of oracle.uses) expect(u.code === null || (DEPRECATION_CODES as readonly string[]).includes(u.code)).toBe(true);
    expect(oracle.uses.filter((u) => u.code === null).map((u) => u.name).sort()).toEqual(['bindGlobal', 'createMigrationServer', 'createMigrationServer']);
    expect(oracle.uses.filter((u) => u.moduleLevel === true).map((u) => `${u.file}:${u.line}`)).toEqual([
      'agents/agent-runner.mjs:14',
      'agents/supervisor/agent-registry.cjs:7',
      'websocket/shared-manager.mjs:7',
    ]);
  });

  it('has ESM modules and one CommonJS module', () => {
    const files = sources(path.join(fixtures, 'old-backend')).map((f) => path.extname(f));
    expect(files.filter((e) => e === '.cjs')).toHaveLength(1);
    expect(files.filter((e) => e === '.mjs').length).toBeGreaterThan(4);
  });
});

describe('canonical-backend', () => {
  it('imports only ws-ssot (no legacy subpath), and has a local class named WebSocketManager', () => {
    const files = sources(path.join(fixtures, 'canonical-backend'));
    const all = files.map((f) => readFileSync(f, 'utf8')).join('\n');
    expect(all).not.toMatch(/ws-ssot\/legacy/);
    expect(all).not.toMatch(/\blegacy\b\s*\./);
    expect([...all.matchAll(/from '(ws-ssot[^']*)'/g)].map((m) => m[1])).toEqual(['ws-ssot']);
    expect(all).toMatch(/export class WebSocketManager\b/);
  });
});

describe('typechecking the fixtures against the published types (checkJs)', () => {
  beforeAll(() => ensureBuilt(), 120_000);

  function tsc(files: string[]): Promise<{ code: number; out: string }> {
    const args = [
      path.join(packageRoot, 'node_modules', 'typescript', 'bin', 'tsc'),
      '--noEmit', '--allowJs', '--checkJs', '--module', 'nodenext', '--moduleResolution', 'nodenext', '--target', 'es2022',
      '--skipLibCheck', 'false', '--types', 'node', ...files,
    ];
    return new Promise((resolve) => {
      execFile(process.execPath, args, { cwd: packageRoot, timeout: 120_000 }, (err, stdout, stderr) => {
        resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, out: `${stdout}${stderr}` });
      });
    });
  }

  it.each([
    ['old-backend', ['server.mjs', 'agents/supervisor/agent-registry.cjs']],
    ['canonical-backend', ['server.mjs']],
  ] as const)('%s has no type error: every old name it calls is in the types', async (fixture, entries) => {
    const result = await tsc(entries.map((e) => path.join('test', 'fixtures', fixture, e)));
    expect(result.out).toBe('');
    expect(result.code).toBe(0);
  }, 120_000);
});
