/**
 * The `ws-ssot` bin as users run it (the built dist/cli.js, in a child process): its shebang, `--help` on every
 * command, `--version`, and each documented exit code — 0 done, 1 findings left, 2 usage, 3 no such directory,
 * 4 no typescript (the package copied where no typescript can be found, as for a user who did not install the
 * optional peer dependency).
 */
import { cpSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { EXIT } from '../../src/cli/exit-codes.js';
import { ensureBuilt, packageRoot } from '../support/build.js';
import { bin } from './helpers/run-cli.js';
import { cleanTemp, tempRoot } from './helpers/temp-project.js';

beforeAll(() => ensureBuilt(), 120_000);
afterEach(() => cleanTemp());

const fixtures = path.join(packageRoot, 'test', 'fixtures');
const version = (JSON.parse(readFileSync(path.join(packageRoot, 'package.json'), 'utf8')) as { version: string }).version;

describe('the ws-ssot bin', () => {
  it('is dist/cli.js, with a shebang, as package.json says', () => {
    const pkg = JSON.parse(readFileSync(path.join(packageRoot, 'package.json'), 'utf8')) as { bin: Record<string, string> };
    expect(pkg.bin).toEqual({ 'ws-ssot': './dist/cli.js' });
    expect(readFileSync(path.join(packageRoot, 'dist', 'cli.js'), 'utf8').startsWith('#!/usr/bin/env node\n')).toBe(true);
  });

  it.each([[['--help']], [['help']], [[]], [['check', '--help']], [['migrate', '--help']], [['help', 'check']], [['migrate', '-h']]])('%j prints help and exits 0', (args) => {
    const r = bin(args);
    expect(r.code).toBe(EXIT.ok);
    expect(r.stderr).toBe('');
    expect(r.stdout).toMatch(/^Usage: ws-ssot /);
    expect(r.stdout).toContain('Exit codes:');
    if (args.includes('check')) expect(r.stdout).toContain('--min-score N');
    if (args.includes('migrate')) expect(r.stdout).toContain('--dry-run');
  });

  it('--version prints the version', () => {
    expect(bin(['--version'])).toMatchObject({ code: 0, stdout: `${version}\n` });
  });

  it('exits 0 with nothing left, 1 with findings (check) and uses it could not rewrite (migrate --dry-run)', () => {
    expect(bin(['check', path.join(fixtures, 'canonical-backend')]).code).toBe(EXIT.ok);
    const old = bin(['check', path.join(fixtures, 'old-backend')]);
    expect(old.code).toBe(EXIT.findings);
    expect(old.stdout).toContain('Score: ');
    const { app } = tempRoot();
    mkdirSync(app);
    writeFileSync(path.join(app, 'a.mjs'), "import { WebSocketManager } from 'ws-ssot/legacy/manager';\nexport default WebSocketManager;\n");
    const dry = bin(['migrate', app, '--dry-run']);
    expect(dry.code).toBe(EXIT.findings);
    expect(dry.stdout).toContain('Not rewritten (2):');
  }, 60_000);

  it.each([
    [['frobnicate'], "unknown command 'frobnicate'"],
    [['check', '--frob'], 'unknown option --frob for check'],
    [['check', '--min-score', 'high'], '--min-score takes a whole number from 0 to 100'],
    [['check', '--min-score'], '--min-score needs a value'],
    [['migrate', '--only', 'WSSOT_DEPX'], '--only takes deprecation codes'],
    [['check', 'a', 'b'], 'check takes one directory'],
    [['migrate', '--json=yes'], '--json takes no value'],
  ])('%j is a usage error (exit 2)', (args, message) => {
    const r = bin(args);
    expect(r.code).toBe(EXIT.usage);
    expect(r.stdout).toBe('');
    expect(r.stderr).toContain('ws-ssot: WSSOT_CLI_ERR_USAGE: ');
    expect(r.stderr).toContain(message);
  });

  it('a directory that does not exist: exit 3', () => {
    const r = bin(['check', path.join(packageRoot, 'no-such-dir')]);
    expect(r.code).toBe(EXIT.project);
    expect(r.stderr).toMatch(/^ws-ssot: WSSOT_CLI_ERR_PROJECT: .*no-such-dir is not a directory\n$/);
  });

  it('without the typescript package (an optional peer dependency): exit 4, saying how to install it', () => {
    // ws-ssot installed in a project that has no typescript anywhere up its tree.
    const { root, app } = tempRoot();
    const installed = path.join(root, 'project', 'node_modules', 'ws-ssot');
    cpSync(path.join(packageRoot, 'dist'), path.join(installed, 'dist'), { recursive: true });
    cpSync(path.join(packageRoot, 'package.json'), path.join(installed, 'package.json'));
    mkdirSync(app);
    const r = bin(['check', app], { script: path.join(installed, 'dist', 'cli.js'), cwd: app });
    expect(r.code).toBe(EXIT.noTypeScript);
    expect(r.stderr).toContain('ws-ssot: WSSOT_CLI_ERR_NO_TYPESCRIPT: the typescript package is needed by ws-ssot check and migrate');
    expect(r.stderr).toContain('npm install --save-dev typescript');
  });
});
