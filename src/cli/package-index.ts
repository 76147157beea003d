/**
 * Where ws-ssot's own declarations are in a program, and which of their symbols are legacy: the exports of
 * every legacy module path (resolved as the project resolves them, ESM and CommonJS), the legacy classes whose
 * members carry the old signatures, and the canonical exports. A name in the project is legacy when the type
 * checker resolves it to one of these symbols, never because of how it is spelled.
 */
import { realpathSync } from 'node:fs';
import path from 'node:path';
import type TS from 'typescript';
import { CANONICAL_TWINS, isLegacyPath, LEGACY_NAMES, LEGACY_OWNERS, LEGACY_PATHS, PACKAGE_NAME, SNAKE_CASE, type LegacyKind, type LegacyName } from './catalog.js';
import type { TypeScript } from './load-typescript.js';

export interface PackageIndex {
  /** ws-ssot's declarations were found: members can be told apart (without them only imports can). */
  readonly resolved: boolean;
  /** The package's directory (real path), or null. */
  readonly packageDir: string | null;
  /** A symbol (aliases resolved) that is a legacy export, with its catalog entry. */
  legacyName(symbol: TS.Symbol): LegacyName | undefined;
  /** The role of the legacy class or interface that declares a member, or undefined if it is not one. */
  legacyOwner(member: TS.Symbol): LegacyKind | undefined;
  /** A symbol declared by the package that is not legacy: a canonical export or a member of one. */
  isCanonical(symbol: TS.Symbol): boolean;
  /** Identifier texts worth asking the checker about (every export name of the package). */
  readonly exportNames: ReadonlySet<string>;
  /** Property names worth asking about (every member name the package declares). */
  readonly memberNames: ReadonlySet<string>;
}

const MODES = (ts: TypeScript): TS.ResolutionMode[] => [ts.ModuleKind.ESNext, ts.ModuleKind.CommonJS];

/** The files the package's legacy paths and its root resolve to from `root`, in both module modes. */
export function packageEntryFiles(ts: TypeScript, options: TS.CompilerOptions, root: string): string[] {
  const from = path.join(root, '__ws_ssot_check__.ts');
  const files = new Set<string>();
  for (const specifier of [PACKAGE_NAME, ...LEGACY_PATHS.keys()]) {
    for (const mode of MODES(ts)) {
      const resolved = ts.resolveModuleName(specifier, from, options, ts.sys, undefined, undefined, mode).resolvedModule;
      if (resolved !== undefined) files.add(resolved.resolvedFileName);
    }
  }
  return [...files];
}

function findPackageDir(ts: TypeScript, file: string): string | null {
  for (let dir = path.dirname(file); ; dir = path.dirname(dir)) {
    const manifest = path.join(dir, 'package.json');
    if (ts.sys.fileExists(manifest)) {
      try {
        if ((JSON.parse(ts.sys.readFile(manifest) ?? '{}') as { name?: unknown }).name === PACKAGE_NAME) return realpathSync(dir);
      } catch {
        // not a manifest we can read: keep looking
      }
    }
    if (path.dirname(dir) === dir) return null;
  }
}

export function resolveAlias(ts: TypeScript, checker: TS.TypeChecker, symbol: TS.Symbol): TS.Symbol {
  return (symbol.flags & ts.SymbolFlags.Alias) !== 0 ? checker.getAliasedSymbol(symbol) : symbol;
}

/** Builds the index of `program`, resolving the package from `fromFile` (a file of the project). */
export function buildPackageIndex(ts: TypeScript, program: TS.Program, fromFile: string): PackageIndex {
  const checker = program.getTypeChecker();
  const options = program.getCompilerOptions();
  const legacy = new Map<TS.Symbol, LegacyName>();
  const canonical = new Set<TS.Symbol>();
  const exportNames = new Set<string>(LEGACY_NAMES.keys());
  let packageDir: string | null = null;
  for (const specifier of [PACKAGE_NAME, ...LEGACY_PATHS.keys()]) {
    for (const mode of MODES(ts)) {
      const resolved = ts.resolveModuleName(specifier, fromFile, options, ts.sys, undefined, undefined, mode).resolvedModule;
      const source = resolved === undefined ? undefined : program.getSourceFile(resolved.resolvedFileName);
      if (resolved === undefined || source === undefined) continue;
      packageDir ??= findPackageDir(ts, resolved.resolvedFileName);
      const moduleSymbol = checker.getSymbolAtLocation(source);
      if (moduleSymbol === undefined) continue;
      for (const exported of checker.getExportsOfModule(moduleSymbol)) {
        exportNames.add(exported.name);
        const target = resolveAlias(ts, checker, exported);
        const entry = isLegacyPath(specifier) ? LEGACY_NAMES.get(exported.name) : undefined;
        if (entry !== undefined) legacy.set(target, entry);
        else if (!isLegacyPath(specifier)) canonical.add(target);
      }
    }
  }
  // A legacy export of the same symbol as a canonical one (none today) stays canonical.
  for (const symbol of canonical) legacy.delete(symbol);
  /** A declaration file of the package itself (not a project file beside it, not one of its dependencies). */
  const isPackageFile = (source: TS.SourceFile): boolean =>
    packageDir !== null && source.isDeclarationFile && source.fileName.startsWith(packageDir + path.sep) && !source.fileName.slice(packageDir.length).includes(`${path.sep}node_modules${path.sep}`);
  const inPackage = (symbol: TS.Symbol): boolean => (symbol.declarations ?? []).some((d) => isPackageFile(d.getSourceFile()));

  // Member names the package declares, and the legacy owners among its classes and interfaces.
  const memberNames = new Set<string>();
  const owners = new Map<TS.Symbol, LegacyKind>();
  if (packageDir !== null) {
    for (const source of program.getSourceFiles()) {
      if (!isPackageFile(source)) continue;
      const visit = (node: TS.Node): void => {
        if ((ts.isClassDeclaration(node) || ts.isInterfaceDeclaration(node)) && node.name !== undefined) {
          const names: string[] = [];
          for (const member of node.members) if (member.name !== undefined && (ts.isIdentifier(member.name) || ts.isPrivateIdentifier(member.name))) names.push(member.name.text);
          for (const n of names) memberNames.add(n);
          const role = LEGACY_OWNERS.get(node.name.text);
          const symbol = checker.getSymbolAtLocation(node.name);
          // A legacy owner whose name the canonical API has too (the factory) is the legacy one only if it
          // carries the old snake_case names: the canonical declarations never do.
          const legacyShape = !CANONICAL_TWINS.has(node.name.text) || names.some((n) => SNAKE_CASE.has(n));
          if (role !== undefined && symbol !== undefined && !canonical.has(symbol) && legacyShape) owners.set(symbol, role);
        }
        if (ts.isModuleBlock(node) || ts.isSourceFile(node) || ts.isModuleDeclaration(node)) ts.forEachChild(node, visit);
      };
      visit(source);
    }
  }
  const ownerOf = (member: TS.Symbol): TS.Symbol | undefined => (member as TS.Symbol & { parent?: TS.Symbol }).parent;
  return {
    resolved: packageDir !== null,
    packageDir,
    legacyName: (symbol) => legacy.get(symbol),
    legacyOwner(member) {
      // A member of a union (createManager() returns either kind) has one declaration per owner.
      const parent = ownerOf(member);
      if (parent !== undefined && owners.has(parent)) return owners.get(parent);
      for (const declaration of member.declarations ?? []) {
        const owner = declaration.parent as TS.Node | undefined;
        if (owner !== undefined && (ts.isClassDeclaration(owner) || ts.isInterfaceDeclaration(owner)) && owner.name !== undefined) {
          const symbol = checker.getSymbolAtLocation(owner.name);
          if (symbol !== undefined && owners.has(symbol)) return owners.get(symbol);
        }
      }
      return undefined;
    },
    isCanonical(symbol) {
      if (legacy.has(symbol) || !inPackage(symbol)) return false;
      if (canonical.has(symbol)) return true;
      const parent = ownerOf(symbol);
      return parent !== undefined && !owners.has(parent) && inPackage(parent);
    },
    exportNames,
    memberNames,
  };
}
