/**
 * The unified diff of `migrate --dry-run` applies with `git apply` and gives the new text exactly (generated
 * cases: insertions, deletions, changes at the start and the end, no final newline); and progress goes to stderr
 * for large trees (from 200 files on) while stdout stays the JSON report.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { unifiedDiff } from '../../src/cli/migrate/diff.js';
import { PROGRESS_FROM } from '../../src/cli/progress.js';
import { ensureBuilt } from '../support/build.js';
import { bin } from './helpers/run-cli.js';
import { cleanTemp, tempRoot } from './helpers/temp-project.js';

beforeAll(() => ensureBuilt(), 120_000);
afterEach(() => cleanTemp());

/** A deterministic text of `n` lines drawn from a few values (so that lines repeat, as code does). */
function text(n: number, seed: number, finalNewline = true): string {
  let s = seed;
  const lines = Array.from({ length: n }, () => {
    s = (s * 1103515245 + 12345) % 2147483648;
    return `line ${s % 5}`;
  });
  return lines.join('\n') + (finalNewline && n > 0 ? '\n' : '');
}

describe('unifiedDiff', () => {
  it('is empty for equal texts', () => {
    expect(unifiedDiff('a.mjs', 'x\n', 'x\n')).toBe('');
  });

  it('applies with git apply to give the new text, over generated cases', () => {
    const { app } = tempRoot();
    mkdirSync(app);
    execFileSync('git', ['init', '-q'], { cwd: app });
    for (let t = 0; t < 60; t++) {
      const before = text(t % 23, t, t % 3 !== 0);
      const after = text((t * 7) % 29, t + 1_000, t % 4 !== 1);
      writeFileSync(path.join(app, 'f.txt'), before);
      const diff = unifiedDiff('f.txt', before, after);
      if (before === after) continue;
      expect(diff.startsWith('--- a/f.txt\n+++ b/f.txt\n@@ ')).toBe(true);
      execFileSync('git', ['apply', '-p1', '-'], { cwd: app, input: diff });
      expect(readFileSync(path.join(app, 'f.txt'), 'utf8'), `case ${t}`).toBe(after);
    }
  });

  it('keeps three lines of context and merges close changes into one hunk', () => {
    const before = Array.from({ length: 20 }, (_, i) => `l${i}`).join('\n') + '\n';
    const after = before.replace('l5\n', 'L5\n').replace('l9\n', 'L9\n').replace('l18\n', 'L18\n');
    const diff = unifiedDiff('f', before, after);
    expect(diff.match(/^@@ .* @@$/gm)).toEqual(['@@ -3,11 +3,11 @@', '@@ -16,5 +16,5 @@']);
  });
});

describe('progress', () => {
  it(`goes to stderr from ${PROGRESS_FROM} files on, and stdout stays the report`, () => {
    const { app } = tempRoot();
    mkdirSync(app);
    for (let i = 0; i < PROGRESS_FROM; i++) writeFileSync(path.join(app, `m${i}.mjs`), `export const v${i} = ${i};\n`);
    const r = bin(['check', app, '--json']);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ schemaVersion: 1, counts: { files: PROGRESS_FROM } });
    expect(r.stderr).toContain(`ws-ssot check: ${PROGRESS_FROM} files (no tsconfig.json or jsconfig.json: defaults)`);
    expect(r.stderr).toContain(`ws-ssot check: ${PROGRESS_FROM}/${PROGRESS_FROM} files`);
    expect(bin(['check', app, '--json', '--no-progress']).stderr).toBe('');
  }, 60_000);
});
