/** The listener set of a flag source's `onChange`; a throwing listener never breaks the others. */
export class FlagListeners {
  readonly #listeners = new Set<() => void>();
  readonly #onError: ((error: unknown) => void) | undefined;

  /** @param onError told when a listener throws (to log it); without it the throw is dropped. */
  constructor(onError?: (error: unknown) => void) {
    this.#onError = onError;
  }

  add(listener: () => void): () => void {
    this.#listeners.add(listener);
    return () => {
      this.#listeners.delete(listener);
    };
  }

  notify(): void {
    for (const listener of Array.from(this.#listeners)) {
      try {
        listener();
      } catch (error) {
        // A flag change must never throw into the source that noticed it.
        this.#onError?.(error);
      }
    }
  }

  clear(): void {
    this.#listeners.clear();
  }
}
