/**
 * The plugin's rules, one per finder rule of `ws-ssot check` where imports are not enough: with type information
 * (typescript-eslint's program) each reports exactly the findings `check` makes for the file, resolved by symbol;
 * without it, what the syntax and ESLint's scopes show (untyped.ts). Static imports of `ws-ssot/legacy*` are
 * `no-restricted-imports`' (the preset configures it), so `no-legacy-import` reports every other way in: `require()`,
 * `import()`, a legacy name imported through a re-export, a team module matched by the file it resolves to.
 */
import type { Rule } from 'eslint';
import type TS from 'typescript';
import type { Finding, Rule as FindingRule } from '../cli/findings.js';
import { fileFindings, programAnalysis } from './program-analysis.js';
import { untypedFindings } from './untyped.js';

export interface RuleOptions {
  /** The team's own old module paths (as `ws-ssot check --legacy-module`). */
  legacyModules?: string[];
}

const RULE_OF: Record<string, FindingRule> = {
  'no-legacy-import': 'legacy-import',
  'no-legacy-name': 'legacy-name',
  'no-snake-case': 'snake-case',
  'no-user-less-emit': 'user-less-emit',
  'no-module-singleton': 'module-singleton',
  'no-manager-import-cycle': 'import-cycle',
};

const DESCRIPTIONS: Record<string, string> = {
  'no-legacy-import': 'ws-ssot/legacy names reached by require(), import(), a re-export, or a team module (static imports: no-restricted-imports)',
  'no-legacy-name': 'uses of legacy ws-ssot names, resolved by symbol (aliases and re-exports followed)',
  'no-snake-case': 'snake_case methods of legacy objects (WSSOT_DEP009)',
  'no-user-less-emit': 'emitCriticalEvent(type, data) without a user on a process-wide legacy manager (WSSOT_DEP010)',
  'no-module-singleton': 'managers made at module level, before the app has a server',
  'no-manager-import-cycle': 'import cycles through modules that touch a manager (needs type information)',
};

interface ParserServices {
  program?: TS.Program | null;
}

function ruleFor(id: string): Rule.RuleModule {
  const rule = RULE_OF[id] as FindingRule;
  return {
    meta: {
      type: 'problem',
      docs: { description: DESCRIPTIONS[id] as string },
      schema: [{ type: 'object', properties: { legacyModules: { type: 'array', items: { type: 'string' } } }, additionalProperties: false }],
    },
    create(context) {
      const options = (context.options[0] ?? {}) as RuleOptions;
      const legacyModules = options.legacyModules ?? [];
      const services = context.sourceCode.parserServices as ParserServices | undefined;
      const program = services?.program ?? null;
      return {
        'Program:exit'() {
          if (program !== null && program.getSourceFile(context.filename) !== undefined) {
            const analysis = programAnalysis(program, context.cwd, legacyModules);
            for (const f of fileFindings(analysis, context.filename)) {
              if (f.rule !== rule || (rule === 'legacy-import' && f.form === 'static-import')) continue;
              context.report({ loc: locOf(f), message: f.message });
            }
            return;
          }
          if (rule === 'import-cycle') return; // needs the program
          for (const f of untypedFindings(context.sourceCode, legacyModules)) if (f.rule === rule) context.report({ node: f.node, message: f.message });
        },
      };
    },
  };
}

function locOf(f: Finding): { start: { line: number; column: number }; end: { line: number; column: number } } {
  return { start: { line: f.line, column: f.column - 1 }, end: { line: f.endLine, column: f.endColumn - 1 } };
}

export const RULE_IDS: readonly string[] = Object.keys(RULE_OF);

export const rules: Record<string, Rule.RuleModule> = Object.fromEntries(RULE_IDS.map((id) => [id, ruleFor(id)]));
