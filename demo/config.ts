/** The demo's settings: embedded defaults, overridable from the environment (the only place the demo reads it). */
export interface DemoConfig {
  host: string;
  port: number;
  /** Time unit of the simulated agent: a run takes about 5.5 of them (thinking and the tool take longest). */
  stepMs: number;
  /**
   * How many events the server keeps per user for replay (`recovery.maxEvents`). Small in the demo, so
   * "drop and miss too much" can show what `recovered: false` looks like.
   */
  recoveryMaxEvents: number;
}

function positiveInteger(name: string, value: string | undefined, fallback: number, min = 1): number {
  if (value === undefined || value === '') return fallback;
  const n = Number(value);
  if (!Number.isSafeInteger(n) || n < min) throw new Error(`${name} must be an integer >= ${min}, got ${JSON.stringify(value)}`);
  return n;
}

export function readDemoConfig(env: NodeJS.ProcessEnv = process.env): DemoConfig {
  return {
    host: env.HOST ?? '127.0.0.1',
    port: positiveInteger('PORT', env.PORT, 3000, 0),
    stepMs: positiveInteger('DEMO_STEP_MS', env.DEMO_STEP_MS, 400),
    recoveryMaxEvents: positiveInteger('DEMO_RECOVERY_MAX_EVENTS', env.DEMO_RECOVERY_MAX_EVENTS, 20),
  };
}
