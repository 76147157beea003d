/**
 * A unified diff (`diff -u`, `git diff` style, 3 lines of context) of one file before and after the rewrite, for
 * `migrate --dry-run`. Lines are compared with Myers' O((N+M)·D) algorithm; applying the output with `patch -p1`
 * or `git apply` gives the rewritten file.
 */
type Op = { kind: ' ' | '-' | '+'; line: string };

/** A last line without a line break is another line than the same text with one: it carries this mark. */
const NO_EOL = '\u0000no-eol';

function splitLines(text: string): string[] {
  if (text === '') return [];
  const lines = text.split('\n');
  if (lines[lines.length - 1] === '') lines.pop();
  else lines[lines.length - 1] += NO_EOL;
  return lines;
}

function show(kind: string, line: string): string {
  return line.endsWith(NO_EOL) ? `${kind}${line.slice(0, -NO_EOL.length)}\n\\ No newline at end of file` : `${kind}${line}`;
}

/** The edit script from `a` to `b` (Myers, greedy, with the trace kept for the walk back). */
function editScript(a: readonly string[], b: readonly string[]): Op[] {
  const n = a.length;
  const m = b.length;
  const max = n + m;
  const offset = max;
  const v = new Int32Array(2 * max + 2);
  const trace: Int32Array[] = [];
  let found = false;
  for (let d = 0; d <= max && !found; d++) {
    trace.push(v.slice());
    for (let k = -d; k <= d; k += 2) {
      let x = k === -d || (k !== d && (v[offset + k - 1] as number) < (v[offset + k + 1] as number)) ? (v[offset + k + 1] as number) : (v[offset + k - 1] as number) + 1;
      let y = x - k;
      while (x < n && y < m && a[x] === b[y]) {
        x++;
        y++;
      }
      v[offset + k] = x;
      if (x >= n && y >= m) {
        found = true;
        break;
      }
    }
  }
  // Walk back: trace[d] is the frontier before step d.
  const ops: Op[] = [];
  let x = n;
  let y = m;
  for (let d = trace.length - 1; d >= 0; d--) {
    const w = trace[d] as Int32Array;
    const k = x - y;
    const prevK = k === -d || (k !== d && (w[offset + k - 1] as number) < (w[offset + k + 1] as number)) ? k + 1 : k - 1;
    const prevX = w[offset + prevK] as number;
    const prevY = prevX - prevK;
    while (x > prevX && y > prevY) {
      ops.push({ kind: ' ', line: a[x - 1] as string });
      x--;
      y--;
    }
    if (d > 0) {
      if (x === prevX) ops.push({ kind: '+', line: b[y - 1] as string });
      else ops.push({ kind: '-', line: a[x - 1] as string });
    }
    x = prevX;
    y = prevY;
  }
  return ops.reverse();
}

/** The unified diff of `file` from `before` to `after`, or '' if they are equal. */
export function unifiedDiff(file: string, before: string, after: string, context = 3): string {
  if (before === after) return '';
  const ops = editScript(splitLines(before), splitLines(after));
  const out: string[] = [`--- a/${file}`, `+++ b/${file}`];
  let i = 0;
  while (i < ops.length) {
    while (i < ops.length && (ops[i] as Op).kind === ' ') i++;
    if (i >= ops.length) break;
    // A hunk: from `context` lines before this change to `context` lines after the last change close to it.
    const start = Math.max(0, i - context);
    let end = i;
    for (;;) {
      while (end < ops.length && (ops[end] as Op).kind !== ' ') end++;
      let gap = end;
      while (gap < ops.length && (ops[gap] as Op).kind === ' ') gap++;
      if (gap < ops.length && gap - end <= 2 * context) end = gap;
      else {
        end = Math.min(ops.length, end + context);
        break;
      }
    }
    let aLine = 1;
    let bLine = 1;
    for (let j = 0; j < start; j++) {
      if ((ops[j] as Op).kind !== '+') aLine++;
      if ((ops[j] as Op).kind !== '-') bLine++;
    }
    const hunk = ops.slice(start, end);
    const aCount = hunk.filter((o) => o.kind !== '+').length;
    const bCount = hunk.filter((o) => o.kind !== '-').length;
    out.push(`@@ -${aCount === 0 ? aLine - 1 : aLine},${aCount} +${bCount === 0 ? bLine - 1 : bLine},${bCount} @@`);
    for (const o of hunk) out.push(show(o.kind, o.line));
    i = end;
  }
  return `${out.join('\n')}\n`;
}
