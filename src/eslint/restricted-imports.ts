/**
 * The `no-restricted-imports` entries of the preset: for every legacy module path, one entry per legacy name it
 * exports (the migration server's names stay allowed until phase 6), each message naming the deprecation code
 * and the replacement; plus the team's own old module paths.
 */
import { LEGACY_NAMES, LEGACY_PATHS } from '../cli/catalog.js';

export interface RestrictedPath {
  name: string;
  importNames?: string[];
  message: string;
}

export interface RestrictedPattern {
  group: string[];
  message: string;
}

export interface RestrictedImportsOptions {
  paths: RestrictedPath[];
  patterns: RestrictedPattern[];
}

/** The message of a legacy name imported from `path`: its codes first, then what to use instead. */
export function legacyImportMessage(name: string, path: string): string {
  const entry = LEGACY_NAMES.get(name);
  const codes = entry === undefined || entry.codes.length === 0 ? '' : `(${entry.codes.join(', ')}) `;
  const what = entry?.kind === 'type' ? 'legacy type' : 'deprecated';
  return `${codes}${name} from '${path}' is ${what}: use ${entry?.replacement ?? "the canonical API of 'ws-ssot'"} (MIGRATION.md).`;
}

export function teamModuleMessage(pattern: string): string {
  return `'${pattern}' is one of the team's old WebSocket modules: use the canonical API of 'ws-ssot' (MIGRATION.md).`;
}

/** The options of `no-restricted-imports` for the legacy paths and `legacyModules` (bare specifiers; see the plugin for paths). */
export function restrictedImports(legacyModules: readonly string[] = []): RestrictedImportsOptions {
  const paths: RestrictedPath[] = [];
  for (const [path, names] of LEGACY_PATHS) {
    for (const name of names) {
      if (LEGACY_NAMES.get(name)?.kind === 'migration') continue;
      paths.push({ name: path, importNames: [name], message: legacyImportMessage(name, path) });
    }
  }
  const patterns: RestrictedPattern[] = [];
  for (const pattern of legacyModules) {
    const relative = pattern.startsWith('.') || pattern.startsWith('/');
    if (relative) continue; // a file path: only the plugin's rule, which resolves imports, can match it
    paths.push({ name: pattern, message: teamModuleMessage(pattern) });
    patterns.push({ group: [`${pattern}/*`], message: teamModuleMessage(pattern) });
  }
  return { paths, patterns };
}
