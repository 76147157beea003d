import { pino, type Logger } from 'pino';
import { readLogLevel } from '../env.js';

/** The logger used when the app passes none: a pino instance named 'ws-ssot' at WSSOT_LOG_LEVEL/LOG_LEVEL. */
export function createDefaultLogger(): Logger {
  return pino({ name: 'ws-ssot', level: readLogLevel() });
}
