/** Keeps docs/protocol.md's close-code table in sync with src/close-codes.ts. */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { CloseCode } from '../../src/index.js';

const doc = readFileSync(new URL('../../docs/protocol.md', import.meta.url), 'utf8');
const table = doc.slice(doc.indexOf('## Close codes'));
const documented = new Set(Array.from(table.matchAll(/^\| (\d{4}) \|/gm), (m) => Number(m[1])));

describe('docs/protocol.md', () => {
  it('documents every close code of CloseCode in its table', () => {
    for (const [name, code] of Object.entries(CloseCode)) expect(documented.has(code), `${name} (${code})`).toBe(true);
  });

  it('names the upgrade query parameters the server reads', () => {
    for (const param of ['sessionId', 'lastSeq', 'epoch']) expect(doc).toContain(`| \`${param}\` |`);
  });
});
