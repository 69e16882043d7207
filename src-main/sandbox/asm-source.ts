/**
 * Where a BPF assembly string sits in the script: the assembler and the verifier number lines from inside the
 * string, the editor wants the script's own line:column. The literal is found by its value (a plain string or a
 * template literal without substitutions whose text is the program), and escapes are decoded with the offsets
 * kept, so that `'r0 = 0\nexit'` maps as well as a multi-line template.
 */
import { parse } from 'sucrase/dist/parser/index.js';
import { TokenType as tt } from 'sucrase/dist/parser/tokenizer/types.js';

export interface ScriptPosition {
  line: number;
  column: number;
}

interface Literal {
  /** The literal's value. */
  value: string;
  /** For each character of the value (and one past its end): its offset in the script. */
  at: number[];
}

const SIMPLE: Record<string, string> = { n: '\n', t: '\t', r: '\r', b: '\b', f: '\f', v: '\v', '0': '\0' };

/** Decodes the text between a literal's quotes (script offsets `start`..`end`), keeping each character's offset. */
function decode(code: string, start: number, end: number): Literal {
  let value = '';
  const at: number[] = [];
  let i = start;
  while (i < end) {
    const c = code[i]!;
    if (c !== '\\') {
      value += c;
      at.push(i);
      i++;
      continue;
    }
    const d = code[i + 1] ?? '';
    let ch: string;
    let len = 2;
    if (d === '\n')
      ch = ''; // a line continuation
    else if (d === 'x') {
      ch = String.fromCharCode(parseInt(code.slice(i + 2, i + 4), 16));
      len = 4;
    } else if (d === 'u' && code[i + 2] === '{') {
      const close = code.indexOf('}', i);
      ch = String.fromCodePoint(parseInt(code.slice(i + 3, close), 16));
      len = close - i + 1;
    } else if (d === 'u') {
      ch = String.fromCharCode(parseInt(code.slice(i + 2, i + 6), 16));
      len = 6;
    } else ch = SIMPLE[d] ?? d;
    for (const x of ch) {
      value += x;
      at.push(i);
    }
    i += len;
  }
  at.push(end);
  return { value, at };
}

/** The script's literals whose value is `text`. */
function literalsOf(code: string, typescript: boolean, text: string): Literal[] {
  let tokens: ReturnType<typeof parse>['tokens'];
  try {
    tokens = parse(code, false, typescript, false).tokens;
  } catch {
    return [];
  }
  const out: Literal[] = [];
  for (let k = 0; k < tokens.length; k++) {
    const t = tokens[k]!;
    let lit: Literal | undefined;
    if (t.type === tt.string) lit = decode(code, t.start + 1, t.end - 1);
    else if (t.type === tt.backQuote && tokens[k + 1]?.type === tt.template && tokens[k + 2]?.type === tt.backQuote) {
      // Template text is the raw text with escapes (and \r\n as \n) cooked.
      const tpl = tokens[k + 1]!;
      lit = decode(code, tpl.start, tpl.end);
      k += 2;
    }
    if (lit && lit.value === text) out.push(lit);
  }
  return out;
}

/**
 * The script's line:column of `line`:`column` (1-based) inside the assembly `asm`, or undefined where the
 * program is not a literal of the script. `near` (a script line, e.g. the prog_load call's) picks between equal
 * literals: the last one at or before it, else the first.
 */
export function asmScriptPosition(
  code: string,
  typescript: boolean,
  asm: string,
  line: number,
  column: number,
  near?: number,
): ScriptPosition | undefined {
  const lits = literalsOf(code, typescript, asm);
  if (!lits.length) return undefined;
  const lineOf = (offset: number): number => {
    let n = 1;
    for (let i = 0; i < offset; i++) if (code.charCodeAt(i) === 10) n++;
    return n;
  };
  let lit = lits[0]!;
  if (near !== undefined) for (const l of lits) if (lineOf(l.at[0]!) <= near) lit = l;
  // The value's offset of the asm line's start, then the column inside it.
  let idx = 0;
  for (let n = 1; n < line; n++) {
    const nl = asm.indexOf('\n', idx);
    if (nl < 0) return undefined;
    idx = nl + 1;
  }
  const lineEnd = asm.indexOf('\n', idx) < 0 ? asm.length : asm.indexOf('\n', idx);
  const valueAt = Math.min(idx + Math.max(0, column - 1), lineEnd);
  const offset = lit.at[valueAt]!;
  const lineStart = code.lastIndexOf('\n', offset - 1) + 1;
  return { line: lineOf(offset), column: offset - lineStart + 1 };
}

/**
 * The script line of each instruction of a program assembled from `asm` (`asmLines`: the assembler's 1-based asm
 * line per instruction, 0 for an ld_imm64's second half), or undefined where the program is not a literal of the
 * script. 0 stays 0. One parse of the script for the whole program.
 */
export function asmScriptLines(
  code: string,
  typescript: boolean,
  asm: string,
  asmLines: readonly number[],
): number[] | undefined {
  const lit = literalsOf(code, typescript, asm)[0];
  if (!lit) return undefined;
  // The value's offset of each asm line's start, and the script's line of each offset.
  const lineStart = [0];
  for (let i = asm.indexOf('\n'); i >= 0; i = asm.indexOf('\n', i + 1)) lineStart.push(i + 1);
  const breaks: number[] = [];
  for (let i = code.indexOf('\n'); i >= 0; i = code.indexOf('\n', i + 1)) breaks.push(i);
  const scriptLine = (offset: number): number => {
    let lo = 0;
    let hi = breaks.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (breaks[mid]! < offset) lo = mid + 1;
      else hi = mid;
    }
    return lo + 1;
  };
  return asmLines.map((l) => {
    const start = lineStart[l - 1];
    if (l < 1 || start === undefined) return 0;
    // From the line's first non-blank, as an error on it is marked.
    const text = asm.slice(start, lineStart[l] ?? asm.length);
    return scriptLine(lit.at[start + (text.length - text.trimStart().length)] ?? lit.at[start]!);
  });
}
