/**
 * The one polling helper of the suite: waits for a condition the test cannot be told about by an event
 * (a count in another component, a remote flag arriving), with a deadline and a message naming what it
 * waited for. Returns the elapsed ms. Not a sleep: it returns as soon as the condition holds.
 */
export async function waitFor(what: string, predicate: () => boolean, timeoutMs = 5_000, intervalMs = 10): Promise<number> {
  const started = Date.now();
  const deadline = started + timeoutMs;
  for (;;) {
    if (predicate()) return Date.now() - started;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}
