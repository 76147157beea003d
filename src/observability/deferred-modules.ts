/**
 * pino and prom-client, loaded when first needed rather than when ws-ssot is imported. Each costs well over
 * half of what `ws` itself costs to load (about 0.6× and 0.7× on the reference machine), and many imports of
 * ws-ssot need neither: an app that passes its own logger, code that only uses the errors, flags or legacy
 * adapters, a manager without a server. Node's module cache holds the one loaded copy (shared with the app's
 * own `import 'prom-client'`, so a registry the app passes in is the same class), so nothing is cached here.
 */
import { createRequire } from 'node:module';
import type * as Pino from 'pino';
import type * as PromClient from 'prom-client';

const requireFromHere = createRequire(import.meta.url);

/** prom-client, loaded on the first call (a server's metrics). */
export function loadPromClient(): typeof PromClient {
  return requireFromHere('prom-client') as typeof PromClient;
}

/** pino's factory, loaded on the first call (a default logger). */
export function loadPino(): typeof Pino.pino {
  return (requireFromHere('pino') as typeof Pino).pino;
}
