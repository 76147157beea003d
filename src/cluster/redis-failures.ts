/**
 * What a failed Redis command means for sending it again: refused without running (NOSCRIPT, a Redis
 * Cluster redirect, a batch ioredis would not send), or failed with Redis unreachable (it may have run), or
 * answered with an error. ioredis reports these only by the error's name and message.
 */

function messageOf(err: unknown): string {
  return String((err as Error | null)?.message);
}

/** What ioredis's error says when its budget of cluster retries ran out on a Redis reply. */
const LAST_REPLY = 'Too many Cluster redirections\\. Last error: ReplyError: ';

/** Redis answers it serves no command now: the cluster down, a dataset loading, a replica cut from its master. */
const SERVES_NOTHING_CODES = '(?:CLUSTERDOWN|LOADING|MASTERDOWN|READONLY) ';

const REDIRECT = new RegExp(`^(?:${LAST_REPLY})?(MOVED|ASK|TRYAGAIN) `);
const SERVES_NOTHING = new RegExp(`^${SERVES_NOTHING_CODES}`);
/** The budget ran out on a reply other than {@link SERVES_NOTHING}'s: Redis answered. */
const ANSWERED_LAST = new RegExp(`^${LAST_REPLY}(?!${SERVES_NOTHING_CODES})`);

/**
 * A Redis Cluster refused the command because its slot is elsewhere or moving (MOVED, ASK, TRYAGAIN): it
 * did not run, so it can be sent again. ioredis follows these by itself for a command alone, but not inside
 * an auto-pipelined batch that also holds commands which succeeded or failed otherwise: then the error
 * reaches the caller and ioredis's slot map stays stale. Also when ioredis followed them until its
 * `maxRedirections` ran out and the last refusal was one of them (ioredis counts its failover retries
 * against the same budget: a command given up on after a closed connection may have run, and is not one).
 */
export function isRedirect(err: unknown): boolean {
  return redirectOf(err) !== null;
}

/** Which redirect refused the command (see {@link isRedirect}), or null. */
export function redirectOf(err: unknown): 'MOVED' | 'ASK' | 'TRYAGAIN' | null {
  const found = REDIRECT.exec(messageOf(err));
  return found === null ? null : (found[1] as 'MOVED' | 'ASK' | 'TRYAGAIN');
}

export function isNoScript(err: unknown): boolean {
  return messageOf(err).startsWith('NOSCRIPT');
}

/**
 * ioredis refused an auto-pipelined batch before sending it, its commands' slots having moved to different
 * masters meanwhile (a slot map refreshed during a reshard): nothing ran; sent again after a refresh.
 */
export function splitBatch(err: unknown): boolean {
  return messageOf(err).startsWith('All keys in the pipeline should belong to the same slots allocation group');
}

/**
 * The command failed without Redis answering it (ioredis gave up: connection closed, retries exhausted, no
 * shard reachable, a command timeout on the app's instance), or Redis answered that it serves no command now:
 * every command sent now would fail the same way.
 */
export function unreachable(err: unknown): boolean {
  const text = messageOf(err);
  return (err as { name?: string } | null)?.name === 'ReplyError' ? SERVES_NOTHING.test(text) : !ANSWERED_LAST.test(text);
}

/**
 * Whether a command that failed with Redis unreachable ({@link unreachable}) may be sent again by the engine.
 * Not after a command timeout (ioredis's "Command timed out", on an app's instance with `commandTimeout`):
 * ioredis rejects it but keeps it queued, and on a Redis Cluster sends that copy again by itself later,
 * where it could run after the node's next send to the user (which replaced the send id it would be
 * recognised by).
 */
export function resendableAfter(err: unknown): boolean {
  return unreachable(err) && messageOf(err) !== 'Command timed out';
}
