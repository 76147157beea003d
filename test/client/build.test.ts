/**
 * The built client (dist/, made by `npm run build`): ESM and CJS with declarations, loadable in Node, and
 * browser-ready: no import of a Node builtin or a package, in the file or in any chunk it imports. The
 * sources typecheck with the DOM library and no Node types (src/client/tsconfig.json).
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import vm from 'node:vm';
import { afterEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { cleanup, reach, startServer, until } from './helpers.js';

afterEach(cleanup);

const root = fileURLToPath(new URL('../..', import.meta.url));
const dist = path.join(root, 'dist');

/** Every module specifier a built file loads statically (import/export … from, bare import, require). */
function specifiers(text: string): string[] {
  const found: string[] = [];
  for (const m of text.matchAll(/(?:^|[;\s}])(?:import|export)\s*(?:[\w*{}\s,$]+\s*from\s*)?["']([^"']+)["']/g)) found.push(m[1] as string);
  for (const m of text.matchAll(/\brequire\(\s*["']([^"']+)["']\s*\)/g)) found.push(m[1] as string);
  for (const m of text.matchAll(/\bimport\(\s*["']([^"']+)["']\s*\)/g)) found.push(m[1] as string);
  return found;
}

/**
 * The file and every relative module it pulls in, transitively, with their non-relative specifiers.
 * In declarations, `./x.js` / `./x.cjs` name `./x.d.ts` / `./x.d.cts`.
 */
function closure(entry: string): { files: string[]; external: string[] } {
  const declarations = /\.d\.c?ts$/.test(entry);
  const files: string[] = [];
  const external: string[] = [];
  const visit = (file: string) => {
    if (files.includes(file)) return;
    files.push(file);
    for (const s of specifiers(readFileSync(file, 'utf8'))) {
      const target = declarations ? s.replace(/\.js$/, '.d.ts').replace(/\.cjs$/, '.d.cts') : s;
      if (s.startsWith('./') || s.startsWith('../')) visit(path.resolve(path.dirname(file), target));
      else external.push(s);
    }
  };
  visit(entry);
  return { files, external };
}

function newest(dir: string): number {
  return Math.max(...readdirSync(dir).map((name) => statSync(path.join(dir, name)).mtimeMs));
}

describe('built client', () => {
  it('has ESM, CJS and both declarations, built from the current sources', () => {
    for (const file of ['client.js', 'client.cjs', 'client.d.ts', 'client.d.cts']) expect(existsSync(path.join(dist, file)), `dist/${file}: run \`npm run build\``).toBe(true);
    expect(statSync(path.join(dist, 'client.js')).mtimeMs, 'dist/client.js is older than src/client: run `npm run build`').toBeGreaterThanOrEqual(newest(path.join(root, 'src/client')));
  });

  it('dist/client.js imports nothing: no Node builtin, no package, no chunk', () => {
    const text = readFileSync(path.join(dist, 'client.js'), 'utf8');
    expect(specifiers(text)).toEqual([]);
    expect(text).not.toMatch(/\bnode:|\bprocess\.|\bBuffer\b|__dirname|import\.meta/);
    // The detector itself finds what it must.
    expect(specifiers('import { a } from "node:fs";\nexport * from "./chunk.js";\nimport "ws"; const b = require("x");')).toEqual(['node:fs', './chunk.js', 'ws', 'x']);
  });

  it('dist/client.cjs loads no Node builtin or package either (its chunks included)', () => {
    const { files, external } = closure(path.join(dist, 'client.cjs'));
    expect(external).toEqual([]);
    for (const file of files) expect(readFileSync(file, 'utf8'), file).not.toMatch(/\brequire\(\s*["']node:/);
  });

  it('imports from the built ESM file and the package export, and requires the CJS one', async () => {
    const esm = (await import(pathToFileURL(path.join(dist, 'client.js')).href)) as Record<string, unknown>;
    expect(Object.keys(esm).sort()).toEqual(['BACKOFF_DEFAULTS', 'CLOSE_POLICY', 'WsSsotClient', 'WsSsotClientError', 'backoffDelay', 'closeActionFor', 'createClient', 'isWsSsotClientError']);
    const cjs = createRequire(import.meta.url)(path.join(dist, 'client.cjs')) as Record<string, unknown>;
    expect(Object.keys(cjs).sort()).toEqual(Object.keys(esm).sort());
    // Through package.json "exports", like an app would (ESM and CJS).
    const out = execFileSync(process.execPath, ['--input-type=module', '-e', "const m = await import('ws-ssot/client'); const c = (await import('node:module')).createRequire(process.cwd() + '/')('ws-ssot/client'); console.log(typeof m.createClient, typeof c.createClient, m.CLOSE_POLICY[4010].action)"], { cwd: root, encoding: 'utf8' }).trim();
    expect(out).toBe('function function end');
  });

  it('runs in a bare JavaScript realm with only browser globals (URL, timers, console, a global WebSocket)', async () => {
    // dist/client.js as a script in a fresh V8 context: no require, process, Buffer or Node globals.
    // Its one `export { … }` becomes an object on the context.
    const text = readFileSync(path.join(dist, 'client.js'), 'utf8');
    const script = text.replace(/^export \{([^}]*)\};$/m, (_, names: string) => `globalThis.exported = { ${names.replace(/(\w+) as (\w+)/g, '$2: $1')} };`);
    expect(script).not.toBe(text);
    const realm = vm.createContext({ URL, setTimeout, clearTimeout, console, WebSocket });
    vm.runInContext(script, realm, { filename: 'dist/client.js' });
    const { createClient } = realm.exported as typeof import('../../src/client/index.js');
    const server = await startServer();
    const client = createClient({ url: server.url('realm') }); // the global WebSocket, as in a browser
    try {
      const got: string[] = [];
      client.on('agent_started', (e) => got.push(String(e.data.agent)));
      await reach(client, 'open');
      server.wss.manager.emitCriticalEvent('realm', 'agent_started', { agent: 'bare' });
      await until(() => got.length === 1, 'an event in the bare realm');
      expect(got).toEqual(['bare']);
    } finally {
      await client.close();
    }
  });

  it('declarations import only other declaration files (no Node types)', () => {
    for (const file of ['client.d.ts', 'client.d.cts']) expect(closure(path.join(dist, file)).external, file).toEqual([]);
  });

  it('typechecks with the DOM library and without Node types', () => {
    execFileSync(process.execPath, [path.join(root, 'node_modules/typescript/bin/tsc'), '-p', path.join(root, 'src/client/tsconfig.json')], { cwd: root, stdio: 'pipe' });
  }, 60_000);
});
