/**
 * The legacy API as data (deprecated-api-catalog.json): its module paths and what each exports, the deprecation codes
 * with their replacements, the snake_case method names and the critical event types. Data rather than an
 * import of legacy/: nothing under src/ loads legacy/ (test/architecture), and the legacy names stay out of
 * the code of src/ (test/cli/deprecated-api-catalog.test.ts keeps the data equal to legacy/).
 */
import data from './deprecated-api-catalog.json' with { type: 'json' };

/** What a legacy name is, for the finder and the rewriter. */
export type LegacyKind = 'manager' | 'user-bound' | 'factory' | 'accessor' | 'type' | 'migration';

export interface LegacyName {
  readonly name: string;
  readonly kind: LegacyKind;
  /** Deprecation codes a use of this name warns with at run time (none for types and the migration server). */
  readonly codes: readonly string[];
  /** The canonical type with the same role, exported by 'ws-ssot' (kind 'type' only), or null. */
  readonly canonical: string | null;
  /** What to use instead, in a few words. */
  readonly replacement: string;
}

export interface DeprecationText {
  readonly code: string;
  readonly replace: string;
  readonly with: string;
}

type RawName = { kind: string; codes: string[]; canonical?: string | null; replacement: string };

export const PACKAGE_NAME: string = data.package;

/** Every legacy module specifier, with the names it exports. */
export const LEGACY_PATHS: ReadonlyMap<string, readonly string[]> = new Map(Object.entries(data.paths));

export const LEGACY_NAMES: ReadonlyMap<string, LegacyName> = new Map(
  Object.entries(data.names as Record<string, RawName>).map(([name, n]) => [
    name,
    { name, kind: n.kind as LegacyKind, codes: n.codes, canonical: n.canonical ?? null, replacement: n.replacement },
  ]),
);

export const DEPRECATION_TEXTS: ReadonlyMap<string, DeprecationText> = new Map(
  Object.entries(data.codes).map(([code, t]) => [code, { code, replace: t.replace, with: t.with }]),
);

export const DEPRECATION_CODE_LIST: readonly string[] = [...DEPRECATION_TEXTS.keys()].sort();

/** Legacy classes and interfaces whose members are legacy members, by role (their subclasses inherit it). */
export const LEGACY_OWNERS: ReadonlyMap<string, LegacyKind> = new Map(Object.entries(data.owners).map(([k, v]) => [k, v as LegacyKind]));

/** snake_case method name → its camelCase twin on the same object. */
export const SNAKE_CASE: ReadonlyMap<string, string> = new Map(Object.entries(data.snakeCase));

/** Legacy names that the canonical API ('ws-ssot') exports too, as other symbols. */
export const CANONICAL_TWINS: ReadonlySet<string> = new Set(data.canonicalTwins);

/** The canonical classes that make a manager (constructed at module level, they hold none of the server's connections). */
export const CANONICAL_MANAGERS: ReadonlySet<string> = new Set(data.canonicalManagers);

export const CRITICAL_EVENT_TYPES: ReadonlySet<string> = new Set(data.criticalEventTypes);

/** The migration server's names: its factory, its member with the legacy control, the binding method, and phase 6's factory. */
export const MIGRATION_SERVER: Readonly<{ create: string; member: string; bindGlobal: string; canonicalCreate: string }> = data.migrationServer;

/** The snake_case code and the user-less emit code, which the finder reports by signature rather than by name. */
export const SNAKE_CASE_CODE = 'WSSOT_DEP009';
export const USER_LESS_EMIT_CODE = 'WSSOT_DEP010';

/** Whether `specifier` is one of the legacy module paths. */
export function isLegacyPath(specifier: string): boolean {
  return LEGACY_PATHS.has(specifier);
}

/** `name`'s code as a message suffix: ` (WSSOT_DEP001)`, ` (WSSOT_DEP006, WSSOT_DEP009)`, or ''. */
export function codesSuffix(codes: readonly string[]): string {
  return codes.length === 0 ? '' : ` (${codes.join(', ')})`;
}
