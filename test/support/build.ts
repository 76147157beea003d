/**
 * Makes sure `dist/` is built from the current sources before tests that spawn `node` against the
 * package's own exports (`npm test` builds first; a bare `npx vitest run` rebuilds here if stale).
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const packageRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

function newestMtime(entry: string): number {
  const stat = statSync(entry);
  if (!stat.isDirectory()) return stat.mtimeMs;
  let newest = 0;
  for (const name of readdirSync(entry)) newest = Math.max(newest, newestMtime(path.join(entry, name)));
  return newest;
}

export function ensureBuilt(): void {
  const marker = path.join(packageRoot, 'dist', 'legacy', 'index.cjs');
  const sources = Math.max(...['src', 'legacy', 'package.json', 'tsup.config.ts'].map((p) => newestMtime(path.join(packageRoot, p))));
  if (existsSync(marker) && statSync(marker).mtimeMs >= sources) return;
  execFileSync(process.execPath, [path.join(packageRoot, 'node_modules', 'tsup', 'dist', 'cli-default.js')], { cwd: packageRoot, stdio: 'ignore' });
}
