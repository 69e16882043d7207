/**
 * Loop marks: where a deadline stops a script. QuickJS (2024-01-13, as built by quickjs-emscripten 0.32) checks
 * its interrupt handler at a loop's backward jump and reports the position recorded last before the loop's head;
 * a tight loop without calls records none, so a timeout in `while (true) {}` on line 3 was reported at the last
 * call before it. A global reference right before each `for`/`while` records the loop's own line:column (it runs
 * once per loop entry, not per iteration), and `remap` takes the columns it shifted back to the script's own.
 */
import { parse } from 'sucrase/dist/parser/index.js';
import { TokenType as tt } from 'sucrase/dist/parser/tokenizer/types.js';

/** A reference to a global that always exists: QuickJS records a source position for it. */
export const LOOP_MARK = 'globalThis;';

export interface LoopMarks {
  code: string;
  /** Maps a 1-based line:column of the marked code to the script's own. */
  remap(line: number, column: number): { line: number; column: number };
}

/** Inserts a mark before each loop statement where a statement may start; leaves code it cannot parse alone. */
export function markLoops(code: string): LoopMarks {
  let tokens: ReturnType<typeof parse>['tokens'];
  try {
    tokens = parse(code, false, false, false).tokens;
  } catch {
    return { code, remap: (line, column) => ({ line, column }) };
  }
  const inserts: number[] = [];
  // Which open braces began a `do` body: the `while` after their `}` ends that statement and is no loop head.
  const braces: boolean[] = [];
  let closedDo = false;
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i]!;
    const prev = i > 0 ? tokens[i - 1]! : undefined;
    if (t.type === tt.braceL || t.type === tt.dollarBraceL) braces.push(prev?.type === tt._do);
    if ((t.type === tt._while || t.type === tt._for) && !(t.type === tt._while && closedDo)) {
      const p = prev?.type;
      // Only where a statement surely starts: not after a label, `else`, or `if (...)` without braces.
      if (p === undefined || p === tt.semi || p === tt.braceL || p === tt.braceR) inserts.push(t.start);
    }
    closedDo = false;
    if (t.type === tt.braceR) closedDo = braces.pop() ?? false;
  }
  if (!inserts.length) return { code, remap: (line, column) => ({ line, column }) };
  // Line starts of the original code, to turn offsets into line:column.
  const lineStarts = [0];
  for (let i = 0; i < code.length; i++) if (code.charCodeAt(i) === 10) lineStarts.push(i + 1);
  const byLine = new Map<number, number[]>(); // line -> 1-based columns (original) of the inserts, ascending
  let out = '';
  let last = 0;
  for (const at of inserts) {
    out += code.slice(last, at) + LOOP_MARK;
    last = at;
    let line = 0;
    while (line + 1 < lineStarts.length && lineStarts[line + 1]! <= at) line++;
    const cols = byLine.get(line + 1) ?? [];
    cols.push(at - lineStarts[line]! + 1);
    byLine.set(line + 1, cols);
  }
  out += code.slice(last);
  const n = LOOP_MARK.length;
  return {
    code: out,
    remap(line, column) {
      const cols = byLine.get(line);
      if (!cols) return { line, column };
      let shift = 0;
      for (const c of cols) {
        const markStart = c + shift; // where this mark sits in the marked line
        if (column < markStart) break;
        // A position inside the mark is the loop's own: the keyword the mark stands before.
        if (column < markStart + n) return { line, column: c };
        shift += n;
      }
      return { line, column: column - shift };
    },
  };
}
