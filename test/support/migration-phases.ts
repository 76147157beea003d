/**
 * The migration phases of MIGRATION.md as flag values: what each phase turns on, cumulatively. Phase 4 turns
 * `WS_ENABLE_SSOT` on for a share of users (a gradual rollout by `userId`), so it has no single value for
 * everyone: `ssot: 'some users'`. Phase 6 has no legacy layer at all (the canonical server, `createWebSocketServer`).
 */
export interface MigrationPhase {
  readonly phase: 1 | 2 | 3 | 4 | 5 | 6;
  readonly name: string;
  readonly ssot: boolean | 'some users';
  readonly unified: boolean;
  readonly factory: boolean;
}

export const MIGRATION_PHASES: readonly MigrationPhase[] = [
  { phase: 1, name: 'drop in, all flags off', ssot: false, unified: false, factory: false },
  { phase: 2, name: 'enable unified', ssot: false, unified: true, factory: false },
  { phase: 3, name: 'enable factory', ssot: false, unified: true, factory: true },
  { phase: 4, name: 'enable SSOT by percentage', ssot: 'some users', unified: true, factory: true },
  { phase: 5, name: 'remove legacy imports (every flag on)', ssot: true, unified: true, factory: true },
  { phase: 6, name: 'no legacy layer (createWebSocketServer)', ssot: true, unified: true, factory: true },
];

/**
 * The phase's flags as the environment variables the seeds use: the flags it turns on, set to `true`; the others
 * unset (off by default; `false` would be the kill switch, which also beats Unleash). Phase 4's SSOT share is a
 * rollout by user, so it is not here: it comes from Unleash.
 */
export function phaseEnv(p: MigrationPhase): Record<string, string> {
  const env: Record<string, string> = {};
  if (p.ssot === true) env['WS_ENABLE_SSOT'] = 'true';
  if (p.unified) env['WS_ENABLE_UNIFIED'] = 'true';
  if (p.factory) env['WS_ENABLE_FACTORY'] = 'true';
  return env;
}
