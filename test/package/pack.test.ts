/**
 * `npm pack` from a clean checkout (the repository's files without what git ignores: no dist/) ships dist/: the `prepack`
 * script builds it first. The checkout is a copy of the tracked files in the OS temp directory with this
 * repository's node_modules linked in (what `npm ci` would install), so the build runs there and never
 * touches this checkout's dist/.
 */
import { execFileSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { packageRoot } from '../support/build.js';

const clone = mkdtempSync(path.join(tmpdir(), 'wssot-clean-'));
afterAll(() => {
  rmSync(clone, { recursive: true, force: true });
});

describe('npm pack from a clean checkout', () => {
  it('runs prepack (the build) and ships dist/ with every entry point of the exports map', () => {
    // The working tree as a clone (plus a commit) would have it: tracked and new files, nothing git ignores (dist/, node_modules/).
    const tracked = execFileSync('git', ['ls-files', '-z', '--cached', '--others', '--exclude-standard'], { cwd: packageRoot, encoding: 'utf8' }).split('\0').filter(Boolean);
    expect(tracked.some((f) => f.startsWith('dist/'))).toBe(false);
    for (const file of tracked) {
      const from = path.join(packageRoot, file);
      if (!existsSync(from)) continue; // deleted in the working tree
      mkdirSync(path.dirname(path.join(clone, file)), { recursive: true });
      copyFileSync(from, path.join(clone, file));
    }
    symlinkSync(path.join(packageRoot, 'node_modules'), path.join(clone, 'node_modules'), 'dir');
    expect(existsSync(path.join(clone, 'dist'))).toBe(false);

    const manifest = JSON.parse(readFileSync(path.join(clone, 'package.json'), 'utf8')) as { scripts: Record<string, string>; exports: Record<string, unknown> };
    expect(manifest.scripts['prepack']).toBe('npm run build');
    const out = execFileSync('npm', ['pack', '--dry-run', '--json'], { cwd: clone, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'], timeout: 170_000 });
    expect(out).toContain('Build success'); // prepack's build, printed before npm's JSON
    const json = out.slice(out.search(/^\[$/m));
    const files = new Set((JSON.parse(json) as Array<{ files: Array<{ path: string }> }>)[0]!.files.map((f) => f.path));

    // Every file the exports map points at is in the tarball.
    const targets = JSON.stringify(manifest.exports).match(/\.\/dist\/[^"]+/g) ?? [];
    expect(targets.length).toBeGreaterThan(20);
    for (const target of targets) expect(files.has(target.slice(2)), target).toBe(true);
    for (const doc of ['README.md', 'MIGRATION.md', 'docs/errors.md', 'docs/unleash.md']) expect(files.has(doc), doc).toBe(true);
    // Nothing of the repository beyond what the package is: no sources, tests or fixtures.
    expect([...files].filter((f) => /^(src|legacy|test|bench|demo|scripts)\//.test(f))).toEqual([]);
  }, 180_000);
});
