/**
 * Programs where two of the verifier's checks could each reject first (kernel/bpf/verifier.c, Linux 6.18), in
 * the classes the encoding-level fuzzer found: check_cond_jmp_op() reads its dst register (check_reg_arg(): "R%d
 * is invalid", "R%d !read_ok") before it looks at the reserved fields, then the source register; and
 * check_helper_call() numbers a maybe-NULL return (++id_gen) before acquire_reference() numbers its reference.
 * check-order.test.ts loads each in the model and (where it can) in the running kernel.
 */
import { createBpf } from '../index';
import { encodeInsns, insn } from '../isa';
import type { BpfInsn } from '../isa';
import type { BpfMapTypeName } from '../maps';
import { answerOf } from './kernel-classes.fixtures';

/** One program as instruction bytes and its type. */
export interface OrderVariant {
  name: string;
  bytes: Uint8Array;
  prog_type: 'xdp' | 'socket_filter' | 'raw_tracepoint' | 'syscall';
  /** Maps by fd (1, 2, ...), created in that order. */
  maps?: VariantMap[];
}

/** A map as BPF_MAP_CREATE takes it. */
export interface VariantMap {
  map_type: BpfMapTypeName;
  key_size: number;
  value_size: number;
  max_entries: number;
}

const RINGBUF: VariantMap = { map_type: 'BPF_MAP_TYPE_RINGBUF', key_size: 0, value_size: 0, max_entries: 4096 };
const ARRAY: VariantMap = { map_type: 'BPF_MAP_TYPE_ARRAY', key_size: 4, value_size: 8, max_entries: 1 };

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

/** `r1 = map fd`. */
const ldMap = (dst: number, fd: number): BpfInsn[] => [insn(0x18, dst, 1, 0, fd), insn(0)];
/** bpf_ringbuf_reserve(ringbuf, 8, 0). */
const RESERVE: BpfInsn[] = [...ldMap(1, 1), insn(0xb7, 2, 0, 0, 8), insn(0xb7, 3, 0, 0, 0), insn(0x85, 0, 0, 0, 131)];
/** bpf_map_lookup_elem(array, fp-8 = 0): a maybe-NULL map value, an id of its own. */
const LOOKUP: BpfInsn[] = [
  insn(0x7a, 10, 0, -8, 0),
  ...ldMap(1, 2),
  insn(0xbf, 2, 10),
  insn(0x07, 2, 0, 0, -8),
  insn(0x85, 0, 0, 0, 1),
];

/**
 * 2. Reference ids: ring buffer records left unreleased after other ids were taken (a lookup, another reserve, a
 * reserve submitted), as "Unreleased reference id=N alloc_insn=N" prints them.
 */
export function refIdVariants(): OrderVariant[] {
  const progs: [string, BpfInsn[]][] = [
    ['reserve', [...RESERVE, EXIT]],
    ['reserve, reserve', [...RESERVE, insn(0xbf, 6, 0), ...RESERVE, EXIT]],
    ['lookup, reserve', [...LOOKUP, ...RESERVE, EXIT]],
    ['reserve, lookup', [...RESERVE, insn(0xbf, 6, 0), ...LOOKUP, EXIT]],
    [
      'reserve, submit, reserve',
      [
        ...RESERVE,
        insn(0x55, 0, 0, 1, 0),
        EXIT,
        insn(0xbf, 1, 0),
        insn(0xb7, 2),
        insn(0x85, 0, 0, 0, 132),
        ...RESERVE,
        EXIT,
      ],
    ],
    ['reserve, null check', [...RESERVE, insn(0x15, 0, 0, 1, 0), EXIT, insn(0xb7, 0), EXIT]],
  ];
  return progs.map(([name, p]) => ({
    name: `refs: ${name}`,
    bytes: encodeInsns(p),
    prog_type: 'syscall',
    maps: [RINGBUF, ARRAY],
  }));
}

/** The model's answer: `ok` or `ERRNO first error line`. */
export function modelAnswer(v: OrderVariant): string {
  const bpf = createBpf();
  for (const m of v.maps ?? []) bpf.map_create({ ...m });
  const r = bpf.verify({ insns: v.bytes, prog_type: v.prog_type, log_level: 1 });
  return answerOf({ ok: r.ok, errno: r.errors[0]?.errno, first: r.errors[0]?.message.split('\n')[0] });
}
