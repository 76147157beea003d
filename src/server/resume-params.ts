/** The resume parameters a client may put on the upgrade URL (see docs/protocol.md), parsed defensively. */
import { sessionIdOrNull } from '../core/validate.js';

export interface ResumeParams {
  sessionId: string | null;
  lastSeq: number | null;
  epoch: string | null;
  /** The `ts` of the client's event at lastSeq (checked against the Redis engine's log). */
  lastTs: number | null;
}

const NO_RESUME: ResumeParams = Object.freeze({ sessionId: null, lastSeq: null, epoch: null, lastTs: null });

/** Client-supplied, so only well-formed values are kept: a session id only ever matches the same user's sessions. */
export function parseResume(query: string): ResumeParams {
  if (query === '') return NO_RESUME;
  const params = new URLSearchParams(query);
  return { sessionId: sessionIdOrNull(params.get('sessionId')), lastSeq: decimalOrNull(params.get('lastSeq')), epoch: params.get('epoch'), lastTs: decimalOrNull(params.get('lastTs')) };
}

function decimalOrNull(raw: string | null): number | null {
  return raw !== null && /^\d{1,15}$/.test(raw) ? Number(raw) : null;
}
