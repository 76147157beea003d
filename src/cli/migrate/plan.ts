/**
 * The migration of a project, planned from `check`'s analysis: one group of edits per legacy object
 * (origins.ts), the context passed to what needs the server (threading.ts), snake_case methods renamed on the
 * objects that stay, legacy imports that are no longer used removed (imports.ts), and `wss.legacy.bindGlobal()`
 * removed once nothing legacy is left. Every finding is either answered by an applied edit or listed with why not.
 */
import type TS from 'typescript';
import type { Analysis } from '../analyze.js';
import { MIGRATION_SERVER, SNAKE_CASE, SNAKE_CASE_CODE } from '../catalog.js';
import type { Finding } from '../findings.js';
import type { FileError } from '../project.js';
import { applyEdits, removeStatement, type TextEdit } from './edits.js';
import { removeFreedImports } from './imports.js';
import { block, newGroup, type Group, type PlannedEdit } from './model.js';
import { originGroups } from './origins.js';
import { referenceIndex } from './references.js';
import { threading } from './threading.js';

export interface FileChange {
  readonly file: string;
  readonly fileName: string;
  readonly before: string;
  readonly after: string;
}

export interface Unrewritten {
  readonly finding: Finding;
  readonly reason: string;
}

export interface MigrationPlan {
  readonly changes: FileChange[];
  readonly rewritten: Finding[];
  readonly notRewritten: Unrewritten[];
  readonly notes: Array<{ file: string; line: number; column: number; text: string }>;
  readonly errors: FileError[];
}

function position(node: TS.Node): { line: number; column: number } {
  const source = node.getSourceFile();
  const at = source.getLineAndCharacterOfPosition(node.getStart(source));
  return { line: at.line + 1, column: at.character + 1 };
}

/** Plans the rewrite of `files`; `only` restricts it to deprecation codes or rule ids (empty: everything). */
export function planMigration(analysis: Analysis, files: readonly TS.SourceFile[], only: readonly string[]): MigrationPlan {
  const c = analysis.context;
  const { ts } = c;
  const references = referenceIndex(c, files);
  const oc = { ...c, references };
  const selected = (g: Group): boolean => only.length === 0 || only.some((o) => g.selectors.has(o));
  const groups = files.flatMap((f) => originGroups(oc, f));
  const th = threading({ ...c, references, files });

  // The server where each group needs it; a place it cannot reach blocks the group.
  for (const g of groups) {
    if (g.blocked !== null || !selected(g)) continue;
    for (const e of g.edits) {
      if (typeof e.text === 'string' || e.explicitServer !== undefined || e.serverAt === undefined) continue;
      const at = th.serverAt(e.serverAt);
      if ('reason' in at) block(g, `the server cannot be passed here: ${at.reason}`, e.serverAt);
    }
  }
  const applied = groups.filter((g) => g.blocked === null && selected(g));
  const covered = new Map<TS.SourceFile, Set<number>>();
  const cover = (source: TS.SourceFile, start: number): void => {
    const set = covered.get(source) ?? new Set<number>();
    set.add(start);
    covered.set(source, set);
  };
  for (const g of applied) for (const x of g.covers) cover(x.source, x.start);

  // snake_case methods on objects that stay legacy: the camelCase twin of the same object.
  const byFile = new Map(files.map((f) => [c.relative(f.fileName), f]));
  const snakeGroup = newGroup(null, [SNAKE_CASE_CODE, 'snake-case']);
  if (selected(snakeGroup)) {
    const wanted = new Map<TS.SourceFile, Set<number>>();
    for (const f of analysis.findings) {
      const source = byFile.get(f.file);
      if (f.rule !== 'snake-case' || source === undefined || covered.get(source)?.has(f.start) === true) continue;
      const set = wanted.get(source) ?? new Set<number>();
      set.add(f.start);
      wanted.set(source, set);
    }
    for (const [source, starts] of wanted) {
      const visit = (n: TS.Node): void => {
        if (ts.isPropertyAccessExpression(n) && ts.isIdentifier(n.name) && starts.has(n.name.getStart(source))) {
          const camel = SNAKE_CASE.get(n.name.text);
          if (camel !== undefined) snakeGroup.edits.push({ source, start: n.name.getStart(source), end: n.name.getEnd(), text: camel });
          snakeGroup.covers.push({ source, start: n.name.getStart(source) });
        }
        ts.forEachChild(n, visit);
      };
      visit(source);
    }
    applied.push(snakeGroup);
    for (const x of snakeGroup.covers) cover(x.source, x.start);
  }

  // Imports freed by the applied groups.
  const dropped = new Set<TS.Node>();
  const removedSymbols = new Set<TS.Symbol>();
  for (const g of applied) {
    for (const n of g.dropped) {
      dropped.add(n);
      if (ts.isIdentifier(n) && ts.isVariableDeclaration(n.parent) && n.parent.name === n) {
        const s = c.checker.getSymbolAtLocation(n);
        if (s !== undefined) removedSymbols.add(s);
      }
    }
  }
  const edits = new Map<TS.SourceFile, TextEdit[]>();
  const push = (source: TS.SourceFile, e: TextEdit): void => {
    const list = edits.get(source) ?? [];
    list.push(e);
    edits.set(source, list);
  };
  for (const source of files) {
    const removal = removeFreedImports(c, source, dropped, removedSymbols);
    for (const e of removal.edits) push(source, e);
    for (const start of removal.removed) cover(source, start);
  }

  const isCovered = (f: Finding): boolean => covered.get(byFile.get(f.file) as TS.SourceFile)?.has(f.start) === true;
  const left = analysis.findings.filter((f) => !isCovered(f));
  // Nothing legacy left: the global accessor's binding has no reader any more.
  if (left.length === 0) {
    for (const u of analysis.migrationServer) {
      const source = byFile.get(u.file);
      if (u.name !== MIGRATION_SERVER.bindGlobal || source === undefined) continue;
      const visit = (n: TS.Node): void => {
        if (ts.isExpressionStatement(n) && ts.isCallExpression(n.expression) && ts.isPropertyAccessExpression(n.expression.expression) && n.expression.expression.name.getStart(source) === u.start) push(source, removeStatement(ts, source, n));
        else ts.forEachChild(n, visit);
      };
      visit(source);
    }
  }

  // The edits of the applied groups, with the server's expression filled in, and the context passed on.
  const resolve = (e: PlannedEdit): TextEdit => {
    if (typeof e.text === 'string') return { start: e.start, end: e.end, text: e.text };
    const server = e.explicitServer ?? (() => {
      const at = th.serverAt(e.serverAt as TS.Node);
      return 'text' in at ? at.text : '';
    })();
    return { start: e.start, end: e.end, text: e.text(server) };
  };
  const serverUses: TS.Node[] = [];
  for (const g of applied) {
    for (const e of g.edits) {
      push(e.source, resolve(e));
      if (typeof e.text !== 'string' && e.explicitServer === undefined && e.serverAt !== undefined) serverUses.push(e.serverAt);
    }
  }
  for (const e of th.edits(serverUses)) push(e.source, resolve(e));

  const changes: FileChange[] = [];
  const errors: FileError[] = [];
  const failed = new Set<string>();
  for (const [source, list] of edits) {
    const file = c.relative(source.fileName);
    try {
      const after = applyEdits(source.text, list);
      if (after !== source.text) changes.push({ file, fileName: source.fileName, before: source.text, after });
    } catch (err) {
      failed.add(file);
      errors.push({ file, line: 0, column: 0, code: 'WSSOT_CLI_ERR_ANALYZE', message: `not rewritten: ${err instanceof Error ? err.message : String(err)}` });
    }
  }
  changes.sort((a, b) => (a.file < b.file ? -1 : 1));

  // What each finding became.
  const reasonAt = new Map<string, string>();
  for (const g of groups) {
    if (g.blocked === null && selected(g)) continue;
    const reason = g.blocked ?? 'not selected by --only';
    for (const x of g.covers) reasonAt.set(`${c.relative(x.source.fileName)}:${x.start}`, reason);
  }
  const rewritten: Finding[] = [];
  const notRewritten: Unrewritten[] = [];
  for (const f of analysis.findings) {
    if (isCovered(f) && !failed.has(f.file)) {
      rewritten.push(f);
      continue;
    }
    const reason = failed.has(f.file)
      ? 'the edits of this file conflicted (see errors)'
      : reasonAt.get(`${f.file}:${f.start}`) ??
        (f.rule === 'import-cycle'
          ? 'an import cycle: restructure the modules by hand'
          : f.rule === 'legacy-import' && f.code === null && f.name !== ''
            ? "the team's own old module, or a whole legacy module: replace it by hand"
            : f.rule === 'legacy-import'
              ? 'still used by code that was not rewritten (see the other entries)'
              : only.length > 0
                ? 'not selected by --only'
                : 'no safe translation for this use: rewrite it by hand (docs/tools.md)');
    notRewritten.push({ finding: f, reason });
  }
  const notes = applied.flatMap((g) => g.notes.map((n) => ({ file: c.relative(n.at.getSourceFile().fileName), ...position(n.at), text: n.text })));
  return { changes, rewritten, notRewritten, notes, errors };
}
