import { defineConfig } from 'tsup';

// One build for every public entry point, in ESM (.js) and CommonJS (.cjs), each with its own declarations.
export default defineConfig({
  entry: {
    index: 'src/index.ts',
    // The browser/Node client (ws-ssot/client): no runtime import outside src/client, so it is one file
    // with no chunk and no Node import (test/client/build.test.ts checks the output).
    client: 'src/client/index.ts',
    // One subpath per old module (package.json "exports" ./legacy/*), plus ./legacy with all of them.
    'legacy/index': 'legacy/index.ts',
    'legacy/manager': 'legacy/manager.ts',
    'legacy/unified-manager': 'legacy/unified-manager.ts',
    'legacy/websocket-manager': 'legacy/websocket-manager.ts',
    'legacy/websocket-manager-factory': 'legacy/websocket-manager-factory.ts',
    'legacy/migration-adapter': 'legacy/migration-adapter.ts',
    'legacy/connection-manager': 'legacy/connection-manager.ts',
    'legacy/protocols': 'legacy/protocols.ts',
    // The migration tools: `ws-ssot` (package.json "bin": dist/cli.js, whose shebang comes from the entry's
    // first line, which esbuild keeps) and the ESLint preset (ws-ssot/eslint). Neither loads legacy/; both
    // load typescript only when they run (an optional peer dependency).
    cli: 'src/cli/index.ts',
    eslint: 'src/eslint/index.ts',
  },
  format: ['esm', 'cjs'],
  // Members marked @internal (connection bookkeeping the managers own) stay out of the published types.
  dts: { compilerOptions: { stripInternal: true } },
  sourcemap: true,
  clean: true,
  target: 'node20',
  platform: 'node',
  splitting: true,
  treeshake: true,
  // import.meta.url in the CommonJS build too (src/observability/deferred-modules.ts resolves from it).
  shims: true,
});
