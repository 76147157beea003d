/**
 * docs/client.md against the code: the close-code table is CLOSE_POLICY row for row, the options table names
 * every ClientOptions field (read from src/client/options.ts) with the real defaults, and the API tables
 * name the client's real methods and events.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { BACKOFF_DEFAULTS, CLOSE_POLICY, WsSsotClient } from '../../src/client/index.js';
import { LIFECYCLE_EVENT_NAMES } from '../../src/client/event-types.js';

const doc = readFileSync(new URL('../../docs/client.md', import.meta.url), 'utf8');
const optionsSource = readFileSync(new URL('../../src/client/options.ts', import.meta.url), 'utf8');

/** The markdown table under a `## heading`/`### heading`: one array of trimmed cells per body row. */
function table(heading: string): string[][] {
  const start = doc.indexOf(`\n${heading}\n`);
  expect(start, `docs/client.md has no "${heading}" section`).toBeGreaterThan(-1);
  const lines = doc.slice(start).split('\n');
  const first = lines.findIndex((l) => l.startsWith('|'));
  const rows: string[][] = [];
  for (const line of lines.slice(first + 2)) {
    if (!line.startsWith('|')) break;
    // Split on pipes that are not escaped (\|) inside a cell.
    rows.push(line.slice(1, -1).split(/(?<!\\)\|/).map((c) => c.trim()));
  }
  return rows;
}

describe('docs/client.md', () => {
  it('has the close-code table of CLOSE_POLICY: every code, its action and why, nothing else', () => {
    const rows = table('## Close codes');
    const documented = Object.fromEntries(rows.map(([code, action, why]) => [Number(code), { action, why }]));
    expect(documented).toEqual(Object.fromEntries(Object.entries(CLOSE_POLICY).map(([code, entry]) => [Number(code), { action: entry.action, why: entry.why }])));
    // In ascending order, as a reader looks a code up.
    const codes = rows.map(([code]) => Number(code));
    expect(codes).toEqual([...codes].sort((a, b) => a - b));
  });

  it('documents every option of ClientOptions, and the backoff defaults as they are', () => {
    const body = optionsSource.slice(optionsSource.indexOf('export interface ClientOptions {'));
    const fields = [...body.slice(0, body.indexOf('\n}')).matchAll(/^ {2}(\w+)\??:/gm)].map((m) => m[1]);
    expect(fields.length).toBeGreaterThan(5);
    const documented = table('### Options').map(([name]) => name!.replace(/`/g, ''));
    expect(documented).toEqual(fields);
    const reconnect = table('### Options').find(([name]) => name === '`reconnect`')![1]!;
    expect(reconnect).toBe(`\`{ initialDelayMs: ${BACKOFF_DEFAULTS.initialDelayMs}, maxDelayMs: ${BACKOFF_DEFAULTS.maxDelayMs}, factor: ${BACKOFF_DEFAULTS.factor}, maxRetries: Infinity }\``);
  });

  it("names the client's real methods, properties and events", () => {
    const methods = table('### Methods').map(([m]) => /^`(\w+)\(/.exec(m!)?.[1]);
    for (const name of methods) expect(typeof (WsSsotClient.prototype as unknown as Record<string, unknown>)[name!], `${name}`).toBe('function');
    const properties = table('### Properties').flatMap(([p]) => [...p!.matchAll(/`(\w+)`/g)].map((m) => m[1]!));
    for (const name of properties) expect(Object.getOwnPropertyDescriptor(WsSsotClient.prototype, name)?.get, `${name}`).toBeTypeOf('function');
    const events = table("### The client's own events").map(([e]) => e!.replace(/[`']/g, ''));
    expect(new Set(events)).toEqual(LIFECYCLE_EVENT_NAMES);
  });
});
