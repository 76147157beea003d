/**
 * Diagnostic reference: the write floor (`write-floor.ts`) that also writes one session-sized text frame to
 * each connection as it opens, as ws-ssot's protocol does. Beside the plain floor it shows what that one
 * frame per connection costs on this harness, apart from any manager's send path (see BENCHMARKS.md).
 * Opt-in: `npm run bench -- --impl write-floor,greeting-floor,ws-ssot`.
 */
import type { CreateBenchServer } from './types.js';
import { WriteFloorServer } from './write-floor.js';

export const createServer: CreateBenchServer = () => new WriteFloorServer({ greeting: true });
