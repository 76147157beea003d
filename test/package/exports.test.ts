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
