/**
 * Load-acquire and store-release (BPF_ATOMIC with imm BPF_LOAD_ACQ / BPF_STORE_REL; kernel/bpf/verifier.c
 * check_atomic_load() / check_atomic_store()): every size, through the stack, the context, a scalar and an unset
 * register, at aligned and misaligned offsets, in a syscall program.
 */
import { BPF_LOAD_ACQ, BPF_STORE_REL, encodeInsns, insn as record } from '../isa';

const CODES: Record<number, number> = { 1: 0xd3, 2: 0xcb, 4: 0xc3, 8: 0xdb };
/** One instruction's 8 bytes (isa.ts's encoding). */
const insn = (code: number, dst: number, src: number, off: number, imm: number): number[] => [
  ...encodeInsns([record(code, dst, src, off, imm)]),
];

export interface AcqRelCase {
  name: string;
  bytes: Uint8Array;
}

/**
 * `fp-8 = 0x1234567; fp-16 = -5; r2 = 0x3344; r3 = <base>; <op>; r0 = <what it read or fp-8>; exit`, where a
 * load-acquire reads into r4 through r3 and a store-release writes r2 through r3 (an unset base uses r5).
 */
export function acqRelCases(): AcqRelCase[] {
  const out: AcqRelCase[] = [];
  for (const size of [1, 2, 4, 8])
    for (const imm of [BPF_LOAD_ACQ, BPF_STORE_REL])
      for (const base of ['fp', 'ctx', 'scalar', 'unset'])
        for (const o of base === 'fp' ? [-16, -8, -7, -4, 0, 1, 4] : [0, 1, 4, 7, 8, 16]) {
          const b = [
            ...insn(0x7a, 10, 0, -8, 0x1234567),
            ...insn(0x7a, 10, 0, -16, -5),
            ...insn(0xb7, 2, 0, 0, 0x3344),
          ];
          if (base === 'fp') b.push(...insn(0xbf, 3, 10, 0, 0));
          else if (base === 'ctx') b.push(...insn(0xbf, 3, 1, 0, 0));
          else if (base === 'scalar') b.push(...insn(0xb7, 3, 0, 0, 8));
          const addr = base === 'unset' ? 5 : 3;
          if (imm === BPF_LOAD_ACQ) b.push(...insn(CODES[size]!, 4, addr, o, imm), ...insn(0xbf, 0, 4, 0, 0));
          else b.push(...insn(CODES[size]!, addr, 2, o, imm), ...insn(0x79, 0, 10, -8, 0));
          b.push(...insn(0x95, 0, 0, 0, 0));
          const op = imm === BPF_LOAD_ACQ ? 'load_acquire' : 'store_release';
          out.push({ name: `${op} size=${size} base=${base} off=${o}`, bytes: Uint8Array.from(b) });
        }
  return out;
}

/**
 * Register numbers: a base or value register that is R10, R11 (one past the last) or R15, and a load-acquire whose
 * destination is its own base, through the context, the stack and a scalar, at an aligned and a misaligned offset.
 * check_atomic_load() looks at the source's type before check_load_mem() checks either register.
 */
export function acqRelRegCases(): AcqRelCase[] {
  const out: AcqRelCase[] = [];
  const setups: Record<string, number[]> = {
    ctx: insn(0xbf, 3, 1, 0, 0),
    fp: [...insn(0x7a, 10, 0, -8, 7), ...insn(0xbf, 3, 10, 0, 0)],
    scalar: insn(0xb4, 3, 0, 0, 0),
  };
  for (const size of [1, 8])
    for (const imm of [BPF_LOAD_ACQ, BPF_STORE_REL])
      for (const base of Object.keys(setups))
        for (const [addr, other] of [
          [3, 3],
          [3, 10],
          [3, 11],
          [3, 15],
          [11, 2],
          [15, 2],
          [10, 2],
        ] as const)
          for (const o of [0, 1]) {
            const off = base === 'fp' ? o - 8 : o;
            const b = [...insn(0xb7, 2, 0, 0, 5), ...setups[base]!];
            if (imm === BPF_LOAD_ACQ) b.push(...insn(CODES[size]!, other, addr, off, imm));
            else b.push(...insn(CODES[size]!, addr, other, off, imm));
            b.push(...insn(0xb7, 0, 0, 0, 0), ...insn(0x95, 0, 0, 0, 0));
            const op = imm === BPF_LOAD_ACQ ? 'load_acquire' : 'store_release';
            out.push({
              name: `${op} size=${size} base=${base} addr=r${addr} other=r${other} off=${off}`,
              bytes: Uint8Array.from(b),
            });
          }
  return out;
}
