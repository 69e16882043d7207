/**
 * Seeded random programs for the kernel-vs-engine differential: loop-free programs over constant registers,
 * the stack and every ALU, jump, load/store and atomic form the 6.18 verifier accepts for a privileged program
 * (cpu v4: sdiv/smod, movsx, ldsx, bswap; no pointers but r10, no helpers). Every register starts as a known
 * constant, so the verifier follows exactly one path and accepts; the kernel's r0 (both halves, from two runs)
 * is then compared with our interpreter's and JIT's.
 */
import type { BpfInsn } from '../engines/bpf';
import { runConformanceProgram } from '../engines/bpf';
import { interpExec } from '../engines/bpf';
import { encodeInsns, insn } from '../engines/bpf';
import { jitExec } from '../engines/bpf';
import { Prng } from '../engines/common/prng';
import type { KernelJob, KernelOracle } from './types';

const ALU = 0x04;
const ALU64 = 0x07;
const JMP = 0x05;
const JMP32 = 0x06;
const X = 0x08;
const ALU_OPS = [0x00, 0x10, 0x20, 0x30, 0x40, 0x50, 0x60, 0x70, 0x80, 0x90, 0xa0, 0xb0, 0xc0] as const;
const JMP_OPS = [0x10, 0x20, 0x30, 0x40, 0x50, 0x60, 0x70, 0xa0, 0xb0, 0xc0, 0xd0] as const;
const SIZES = [
  { code: 0x18, bytes: 8 },
  { code: 0x00, bytes: 4 },
  { code: 0x08, bytes: 2 },
  { code: 0x10, bytes: 1 },
] as const;
/** Values where ISA corner cases live (RFC 9669 §4: division, shifts, sign extension). */
const EDGES: readonly bigint[] = [
  0n,
  1n,
  2n,
  0x7fn,
  0x80n,
  0xffn,
  0x7fffn,
  0x8000n,
  0xffffn,
  0x7fffffffn,
  0x80000000n,
  0xffffffffn,
  0x100000000n,
  0x7fffffffffffffffn,
  0x8000000000000000n,
  0xffffffffffffffffn,
  0xfffffffffffffffen,
  0xffffffff80000000n,
];
/** Bytes of stack the prologue initialises (r1..r8 spilled at fp-8 .. fp-64). */
const STACK = 64;

function pick<T>(prng: Prng, xs: readonly T[]): T {
  return xs[prng.nextInt(xs.length)]!;
}

function value64(prng: Prng): bigint {
  if (prng.nextInt(2) === 0) return pick(prng, EDGES);
  return (BigInt(prng.nextU32()) << 32n) | BigInt(prng.nextU32());
}

function imm32(prng: Prng): number {
  const r = prng.nextInt(4);
  if (r === 0) return pick(prng, [0, 1, -1, 0x7fffffff, -0x80000000, 31, 32, 63, 0xff, -2]);
  if (r === 1) return prng.nextInt(64) - 16;
  return prng.nextU32() | 0;
}

/** One program: the prologue, `body` random instructions, and an exit (`r0 >>= 32` first when high). */
export function randomProgram(prng: Prng, body = 24): { insns: BpfInsn[]; high: BpfInsn[] } {
  const out: BpfInsn[] = [];
  for (let r = 0; r <= 9; r++) {
    const v = value64(prng);
    out.push(insn(0x18, r, 0, 0, Number(BigInt.asIntN(32, v))), insn(0, 0, 0, 0, Number(BigInt.asIntN(32, v >> 32n))));
  }
  for (let r = 1; r <= 8; r++) out.push(insn(0x7b, 10, r, -8 * r, 0));
  const start = out.length;
  const end = start + body; // first tail instruction: every jump lands at or before it
  const reg = (): number => prng.nextInt(10);
  while (out.length < end) {
    const pc = out.length;
    const kind = prng.nextInt(20);
    if (kind < 9) {
      const cls = prng.nextInt(2) === 0 ? ALU64 : ALU;
      const op = pick(prng, ALU_OPS);
      const width = cls === ALU64 ? 64 : 32;
      if (op === 0x80) {
        out.push(insn(cls | op, reg()));
      } else if (prng.nextInt(2) === 0) {
        let imm = imm32(prng);
        if (op === 0x60 || op === 0x70 || op === 0xc0) imm = prng.nextInt(width); // constant shifts must be < width
        if ((op === 0x30 || op === 0x90) && imm === 0) imm = 3; // the verifier refuses a constant division by zero
        const signed = (op === 0x30 || op === 0x90) && prng.nextInt(2) === 0 ? 1 : 0;
        out.push(insn(cls | op, reg(), 0, signed, imm));
      } else {
        let off = 0;
        if ((op === 0x30 || op === 0x90) && prng.nextInt(2) === 0) off = 1; // sdiv / smod
        if (op === 0xb0 && prng.nextInt(3) === 0) off = pick(prng, cls === ALU64 ? [8, 16, 32] : [8, 16]); // movsx
        out.push(insn(cls | op | X, reg(), reg(), off, 0));
      }
    } else if (kind < 10) {
      const form = prng.nextInt(3); // to_le, to_be, bswap
      const code = form === 0 ? 0xd4 : form === 1 ? 0xdc : 0xd7;
      out.push(insn(code, reg(), 0, 0, pick(prng, [16, 32, 64])));
    } else if (kind < 14) {
      const cls = prng.nextInt(3) === 0 ? JMP32 : JMP;
      const target = pc + 1 + prng.nextInt(end - pc);
      const off = target - pc - 1;
      // No `goto`: code it skips would be unreachable, which check_cfg() refuses.
      if (prng.nextInt(2) === 0) out.push(insn(cls | pick(prng, JMP_OPS), reg(), 0, off, imm32(prng)));
      else out.push(insn(cls | pick(prng, JMP_OPS) | X, reg(), reg(), off, 0));
    } else if (kind < 16) {
      const s = pick(prng, SIZES);
      const off = -s.bytes * (1 + prng.nextInt(STACK / s.bytes));
      const sx = s.bytes < 8 && prng.nextInt(3) === 0;
      out.push(insn((sx ? 0x81 : 0x61) | s.code, reg(), 10, off, 0)); // ldx / ldsx
    } else if (kind < 18) {
      const s = pick(prng, SIZES);
      const off = -s.bytes * (1 + prng.nextInt(STACK / s.bytes));
      if (prng.nextInt(2) === 0) out.push(insn(0x63 | s.code, 10, reg(), off, 0));
      else out.push(insn(0x62 | s.code, 10, 0, off, imm32(prng)));
    } else {
      const dw = prng.nextInt(2) === 0;
      const off = dw ? -8 * (1 + prng.nextInt(STACK / 8)) : -4 * (1 + prng.nextInt(STACK / 4));
      const op = pick(prng, [0x00, 0x01, 0x40, 0x41, 0x50, 0x51, 0xa0, 0xa1, 0xe1, 0xf1]);
      out.push(insn(dw ? 0xdb : 0xc3, 10, reg(), off, op));
    }
  }
  const insns = [...out, insn(0x95)];
  const high = [...out, insn(0x77, 0, 0, 0, 32), insn(0x95)];
  return { insns, high };
}

/** One disagreement or failure. */
export interface RandomDiffCase {
  seed: number;
  index: number;
  why: string;
  insns: BpfInsn[];
}

/** Totals of a random differential run. */
export interface RandomDiffSummary {
  programs: number;
  /** Programs the kernel's verifier accepted (both runs). */
  accepted: number;
  /** Accepted programs whose 64-bit r0 agrees across the kernel, our interpreter and our JIT. */
  agree: number;
  failures: RandomDiffCase[];
}

/** Generates `count` programs from `seed` and runs each through the kernel and our engine. */
export function randomDiff(oracle: KernelOracle, count: number, seed: number, body = 24): RandomDiffSummary {
  const prng = new Prng(seed);
  const progs = Array.from({ length: count }, () => randomProgram(prng, body));
  const jobs: KernelJob[] = progs.flatMap((p) => [
    { prog: encodeInsns(p.insns), opts: { prog_type: 'syscall', log_level: 1 }, run: true },
    { prog: encodeInsns(p.high), opts: { prog_type: 'syscall', log_level: 0 }, run: true },
  ]);
  const res = oracle.batch(jobs);
  const failures: RandomDiffCase[] = [];
  let accepted = 0;
  let agree = 0;
  progs.forEach((p, i) => {
    const lo = res[2 * i]!;
    const hi = res[2 * i + 1]!;
    const fail = (why: string): void => {
      failures.push({ seed, index: i, why, insns: p.insns });
    };
    if (!lo.ok || !hi.ok) {
      fail(`kernel: ${lo.ok ? (hi.ok ? '' : hi.why) : lo.why}`);
      return;
    }
    accepted++;
    const kernel = (hi.retval << 32n) | lo.retval;
    let interp: bigint;
    let jit: bigint;
    try {
      interp = runConformanceProgram(p.insns, undefined, interpExec);
      jit = runConformanceProgram(p.insns, undefined, jitExec);
    } catch (e) {
      fail(`engine: ${(e as Error).message}`);
      return;
    }
    if (kernel === interp && kernel === jit) agree++;
    else fail(`r0: kernel 0x${kernel.toString(16)}, interpreter 0x${interp.toString(16)}, jit 0x${jit.toString(16)}`);
  });
  return { programs: count, accepted, agree, failures };
}
