/**
 * Keeps one user's commands in the order a node sent them: at most one command per user (hash tag) is in
 * flight; the user's next ones wait, in order, until it is answered. Other users' commands are not held, so
 * ioredis still pipelines across users.
 *
 * Why not let them overlap: Redis can refuse a command without running it (NOSCRIPT after a restart, a
 * failover or SCRIPT FLUSH emptied the script cache; MOVED, ASK or TRYAGAIN while a Redis Cluster moves the
 * user's slot), and the user's later commands already on the wire could then run first: ioredis follows a
 * redirect by itself for a batch in which every command got the same one, and another connection may load
 * the script in between. The events would take their seqs in another order than the app sent them. With one
 * in flight, a refused command is sent again ({@link Resender.again}) before the next one goes, and a
 * command ioredis resends after a lost connection is the user's only one in flight (the publish script
 * recognises it if it had run: see PUBLISH_SCRIPT). So is one ioredis gave up on (Redis unreachable) and the
 * engine sends again with the same id while its retry window lasts: the user's later ones wait behind it.
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
  /** Whether it may be sent again after a failure that may have run it (Redis unreachable): the publish script, which recognises its own send id. */
  resendable: boolean;
  /** How often a refusal (a slot move) had it sent again. */
  redirects: number;
  /** When (performance.now()) it first failed with Redis unreachable; 0: it has not. */
  unreachableSince: number;
}

export interface Resender {
  /** Sends the command once. */
  send(command: RedisCommand): Promise<unknown>;
  /**
   * After the command failed with `err`: whether to send it again, once ready (a slot refresh, a pause).
   * Refused without running (NOSCRIPT, a slot move): within a budget; unreachable: while the command is
   * resendable and the retry window lasts; anything else: no.
   */
  again(err: unknown, command: RedisCommand): Promise<boolean>;
  /** Whether `err` failed the command without Redis answering it (unreachable): the commands behind it would fail the same way. */
  unreachable(err: unknown): boolean;
}

interface Waiting {
  readonly command: RedisCommand;
  readonly resolve: (value: unknown) => void;
  readonly reject: (err: unknown) => void;
}

function rejectAll(waiting: Waiting[], err: unknown): void {
  for (const item of waiting) item.reject(err);
}

export class OrderedSends {
  readonly #io: Resender;
  /** Per hash tag with a command in flight: the user's commands waiting behind it, in send order (null: none). */
  readonly #busy = new Map<string, Waiting[] | null>();

  constructor(io: Resender) {
    this.#io = io;
  }

  /** Sends `command` for the user (or channel) of hash tag `tag` after the user's earlier ones; resolves with its reply. */
  send(tag: string, command: RedisCommand): Promise<unknown> {
    if (!this.#busy.has(tag)) {
      this.#busy.set(tag, null);
      return this.#sendFirst(tag, command);
    }
    // The user has a command in flight: a promise (and its executor) per command that waits behind it.
    return new Promise((resolve, reject) => {
      const item = { command, resolve, reject };
      const waiting = this.#busy.get(tag);
      if (waiting === null || waiting === undefined) this.#busy.set(tag, [item]);
      else waiting.push(item);
    });
  }

  /**
   * Sends `command` now, whatever the user has in flight (sent again if refused, like the rest): for reads
   * whose place among the user's sends does not matter (a snapshot, a verify, a presence admit), so that a
   * starting tab does not wait behind its user's backlog.
   */
  sendAlone(command: RedisCommand): Promise<unknown> {
    return this.#untilAnswered(command);
  }

  async #sendFirst(tag: string, command: RedisCommand): Promise<unknown> {
    try {
      const reply = await this.#untilAnswered(command);
      this.#next(tag);
      return reply;
    } catch (err) {
      this.#failed(tag, command, err);
      throw err;
    }
  }

  /** The user's command in flight was answered: the next one goes, or the user is idle. */
  #next(tag: string): void {
    const next = this.#busy.get(tag)?.shift();
    if (next === undefined) {
      this.#busy.delete(tag);
      return;
    }
    void this.#sendWaiting(tag, next);
  }

  /**
   * The user's command in flight failed, past its retries. If Redis was unreachable, the ones waiting behind
   * it fail with it (they were never sent): as they would have in ioredis's offline queue, instead of one
   * per reconnect cycle while the backlog grows. They are rejected after it (a turn later), so an app that
   * retries what was rejected retries in send order. Except when the failed one was not resendable (a
   * message's publish, failed as soon as ioredis gave up): the resendable ones waiting (events) then keep
   * their place and go on, each with its own retry window; only the others fail with it. Otherwise (Redis
   * answered with an error) the next one goes.
   */
  #failed(tag: string, failed: RedisCommand, err: unknown): void {
    if (!this.#io.unreachable(err)) {
      this.#next(tag);
      return;
    }
    const waiting = this.#busy.get(tag);
    if (waiting === null || waiting === undefined || waiting.length === 0) {
      this.#busy.delete(tag);
      return;
    }
    if (failed.resendable) {
      this.#busy.delete(tag);
      setImmediate(rejectAll, waiting, err);
      return;
    }
    const kept = waiting.filter((item) => item.command.resendable);
    if (kept.length < waiting.length) setImmediate(rejectAll, waiting.filter((item) => !item.command.resendable), err);
    this.#busy.set(tag, kept);
    this.#next(tag);
  }

  async #sendWaiting(tag: string, waiting: Waiting): Promise<void> {
    try {
      const reply = await this.#untilAnswered(waiting.command);
      this.#next(tag);
      waiting.resolve(reply);
    } catch (err) {
      waiting.reject(err);
      this.#failed(tag, waiting.command, err);
    }
  }

  async #untilAnswered(command: RedisCommand): Promise<unknown> {
    for (;;) {
      try {
        return await this.#io.send(command);
      } catch (err) {
        if (!(await this.#io.again(err, command))) throw err;
      }
    }
  }
}
