/** The upgrade URL: the app's URL, with the resume parameters of docs/protocol.md when resuming. */
import { invalidOption } from './errors.js';
import type { ResumeState } from './event-types.js';

const RESUME_PARAMS = ['sessionId', 'epoch', 'lastSeq', 'lastTs'] as const;

/**
 * Resolves `url` (relative to the page in a browser; http(s) becomes ws(s)) and sets, or removes, the
 * resume parameters. Other query parameters (a token…) are kept.
 */
export function upgradeUrl(url: string | URL, resume: ResumeState | null): string {
  let u: URL;
  try {
    u = new URL(url, (globalThis as { location?: { href?: string } }).location?.href);
  } catch {
    throw invalidOption('url', 'an absolute ws:, wss:, http: or https: URL (or one relative to the page)', url);
  }
  if (u.protocol === 'http:') u.protocol = 'ws:';
  else if (u.protocol === 'https:') u.protocol = 'wss:';
  if (u.protocol !== 'ws:' && u.protocol !== 'wss:') throw invalidOption('url', 'a ws:, wss:, http: or https: URL', u.protocol);
  u.hash = '';
  for (const name of RESUME_PARAMS) u.searchParams.delete(name);
  if (resume !== null) {
    u.searchParams.set('sessionId', resume.sessionId);
    u.searchParams.set('epoch', resume.epoch);
    u.searchParams.set('lastSeq', String(resume.lastSeq));
    if (resume.lastTs !== undefined) u.searchParams.set('lastTs', String(resume.lastTs));
  }
  return u.toString();
}
