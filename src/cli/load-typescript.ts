/**
 * The TypeScript compiler, loaded only when the tools run: `typescript` is an optional peer dependency of
 * ws-ssot, so the library never pulls it in. Looked up from the project being checked first (the compiler its
 * own build uses), then from ws-ssot's own location.
 */
import { createRequire } from 'node:module';
import path from 'node:path';
import type TS from 'typescript';
import { CliError, EXIT } from './exit-codes.js';

export type TypeScript = typeof TS;

let loaded: TypeScript | null = null;

/** The error (exit code 4) when no `typescript` package can be found. */
export class TypeScriptMissingError extends CliError {
  constructor(tried: readonly string[]) {
    super(
      'WSSOT_CLI_ERR_NO_TYPESCRIPT',
      `the typescript package is needed by ws-ssot check and migrate (an optional peer dependency of ws-ssot, not installed): npm install --save-dev typescript (looked from ${tried.join(', ')})`,
      EXIT.noTypeScript,
    );
  }
}

function tryLoad(from: string): TypeScript | null {
  try {
    const required = createRequire(from)('typescript') as TypeScript & { default?: TypeScript };
    const ts = typeof required.createProgram === 'function' ? required : required.default;
    return ts !== undefined && typeof ts.createProgram === 'function' ? ts : null;
  } catch {
    return null;
  }
}

/** The compiler, from `projectDir` (as its own tools would find it) or else from ws-ssot's location. */
export function loadTypeScript(projectDir: string = process.cwd()): TypeScript {
  if (loaded !== null) return loaded;
  const tried = [path.join(path.resolve(projectDir), 'package.json'), import.meta.url];
  for (const from of tried) {
    const ts = tryLoad(from);
    if (ts !== null) {
      loaded = ts;
      return ts;
    }
  }
  throw new TypeScriptMissingError(tried);
}
