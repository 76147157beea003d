/** What the SDK's `error` and `warn` events mean, on the texts unleash-client 6 emits (lib/repository, lib/unleash). */
import { describe, expect, it } from 'vitest';
import { classifySdkError, classifySdkWarning, errorMessage } from '../../src/flags/unleash-sdk-messages.js';

const features = 'http://127.0.0.1:4242/api/client/features';

describe('classifySdkError', () => {
  it('a repository error is a failed fetch; 401/403 also end the wait at startup (the SDK stops polling)', () => {
    const refused = new Error(`Unleash Repository error: connect ECONNREFUSED 127.0.0.1:4242`);
    expect(classifySdkError(refused)).toEqual({ kind: 'fetch-failed', text: refused.message, unrecoverable: false });
    for (const status of [401, 403]) {
      const text = `Unleash Repository error: ${features} responded ${status} which means your API key is not allowed to connect. Stopping refresh of toggles`;
      expect(classifySdkError(new Error(text))).toEqual({ kind: 'fetch-failed', text, unrecoverable: true });
    }
    const parse = 'Unleash Repository error: Unexpected end of JSON input';
    expect(classifySdkError(parse)).toEqual({ kind: 'fetch-failed', text: parse, unrecoverable: false });
  });

  it('anything else is an SDK error', () => {
    expect(classifySdkError(new Error('metrics registration failed'))).toEqual({ kind: 'sdk-error', text: 'metrics registration failed' });
  });
});

describe('classifySdkWarning', () => {
  it('404, 429, 5xx and a keep-alive error are failed fetches, never unrecoverable', () => {
    for (const text of [
      `${features} responded FILE_NOT_FOUND (404). Backing off`,
      `${features} responded TOO_MANY_CONNECTIONS (429). Backing off`,
      `${features} responded 500. Backing off`,
      'Socket keep alive error, retrying in 15000ms',
    ]) {
      expect(classifySdkWarning(text)).toEqual({ kind: 'fetch-failed', text, unrecoverable: false });
    }
  });

  it("the SDK's not-initialized warning is expected (our own isEnabled() before the first values); the rest is a warning", () => {
    const early = "Unleash has not been initialized yet. isEnabled('WS_ENABLE_SSOT') defaulted to false";
    expect(classifySdkWarning(early)).toEqual({ kind: 'ignored', text: early });
    expect(classifySdkWarning('something new')).toEqual({ kind: 'sdk-warning', text: 'something new' });
  });
});

describe('errorMessage', () => {
  it('is the message of an Error, a string itself, or anything else as a string', () => {
    expect(errorMessage(new Error('e'))).toBe('e');
    expect(errorMessage('s')).toBe('s');
    expect(errorMessage(42)).toBe('42');
  });
});
