import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { DEPRECATIONS, DEPRECATION_CODES } from '../../legacy/deprecation-codes.js';
import { packageRoot } from '../support/build.js';

const doc = readFileSync(path.join(packageRoot, 'MIGRATION.md'), 'utf8');

describe('MIGRATION.md', () => {
  it('documents every deprecation code, and only existing ones, once each', () => {
    const documented = [...doc.matchAll(/^\| `(WSSOT_DEP\d{3})` \|/gm)].map((m) => m[1]);
    expect(documented.slice().sort()).toEqual([...DEPRECATION_CODES].sort());
  });

  it("says, for each code, what the warning says: the table's two columns are the codes' texts", () => {
    // The table formats names as code (`…`) where the warning quotes module paths ('…'): compare without either.
    const plain = (text: string): string => text.replace(/[`']/g, '');
    const rows = [...doc.matchAll(/^\| `(WSSOT_DEP\d{3})` \| (.*) \| (.*) \|$/gm)];
    expect(rows).toHaveLength(DEPRECATION_CODES.length);
    for (const m of doc.matchAll(/^\| `(WSSOT_DEP\d{3})` \| (.*) \| (.*) \|$/gm)) {
      const info = DEPRECATIONS[m[1] as keyof typeof DEPRECATIONS];
      expect(plain(m[2] as string), `${m[1]} replace`).toBe(plain(info.replace));
      expect(plain(m[3] as string), `${m[1]} with`).toBe(plain(info.with));
    }
  });

  it('walks the six phases and the three flags', () => {
    for (const phase of ['1. **Drop in', '2. **Enable unified', '3. **Enable factory', '4. **Enable SSOT by percentage', '5. **Remove legacy imports', '6. **Next major']) expect(doc).toContain(phase);
    for (const flag of ['WS_ENABLE_SSOT', 'WS_ENABLE_UNIFIED', 'WS_ENABLE_FACTORY']) expect(doc).toContain(`\`${flag}\``);
  });
});
