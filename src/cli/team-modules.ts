/**
 * The team's own old module paths (`--legacy-module`, the ESLint preset's `legacyModules`): a package name or
 * specifier (`@acme/ws-manager`, and everything under it), or a path relative to the project root
 * (`src/websocket/old-manager`, with or without its extension, or a directory), matched against the file the
 * import resolves to.
 */
import path from 'node:path';

export interface TeamModules {
  readonly patterns: readonly string[];
  /** The pattern an import matches, or null. */
  match(specifier: string, resolvedFile: string | null): string | null;
}

const stripExtension = (file: string): string => file.replace(/\.(d\.)?[cm]?[jt]sx?$/, '');

export function teamModules(root: string, patterns: readonly string[]): TeamModules {
  const files = patterns.map((p) => (p.startsWith('.') || p.startsWith('/') || p.includes(path.sep) ? stripExtension(path.resolve(root, p)) : null));
  return {
    patterns,
    match(specifier, resolvedFile) {
      for (const [i, pattern] of patterns.entries()) {
        if (specifier === pattern || specifier.startsWith(`${pattern}/`)) return pattern;
        const file = files[i];
        if (file !== null && file !== undefined && resolvedFile !== null) {
          const resolved = stripExtension(resolvedFile);
          if (resolved === file || resolved.startsWith(file + path.sep) || resolved === path.join(file, 'index')) return pattern;
        }
      }
      return null;
    },
  };
}
