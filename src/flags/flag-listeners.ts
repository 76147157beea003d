/** The listener set of a flag source's `onChange`; a throwing listener never breaks the others. */
export class FlagListeners {
  readonly #listeners = new Set<() => void>();

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
      } catch {
        // A flag change must never throw into the source that noticed it; the listener logs its own errors.
      }
    }
  }

  clear(): void {
    this.#listeners.clear();
  }
}
