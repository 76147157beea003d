/**
 * A client that follows the resume algorithm of docs/protocol.md, over real sockets, and checks every frame
 * as it is processed: durable events must arrive with contiguous seqs (no gap, no duplicate), transient
 * events carry the latest durable seq, a replay is complete or explicitly refused (`recovered: false`,
 * recorded as a gap the app would refetch), and nothing addressed to another user ever arrives.
 *
 * Test convention: every event and direct message the tests send carries `for: <userId>` (in `data` for
 * events, at the top level for messages), so a frame of another user is recognisable.
 */
import type { Harness } from './harness.js';
import type { Frame, TestClient } from './client.js';

export interface Gap {
  fromSeq: number;
  toSeq: number;
}

export type DropMode = 'terminate' | 'close' | 'ghost';

export class ResumingClient {
  readonly userId: string;
  current: TestClient | null = null;
  sessionId: string | null = null;
  epoch: string | null = null;
  /** Seq of the last durable event processed (or the base a session/recovery frame gave). */
  lastSeq = 0;
  /** Durable events processed, in order of arrival. */
  readonly durable: Frame[] = [];
  /** Ranges the server said it could not replay (`recovered: false`). */
  readonly gaps: Gap[] = [];
  /** Frames of another user received (must stay empty). */
  readonly foreign: Frame[] = [];
  /** Protocol violations seen (must stay empty). */
  readonly violations: string[] = [];
  /** Non-event frames (messages, broadcasts) processed. */
  readonly messages: Frame[] = [];
  /** Outcomes of this client's resumes, in order. */
  readonly recoveries: Array<{ recovered: boolean; fromSeq: number; toSeq: number }> = [];
  #awaitingRecovery = false;
  #connections = 0;

  constructor(userId: string) {
    this.userId = userId;
  }

  /** Opens a connection (resuming if this client has connected before) and processes the handshake frames. */
  async connect(h: Harness, timeoutMs = 5_000): Promise<void> {
    const resume = this.#connections > 0 && this.sessionId !== null && this.epoch !== null;
    const query = resume ? `sessionId=${encodeURIComponent(this.sessionId as string)}&lastSeq=${this.lastSeq}&epoch=${encodeURIComponent(this.epoch as string)}` : '';
    this.#connections++;
    this.#awaitingRecovery = resume;
    const client = await h.connect(this.userId, query);
    this.current = client;
    let sawSession = false;
    for (let i = 0; i < 100_000; i++) {
      const frame = await client.next(() => true, timeoutMs, resume ? 'session + recovery' : 'session');
      if (i === 0 && frame.type !== 'session') this.violations.push(`first frame is ${String(frame.type)}, not session`);
      if (frame.type === 'session') sawSession = true;
      this.process(frame, resume);
      if (sawSession && !this.#awaitingRecovery) return;
    }
    throw new Error('handshake did not finish within 100000 frames');
  }

  /**
   * Abandons the current connection the way a flaky network or a client does. 'ghost' leaves the old
   * socket open (half-open from the client's point of view): the next resume must make the server kill it.
   * Returns the abandoned client.
   */
  drop(mode: DropMode): TestClient | null {
    const old = this.current;
    this.current = null;
    if (old === null) return null;
    if (mode === 'terminate') old.ws.terminate();
    else if (mode === 'close') old.ws.close(1000, 'bye');
    return old;
  }

  /** Processes frames of the current connection until a durable event with seq >= `seq` has been processed. */
  async waitForSeq(seq: number, timeoutMs = 5_000): Promise<void> {
    const client = this.current;
    if (client === null) throw new Error('not connected');
    for (let i = 0; this.lastSeq < seq; i++) {
      if (i > 1_000_000) throw new Error('waitForSeq: frame bound exceeded');
      this.process(await client.next(() => true, timeoutMs, `seq ${seq} (at ${this.lastSeq})`), false);
    }
  }

  /** Processes frames until one matches `predicate` (which is processed, too). */
  async waitFor(predicate: (f: Frame) => boolean, timeoutMs = 5_000, what = 'a frame'): Promise<Frame> {
    const client = this.current;
    if (client === null) throw new Error('not connected');
    for (let i = 0; i < 1_000_000; i++) {
      const frame = await client.next(() => true, timeoutMs, what);
      this.process(frame, false);
      if (predicate(frame)) return frame;
    }
    throw new Error('waitFor: frame bound exceeded');
  }

  /** Processes every frame the current connection received until it closed; resolves with the close. */
  async drainUntilClosed(timeoutMs = 10_000): Promise<{ code: number; reason: string }> {
    const client = this.current;
    if (client === null) throw new Error('not connected');
    const closed = await Promise.race([client.closed, new Promise<never>((_, reject) => setTimeout(() => reject(new Error('not closed in time')), timeoutMs).unref())]);
    for (let i = 0; i < 10_000_000; i++) {
      let frame: Frame;
      try {
        frame = await client.next(() => true, 1);
      } catch {
        break; // closed and nothing left
      }
      this.process(frame, false);
    }
    this.current = null;
    return closed;
  }

  process(frame: Frame, resuming: boolean): void {
    if (frame === null || typeof frame !== 'object') {
      // A broadcast of a bare JSON value (null, a number…): a message like any other.
      this.messages.push(frame);
      return;
    }
    const type = frame.type;
    if (type === 'session') {
      this.sessionId = frame.sessionId as string;
      const epoch = frame.epoch as string;
      if (!resuming) {
        // A fresh start: the client begins at the server's current seq and does not ask for the past.
        this.lastSeq = frame.lastSeq as number;
      }
      this.epoch = epoch;
      return;
    }
    if (type === 'recovery') {
      const outcome = { recovered: frame.recovered === true, fromSeq: frame.fromSeq as number, toSeq: frame.toSeq as number };
      this.recoveries.push(outcome);
      if (!this.#awaitingRecovery) this.violations.push('unexpected recovery frame');
      this.#awaitingRecovery = false;
      if (outcome.recovered) {
        if (outcome.toSeq !== this.lastSeq) this.violations.push(`recovered up to ${outcome.toSeq} but only ${this.lastSeq} was replayed`);
      } else {
        // Nothing partial may precede a refusal: the client refetches fromSeq..toSeq and goes on from toSeq.
        if (outcome.fromSeq !== this.lastSeq + 1 && outcome.toSeq >= this.lastSeq) this.violations.push(`recovered:false from ${outcome.fromSeq} after ${this.lastSeq}`);
        if (outcome.toSeq > this.lastSeq) this.gaps.push({ fromSeq: this.lastSeq + 1, toSeq: outcome.toSeq });
        this.lastSeq = outcome.toSeq;
      }
      return;
    }
    const owner = typeof frame.seq === 'number' ? (frame.data as { for?: unknown } | undefined)?.for : frame.for;
    if (owner !== undefined && owner !== this.userId) {
      this.foreign.push(frame);
      return;
    }
    if (typeof frame.seq === 'number' && frame.v === 1) {
      if (frame.transient === true) {
        if (this.#awaitingRecovery) this.violations.push(`transient ${String(type)} during replay`);
        else if (frame.seq !== this.lastSeq) this.violations.push(`transient ${String(type)} carries seq ${frame.seq}, latest durable is ${this.lastSeq}`);
        return;
      }
      if (frame.seq !== this.lastSeq + 1) this.violations.push(`durable ${String(type)} seq ${frame.seq} after ${this.lastSeq}`);
      this.lastSeq = frame.seq;
      this.durable.push(frame);
      return;
    }
    this.messages.push(frame);
  }

  /**
   * Every seq 1..maxSeq is either received exactly once (in order) or inside a gap the server announced.
   * Returns a description of what is wrong, or null.
   */
  accountFor(expected: readonly { seq: number; type: string }[]): string | null {
    const received = new Map<number, Frame>();
    for (const f of this.durable) {
      const seq = f.seq as number;
      if (received.has(seq)) return `seq ${seq} received twice`;
      received.set(seq, f);
    }
    let previous = 0;
    for (const f of this.durable) {
      if ((f.seq as number) <= previous) return `seq ${String(f.seq)} out of order after ${previous}`;
      previous = f.seq as number;
    }
    const inGap = (seq: number) => this.gaps.some((g) => seq >= g.fromSeq && seq <= g.toSeq);
    for (const e of expected) {
      const got = received.get(e.seq);
      if (got === undefined) {
        if (!inGap(e.seq)) return `seq ${e.seq} (${e.type}) silently missing`;
      } else if (got.type !== e.type) {
        return `seq ${e.seq} is ${String(got.type)}, expected ${e.type}`;
      }
    }
    return null;
  }
}
