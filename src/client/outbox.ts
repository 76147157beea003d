/**
 * Outgoing messages. While the client is (re)connecting, `send()` queues up to `maxQueued` messages and
 * they are written in order once the next connection is open; beyond that it throws. Application
 * messages are at most once (like the server's): a message written just before a connection drops may be
 * lost, and nothing is resent.
 */
import { WsSsotClientError } from './errors.js';

/** JSON text of `message`, or a coded error for what JSON cannot represent. */
export function serialize(message: unknown): string {
  let text: string | undefined;
  try {
    text = JSON.stringify(message);
  } catch (err) {
    throw new WsSsotClientError('WSSOT_ERR_CLIENT_NOT_SERIALIZABLE', `message cannot be sent as JSON: ${(err as Error).message}`, { cause: err });
  }
  if (text === undefined) throw new WsSsotClientError('WSSOT_ERR_CLIENT_NOT_SERIALIZABLE', `message cannot be sent as JSON: ${typeof message} has no JSON form`);
  return text;
}

export class Outbox {
  readonly #limit: number;
  #queue: string[] = [];

  constructor(limit: number) {
    this.#limit = limit;
  }

  get size(): number {
    return this.#queue.length;
  }

  push(text: string): void {
    if (this.#limit === 0) throw new WsSsotClientError('WSSOT_ERR_CLIENT_NOT_OPEN', 'send() while the client is not open (the outbox is off: maxQueued is 0); wait for state "open"');
    if (this.#queue.length >= this.#limit) throw new WsSsotClientError('WSSOT_ERR_CLIENT_OUTBOX_FULL', `send() while the client is not open and ${this.#limit} messages are already queued (maxQueued)`);
    this.#queue.push(text);
  }

  /** Takes every queued message, oldest first. */
  take(): string[] {
    const queued = this.#queue;
    this.#queue = [];
    return queued;
  }
}
