/**
 * A bounded per-user log of serialised durable events, for replay on reconnect. A ring buffer bounded by
 * count and by age; appends are O(1). Sequence numbers in the log are contiguous, so only the newest seq
 * is stored and every other one is derived.
 */

/** The outcome of a replay request. */
export type ReplayResult =
  | { recovered: true; fromSeq: number; toSeq: number; frames: string[] }
  | { recovered: false; fromSeq: number; toSeq: number; frames: null };

export class EventLog {
  readonly #capacity: number;
  readonly #maxAgeMs: number;
  #frames: string[] = [];
  #times: number[] = [];
  /** Physical index of the oldest entry. */
  #start = 0;
  #size = 0;
  /** Seq of the newest entry (0 when nothing was ever appended). */
  #lastSeq = 0;
  /** Sum of the retained frames' lengths (UTF-16 code units), for the store's bound on offline logs. */
  #textLength = 0;

  constructor(capacity: number, maxAgeMs: number) {
    this.#capacity = capacity;
    this.#maxAgeMs = maxAgeMs;
  }

  get size(): number {
    return this.#size;
  }

  /** Total length of the retained frames' JSON text, in UTF-16 code units (bytes for ASCII text). */
  get textLength(): number {
    return this.#textLength;
  }

  /** Seq of the oldest event still replayable, or lastSeq + 1 when the log is empty. */
  get oldestSeq(): number {
    return this.#lastSeq - this.#size + 1;
  }

  /** Appends the event with `seq` (always the previous seq + 1) created at `ts`. */
  append(seq: number, ts: number, frame: string): void {
    this.#lastSeq = seq;
    if (this.#capacity === 0) return;
    if (this.#size === this.#capacity) {
      // Full: overwrite the oldest.
      this.#textLength += frame.length - (this.#frames[this.#start] as string).length;
      this.#frames[this.#start] = frame;
      this.#times[this.#start] = ts;
      this.#start = (this.#start + 1) % this.#capacity;
    } else {
      const index = (this.#start + this.#size) % this.#capacity;
      this.#textLength += frame.length;
      if (index === this.#frames.length) {
        this.#frames.push(frame);
        this.#times.push(ts);
      } else {
        this.#frames[index] = frame;
        this.#times[index] = ts;
      }
      this.#size++;
    }
    this.prune(ts);
  }

  /** Drops events older than maxAgeMs at `now`. */
  prune(now: number): void {
    const oldestAllowed = now - this.#maxAgeMs;
    while (this.#size > 0 && (this.#times[this.#start] as number) < oldestAllowed) {
      this.#textLength -= (this.#frames[this.#start] as string).length;
      this.#frames[this.#start] = '';
      this.#start = (this.#start + 1) % this.#capacity;
      this.#size--;
    }
  }

  /**
   * The frames of every event after `lastSeq` up to `currentSeq`, in order, or `recovered: false` if any of
   * them is gone (or `lastSeq` is not a seq this log could have produced). Never a partial list.
   */
  replayAfter(lastSeq: number, currentSeq: number, now: number): ReplayResult {
    this.prune(now);
    const fromSeq = lastSeq + 1;
    if (!Number.isSafeInteger(lastSeq) || lastSeq < 0 || lastSeq > currentSeq) return { recovered: false, fromSeq, toSeq: currentSeq, frames: null };
    if (lastSeq === currentSeq) return { recovered: true, fromSeq, toSeq: currentSeq, frames: [] };
    if (fromSeq < this.oldestSeq || this.#lastSeq !== currentSeq) return { recovered: false, fromSeq, toSeq: currentSeq, frames: null };
    const frames: string[] = [];
    const skip = fromSeq - this.oldestSeq;
    for (let i = skip; i < this.#size; i++) frames.push(this.#frames[(this.#start + i) % this.#capacity] as string);
    return { recovered: true, fromSeq, toSeq: currentSeq, frames };
  }
}
