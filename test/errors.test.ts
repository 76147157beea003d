import { readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import * as errors from '../src/errors.js';

type ErrorsModule = typeof errors;
type ErrorClass = abstract new (...args: never[]) => Error;

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
      new errors.PathInUseError('/ws'),
    ];
    expect(new Set(samples.map((e) => e.code)).size).toBe(samples.length);
    for (const e of samples) {
      expect(e.name).toBe(e.constructor.name);
      expect(errors.isWsSsotError(e)).toBe(true);
      expect(documented.has(e.code)).toBe(true);
    }
    expect(errors.isWsSsotError(new Error('plain'))).toBe(false);
    expect(errors.isWsSsotError({ code: 'WSSOT_ERR_CLOSED' })).toBe(false);
    // The brand key is versioned, so a later incompatible major's errors (another key) are not taken for these.
    expect((samples[0] as unknown as Record<symbol, unknown>)[Symbol.for('ws-ssot.v1.error')]).toBe(true);
    expect(errors.isWsSsotError({ [Symbol.for('ws-ssot.error')]: true })).toBe(false);
  });

  it('keeps messages short for huge or odd inputs', () => {
    expect(new errors.InvalidUserIdError('x'.repeat(10_000)).message.length).toBeLessThan(200);
    expect(new errors.InvalidUserIdError({ a: 1 }).message).toMatch(/an object/);
  });

  describe('instanceof across copies (Symbol.hasInstance)', () => {
    /** One instance of every concrete class, made with `m`'s classes. */
    function samplesOf(m: ErrorsModule): Error[] {
      return [
        new m.InvalidUserIdError(''),
        new m.InvalidConnectionIdError(1),
        new m.UnknownEventTypeError('x', ['a']),
        new m.MessageNotSerializableError('cycle'),
        new m.InvalidOptionError('path', 'a string', 3),
        new m.InvalidSocketError(null),
        new m.ConnectionLimitError('u', 10),
        new m.ManagerLimitError('u', 20),
        new m.ClosedError('server'),
        new m.FlagSourceReadOnlyError('unleash'),
        new m.LegacyNotBoundError('getWebSocketManager()'),
        new m.ManagerExpiredError('u', 'expired'),
        new m.CrossUserAccessError('u', 'v'),
        new m.PathInUseError('/ws'),
        new m.UserRequiredError('emitCriticalEvent("agent_started", data)', 'pass the user'),
      ];
    }
    /** Every exported error class of `m`, by name (the abstract bases too). */
    function classesOf(m: ErrorsModule): Map<string, ErrorClass> {
      return new Map(Object.entries(m as Record<string, unknown>).filter((e): e is [string, ErrorClass] => typeof e[1] === 'function' && e[1].prototype instanceof Error));
    }

    // A second, separate evaluation of src/errors.ts: its own classes, as a second installed copy has.
    let other: ErrorsModule;
    beforeAll(async () => {
      // The query makes the module loader evaluate the file afresh; a variable keeps tsc from resolving it.
      const secondCopy = '../src/errors.js?second-copy';
      other = (await import(secondCopy)) as ErrorsModule;
      expect(other.InvalidUserIdError).not.toBe(errors.InvalidUserIdError);
    });

    it('covers every coded class in the samples', () => {
      expect(new Set(samplesOf(errors).map((e) => e.name))).toEqual(new Set(codedClasses().values()));
    });

    it('answers instanceof for the other copy exactly as for its own errors, class by class', () => {
      const mine = samplesOf(errors);
      const theirs = samplesOf(other);
      let matches = 0;
      for (const [name, cls] of classesOf(errors)) {
        for (const [i, own] of mine.entries()) {
          const foreign = theirs[i] as Error;
          expect(foreign instanceof cls, `${foreign.name} (other copy) instanceof ${name}`).toBe(own instanceof cls);
          if (own instanceof cls) matches++;
        }
      }
      // Each sample matches its class and its bases, no more: 15 leaves + 15 WsSsotError + 7 InvalidArgumentError.
      expect(matches).toBe(15 + 15 + 7);
    });

    it('keeps subclasses precise: an InvalidUserIdError from the other copy is no ConnectionLimitError', () => {
      const err = new other.InvalidUserIdError('');
      expect(err instanceof errors.InvalidUserIdError).toBe(true);
      expect(err instanceof errors.InvalidArgumentError).toBe(true);
      expect(err instanceof errors.WsSsotError).toBe(true);
      expect(err instanceof Error).toBe(true);
      expect(err instanceof errors.ConnectionLimitError).toBe(false);
      expect(err instanceof errors.InvalidOptionError).toBe(false);
      expect(errors.isWsSsotError(err)).toBe(true);
      // A base's instance is not an instance of a subclass, from either copy.
      expect(new other.WsSsotError('WSSOT_ERR_X', 'x') instanceof errors.InvalidUserIdError).toBe(false);
      expect(new other.InvalidArgumentError('WSSOT_ERR_X', 'x') instanceof errors.InvalidOptionError).toBe(false);
    });

    it('does not match a look-alike that only has the code and name, nor non-objects', () => {
      const lookAlike = Object.assign(new Error('userId must be…'), { code: 'WSSOT_ERR_INVALID_USER_ID', name: 'InvalidUserIdError' });
      for (const value of [lookAlike, { code: 'WSSOT_ERR_INVALID_USER_ID' }, Object.create(null), null, undefined, 'WSSOT_ERR_CLOSED', 1]) {
        expect(value instanceof errors.InvalidUserIdError).toBe(false);
        expect(value instanceof errors.WsSsotError).toBe(false);
        expect(errors.isWsSsotError(value)).toBe(false);
      }
      // The brand is the contract: an object carrying a class's Symbol.for key counts as that class.
      const branded = { [Symbol.for('ws-ssot.v1.error')]: true, [Symbol.for('ws-ssot.v1.error.ClosedError')]: true };
      expect(branded instanceof errors.ClosedError).toBe(true);
      expect(branded instanceof errors.WsSsotError).toBe(true);
      expect(branded instanceof errors.ConnectionLimitError).toBe(false);
    });

    it("leaves an app's own subclass to plain prototype instanceof", () => {
      class AppOptionError extends errors.InvalidOptionError {}
      const appErr = new AppOptionError('f', 'x', 1);
      expect(appErr instanceof AppOptionError).toBe(true);
      expect(appErr instanceof errors.InvalidOptionError).toBe(true);
      expect(appErr instanceof other.InvalidOptionError).toBe(true);
      expect(appErr instanceof other.WsSsotError).toBe(true);
      expect(new errors.InvalidOptionError('f', 'x', 1) instanceof AppOptionError).toBe(false);
      expect(new other.InvalidOptionError('f', 'x', 1) instanceof AppOptionError).toBe(false);
    });
  });
});
