/**
 * The resume algorithm of docs/protocol.md, without any I/O: it reads frames in order and says what each
 * one means for the app. It owns `sessionId`, `epoch` and `lastSeq`.
 *
 * Exactly once, in order: a durable event is delivered only if its seq is lastSeq + 1; one at or below
 * lastSeq is a duplicate and dropped. A seq above lastSeq + 1 (or a transient event carrying one) means a
 * durable event was skipped on this connection: nothing is held back or delivered out of order, the
 * client is told to reconnect, and the resume either replays the missing events or ends in a
 * `recovered: false` gap the app is told about. So every seq reaches the app once, or inside a gap.
 */
import type { GapInfo, ResumeState } from './event-types.js';
import type { AgentEventEnvelope } from '../events/agent-events.js';

export type FrameOutcome =
  /** `ready`: the handshake is complete (a fresh start); else a `recovery` frame is awaited. */
  | { kind: 'session'; state: ResumeState; resuming: boolean; ready: boolean }
  /** The replay (if any) is complete: the handshake is done. */
  | { kind: 'recovered'; fromSeq: number; toSeq: number }
  /** `recovered: false`: the handshake is done, the app must refetch. */
  | { kind: 'gap'; gap: GapInfo }
  /** A durable event in order, or a transient one: deliver it. */
  | { kind: 'event'; event: AgentEventEnvelope }
  | { kind: 'duplicate'; seq: number }
  /** A durable event was skipped: reconnect (resume) to recover it. */
  | { kind: 'skipped'; expected: number; received: number }
  /** A frame without a seq: an application message. */
  | { kind: 'message'; message: unknown }
  /** Not JSON, or a protocol frame out of place: ignored. */
  | { kind: 'invalid'; reason: string };

type Frame = Record<string, unknown>;

const isSeq = (v: unknown): v is number => typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;

export class Sequencer {
  sessionId: string | null = null;
  /** The epoch `lastSeq` belongs to (committed together with it). */
  epoch: string | null = null;
  lastSeq: number | null = null;
  /** The `ts` of the durable event at lastSeq: of the one this client processed, or as the session frame gave it. */
  lastTs: number | null = null;
  /** The epoch of this connection's session frame, committed once the handshake is done. */
  #pendingEpoch: string | null = null;
  /** That frame's lastSeq and lastTs (the ts of the event at it, when the server sent it). */
  #sessionSeq = 0;
  #sessionTs: number | null = null;
  #sessionSeen = false;
  #awaitingRecovery = false;
  /** The lastSeq this connection resumed from. */
  #resumedFrom = 0;

  constructor(resumeFrom?: ResumeState) {
    if (resumeFrom !== undefined) {
      this.sessionId = resumeFrom.sessionId;
      this.epoch = resumeFrom.epoch;
      this.lastSeq = resumeFrom.lastSeq;
      this.lastTs = resumeFrom.lastTs ?? null;
    }
  }

  /** What the next connection sends to resume, or null for a fresh start. Resets per-connection state. */
  startConnection(): ResumeState | null {
    this.#sessionSeen = false;
    this.#pendingEpoch = null;
    const resume = this.resumeState();
    this.#awaitingRecovery = resume !== null;
    this.#resumedFrom = resume?.lastSeq ?? 0;
    return resume;
  }

  /** What a client needs to resume this session, or null before the first session frame. */
  resumeState(): ResumeState | null {
    return this.sessionId !== null && this.epoch !== null && this.lastSeq !== null ? this.#state(this.epoch) : null;
  }

  accept(text: string): FrameOutcome {
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      return { kind: 'invalid', reason: 'a frame that is not JSON' };
    }
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) return { kind: 'message', message: parsed };
    const f = parsed as Frame;
    // Only frames ws-ssot itself made (v: 1) are protocol frames; the app's messages are sent as is.
    if (f.v !== 1 || typeof f.type !== 'string') return { kind: 'message', message: parsed };
    if (f.type === 'session') return this.#session(f);
    if (f.type === 'recovery') return this.#recovery(f);
    if (!isSeq(f.seq)) return { kind: 'message', message: parsed };
    return this.#event(f as unknown as AgentEventEnvelope);
  }

  #session(f: Frame): FrameOutcome {
    if (this.#sessionSeen) return { kind: 'invalid', reason: 'a second session frame' };
    if (typeof f.sessionId !== 'string' || typeof f.epoch !== 'string' || !isSeq(f.lastSeq)) return { kind: 'invalid', reason: 'a malformed session frame' };
    this.#sessionSeen = true;
    this.sessionId = f.sessionId;
    this.#sessionSeq = f.lastSeq;
    this.#sessionTs = isSeq(f.lastTs) ? f.lastTs : null;
    if (this.#awaitingRecovery) {
      // lastSeq stays in its own epoch until the recovery frame: if this connection dies before it, the
      // next resume must not send the old lastSeq with the new epoch.
      this.#pendingEpoch = f.epoch;
      return { kind: 'session', state: this.#state(f.epoch), resuming: true, ready: false };
    }
    // A fresh start begins at the server's current seq: earlier events are not sent to this client.
    this.epoch = f.epoch;
    this.lastSeq = f.lastSeq;
    this.lastTs = this.#sessionTs;
    return { kind: 'session', state: this.#state(f.epoch), resuming: false, ready: true };
  }

  #recovery(f: Frame): FrameOutcome {
    if (!this.#awaitingRecovery || !this.#sessionSeen) return { kind: 'invalid', reason: 'a recovery frame the client did not ask for' };
    if (typeof f.recovered !== 'boolean' || !isSeq(f.toSeq)) return { kind: 'invalid', reason: 'a malformed recovery frame' };
    this.#awaitingRecovery = false;
    const previousEpoch = this.epoch as string;
    const epoch = this.#pendingEpoch as string;
    const last = this.lastSeq as number;
    this.epoch = epoch;
    if (f.recovered) {
      // Every missed event came just before this frame; if some did not, resume again.
      if (f.toSeq > last) return { kind: 'skipped', expected: last + 1, received: f.toSeq };
      return { kind: 'recovered', fromSeq: this.#resumedFrom + 1, toSeq: f.toSeq };
    }
    // Nothing was replayed: the app refetches, the client goes on from the user's current seq (which
    // may be below lastSeq when seqs restarted in a new epoch).
    this.lastSeq = f.toSeq;
    this.lastTs = f.toSeq === this.#sessionSeq ? this.#sessionTs : null;
    return { kind: 'gap', gap: { fromSeq: last + 1, toSeq: f.toSeq, epoch, previousEpoch, epochChanged: epoch !== previousEpoch } };
  }

  #event(e: AgentEventEnvelope): FrameOutcome {
    if (!this.#sessionSeen || this.lastSeq === null) return { kind: 'invalid', reason: `event seq ${e.seq} before the session frame` };
    const last = this.lastSeq;
    if (e.transient === true) {
      // A transient event carries the latest durable seq: a higher one means a durable event was skipped.
      if (e.seq > last) return { kind: 'skipped', expected: last + 1, received: e.seq };
      return { kind: 'event', event: e };
    }
    if (e.seq <= last) return { kind: 'duplicate', seq: e.seq };
    if (e.seq !== last + 1) return { kind: 'skipped', expected: last + 1, received: e.seq };
    this.lastSeq = e.seq;
    this.lastTs = isSeq(e.ts) ? e.ts : null;
    return { kind: 'event', event: e };
  }

  #state(epoch: string): ResumeState {
    const state: ResumeState = { sessionId: this.sessionId as string, epoch, lastSeq: this.lastSeq as number };
    if (this.lastTs !== null) state.lastTs = this.lastTs;
    return state;
  }
}
