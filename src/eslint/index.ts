/**
 * `ws-ssot/eslint`: an ESLint 9 flat-config preset for the migration from `ws-ssot/legacy/*`. It sets
 * `no-restricted-imports` for every legacy path (each legacy name with its deprecation code and replacement; the
 * migration server's names allowed until phase 6) and the team's own old module paths, and the rules of its
 * plugin (`ws-ssot/…`) where imports are not enough. With typescript-eslint's type information the rules report
 * what `ws-ssot check` reports, resolved by symbol.
 *
 *   // eslint.config.js
 *   import wsSsot from 'ws-ssot/eslint';                 // the preset, as is
 *   import { wsSsot as configure } from 'ws-ssot/eslint';
 *   export default [...configure({ legacyModules: ['@acme/ws-manager'] })];
 */
import type { ESLint, Linter } from 'eslint';
import { restrictedImports } from './restricted-imports.js';
import { RULE_IDS, rules, type RuleOptions } from './rules.js';

export interface WsSsotEslintOptions extends RuleOptions {
  /** The severity of every rule of the preset. @default 'error' */
  severity?: 'error' | 'warn';
  /** The files it applies to. @default every JavaScript and TypeScript file */
  files?: string[];
}

export const plugin: ESLint.Plugin = {
  meta: { name: 'ws-ssot' },
  rules,
};

const FILES = ['**/*.{js,mjs,cjs,jsx,ts,mts,cts,tsx}'];

/** The preset, for the given team modules and severity. */
export function wsSsot(options: WsSsotEslintOptions = {}): Linter.Config[] {
  const severity = options.severity ?? 'error';
  const legacyModules = options.legacyModules ?? [];
  const ruleOptions = legacyModules.length === 0 ? [] : [{ legacyModules }];
  return [
    {
      name: 'ws-ssot/migration',
      files: options.files ?? FILES,
      plugins: { 'ws-ssot': plugin },
      rules: {
        'no-restricted-imports': [severity, restrictedImports(legacyModules)],
        ...Object.fromEntries(RULE_IDS.map((id) => [`ws-ssot/${id}`, [severity, ...ruleOptions]])),
      },
    },
  ];
}

/** The preset with no team module. */
export const recommended: Linter.Config[] = wsSsot();

export { restrictedImports, rules };
export default recommended;
