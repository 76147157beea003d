/**
 * The only module that reads environment variables. Everything else receives plain values.
 */
import { FLAG_ENV_VARS, type FlagName } from './flags/flag-source.js';

/** Parses a boolean environment value: true/1/yes/on and false/0/no/off; anything else is unset. */
export function parseBooleanEnv(value: string | undefined): boolean | undefined {
  if (value === undefined) return undefined;
  const v = value.trim().toLowerCase();
  if (v === 'true' || v === '1' || v === 'yes' || v === 'on') return true;
  if (v === 'false' || v === '0' || v === 'no' || v === 'off') return false;
  return undefined;
}

/** The flag values set in the environment (unset or unparseable flags are absent). */
export function readFlagEnv(env: NodeJS.ProcessEnv = process.env): Partial<Record<FlagName, boolean>> {
  const out: Partial<Record<FlagName, boolean>> = {};
  for (const flag of Object.keys(FLAG_ENV_VARS) as FlagName[]) {
    const value = parseBooleanEnv(env[FLAG_ENV_VARS[flag]]);
    if (value !== undefined) out[flag] = value;
  }
  return out;
}

/** The pino level for the default logger: `WSSOT_LOG_LEVEL`, then `LOG_LEVEL`, then 'info'. */
export function readLogLevel(env: NodeJS.ProcessEnv = process.env): string {
  return env.WSSOT_LOG_LEVEL || env.LOG_LEVEL || 'info';
}
