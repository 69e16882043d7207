/**
 * Reading the kernel verifier's log (kernel/bpf/verifier.c, log.c): the instruction and state lines it prints
 * while walking a path, and the message that says why it stopped.
 */

/** Lines that trace the walk rather than say what went wrong (log_level 1 and 2). */
const TRACE_LINE = [
  /^\d+: /, // `0: (bf) r0 = r2` and `0: R1=ctx() R10=fp0`
  /^\d+:$/,
  /^from \d+ to \d+: /, // a branch popped from the stack
  /^; /, // source line (BTF line info)
  /^func#\d+ @\d+$/,
  /^Validating /,
  /^Live regs before insn:/,
  /^\s+\d+: /, // live-regs listing
  /^last_idx /,
  /^mark_precise: /,
  /^regs=/,
  /^parent didn't have regs=/,
  /^propagating /,
  /^\s*$/,
  /^processed \d+ insns /,
  /^verification time /,
  /^stack depth /,
  /^(caller|callee|returning from callee):$/, // bpf-to-bpf calls, each followed by a state line
  /^to caller at \d+:$/,
  /^ (frame\d+:|R\d+=)/, // the state lines after them
];

/** The first line of the log that is not a trace of the walk: the verifier's reason (undefined if none). */
export function firstErrorLine(log: string): string | undefined {
  for (const line of log.split('\n')) {
    if (!TRACE_LINE.some((re) => re.test(line))) return line;
  }
  return undefined;
}

/** The `processed N insns` figure of the closing line, if present. */
export function processedInsns(log: string): number | undefined {
  const m = /^processed (\d+) insns /m.exec(log);
  return m ? Number(m[1]) : undefined;
}

/** The spaces before the `;` of a state printed on its instruction's line (kernel/bpf/log.c vlog_alignment()). */
function vlogAlignment(pos: number): number {
  return Math.ceil(Math.max(pos + 4, 40) / 8) * 8 - pos - 1;
}

/**
 * The log with each `NAME#ID` of a kfunc in `ids` written with that table's id: a log of one kernel build read
 * with another build's BTF ids (the kernel prints a kfunc call as `call bpf_iter_num_new#<its BTF id>`), so that
 * the running kernel's log compares with the model's by name, not by one build's numbers. A state printed on the
 * call's line is aligned again, as the kernel aligns it after the instruction's text.
 */
export function kfuncIdsByName(log: string, ids: Readonly<Record<string, number>>): string {
  const rename = (text: string): string =>
    text.replace(/\b([A-Za-z_]\w*)#(\d+)\b/g, (all, name: string) =>
      Object.hasOwn(ids, name) ? `${name}#${ids[name]}` : all,
    );
  return log
    .split('\n')
    .map((line) => {
      if (!line.includes('#')) return line;
      const m = /^(\d+: \(85\) call \S+#\d+)( +);(.*)$/.exec(line);
      if (!m) return rename(line);
      const insn = rename(m[1]!);
      // prev_insn_print_pos counts the instruction's newline, which the state line then replaces.
      return `${insn}${' '.repeat(vlogAlignment(insn.length + 1))};${m[3]}`;
    })
    .join('\n');
}
