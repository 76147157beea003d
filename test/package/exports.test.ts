/**
 * The built package (dist/, made by `npm run build`, which `npm test` runs first) loads from both ESM and
 * CommonJS through its `exports` map, and errors are recognised across the two copies.
 */
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../..', import.meta.url));

function node(args: string[]): string {
  return execFileSync(process.execPath, args, { cwd: root, encoding: 'utf8' }).trim();
}

describe('package exports', () => {
  it('has a build to test', () => {
    expect(existsSync(`${root}/dist/index.js`) && existsSync(`${root}/dist/index.cjs`), 'run `npm run build` first').toBe(true);
    expect(existsSync(`${root}/dist/index.d.ts`) && existsSync(`${root}/dist/index.d.cts`)).toBe(true);
  });

  it('imports from ESM', () => {
    const out = node(['--input-type=module', '-e', "const m = await import('ws-ssot'); console.log(typeof m.createWebSocketServer, typeof m.UnifiedWebSocketManager, m.CRITICAL_EVENT_TYPES.length)"]);
    expect(out).toBe('function function 5');
  });

  it('requires from CommonJS', () => {
    const out = node(['-e', "const m = require('ws-ssot'); console.log(typeof m.createWebSocketServer, typeof m.UnifiedWebSocketManager, m.CRITICAL_EVENT_TYPES.length)"]);
    expect(out).toBe('function function 5');
  });

  // pino and prom-client each cost well over half of what ws costs to load: ws-ssot loads them when it first needs them.
  const loaded = "const loaded = (name) => Object.keys(require.cache).some((k) => k.includes(`/node_modules/${name}/`));";
  const useServer = [
    "const wss = m.createWebSocketServer({ server: require('node:http').createServer(), authenticate: () => null });",
    'const text = await wss.metrics.text();',
    "console.log(loaded('prom-client'), loaded('pino'), text.includes('wssot_connections'), typeof wss.manager.logger.info);",
    'await wss.close();',
  ].join('\n');

  /** Not loaded at import; loaded by a server (metrics served, default logger working: its close is logged). */
  function expectDeferredLoads(out: string): void {
    const [atImport, withServer, log] = out.split('\n');
    expect(atImport).toBe('false false');
    expect(withServer).toBe('true true true function');
    expect(JSON.parse(log ?? '')).toMatchObject({ name: 'ws-ssot', msg: 'ws-ssot server closed' });
  }

  it('loads neither prom-client nor pino at import, and both once a server needs them (ESM)', () => {
    const script = [
      "import { createRequire } from 'node:module';",
      'const require = createRequire(process.cwd() + "/");',
      loaded,
      "const m = await import('ws-ssot');",
      "console.log(loaded('prom-client'), loaded('pino'));",
      useServer,
    ].join('\n');
    expectDeferredLoads(node(['--input-type=module', '-e', script]));
  });

  it('loads neither prom-client nor pino at require, and both once a server needs them (CommonJS)', () => {
    const script = [loaded, "const m = require('ws-ssot');", "console.log(loaded('prom-client'), loaded('pino'));", `(async () => {\n${useServer}\n})();`].join('\n');
    expectDeferredLoads(node(['-e', script]));
  });

  it('recognises an error thrown by the CommonJS copy from the ESM copy', () => {
    const script = [
      "import { createRequire } from 'node:module';",
      "const esm = await import('ws-ssot');",
      "const cjs = createRequire(process.cwd() + '/')('ws-ssot');",
      'const err = new cjs.InvalidUserIdError("");',
      'console.log(err instanceof esm.InvalidUserIdError, esm.isWsSsotError(err), err.code);',
    ].join('\n');
    expect(node(['--input-type=module', '-e', script])).toBe('false true WSSOT_ERR_INVALID_USER_ID');
  });
});
