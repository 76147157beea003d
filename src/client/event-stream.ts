/**
 * The bounded buffer behind `client.events()`. A consumer slower than the stream gets an error once it
 * is `limit` events behind, rather than a queue that grows until the tab runs out of memory. What was
 * buffered before the overflow is still delivered, in order; the error comes next.
 */
import { WsSsotClientError } from './errors.js';

export class EventStream<T> implements AsyncIterableIterator<T> {
  readonly #limit: number;
  readonly #detach: () => void;
  #buffer: T[] = [];
  #head = 0;
  #waiter: { resolve: (r: IteratorResult<T>) => void; reject: (err: unknown) => void } | null = null;
  /** Set once the stream ends: null is a normal end, an error is thrown after the buffer. */
  #end: { error: unknown } | null = null;

  constructor(limit: number, detach: () => void) {
    this.#limit = limit;
    this.#detach = detach;
  }

  get #size(): number {
    return this.#buffer.length - this.#head;
  }

  push(item: T, describe: () => string): void {
    if (this.#end !== null) return;
    const waiter = this.#waiter;
    if (waiter !== null) {
      this.#waiter = null;
      waiter.resolve({ value: item, done: false });
      return;
    }
    if (this.#size >= this.#limit) {
      this.fail(new WsSsotClientError('WSSOT_ERR_CLIENT_ITERATOR_OVERFLOW', `the events() consumer fell ${this.#limit} events behind (bufferSize) and stopped at ${describe()}: consume faster, raise bufferSize, or use client.on('event')`));
      return;
    }
    this.#buffer.push(item);
  }

  /** Ends the stream after what is buffered: normally (`error` undefined) or with `error`. */
  fail(error?: unknown): void {
    if (this.#end !== null) return;
    this.#end = { error };
    this.#detach();
    const waiter = this.#waiter;
    if (waiter === null) return;
    this.#waiter = null;
    if (error === undefined) waiter.resolve({ value: undefined, done: true });
    else waiter.reject(error);
  }

  next(): Promise<IteratorResult<T>> {
    if (this.#size > 0) {
      const value = this.#buffer[this.#head++] as T;
      // Compacts now and then instead of shift() on every read.
      if (this.#head > 1024 && this.#head * 2 > this.#buffer.length) {
        this.#buffer = this.#buffer.slice(this.#head);
        this.#head = 0;
      }
      return Promise.resolve({ value, done: false });
    }
    if (this.#end !== null) {
      const { error } = this.#end;
      this.#end = { error: undefined }; // an error is thrown once; then the iterator is done
      return error === undefined ? Promise.resolve({ value: undefined, done: true }) : Promise.reject(error);
    }
    if (this.#waiter !== null) return Promise.reject(new TypeError('events(): next() called again before the previous call settled'));
    return new Promise((resolve, reject) => {
      this.#waiter = { resolve, reject };
    });
  }

  /** `break` out of `for await`: stop listening, drop the buffer. */
  return(): Promise<IteratorResult<T>> {
    this.#buffer = [];
    this.#head = 0;
    this.fail();
    this.#end = { error: undefined };
    return Promise.resolve({ value: undefined, done: true });
  }

  [Symbol.asyncIterator](): this {
    return this;
  }
}
