/**
 * A minimal typed listener registry. A listener that throws must not break delivery to the others, nor
 * the client's state machine: its exception is handed to `onListenerError` and dispatch goes on.
 */

type Handler = (arg: never) => void;

export class Listeners {
  readonly #byType = new Map<string, Set<Handler>>();
  readonly #onListenerError: (err: unknown, type: string) => void;

  constructor(onListenerError: (err: unknown, type: string) => void) {
    this.#onListenerError = onListenerError;
  }

  /** Adds a listener; returns the function that removes it. */
  on(type: string, handler: Handler): () => void {
    let set = this.#byType.get(type);
    if (set === undefined) this.#byType.set(type, (set = new Set()));
    // A wrapper per registration, so the same function added twice is called twice and removed once each.
    const entry: Handler = (arg) => handler(arg);
    set.add(entry);
    return () => {
      set.delete(entry);
    };
  }

  has(type: string): boolean {
    const set = this.#byType.get(type);
    return set !== undefined && set.size > 0;
  }

  emit(type: string, arg: unknown): void {
    const set = this.#byType.get(type);
    if (set === undefined || set.size === 0) return;
    // A snapshot: listeners added or removed while dispatching take effect from the next event.
    for (const handler of [...set]) {
      try {
        (handler as (arg: unknown) => void)(arg);
      } catch (err) {
        this.#onListenerError(err, type);
      }
    }
  }

  clear(): void {
    this.#byType.clear();
  }
}

/** Makes an app's exception visible without breaking the client: reportError in browsers, console elsewhere. */
export function surfaceError(err: unknown): void {
  const report = (globalThis as { reportError?: (e: unknown) => void }).reportError;
  if (typeof report === 'function') report(err);
  else console.error(err);
}
