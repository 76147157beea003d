/**
 * SIGTERM/SIGINT handling is the application's choice; this helper wires the usual one: on the first
 * signal, close the ws-ssot server gracefully (stop accepting, 1001 with a reconnect hint, drain up to its
 * `closeTimeoutMs`, terminate the rest) and the app's http server, then exit. A second signal exits at once.
 */
import type { Server as HttpServer } from 'node:http';
import type { Server as HttpsServer } from 'node:https';
import { InvalidOptionError } from '../errors.js';
import type { WsSsotServer } from './ws-ssot-server.js';

export interface ShutdownHandlerOptions {
  /** Signals that start the shutdown. @default ['SIGTERM', 'SIGINT'] */
  signals?: readonly NodeJS.Signals[];
  /** The app's HTTP(S) server: stops listening and drops idle keep-alive sockets after ws-ssot closed. @default undefined */
  httpServer?: HttpServer | HttpsServer;
  /** Upper bound of the whole shutdown; past it the process exits with code 1. @default server.options.closeTimeoutMs + 1_000 */
  timeoutMs?: number;
  /** Exit the process when done (code 0, or 1 on timeout or error). With `false`, only `onShutdown` runs. @default true */
  exit?: boolean;
  /** Runs after ws-ssot and the http server closed (flush logs, close databases…), within `timeoutMs`. @default undefined */
  onShutdown?: (signal: NodeJS.Signals) => void | Promise<void>;
}

/**
 * Installs signal listeners that shut `server` down gracefully. Returns a function that removes them.
 * Note: listening for SIGINT replaces Node's default exit on Ctrl-C; with `exit: false` the app must exit.
 */
export function installShutdownHandler(server: WsSsotServer, options: ShutdownHandlerOptions = {}): () => void {
  if (options === null || typeof options !== 'object') throw new InvalidOptionError('options', 'an object', options);
  const signals = options.signals ?? (['SIGTERM', 'SIGINT'] as const);
  if (!Array.isArray(signals) || signals.length === 0 || !signals.every((s) => typeof s === 'string' && /^SIG[A-Z0-9]+$/.test(s))) {
    throw new InvalidOptionError('signals', 'a non-empty array of signal names', signals);
  }
  const timeoutMs = options.timeoutMs ?? server.options.closeTimeoutMs + 1_000;
  if (typeof timeoutMs !== 'number' || !Number.isInteger(timeoutMs) || timeoutMs < 0) throw new InvalidOptionError('timeoutMs', 'a non-negative integer', timeoutMs);
  if (options.onShutdown !== undefined && typeof options.onShutdown !== 'function') throw new InvalidOptionError('onShutdown', 'a function', options.onShutdown);
  const exit = options.exit ?? true;
  const httpServer = options.httpServer;
  let shuttingDown = false;

  const onSignal = (signal: NodeJS.Signals): void => {
    if (shuttingDown) {
      server.logger.warn({ signal }, 'second signal during shutdown: exiting now');
      if (exit) process.exit(1);
      return;
    }
    shuttingDown = true;
    server.logger.info({ signal }, 'shutting down: closing WebSocket connections with 1001');
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<'timeout'>((resolve) => {
      timer = setTimeout(() => resolve('timeout'), timeoutMs);
      timer.unref();
    });
    const work = (async (): Promise<'done'> => {
      await server.close();
      if (httpServer !== undefined) {
        await new Promise<void>((resolve) => {
          httpServer.close(() => resolve());
          httpServer.closeIdleConnections();
        });
      }
      await options.onShutdown?.(signal);
      return 'done';
    })();
    Promise.race([work, timedOut]).then(
      (outcome) => {
        clearTimeout(timer);
        if (outcome === 'timeout') server.logger.error({ timeoutMs }, 'shutdown timed out');
        else server.logger.info('shutdown complete');
        if (exit) process.exit(outcome === 'timeout' ? 1 : 0);
      },
      (err: unknown) => {
        clearTimeout(timer);
        server.logger.error({ err }, 'shutdown failed');
        if (exit) process.exit(1);
      },
    );
  };

  for (const signal of signals) process.on(signal, onSignal);
  return () => {
    for (const signal of signals) process.removeListener(signal, onSignal);
  };
}
