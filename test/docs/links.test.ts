/**
 * The docs the package ships (package.json "files": README.md, MIGRATION.md, docs/) point to no file the
 * package does not ship: every relative link resolves to a shipped file (and an anchor to a heading of it).
 * The docs of the migration (MIGRATION.md, docs/unleash.md, docs/shadow-mode.md) name no source file either.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { packageRoot } from '../support/build.js';

const manifest = JSON.parse(readFileSync(path.join(packageRoot, 'package.json'), 'utf8')) as { files: string[] };
const shippedDocs = ['README.md', 'MIGRATION.md', ...readdirSync(path.join(packageRoot, 'docs')).filter((f) => f.endsWith('.md')).map((f) => `docs/${f}`)];

/** Whether the package ships `file` (relative to the package root): it is under one of "files". */
function shipped(file: string): boolean {
  return manifest.files.some((entry) => file === entry || file.startsWith(`${entry}/`)) || file === 'package.json';
}

/** GitHub's heading anchors, roughly: lower case, punctuation dropped, spaces to dashes. */
function anchors(markdown: string): Set<string> {
  return new Set([...markdown.matchAll(/^#+ (.*)$/gm)].map((m) => (m[1] as string).toLowerCase().replace(/[^\w\- ]/g, '').replace(/ /g, '-')));
}

/**
 * Links that still point outside the package, in sections other sessions own; each is reported, and this test
 * fails once one is fixed (remove it here then) or a new one appears.
 */
const KNOWN_OUTSIDE: readonly string[] = [
  'README.md → bench/README.md', // the Benchmarks section
  'README.md → BENCHMARKS.md', // the Benchmarks section
  'docs/client.md → demo/public/app.js',
];

describe('shipped docs', () => {
  it('link only to shipped files and to headings that exist', () => {
    const outside: string[] = [];
    for (const doc of shippedDocs) {
      const text = readFileSync(path.join(packageRoot, doc), 'utf8').replace(/```[\s\S]*?```/g, '');
      for (const m of text.matchAll(/\]\(([^)\s]+)\)/g)) {
        const target = m[1] as string;
        if (/^[a-z]+:/.test(target)) continue; // https:, mailto:
        const [file, anchor] = target.split('#') as [string, string | undefined];
        const resolved = file === '' ? doc : path.normalize(path.join(path.dirname(doc), file));
        if (!shipped(resolved) || !existsSync(path.join(packageRoot, resolved))) {
          outside.push(`${doc} → ${resolved}`);
          continue;
        }
        if (anchor !== undefined && resolved.endsWith('.md')) {
          expect(anchors(readFileSync(path.join(packageRoot, resolved), 'utf8')).has(anchor), `${doc} → ${target}`).toBe(true);
        }
      }
    }
    expect(outside.sort()).toEqual([...KNOWN_OUTSIDE].sort());
  });

  it.each(['MIGRATION.md', 'docs/unleash.md', 'docs/shadow-mode.md'])('%s names no source file', (doc) => {
    const text = readFileSync(path.join(packageRoot, doc), 'utf8');
    expect([...text.matchAll(/`((?:src|legacy|test)\/[^`]+)`/g)].map((m) => m[1])).toEqual([]);
  });
});
