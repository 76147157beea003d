/**
 * A TypeScript app that installs ws-ssot and nothing else typechecks (strict, `skipLibCheck: false`): the
 * published declarations use `ws`'s types, and `@types/ws` comes with the package's dependencies. The app is a
 * project in the OS temp directory (outside this repository, so nothing resolves from its node_modules by
 * accident) with the packed package (`npm pack`) unpacked in its node_modules and the package's dependency
 * closure beside it, as `npm install ws-ssot` lays them out. A variant without `@types/ws` shows it is needed.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureBuilt, packageRoot } from '../support/build.js';

const rootModules = path.join(packageRoot, 'node_modules');
const work = mkdtempSync(path.join(tmpdir(), 'wssot-consumer-'));

/** `name` and its dependencies, transitively, as found in this repository's (flat) node_modules. */
function closure(names: readonly string[]): Set<string> {
  const out = new Set<string>();
  const visit = (name: string): void => {
    if (out.has(name)) return;
    const manifest = path.join(rootModules, name, 'package.json');
    if (!existsSync(manifest)) return; // an optional dependency not installed here
    out.add(name);
    const pkg = JSON.parse(readFileSync(manifest, 'utf8')) as { dependencies?: Record<string, string> };
    for (const dep of Object.keys(pkg.dependencies ?? {})) visit(dep);
  };
  for (const name of names) visit(name);
  return out;
}

/** The packed package and its manifest (unpacked once, to read it). */
let tarball = '';
let unpacked = '';

beforeAll(() => {
  ensureBuilt();
  // --ignore-scripts: dist/ is built above (prepack would rebuild it while other tests read it).
  const out = execFileSync('npm', ['pack', '--ignore-scripts', '--json', '--pack-destination', work], { cwd: packageRoot, encoding: 'utf8' });
  tarball = path.join(work, (JSON.parse(out) as Array<{ filename: string }>)[0]!.filename);
  unpacked = path.join(work, 'unpacked');
  mkdirSync(unpacked);
  execFileSync('tar', ['-xzf', tarball, '-C', unpacked]);
}, 180_000);

afterAll(() => {
  rmSync(work, { recursive: true, force: true });
});

// The app does not import ws itself: what it needs of ws's types comes through ws-ssot's declarations.
const APP = `import http from 'node:http';
import { createWebSocketServer, type WebSocketConnection } from 'ws-ssot';
import { createMigrationServer, getWebSocketManager } from 'ws-ssot/legacy';
import { WebSocketManagerFactory } from 'ws-ssot/legacy/websocket-manager-factory';

const server = http.createServer();
const wss = createWebSocketServer({ server, authenticate: () => ({ userId: 'alice' }) });
export function adopt(socket: Parameters<typeof wss.manager.addConnection>[1]): WebSocketConnection {
  return wss.manager.addConnection('alice', socket);
}
wss.manager.emitCriticalEvent('alice', 'agent_started', { agent: 'triage' });
const migrating = createMigrationServer({ server: http.createServer(), authenticate: () => null });
migrating.legacy.bindGlobal();
getWebSocketManager({ userId: 'alice' }).emit_critical_event('agent_thinking', {});
new WebSocketManagerFactory().create_isolated_manager('alice', 'run-1').emit_critical_event('agent_started', {});
`;

/** A consumer project with ws-ssot and `deps` installed; returns tsc's exit code and output. */
function typecheck(name: string, deps: Set<string>): { code: number; out: string } {
  const dir = path.join(work, name);
  const modules = path.join(dir, 'node_modules');
  mkdirSync(path.join(modules, '@types'), { recursive: true });
  // Unpacked in place (a real directory, as npm installs it): its imports resolve from the app's node_modules.
  mkdirSync(path.join(modules, 'ws-ssot'));
  execFileSync('tar', ['-xzf', tarball, '-C', path.join(modules, 'ws-ssot'), '--strip-components=1']);
  // The app's own dev dependency, as any Node TypeScript project has.
  for (const dep of new Set([...deps, ...closure(['@types/node'])])) {
    mkdirSync(path.dirname(path.join(modules, dep)), { recursive: true });
    if (!existsSync(path.join(modules, dep))) symlinkSync(path.join(rootModules, dep), path.join(modules, dep), 'dir');
  }
  writeFileSync(path.join(dir, 'package.json'), JSON.stringify({ name: 'consumer', private: true, type: 'module' }));
  writeFileSync(path.join(dir, 'tsconfig.json'), JSON.stringify({
    compilerOptions: { target: 'ES2022', module: 'NodeNext', moduleResolution: 'NodeNext', strict: true, skipLibCheck: false, noEmit: true, types: ['node'] },
    files: ['app.ts'],
  }));
  writeFileSync(path.join(dir, 'app.ts'), APP);
  try {
    const out = execFileSync(process.execPath, [path.join(rootModules, 'typescript', 'bin', 'tsc'), '-p', dir], { cwd: dir, encoding: 'utf8' });
    return { code: 0, out };
  } catch (err) {
    const e = err as { status?: number; stdout?: string; stderr?: string };
    return { code: e.status ?? 1, out: `${e.stdout ?? ''}${e.stderr ?? ''}` };
  }
}

describe('a TypeScript consumer without @types/ws installed by hand', () => {
  it('typechecks with only ws-ssot and its dependencies installed (strict, skipLibCheck: false)', () => {
    const manifest = JSON.parse(readFileSync(path.join(unpacked, 'package', 'package.json'), 'utf8')) as { dependencies: Record<string, string> };
    expect(Object.keys(manifest.dependencies)).toContain('@types/ws');
    const result = typecheck('with-deps', closure(Object.keys(manifest.dependencies)));
    expect(result.out).toBe('');
    expect(result.code).toBe(0);
  }, 120_000);

  it('would not, were @types/ws not among them: the declarations need it', () => {
    const manifest = JSON.parse(readFileSync(path.join(unpacked, 'package', 'package.json'), 'utf8')) as { dependencies: Record<string, string> };
    const deps = closure(Object.keys(manifest.dependencies).filter((d) => d !== '@types/ws'));
    deps.delete('@types/ws');
    const result = typecheck('without-types-ws', deps);
    expect(result.code).not.toBe(0);
    expect(result.out).toMatch(/TS7016|TS2307/);
    expect(result.out).toMatch(/node_modules\/ws-ssot\/dist\/[^(]+\.d\.ts\(\d+,\d+\): error TS(7016|2307)[^\n]*'ws'/);
  }, 120_000);
});
