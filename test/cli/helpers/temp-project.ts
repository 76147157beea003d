/**
 * Projects for the CLI tests, in temp dirs (never the fixtures in place): a copy of a fixture, or files written by
 * the test, with `node_modules/ws-ssot` linked to this package (so `ws-ssot` and `ws-ssot/legacy/*` resolve, for
 * Node and for the type checker, as for an installed dependency) and `node_modules/@types` to this package's.
 */
import { cpSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { packageRoot } from '../../support/build.js';

const made: string[] = [];

/** A new temp dir with node_modules/ws-ssot and node_modules/@types linked; `app` is where the project goes. */
export function tempRoot(): { root: string; app: string } {
  const root = mkdtempSync(path.join(os.tmpdir(), 'wssot-cli-'));
  made.push(root);
  mkdirSync(path.join(root, 'node_modules'));
  symlinkSync(packageRoot, path.join(root, 'node_modules', 'ws-ssot'), 'dir');
  symlinkSync(path.join(packageRoot, 'node_modules', '@types'), path.join(root, 'node_modules', '@types'), 'dir');
  return { root, app: path.join(root, 'app') };
}

/** A copy of test/fixtures/<name> in a temp dir (its docs and oracle included). */
export function copyFixture(name: string): string {
  const { app } = tempRoot();
  cpSync(path.join(packageRoot, 'test', 'fixtures', name), app, { recursive: true });
  return app;
}

/** A project of the given files (path → text) in a temp dir. */
export function writeProject(files: Record<string, string>): string {
  const { app } = tempRoot();
  for (const [file, text] of Object.entries(files)) {
    mkdirSync(path.dirname(path.join(app, file)), { recursive: true });
    writeFileSync(path.join(app, file), text);
  }
  return app;
}

/** Every file under `dir` (relative path → text), for before/after comparisons. */
export function snapshot(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (d: string): void => {
    for (const name of readdirSync(d).sort()) {
      const full = path.join(d, name);
      if (statSync(full).isDirectory()) walk(full);
      else out[path.relative(dir, full)] = readFileSync(full, 'utf8');
    }
  };
  walk(dir);
  return out;
}

/** Removes the temp dirs made so far (each test file's afterEach). */
export function cleanTemp(): void {
  for (const dir of made.splice(0)) rmSync(dir, { recursive: true, force: true });
}
