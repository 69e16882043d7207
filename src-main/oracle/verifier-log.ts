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
