import type { Logger } from 'pino';
import { readLogLevel } from '../env.js';
import { loadPino } from './deferred-modules.js';

/** The logger used when the app passes none: a pino instance named 'ws-ssot' at WSSOT_LOG_LEVEL/LOG_LEVEL. */
export function createDefaultLogger(): Logger {
  return loadPino()({ name: 'ws-ssot', level: readLogLevel() });
}
