/**
 * Text edits at node positions: the rewriter never re-prints a tree, so everything it does not touch (formatting,
 * comments, quotes, semicolons) stays byte for byte. An edit replaces [start, end) of one file's text; edits of a
 * file must not overlap (an insertion may sit at the start of a replacement: the replacement applies first).
 */
import type TS from 'typescript';

export interface TextEdit {
  readonly start: number;
  readonly end: number;
  readonly text: string;
}

/** Applies `edits` to `text`. Throws if two of them overlap (a bug in the planner: the file is then left alone). */
export function applyEdits(text: string, edits: readonly TextEdit[]): string {
  const sorted = [...edits].sort((a, b) => b.start - a.start || b.end - a.end);
  let out = text;
  let limit = Infinity;
  let last: TextEdit | null = null;
  for (const e of sorted) {
    if (last !== null && e.start === last.start && e.end === last.end && e.text === last.text) continue; // the same edit twice
    if (e.end > limit) throw new Error(`overlapping edits at ${e.start}-${e.end} and ${limit}`);
    out = out.slice(0, e.start) + e.text + out.slice(e.end);
    limit = e.start;
    last = e;
  }
  return out;
}

/** The indentation of the line `pos` is on. */
export function indentationAt(text: string, pos: number): string {
  const lineStart = text.lastIndexOf('\n', pos - 1) + 1;
  const match = /^[ \t]*/.exec(text.slice(lineStart));
  return match === null ? '' : match[0];
}

/** The end of the line `pos` is on (the position of its line break, or the end of the text). */
export function endOfLine(text: string, pos: number): number {
  const at = text.indexOf('\n', pos);
  return at === -1 ? text.length : at;
}

/**
 * Removes a statement: its whole line(s) when nothing else but a comment after it shares them (the comment on
 * its line goes with it; comments on the lines above stay), else exactly its text.
 */
export function removeStatement(ts: typeof TS, source: TS.SourceFile, statement: TS.Node, withDocComment = false): TextEdit {
  const text = source.text;
  const start = withDocComment ? attachedCommentStart(ts, source, statement) : statement.getStart(source);
  const end = statement.getEnd();
  const lineStart = text.lastIndexOf('\n', start - 1) + 1;
  const before = text.slice(lineStart, start);
  const lineEnd = endOfLine(text, end);
  const after = text.slice(end, lineEnd);
  if (before.trim() === '' && (after.trim() === '' || isLineComment(ts, after))) {
    let next = lineEnd < text.length ? lineEnd + 1 : lineEnd;
    // Between two blank lines: one of them goes too, so no double blank line is left.
    const previousBlank = lineStart > 0 && text.slice(text.lastIndexOf('\n', lineStart - 2) + 1, lineStart - 1).trim() === '';
    const nextLineEnd = endOfLine(text, next);
    if (previousBlank && next < text.length && text.slice(next, nextLineEnd).trim() === '') next = nextLineEnd < text.length ? nextLineEnd + 1 : nextLineEnd;
    return { start: lineStart, end: next, text: '' };
  }
  return { start, end, text: '' };
}

/**
 * Where the comments right above a statement start (its documentation: comment lines that touch it, with no
 * blank line in between), or the statement's own start.
 */
function attachedCommentStart(ts: typeof TS, source: TS.SourceFile, statement: TS.Node): number {
  const text = source.text;
  let start = statement.getStart(source);
  const comments = ts.getLeadingCommentRanges(text, statement.getFullStart()) ?? [];
  for (let i = comments.length - 1; i >= 0; i--) {
    const c = comments[i] as TS.CommentRange;
    const between = text.slice(c.end, start);
    if (between.split('\n').length > 2 || between.trim() !== '') break;
    // Only a comment on lines of its own.
    const lineStart = text.lastIndexOf('\n', c.pos - 1) + 1;
    if (text.slice(lineStart, c.pos).trim() !== '') break;
    start = c.pos;
  }
  return start;
}

function isLineComment(ts: typeof TS, rest: string): boolean {
  const trimmed = rest.trim();
  if (!trimmed.startsWith('//') && !trimmed.startsWith('/*')) return false;
  const scanner = ts.createScanner(ts.ScriptTarget.Latest, true, ts.LanguageVariant.Standard, trimmed);
  return scanner.scan() === ts.SyntaxKind.EndOfFileToken;
}

/**
 * Removes the elements at `remove` from a comma-separated list (import specifiers, binding elements) with their
 * commas, keeping the others as they were written. At least one element must stay (else remove the statement).
 */
export function removeListElements(source: TS.SourceFile, elements: readonly TS.Node[], remove: ReadonlySet<number>): TextEdit[] {
  const edits: TextEdit[] = [];
  const lastKept = Math.max(...elements.map((_, i) => (remove.has(i) ? -1 : i)));
  for (let i = 0; i < elements.length; i++) {
    if (!remove.has(i)) continue;
    if (i < lastKept) {
      // Up to the next element: a kept one follows somewhere, so this comma goes.
      edits.push({ start: (elements[i] as TS.Node).getStart(source), end: (elements[i + 1] as TS.Node).getStart(source), text: '' });
    } else {
      // The trailing run after the last kept element: from that element's end to the run's end, once.
      edits.push({ start: (elements[lastKept] as TS.Node).getEnd(), end: (elements[elements.length - 1] as TS.Node).getEnd(), text: '' });
      break;
    }
  }
  return edits;
}
