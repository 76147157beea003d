/** The resume parameters a client may put on the upgrade URL (see docs/protocol.md), parsed defensively. */
import { sessionIdOrNull } from '../core/validate.js';

export interface ResumeParams {
  sessionId: string | null;
  lastSeq: number | null;
  epoch: string | null;
}

const NO_RESUME: ResumeParams = Object.freeze({ sessionId: null, lastSeq: null, epoch: null });

/** Client-supplied, so only well-formed values are kept: a session id only ever matches the same user's sessions. */
export function parseResume(query: string): ResumeParams {
  if (query === '') return NO_RESUME;
  const params = new URLSearchParams(query);
  const rawSeq = params.get('lastSeq');
  const lastSeq = rawSeq !== null && /^\d{1,15}$/.test(rawSeq) ? Number(rawSeq) : null;
  return { sessionId: sessionIdOrNull(params.get('sessionId')), lastSeq, epoch: params.get('epoch') };
}
