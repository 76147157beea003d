/**
 * Keeps one user's commands in the order a node sent them when some must be sent again. Redis can refuse a
 * command without running it: NOSCRIPT (a restart, a failover or SCRIPT FLUSH dropped the script cache), or,
 * on a Redis Cluster, MOVED, ASK or TRYAGAIN while the user's slot moves. Sent again, it would be overtaken
 * by the user's later commands: those already on the wire (the refusal may not hold for them: the script
 * loaded meanwhile, the slot map refreshed) and those the app sends while it waits (an agent's next event).
 * The events would then get their seqs in another order than the app sent them.
 *
 * So from a refusal on, the user's commands (by hash tag) wait in one queue, in the order they were first
 * sent: until every command of the user already sent is answered (accepted ones keep their place, refused
 * ones join the queue in theirs), then the first alone until it is accepted (sent again as often as
 * {@link Resender.again} allows), then the rest together, in order, and the queue is gone. Without a
 * refusal the cost is a counter per user with commands in flight.
 */

/** One command, as data (no closure per send). */
export interface RedisCommand {
  /** A script (run by sha) with its keys and args, or null for a publish of `message` on `channel`. */
  script: string | null;
  keys: readonly string[];
  args: ReadonlyArray<string | number>;
  channel: string;
  message: string;
  /** Send the script's text (EVAL) rather than its sha: set after a NOSCRIPT. */
  withText: boolean;
}

export interface Resender {
  /** Sends the command once. */
  send(command: RedisCommand): Promise<unknown>;
  /** Whether `err` means Redis refused the command without running it. */
  refused(err: unknown): boolean;
  /** Before sending again the command refused on its `attempt` (1…): whether to, once ready (a slot refresh, a pause). */
  again(err: unknown, attempt: number, command: RedisCommand): Promise<boolean>;
}

interface Waiting {
  readonly order: number;
  readonly command: RedisCommand;
  readonly refusal: unknown;
  readonly refusedOnce: boolean;
  readonly resolve: (value: unknown) => void;
  readonly reject: (err: unknown) => void;
}

interface Queue {
  readonly waiting: Waiting[];
  running: boolean;
}

export class OrderedSends {
  readonly #io: Resender;
  /** Numbers commands in the order they are first sent. */
  #issued = 0;
  /** Per hash tag: commands sent and not yet answered (accepted, failed or queued). */
  readonly #inFlight = new Map<string, number>();
  /** Per hash tag with a refusal not yet resolved: the commands waiting, by first-sent order. */
  readonly #queues = new Map<string, Queue>();

  constructor(io: Resender) {
    this.#io = io;
  }

  /** Sends `command` for the user (or channel) of hash tag `tag`; resolves with its reply. */
  send(tag: string, command: RedisCommand): Promise<unknown> {
    const order = ++this.#issued;
    const queue = this.#queues.get(tag);
    if (queue !== undefined) return this.#enqueue(tag, queue, order, command, null, false);
    return this.#sendTracked(tag, order, command);
  }

  async #sendTracked(tag: string, order: number, command: RedisCommand): Promise<unknown> {
    this.#inFlight.set(tag, (this.#inFlight.get(tag) ?? 0) + 1);
    try {
      const reply = await this.#io.send(command);
      this.#answered(tag);
      return reply;
    } catch (err) {
      if (!this.#io.refused(err)) {
        this.#answered(tag);
        throw err;
      }
      let queue = this.#queues.get(tag);
      if (queue === undefined) this.#queues.set(tag, (queue = { waiting: [], running: false }));
      const settled = this.#enqueue(tag, queue, order, command, err, true);
      this.#answered(tag);
      return settled;
    }
  }

  #answered(tag: string): void {
    const left = (this.#inFlight.get(tag) ?? 1) - 1;
    if (left > 0) {
      this.#inFlight.set(tag, left);
      return;
    }
    this.#inFlight.delete(tag);
    const queue = this.#queues.get(tag);
    if (queue !== undefined) void this.#drain(tag, queue);
  }

  #enqueue(tag: string, queue: Queue, order: number, command: RedisCommand, refusal: unknown, refusedOnce: boolean): Promise<unknown> {
    // The error path only: a promise (and its executor) per command that waits.
    return new Promise((resolve, reject) => {
      let at = queue.waiting.length;
      while (at > 0 && queue.waiting[at - 1]!.order > order) at--;
      queue.waiting.splice(at, 0, { order, command, refusal, refusedOnce, resolve, reject });
      void this.#drain(tag, queue);
    });
  }

  async #drain(tag: string, queue: Queue): Promise<void> {
    if (queue.running || this.#inFlight.has(tag)) return;
    queue.running = true;
    // The first alone until one is accepted: the way is then clear (a command that fails otherwise is
    // rejected to its caller, and the next one is tried alone in turn).
    while (queue.waiting.length > 0) {
      const head = queue.waiting.shift()!;
      try {
        head.resolve(await this.#untilAccepted(head));
        break;
      } catch (err) {
        head.reject(err);
      }
    }
    this.#queues.delete(tag);
    // The rest at once, in order, as they would have gone: a refusal among them queues them again.
    for (const next of queue.waiting) this.#sendTracked(tag, next.order, next.command).then(next.resolve, next.reject);
  }

  async #untilAccepted(waiting: Waiting): Promise<unknown> {
    let refusal = waiting.refusal;
    let refused = waiting.refusedOnce;
    for (let attempt = 1; ; attempt++) {
      if (refused && !(await this.#io.again(refusal, attempt, waiting.command))) throw refusal;
      try {
        return await this.#io.send(waiting.command);
      } catch (err) {
        if (!this.#io.refused(err)) throw err;
        refusal = err;
        refused = true;
      }
    }
  }
}
