/**
 * docs/unleash.md says what happens: no stale notes (paths into the sources, "once … re-exports"), the same
 * precedence as MIGRATION.md, the start-up warning's fields, and a recipe for the three toggles (the tests of
 * test/legacy run that very script against a real unleash-server: test/support/unleash-recipe.ts).
 */
import { describe, expect, it } from 'vitest';
import { codeBlock, readDoc } from './doc-code.js';

const unleash = readDoc('docs/unleash.md');
const migration = readDoc('MIGRATION.md');

/** The items of the first numbered list after `marker`. */
function numbered(text: string, marker: string): string[] {
  const start = text.indexOf(marker);
  expect(start, marker).toBeGreaterThan(-1);
  const items: string[] = [];
  for (const line of text.slice(start + marker.length).split('\n')) {
    const m = /^(\d+)\. (.*)$/.exec(line);
    if (m !== null) items.push(m[2] as string);
    else if (items.length > 0 && /^\s{3}\S/.test(line)) items[items.length - 1] += ` ${line.trim()}`;
    else if (items.length > 0 && line.trim() === '') break;
  }
  return items;
}

describe('docs/unleash.md', () => {
  it('has no stale notes and sends the reader to no source file', () => {
    expect(unleash).not.toMatch(/once the package entry re-exports|written separately|\(in `src\//);
    expect(unleash).not.toMatch(/`(src|legacy|test)\/[^`]*`/);
  });

  it('gives the same precedence as MIGRATION.md, level by level', () => {
    const levels = [
      /environment.*\*\*false\*\*|\*\*environment `false`\*\*/i,
      /unleash.*synced/i,
      /`flags`[\s\S]*setFlags[\s\S]*bootstrap[\s\S]*backupPath/i,
      /environment.*\*\*true\*\*|\*\*environment `true`\*\*/i,
      /default.*off/i,
    ];
    const fromMigration = numbered(migration, 'Sources, per flag, in order of precedence:');
    const fromUnleash = numbered(unleash, '## Precedence');
    expect(fromMigration).toHaveLength(levels.length);
    expect(fromUnleash).toHaveLength(levels.length);
    levels.forEach((level, i) => {
      expect(fromMigration[i], `MIGRATION.md level ${i + 1}`).toMatch(level);
      expect(fromUnleash[i], `docs/unleash.md level ${i + 1}`).toMatch(level);
    });
  });

  it('names the start-up warning\'s fields and says stale is true until the first sync', () => {
    expect(unleash).toContain('`notInBootstrap`');
    expect(unleash).toMatch(/`stale` is `true` from the start until the first successful fetch/);
  });

  it('has the toggle recipe, per environment, with a strategy for calls with and without a user', () => {
    const recipe = codeBlock(unleash, 'bash', 'toggle WS_ENABLE_SSOT');
    for (const toggle of ['WS_ENABLE_SSOT', 'WS_ENABLE_UNIFIED', 'WS_ENABLE_FACTORY']) expect(recipe).toContain(`toggle ${toggle} `);
    expect(recipe).toContain('ENVIRONMENT=');
    expect(recipe).toContain('"stickiness":"userId"');
    expect(recipe).toContain('{"name":"default"');
  });
});
