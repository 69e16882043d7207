/**
 * Message templates: a verifier message with its numbers, registers and offsets normalised, so that
 * `invalid shift 32` and `invalid shift -1` are one template (`invalid shift N`), `R3 !read_ok` and
 * `R7 !read_ok` another (`R# !read_ok`). Used to count how many different kernel messages the fuzzer
 * reaches and to group disagreements into classes; comparisons themselves stay exact.
 */

/** The template of a message line (verifier.c's format strings, roughly recovered). */
export function messageTemplate(line: string): string {
  // The state dump after a message (a log whose head was cut shows it first): one template.
  if (line.startsWith('cur state:')) return 'cur state: ...';
  return line
    .replace(/\b[Rr]\d+\b/g, 'R#') // registers
    .replace(/\bw\d+\b/g, 'w#')
    .replace(/\bfp-?\d+/g, 'fpN') // stack slots
    .replace(/-?0x[0-9a-fA-F]+/g, 'N') // hex numbers
    .replace(/\bopcode [0-9a-fA-F]+\b/g, 'opcode N') // `unknown opcode 8c`, `invalid atomic opcode fffffffe` (%02x)
    .replace(/(?<![\w])-?\d+(?![\w])/g, 'N') // decimal numbers, not the digits of names (u32, ld_imm64, JMP32)
    .replace(/\s+$/, '');
}

/** A verdict in a line: `accepted`, or `ERRNO: first line` (its template when `template`). */
export function verdictLine(v: { ok: boolean; errno?: string; first?: string }, template = false): string {
  if (v.ok) return 'accepted';
  const first = v.first === undefined ? '(no log)' : template ? messageTemplate(v.first) : v.first;
  return `${v.errno ?? '?'}: ${first}`;
}
