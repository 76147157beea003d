/** `--help` of each command (docs/tools.md has the long form). */
import type { CommandName } from './args.js';

const EXIT_CODES = `Exit codes:
  0  done (check: score at or above --min-score and every file read; migrate: nothing left it could not rewrite)
  1  check: score below --min-score, or a file could not be read or parsed;
     migrate: some uses could not be rewritten (listed with the reason), or a file could not be read or parsed
  2  usage error (unknown command or option, missing or malformed value)
  3  the directory does not exist or is not a directory
  4  the typescript package is not installed (npm install --save-dev typescript)`;

const MAIN = `Usage: ws-ssot <command> [dir] [options]

Tools for the migration from the old WebSocket managers (ws-ssot/legacy/*) to the canonical API of ws-ssot.
They read the code with the TypeScript type checker (typescript, an optional peer dependency).

Commands:
  check [dir]     list the legacy uses left, with a compliance score (100 = nothing left)
  migrate [dir]   rewrite what can be translated safely to the canonical API

Options:
  -h, --help      help (ws-ssot <command> --help for a command's options)
  -v, --version   the version of ws-ssot

${EXIT_CODES}

Documentation: docs/tools.md in the ws-ssot package.
`;

const CHECK = `Usage: ws-ssot check [dir] [options]

Reads the project in dir (default: the current directory) through its tsconfig.json, else its jsconfig.json,
else every .ts/.tsx/.mts/.cts/.js/.jsx/.mjs/.cjs file under it, and reports each legacy use with
file:line:column, its deprecation code and its replacement:
  - imports, re-exports, require() and import() of ws-ssot/legacy* (and of --legacy-module paths);
  - every use of a legacy name, resolved by symbol (aliases and re-exports followed, look-alikes ignored);
  - old signatures: snake_case methods (WSSOT_DEP009), emitCriticalEvent(type, data) without a user (WSSOT_DEP010);
  - module-level manager singletons, and import cycles through modules that touch a manager.
Then a summary per code and the score: 100 when nothing is left, else floor(100 × C / (C + L)) with L the
findings and C the uses of the canonical API. The migration server (its factory in ws-ssot/legacy, wss.legacy)
is listed apart: phase 6, not counted.

Options:
  --json                  one JSON document on stdout (schemaVersion 1, documented in docs/tools.md)
  --min-score N           exit 1 when the score is below N (0-100, default 100)
  --legacy-module PATH    one of the team's own old module paths: a package name or specifier
                          (@acme/ws-manager) or a path relative to dir (src/ws/old-manager); repeat it, or
                          separate several with commas
  --no-progress           no progress lines on stderr (shown for 200 files and more)
  -h, --help              this help

${EXIT_CODES}
`;

const MIGRATE = `Usage: ws-ssot migrate [dir] [options]

Rewrites what it can translate safely to the canonical API, in place, keeping formatting and comments (text
edits at the nodes, nothing re-printed):
  - snake_case methods to their camelCase twins (WSSOT_DEP009);
  - legacy managers, user-bound managers, the old factory and the global accessor to the server's own
    wss.manager / wss.factory, passed through the app's context as MIGRATION.md phase 5 shows: the functions
    that need it take a ctx parameter ({ wss }), made once where the server is created, and every caller passes it;
  - emitCriticalEvent(type, data) on a user-bound manager to wss.manager.emitCriticalEvent(userId, type, data);
  - legacy imports and types to 'ws-ssot', and the legacy imports left unused removed;
  - wss.legacy.bindGlobal() removed once nothing legacy is left.
It lists what it could not rewrite, and why. A second run changes nothing.

Options:
  --dry-run               write nothing: print the changes as a unified diff on stdout
  --only CODE...          rewrite only these deprecation codes (WSSOT_DEP001 ...) or rules (snake-case ...);
                          repeat it, separate with commas, or list them after it
  --json                  the result as JSON on stdout (schemaVersion 1): files changed, rewrites, what is left
  --legacy-module PATH    as for check (its imports are reported, not rewritten)
  --no-progress           no progress lines on stderr
  -h, --help              this help

${EXIT_CODES}
`;

export function helpText(topic: CommandName | null): string {
  return topic === 'check' ? CHECK : topic === 'migrate' ? MIGRATE : MAIN;
}
