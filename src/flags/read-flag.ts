/** The guarded flag read: a flag source's answer, or `false` (the legacy path) if the source throws. */
import type { Logger } from 'pino';
import type { FlagContext, FlagName, FlagSource } from './flag-source.js';

/** What readFlag() logs a throwing source to. */
export type FlagReadLogger = Pick<Logger, 'warn'>;

/**
 * `source.isEnabled(flag, context)`, or `false` if it throws: a `FlagSource` must not throw, but an app's own
 * source (or a subclass of a composite) might, and off is the safe answer for every migration flag (the legacy
 * path, no translation, no factory). The throw is logged to `logger` if given. Kept this small so that V8 can
 * inline it into the per-call paths (routing, the legacy adapters); the logging is out of line.
 */
export function readFlag(source: FlagSource, flag: FlagName, context?: FlagContext, logger?: FlagReadLogger): boolean {
  try {
    return source.isEnabled(flag, context);
  } catch (err) {
    if (logger !== undefined) logReadError(logger, flag, err);
    return false;
  }
}

function logReadError(logger: FlagReadLogger, flag: FlagName, err: unknown): void {
  logger.warn({ err, flag }, 'flag source threw: answering false (the legacy path)');
}
