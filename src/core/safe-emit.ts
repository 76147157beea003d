/**
 * Emitting to application listeners without letting one break the caller: a listener that throws must not
 * break a registry's bookkeeping nor a fan-out to other connections (nor escape into ws's 'close' handler).
 */
import type { EventEmitter } from 'node:events';
import type { Logger } from 'pino';

export function emitSafely(emitter: EventEmitter, logger: Logger, event: string, args: readonly unknown[]): void {
  if (emitter.listenerCount(event) === 0) return;
  // rawListeners: 'once' wrappers, so a once-listener is removed as it runs.
  for (const listener of emitter.rawListeners(event) as Array<(...a: unknown[]) => unknown>) {
    try {
      listener.apply(emitter, args as unknown[]);
    } catch (err) {
      logger.error({ err, event }, 'a manager event listener threw');
    }
  }
}
