/**
 * The compliance score, 0–100: the share of the code's touch points with ws-ssot that are canonical.
 *
 *   score = 100                                   when there is no finding (nothing legacy is left)
 *   score = floor(100 × C / (C + L))              otherwise
 *
 * L is the number of findings (every legacy import, legacy name, old signature, module-level singleton and
 * import cycle counts 1), C the number of uses of the canonical API (its exported names and the members of its
 * objects: `createWebSocketServer`, `wss.manager`, `.sendMessage`, …). Rounding down keeps 100 for "nothing
 * left": one finding in a large canonical codebase still reads 99. The migration server (phase 6) is listed but
 * not counted. A summary counts the findings per deprecation code and per rule.
 */
import { DEPRECATION_CODE_LIST } from './catalog.js';
import { RULES, type Finding, type Rule } from './findings.js';

export function complianceScore(findings: number, canonicalUses: number): number {
  if (findings === 0) return 100;
  return Math.floor((100 * canonicalUses) / (canonicalUses + findings));
}

export interface Summary {
  /** Every deprecation code, with the number of findings that warn with it (0 included). */
  readonly byCode: Record<string, number>;
  /** Findings with no deprecation code (legacy types, team modules, canonical singletons, cycles). */
  readonly uncoded: number;
  /** Every rule, with its number of findings. */
  readonly byRule: Record<Rule, number>;
}

export function summarize(findings: readonly Finding[]): Summary {
  const byCode: Record<string, number> = Object.fromEntries(DEPRECATION_CODE_LIST.map((c) => [c, 0]));
  const byRule = Object.fromEntries(RULES.map((r) => [r, 0])) as Record<Rule, number>;
  let uncoded = 0;
  for (const f of findings) {
    byRule[f.rule]++;
    if (f.code === null) uncoded++;
    else byCode[f.code] = (byCode[f.code] ?? 0) + 1;
  }
  return { byCode, uncoded, byRule };
}
