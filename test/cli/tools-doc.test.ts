/**
 * docs/tools.md says what the tools do: its exit-code table is EXIT, its rule table is the finder's rules, its
 * --json table names every field of the report, and it lists every rule of the ESLint plugin.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { EXIT } from '../../src/cli/exit-codes.js';
import { RULES } from '../../src/cli/findings.js';
import { plugin } from '../../src/eslint/index.js';
import { packageRoot } from '../support/build.js';
import { checkJson } from './helpers/run-cli.js';
import { cleanTemp, writeProject } from './helpers/temp-project.js';

const doc = readFileSync(path.join(packageRoot, 'docs', 'tools.md'), 'utf8');
afterEach(() => cleanTemp());

/** The first cell of each row of the table under `heading` (backticks removed). */
function firstColumn(heading: string): string[] {
  const section = doc.slice(doc.indexOf(heading));
  const table = section.slice(section.indexOf('\n|')).split('\n\n')[0] as string;
  return table.split('\n').filter((l) => l.startsWith('|')).slice(2).map((l) => (l.split('|')[1] as string).trim().replace(/`/g, ''));
}

describe('docs/tools.md', () => {
  it('lists the exit codes of EXIT', () => {
    expect(firstColumn('## Exit codes').map(Number)).toEqual(Object.values(EXIT));
  });

  it('lists the finder’s rules', () => {
    expect(firstColumn('## `ws-ssot check [dir]`')).toEqual([...RULES]);
  });

  it('documents every field of check --json', () => {
    const { report } = checkJson(writeProject({ 'a.mjs': "import { WebSocketManager } from 'ws-ssot/legacy/manager';\nexport default WebSocketManager;\n" }));
    const documented = firstColumn('### `--json` (schema version 1)').flatMap((cell) => cell.split(',').map((c) => c.trim().replace(/\[\]$/, '')));
    expect(documented.sort()).toEqual(Object.keys(report).sort());
    const row = (field: string): string => doc.split('\n').find((l) => l.startsWith(`| \`${field}`)) ?? '';
    for (const key of Object.keys(report.counts)) expect(row('counts'), key).toContain(`\`${key}\``);
    for (const key of Object.keys(report.findings[0] ?? {})) expect(row('findings[]'), key).toContain(`\`${key}\``);
  }, 60_000);

  it('names every rule of the ESLint plugin', () => {
    for (const id of Object.keys(plugin.rules ?? {})) expect(doc).toContain(`\`ws-ssot/${id}\``);
  });
});
