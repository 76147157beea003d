/** The demo's settings: embedded defaults, overridable from the environment (the only place the demo reads it). */
export interface DemoConfig {
  host: string;
  port: number;
  /** Delay between the simulated agent's events. */
  stepMs: number;
}

export function readDemoConfig(env: NodeJS.ProcessEnv = process.env): DemoConfig {
  return {
    host: env.HOST ?? '127.0.0.1',
    port: env.PORT !== undefined ? Number(env.PORT) : 3000,
    stepMs: env.DEMO_STEP_MS !== undefined ? Number(env.DEMO_STEP_MS) : 400,
  };
}
