/**
 * Programs where two of the verifier's checks could each reject first (kernel/bpf/verifier.c, Linux 6.18), in
 * the classes the encoding-level fuzzer found: check_cond_jmp_op() reads its dst register (check_reg_arg(): "R%d
 * is invalid", "R%d !read_ok") before it looks at the reserved fields, then the source register.
 * check-order.test.ts loads each in the model and (where it can) in the running kernel.
 */
import { createBpf } from '../index';
import { encodeInsns, insn } from '../isa';
import type { BpfInsn } from '../isa';
import { answerOf } from './kernel-classes.fixtures';

/** One program as instruction bytes and its type. */
export interface OrderVariant {
  name: string;
  bytes: Uint8Array;
  prog_type: 'xdp' | 'socket_filter' | 'raw_tracepoint' | 'syscall';
}

const EXIT = insn(0x95);

/**
 * 1. Conditional jumps (JMP and JMP32, BPF_X and BPF_K) with reserved fields set (imm for BPF_X, src for BPF_K)
 * and a dst register that is unreadable (R2, never written), out of range (R11) or readable (R1, the context);
 * the BPF_X source register the same three ways.
 */
export function condJmpVariants(): OrderVariant[] {
  const out: OrderVariant[] = [];
  const regs: [string, number][] = [
    ['r1', 1],
    ['r2', 2],
    ['r11', 11],
  ];
  for (const [cls, base] of [
    ['jmp', 0x05],
    ['jmp32', 0x06],
  ] as const)
    for (const [opName, op] of [
      ['jeq', 0x10],
      ['jslt', 0xc0],
    ] as const)
      for (const x of [false, true])
        for (const [dName, dst] of regs)
          for (const [sName, src] of x ? regs : ([['r0', 0], ...regs] as [string, number][]))
            for (const reserved of [false, true]) {
              const imm = x ? (reserved ? 1 : 0) : 7;
              const s = x ? src : reserved ? src || 1 : 0;
              if (!x && !reserved && src !== 0) continue;
              const code = base | op | (x ? 0x08 : 0);
              const prog: BpfInsn[] = [insn(code, dst, s, 0, imm), EXIT];
              const form = x ? `${dName}, ${sName}` : `${dName}, ${imm} src=${s ? `r${s}` : 'r0'}`;
              out.push({
                name: `${cls} ${opName} ${form}${x && reserved ? ' imm=1' : ''}`,
                bytes: encodeInsns(prog),
                prog_type: 'xdp',
              });
            }
  return [...new Map(out.map((v) => [v.name, v])).values()];
}

/** The model's answer: `ok` or `ERRNO first error line`. */
export function modelAnswer(v: OrderVariant): string {
  const r = createBpf().verify({ insns: v.bytes, prog_type: v.prog_type, log_level: 1 });
  return answerOf({ ok: r.ok, errno: r.errors[0]?.errno, first: r.errors[0]?.message.split('\n')[0] });
}
