/** What the Unleash SDK's `error` and `warn` events mean for the source: a failed fetch, expected noise, or an SDK problem. */

/**
 * - `fetch-failed`: this fetch of toggles failed (the source turns stale); `unrecoverable` when the SDK has
 *   stopped polling for good (401/403), so there is nothing left to wait for at startup;
 * - `ignored`: expected and already handled;
 * - `sdk-error` / `sdk-warning`: anything else the SDK reports, logged once per distinct text.
 */
export type SdkMessage =
  | { readonly kind: 'fetch-failed'; readonly text: string; readonly unrecoverable: boolean }
  | { readonly kind: 'ignored'; readonly text: string }
  | { readonly kind: 'sdk-error'; readonly text: string }
  | { readonly kind: 'sdk-warning'; readonly text: string };

/** SDK warnings that mean "this fetch of toggles failed" (the SDK reports 404/429/5xx as warnings). */
const FETCH_FAILURE_WARNING = /responded (TOO_MANY_CONNECTIONS |FILE_NOT_FOUND )?\(?\d{3}\)?|Socket keep alive error/;
/** The SDK prefixes errors of its toggle repository (fetch, parse, 401/403) with this. */
const REPOSITORY_ERROR_PREFIX = 'Unleash Repository error';
/** 401/403: the SDK stops polling for good. */
const REFUSED = / responded 40[13] /;
/** What the SDK warns when asked before it has toggles: our own isEnabled() then, answered with the fallback. */
const NOT_INITIALIZED_PREFIX = 'Unleash has not been initialized yet';

/** The text of an error, a warning or anything thrown. */
export function errorMessage(error: unknown): string {
  if (error instanceof Error) return error.message;
  return typeof error === 'string' ? error : String(error);
}

/** Classifies the payload of the SDK's `error` event (or a rejection of its `start()`). */
export function classifySdkError(error: unknown): SdkMessage {
  const text = errorMessage(error);
  if (text.startsWith(REPOSITORY_ERROR_PREFIX)) return { kind: 'fetch-failed', text, unrecoverable: REFUSED.test(text) };
  return { kind: 'sdk-error', text };
}

/** Classifies the payload of the SDK's `warn` event. */
export function classifySdkWarning(message: unknown): SdkMessage {
  const text = errorMessage(message);
  if (FETCH_FAILURE_WARNING.test(text)) return { kind: 'fetch-failed', text, unrecoverable: false };
  if (text.startsWith(NOT_INITIALIZED_PREFIX)) return { kind: 'ignored', text };
  return { kind: 'sdk-warning', text };
}
