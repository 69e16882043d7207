/**
 * Turning a checked instruction array into what the engines run: flat typed arrays, `lddw` values resolved
 * (map fd -> map pointer, map value -> address, function -> code address), function entry points found.
 */
import { KernelError } from '../common/errors';
import { bpfCheckInsns, bpfCheckProgram, branchTarget } from './check';
import type { LdImm64Resolve } from './check';
import {
  BPF_ATOMIC,
  BPF_CALL,
  BPF_CLASS,
  BPF_JMP,
  BPF_LDX,
  BPF_LOAD_ACQ,
  BPF_MEM,
  BPF_MODE,
  BPF_OP,
  BPF_PSEUDO_CALL,
  BPF_PSEUDO_FUNC,
  BPF_SIZE,
  BPF_SRC,
  BPF_STORE_REL,
  BPF_STX,
  isLdImm64,
} from './isa';
import type { BpfInsn } from './isa';
import { CODE_HI, CODE_LO_BASE } from './vm';
import type { LoadedInsns } from './vm';

/** Resolves an lddw with a pseudo source (1 map fd, 2 map value, 3 BTF id, 5/6 map idx) to a 64-bit value [hi, lo]. */
export type LdImm64Resolver = LdImm64Resolve;

const noResolver: LdImm64Resolver = (src, _imm, _next, pc) => {
  throw new KernelError('EINVAL', `unsupported pseudo source ${src} of ld_imm64 at insn ${pc}`, { insn: pc });
};

/**
 * Checks (bpfCheckInsns) and prepares a program for the interpreter and the JIT. With `verifier` the verifier runs
 * next and checks each instruction's encoding when its walk reaches it, as bpf_check() does, so only the checks
 * Linux makes before the walk (bpfCheckProgram) run here; a program it accepts has no other instruction left.
 */
export function prepareInsns(
  insns: readonly BpfInsn[],
  resolve: LdImm64Resolver = noResolver,
  verifier = false,
  isKfunc?: (btfId: number) => boolean,
  moduleBtf?: (fdIdx: number, pc: number) => never,
  gpl = true,
): LoadedInsns {
  const resolved = verifier
    ? bpfCheckProgram(insns, false, isKfunc, resolve, moduleBtf, gpl)
    : bpfCheckInsns(insns, resolve);
  const len = insns.length;
  const p: LoadedInsns = {
    insns,
    len,
    code: new Uint8Array(len),
    dst: new Uint8Array(len),
    src: new Uint8Array(len),
    off: new Int32Array(len),
    imm: new Int32Array(len),
    hi64: new Int32Array(len),
    lo64: new Int32Array(len),
    funcStarts: new Set([0]),
  };
  for (let pc = 0; pc < len; pc++) {
    const i = insns[pc]!;
    p.code[pc] = i.code;
    p.dst[pc] = i.dst_reg;
    p.src[pc] = i.src_reg;
    p.off[pc] = i.off;
    p.imm[pc] = i.imm;
    if (
      BPF_CLASS(i.code) === BPF_STX &&
      BPF_MODE(i.code) === BPF_ATOMIC &&
      (i.imm === BPF_LOAD_ACQ || i.imm === BPF_STORE_REL)
    ) {
      // One CPU, no reordering: a load-acquire is the plain load dst = *(src + off) (as x86-64's JIT emits it), a
      // store-release the plain store *(dst + off) = src; both encodings keep their registers in those places.
      p.code[pc] = (i.imm === BPF_LOAD_ACQ ? BPF_LDX : BPF_STX) | BPF_MEM | BPF_SIZE(i.code);
      p.imm[pc] = 0;
    }
    if (isLdImm64(i)) {
      const next = insns[pc + 1]!;
      let hi: number, lo: number;
      if (i.src_reg === 0) {
        hi = next.imm;
        lo = i.imm;
      } else if (i.src_reg === BPF_PSEUDO_FUNC) {
        const t = branchTarget(insns, pc);
        p.funcStarts.add(t);
        hi = CODE_HI;
        lo = (CODE_LO_BASE + t * 8) | 0;
      } else {
        [hi, lo] = resolved.get(pc) ?? resolve(i.src_reg, i.imm, next.imm, pc);
      }
      p.hi64[pc] = hi;
      p.lo64[pc] = lo;
      // Mark the second slot as nothing the engines could execute.
      pc++;
      p.code[pc] = 0;
    } else if (
      BPF_CLASS(i.code) === BPF_JMP &&
      BPF_OP(i.code) === BPF_CALL &&
      BPF_SRC(i.code) === 0 &&
      i.src_reg === BPF_PSEUDO_CALL
    ) {
      p.funcStarts.add(pc + i.imm + 1);
    }
  }
  return p;
}
