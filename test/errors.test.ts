import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import * as errors from '../src/errors.js';

const table = readFileSync(new URL('../docs/errors.md', import.meta.url), 'utf8');
const documented = new Map([...table.matchAll(/^\| `(WSSOT_ERR_[A-Z_]+)` \| `(\w+)` \|/gm)].map((m) => [m[1] as string, m[2] as string]));

/** Every concrete coded error class exported by src/errors.ts, with the code its instances carry. */
function codedClasses(): Map<string, string> {
  const source = readFileSync(new URL('../src/errors.ts', import.meta.url), 'utf8');
  const out = new Map<string, string>();
  // Each class body runs up to the next `export`; a class that fixes its own code names it in a literal.
  for (const chunk of source.split(/^export /m)) {
    const name = /^class (\w+)/.exec(chunk)?.[1];
    const code = /'(WSSOT_ERR_[A-Z_]+)'/.exec(chunk)?.[1];
    if (name !== undefined && code !== undefined) {
      expect(name in errors, `${name} is not exported`).toBe(true);
      expect(out.has(code), `${code} is used by two classes`).toBe(false);
      out.set(code, name);
    }
  }
  return out;
}

describe('errors', () => {
  it('documents every code defined in src/errors.ts, with its class', () => {
    const defined = codedClasses();
    expect(defined.size).toBeGreaterThan(5);
    for (const [code, cls] of defined) expect(documented.get(code), `${code} missing from docs/errors.md`).toBe(cls);
  });

  it('defines every code the docs table lists', () => {
    const defined = codedClasses();
    for (const [code, cls] of documented) expect(defined.get(code), `${code} is documented but not defined`).toBe(cls);
  });

  it('gives every error a code, a name matching its class, and a Symbol.for brand', () => {
    const samples = [
      new errors.InvalidUserIdError(''),
      new errors.InvalidConnectionIdError(1),
      new errors.UnknownEventTypeError('x', ['a']),
      new errors.MessageNotSerializableError('cycle'),
      new errors.InvalidOptionError('path', 'a string', 3),
      new errors.InvalidSocketError(null),
      new errors.ConnectionLimitError('u', 10),
      new errors.ManagerLimitError('u', 20),
      new errors.ClosedError('server'),
    ];
    expect(new Set(samples.map((e) => e.code)).size).toBe(samples.length);
    for (const e of samples) {
      expect(e.name).toBe(e.constructor.name);
      expect(errors.isWsSsotError(e)).toBe(true);
      expect(documented.has(e.code)).toBe(true);
    }
    expect(errors.isWsSsotError(new Error('plain'))).toBe(false);
    expect(errors.isWsSsotError({ code: 'WSSOT_ERR_CLOSED' })).toBe(false);
  });

  it('keeps messages short for huge or odd inputs', () => {
    expect(new errors.InvalidUserIdError('x'.repeat(10_000)).message.length).toBeLessThan(200);
    expect(new errors.InvalidUserIdError({ a: 1 }).message).toMatch(/an object/);
  });
});
