/**
 * The built package (dist/, made by `npm run build`, which `npm test` runs first) loads from both ESM and
 * CommonJS through its `exports` map, and errors are recognised across the two copies.
 */
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { ensureBuilt } from '../support/build.js';

const root = fileURLToPath(new URL('../..', import.meta.url));

function node(args: string[]): string {
  return execFileSync(process.execPath, args, { cwd: root, encoding: 'utf8' }).trim();
}

// Rebuilds a stale dist/ under a bare `npx vitest run`; only this file in test/package builds, so no other
// test here reads dist/ while tsup's clean step empties it.
beforeAll(() => ensureBuilt(), 120_000);

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
    expect(node(['--input-type=module', '-e', script])).toBe('true true WSSOT_ERR_INVALID_USER_ID');
  });
});

/**
 * The dual-package hazard, for real: one process `import`s ws-ssot (dist/index.js) and `require`s it
 * (dist/index.cjs), as an app on ESM with a dependency on CommonJS does, so it holds two copies of every error
 * class. An error thrown by either copy must be `instanceof` the matching class of the other, and of no other.
 */
describe('errors across the ESM and the CommonJS copy in one process', () => {
  /** Runs `body` as an ES module with `esm` and `cjs` (the two copies) in scope; returns its JSON output. */
  function withBothCopies(body: string): unknown {
    const script = [
      "import { createRequire } from 'node:module';",
      "const require = createRequire(process.cwd() + '/');",
      "const esm = await import('ws-ssot');",
      "const cjs = require('ws-ssot');",
      'const thrown = (fn) => { try { fn(); } catch (err) { return err; } throw new Error("did not throw"); };',
      body,
    ].join('\n');
    return JSON.parse(node(['--input-type=module', '-e', script]));
  }

  it('loads two distinct copies, from dist/index.js and dist/index.cjs', () => {
    const out = withBothCopies(`console.log(JSON.stringify([
      import.meta.resolve('ws-ssot').endsWith('/dist/index.js'),
      require.resolve('ws-ssot').endsWith('/dist/index.cjs'),
      esm.InvalidOptionError === cjs.InvalidOptionError,
      esm.WsSsotError === cjs.WsSsotError,
    ]))`);
    expect(out).toEqual([true, true, false, false]);
  });

  it('an InvalidOptionError thrown by the ESM server factory is an InvalidOptionError of the CommonJS copy', () => {
    const out = withBothCopies(`
      const server = require('node:http').createServer();
      const err = thrown(() => esm.createWebSocketServer({ server, authenticate: () => null, heartbeatIntervalMs: -1 }));
      console.log(JSON.stringify({
        code: err.code,
        field: err.field,
        own: err instanceof esm.InvalidOptionError,
        option: err instanceof cjs.InvalidOptionError,
        argument: err instanceof cjs.InvalidArgumentError,
        base: err instanceof cjs.WsSsotError,
        error: err instanceof Error,
        coded: cjs.isWsSsotError(err),
        userId: err instanceof cjs.InvalidUserIdError,
        limit: err instanceof cjs.ConnectionLimitError,
      }));`);
    expect(out).toEqual({
      code: 'WSSOT_ERR_INVALID_OPTION',
      field: 'heartbeatIntervalMs',
      own: true,
      option: true,
      argument: true,
      base: true,
      error: true,
      coded: true,
      userId: false,
      limit: false,
    });
  });

  it('an InvalidUserIdError thrown by the CommonJS manager is an InvalidUserIdError of the ESM copy, and no ConnectionLimitError', () => {
    const out = withBothCopies(`
      const err = thrown(() => new cjs.UnifiedWebSocketManager().getUserConnectionCount(''));
      console.log(JSON.stringify({
        code: err.code,
        userId: err instanceof esm.InvalidUserIdError,
        argument: err instanceof esm.InvalidArgumentError,
        base: err instanceof esm.WsSsotError,
        error: err instanceof Error,
        coded: esm.isWsSsotError(err),
        limit: err instanceof esm.ConnectionLimitError,
        option: err instanceof esm.InvalidOptionError,
      }));`);
    expect(out).toEqual({ code: 'WSSOT_ERR_INVALID_USER_ID', userId: true, argument: true, base: true, error: true, coded: true, limit: false, option: false });
  });

  it('answers instanceof across copies exactly as within one, for every exported error class, both ways', () => {
    // For classes X of copy A and Y of copy B: (new A.X) instanceof B.Y must equal (new B.X) instanceof B.Y.
    const out = withBothCopies(`
      const classes = (m) => Object.entries(m).filter(([, v]) => typeof v === 'function' && v.prototype instanceof Error);
      const make = (C) => new C('WSSOT_ERR_TEST', 'x', 1);
      const mismatches = [];
      let matches = 0;
      for (const [from, to] of [[esm, cjs], [cjs, esm]]) {
        for (const [x, X] of classes(from)) {
          for (const [y, Y] of classes(to)) {
            const across = make(X) instanceof Y;
            if (across !== make(to[x]) instanceof Y) mismatches.push(x + ' instanceof ' + y);
            if (across) matches++;
          }
        }
      }
      console.log(JSON.stringify({ classes: classes(esm).length, matches, mismatches }));`);
    // 17 classes (15 coded, WsSsotError, InvalidArgumentError); per direction each matches itself and its bases:
    // 17 self, 16 under WsSsotError, 7 under InvalidArgumentError.
    expect(out).toEqual({ classes: 17, matches: 2 * (17 + 16 + 7), mismatches: [] });
  });
});
