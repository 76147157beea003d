import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { DEPRECATION_CODES } from '../../legacy/deprecation-codes.js';
import { packageRoot } from '../support/build.js';

const doc = readFileSync(path.join(packageRoot, 'MIGRATION.md'), 'utf8');

describe('MIGRATION.md', () => {
  it('documents every deprecation code, and only existing ones, once each', () => {
    const documented = [...doc.matchAll(/^\| `(WSSOT_DEP\d{3})` \|/gm)].map((m) => m[1]);
    expect(documented.slice().sort()).toEqual([...DEPRECATION_CODES].sort());
  });

  it('walks the six phases and the three flags', () => {
    for (const phase of ['1. **Drop in', '2. **Enable unified', '3. **Enable factory', '4. **Enable SSOT by percentage', '5. **Remove legacy imports', '6. **Next major']) expect(doc).toContain(phase);
    for (const flag of ['WS_ENABLE_SSOT', 'WS_ENABLE_UNIFIED', 'WS_ENABLE_FACTORY']) expect(doc).toContain(`\`${flag}\``);
  });
});
