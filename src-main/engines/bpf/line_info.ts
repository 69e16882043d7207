/**
 * BPF_PROG_LOAD's line_info (struct bpf_line_info, include/uapi/linux/bpf.h) as kernel/bpf/verifier.c (6.18) takes
 * it: check_btf_line() and verbose_linfo()'s source lines in the verifier's log.
 */
import { KernelError } from '../common/errors';
import type { BpfInsn } from './isa';

/** A loaded C program's source line for each instruction (from .BTF.ext line_info). */
export interface BpfSourceLine {
  file: string;
  line: number;
  col: number;
  text: string;
}

/** One line_info record: the source line that starts at instruction `insn`. */
export type BpfSourceInsn = BpfSourceLine & { insn: number };

/** The line_info record covering instruction `pc` (the last one starting at or before it), if any. */
export function sourceLineAt(lineInfo: readonly BpfSourceInsn[], pc: number): BpfSourceInsn | undefined {
  let best: BpfSourceInsn | undefined;
  for (const l of lineInfo) if (l.insn <= pc) best = l;
  return best;
}

/**
 * check_btf_line() (kernel/bpf/verifier.c): insn_off strictly increasing, inside the program and not the second
 * half of an ld_imm64. Departure (6.18): the "missing bpf_line_info for func#N" check per subprogram is not made.
 */
export function checkBtfLine(lineInfo: readonly BpfSourceInsn[], insns: readonly BpfInsn[]): void {
  let prev = 0;
  lineInfo.forEach((l, i) => {
    // A u32 in the kernel: a script's fraction or negative number is refused as an offset out of range.
    if ((i && l.insn <= prev) || l.insn >= insns.length || !Number.isInteger(l.insn) || l.insn < 0) {
      const msg = `Invalid line_info[${i}].insn_off:${l.insn} (prev_offset:${prev} prog->len:${insns.length})`;
      throw new KernelError('EINVAL', msg, { log: `${msg}\n` });
    }
    if (!insns[l.insn]!.code) {
      const msg = `Invalid insn code at line_info[${i}].insn_off`;
      throw new KernelError('EINVAL', msg, { log: `${msg}\n` });
    }
    prev = l.insn;
  });
}

/**
 * verbose_linfo(): before an instruction whose line_info differs from the last one printed, the verifier's log
 * shows the source line, `; <text> @ <file>:<line>` (the file's last path component). Departure: the kernel's
 * "last printed" also counts lines of paths whose log a level-1 load discarded; here it is the visible log's.
 */
export function annotateLog(log: string, lineInfo: readonly BpfSourceInsn[]): string {
  if (!lineInfo.length) return log;
  let prev: BpfSourceInsn | undefined;
  const out: string[] = [];
  for (const line of log.split('\n')) {
    const m = /^(\d+): \(/.exec(line);
    if (m) {
      const l = sourceLineAt(lineInfo, Number(m[1]));
      if (l && l !== prev) {
        out.push(`; ${l.text.trimStart()} @ ${l.file.slice(l.file.lastIndexOf('/') + 1)}:${l.line}`);
        prev = l;
      }
    }
    out.push(line);
  }
  return out.join('\n');
}
