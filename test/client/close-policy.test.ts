/** The client's close-code table against the server's codes (src/close-codes.ts) and docs/protocol.md. */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { CloseCode } from '../../src/close-codes.js';
import { CLOSE_POLICY, closeActionFor } from '../../src/client/index.js';

const protocolDoc = readFileSync(new URL('../../docs/protocol.md', import.meta.url), 'utf8');
/** Rows of the doc's close-code table: code → "client should" column. */
const documented = new Map([...protocolDoc.matchAll(/^\| (\d{4}) \| .* \| ([^|]+) \|$/gm)].map((m) => [Number(m[1]), (m[2] as string).trim()]));

describe('close-code policy', () => {
  it('has an entry for every code the server sends (CloseCode)', () => {
    const codes = Object.values(CloseCode);
    expect(codes.length).toBeGreaterThan(5);
    for (const code of codes) expect(CLOSE_POLICY[code], `close code ${code} has no client policy`).toBeDefined();
  });

  it('has an entry for every code in the protocol doc, and agrees with its "client should" column', () => {
    expect(documented.size).toBeGreaterThan(10);
    for (const [code, should] of documented) {
      expect(CLOSE_POLICY[code], `documented close code ${code} has no client policy`).toBeDefined();
      if (/do not reconnect/.test(should)) expect(closeActionFor(code), `${code}: ${should}`).toBe('end');
      else if (/^(reconnect|retry)/.test(should)) expect(closeActionFor(code), `${code}: ${should}`).not.toBe('end');
    }
  });

  it('decides each ws-ssot code as the protocol requires', () => {
    expect(closeActionFor(CloseCode.GOING_AWAY)).toBe('reconnect');
    expect(closeActionFor(CloseCode.SERVICE_RESTART)).toBe('reconnect');
    expect(closeActionFor(CloseCode.SLOW_CONSUMER)).toBe('backoff');
    // Ending, not reconnecting: another connection of the same user is live (two legacy-path tabs would
    // otherwise replace each other forever on 4010; an evicted tab would evict the next one on 4029).
    expect(closeActionFor(CloseCode.SESSION_REPLACED)).toBe('end');
    expect(closeActionFor(CloseCode.REPLACED_BY_NEWER)).toBe('end');
    expect(closeActionFor(CloseCode.EVICTED_BY_LIMIT)).toBe('end');
    expect(closeActionFor(1008)).toBe('end');
    expect(closeActionFor(1013)).toBe('backoff');
    expect(closeActionFor(1006)).toBe('backoff');
    expect(closeActionFor(1011)).toBe('backoff');
    // A client bug the server refused: retrying would only repeat it.
    expect(closeActionFor(CloseCode.UNSUPPORTED_DATA)).toBe('end');
    expect(closeActionFor(CloseCode.INVALID_PAYLOAD)).toBe('end');
    // One oversized app message is lost, the event stream goes on.
    expect(closeActionFor(CloseCode.MESSAGE_TOO_BIG)).toBe('backoff');
  });

  it('ends on unlisted 3xxx/4xxx codes (the app closed on purpose) and backs off on other unlisted codes', () => {
    for (const code of [3000, 3003, 4000, 4001, 4500, 4999]) expect(closeActionFor(code)).toBe('end');
    for (const code of [1010, 1016, 2000]) expect(closeActionFor(code)).toBe('backoff');
  });

  it('is frozen and says why for every entry', () => {
    expect(Object.isFrozen(CLOSE_POLICY)).toBe(true);
    for (const entry of Object.values(CLOSE_POLICY)) expect(entry.why.length).toBeGreaterThan(3);
  });
});
