import { KernelError } from '../common/errors';
import {
  BPF_ADD, BPF_ALU, BPF_ALU64, BPF_AND, BPF_ATOMIC, BPF_CALL, BPF_CLASS, BPF_CMPXCHG, BPF_COMPLEXITY_LIMIT_INSNS,
  BPF_DIV, BPF_DW, BPF_END, BPF_EXIT, BPF_FETCH, BPF_IMM, BPF_JA, BPF_JCOND, BPF_JMP, BPF_JMP32, BPF_MAY_GOTO, BPF_LD, BPF_LDX, BPF_MEM,
  BPF_MEMSX, BPF_MOD, BPF_MODE, BPF_MOV, BPF_NEG, BPF_OP, BPF_OR, BPF_PSEUDO_CALL, BPF_PSEUDO_FUNC,
  BPF_PSEUDO_KFUNC_CALL, BPF_PSEUDO_MAP_IDX_VALUE, BPF_SIZE, BPF_SRC, BPF_ST, BPF_STX, BPF_W, BPF_X, BPF_XCHG, BPF_XOR,
  MAX_BPF_REG, isLdImm64,
} from './isa';
import type { BpfInsn } from './isa';

/** A load-time rejection: the kernel's message, the instruction index and errno EINVAL (or E2BIG). */
export function loadError(pc: number, message: string, errno: 'EINVAL' | 'E2BIG' = 'EINVAL'): KernelError {
  return new KernelError(errno, message, { insn: pc });
}

/** Jump/call/function-address target of instruction `pc`, or -1 when it has none. */
export function branchTarget(insns: readonly BpfInsn[], pc: number): number {
  const i = insns[pc]!;
  const cls = BPF_CLASS(i.code);
  if (isLdImm64(i)) return i.src_reg === BPF_PSEUDO_FUNC ? pc + i.imm + 1 : -1;
  if (cls !== BPF_JMP && cls !== BPF_JMP32) return -1;
  const op = BPF_OP(i.code);
  if (op === BPF_EXIT) return -1;
  if (op === BPF_CALL) return cls === BPF_JMP && i.src_reg === BPF_PSEUDO_CALL && BPF_SRC(i.code) === 0 ? pc + i.imm + 1 : -1;
  if (cls === BPF_JMP32 && op === BPF_JA) return pc + i.imm + 1;
  return pc + i.off + 1;
}

const ALU_OPS = new Set([0x00, 0x10, 0x20, 0x30, 0x40, 0x50, 0x60, 0x70, 0x80, 0x90, 0xa0, 0xb0, 0xc0, 0xd0]);
const JMP_OPS = new Set([0x00, 0x10, 0x20, 0x30, 0x40, 0x50, 0x60, 0x70, 0x80, 0x90, 0xa0, 0xb0, 0xc0, 0xd0]);
const ATOMIC_IMMS = new Set([
  BPF_ADD, BPF_AND, BPF_OR, BPF_XOR, BPF_ADD | BPF_FETCH, BPF_AND | BPF_FETCH, BPF_OR | BPF_FETCH, BPF_XOR | BPF_FETCH,
  BPF_XCHG, BPF_CMPXCHG,
]);

function hex2(n: number): string {
  return n.toString(16).padStart(2, '0');
}

/**
 * Checks one instruction's encoding as RFC 9669 defines it, rejecting unknown opcodes and non-zero reserved fields
 * (the kernel's do_check_insn()/resolve_pseudo_ldimm64() messages). Returns the number of slots it takes.
 */
export function checkInsn(insns: readonly BpfInsn[], pc: number): number {
  const i = insns[pc]!;
  const { code, dst_reg: dst, src_reg: src, off, imm } = i;
  const cls = BPF_CLASS(code);
  const op = BPF_OP(code);
  if (dst >= MAX_BPF_REG) throw loadError(pc, `R${dst} is invalid`);
  switch (cls) {
    case BPF_ALU:
    case BPF_ALU64: {
      if (!ALU_OPS.has(op)) throw loadError(pc, `invalid BPF_ALU opcode ${hex2(op)}`);
      if (op === BPF_END) {
        if (src !== 0 || off !== 0 || (imm !== 16 && imm !== 32 && imm !== 64) || (cls === BPF_ALU64 && BPF_SRC(code) !== 0)) {
          throw loadError(pc, 'BPF_END uses reserved fields');
        }
        return 1;
      }
      if (op === BPF_NEG) {
        if (BPF_SRC(code) !== 0 || src !== 0 || off !== 0 || imm !== 0) throw loadError(pc, 'BPF_NEG uses reserved fields');
        return 1;
      }
      if (op === BPF_MOV) {
        if (BPF_SRC(code) === BPF_X) {
          const okOff = off === 0 || off === 8 || off === 16 || (cls === BPF_ALU64 && off === 32);
          if (imm !== 0 || !okOff) throw loadError(pc, 'BPF_MOV uses reserved fields');
          if (src >= MAX_BPF_REG) throw loadError(pc, `R${src} is invalid`);
        } else if (src !== 0 || off !== 0) {
          throw loadError(pc, 'BPF_MOV uses reserved fields');
        }
        return 1;
      }
      const signedOk = op === BPF_DIV || op === BPF_MOD;
      if (off !== 0 && !(signedOk && off === 1)) throw loadError(pc, 'BPF_ALU uses reserved fields');
      if (BPF_SRC(code) === BPF_X) {
        if (imm !== 0) throw loadError(pc, 'BPF_ALU uses reserved fields');
        if (src >= MAX_BPF_REG) throw loadError(pc, `R${src} is invalid`);
      } else if (src !== 0) {
        throw loadError(pc, 'BPF_ALU uses reserved fields');
      }
      return 1;
    }
    case BPF_LDX: {
      const mode = BPF_MODE(code);
      if (mode !== BPF_MEM && !(mode === BPF_MEMSX && BPF_SIZE(code) !== BPF_DW)) throw loadError(pc, `unknown opcode ${hex2(code)}`);
      if (imm !== 0) throw loadError(pc, 'BPF_LDX uses reserved fields');
      if (src >= MAX_BPF_REG) throw loadError(pc, `R${src} is invalid`);
      return 1;
    }
    case BPF_ST: {
      if (BPF_MODE(code) !== BPF_MEM) throw loadError(pc, `unknown opcode ${hex2(code)}`);
      if (src !== 0) throw loadError(pc, 'BPF_ST uses reserved fields');
      return 1;
    }
    case BPF_STX: {
      const mode = BPF_MODE(code);
      if (src >= MAX_BPF_REG) throw loadError(pc, `R${src} is invalid`);
      if (mode === BPF_MEM) {
        if (imm !== 0) throw loadError(pc, 'BPF_STX uses reserved fields');
        return 1;
      }
      if (mode === BPF_ATOMIC && (BPF_SIZE(code) === BPF_W || BPF_SIZE(code) === BPF_DW)) {
        if (!ATOMIC_IMMS.has(imm)) throw loadError(pc, `BPF_ATOMIC uses invalid atomic opcode ${hex2(imm & 0xff)}`);
        return 1;
      }
      throw loadError(pc, `unknown opcode ${hex2(code)}`);
    }
    case BPF_LD: {
      if (code !== (BPF_LD | BPF_IMM | BPF_DW)) {
        // Legacy BPF_ABS/BPF_IND packet loads (RFC 9669 "legacy" group) are not modelled.
        throw loadError(pc, `unknown opcode ${hex2(code)}`);
      }
      const next = insns[pc + 1];
      if (!next || next.code !== 0 || next.dst_reg !== 0 || next.src_reg !== 0 || next.off !== 0 || off !== 0 || src > BPF_PSEUDO_MAP_IDX_VALUE) {
        throw loadError(pc, 'invalid bpf_ld_imm64 insn');
      }
      return 2;
    }
    case BPF_JMP:
    case BPF_JMP32: {
      if (code === (BPF_JMP | BPF_JCOND)) {
        if (src !== BPF_MAY_GOTO || dst !== 0 || imm !== 0) throw loadError(pc, `invalid may_goto imm ${imm}`);
        return 1;
      }
      if (!JMP_OPS.has(op)) throw loadError(pc, `unknown opcode ${hex2(code)}`);
      if (op === BPF_CALL) {
        if (cls === BPF_JMP32) throw loadError(pc, `unknown opcode ${hex2(code)}`);
        if (BPF_SRC(code) === BPF_X) {
          // callx (RFC 9669 "callx" group): the helper id is taken from dst_reg at run time; Linux has no callx.
          if (src !== 0 || off !== 0 || imm !== 0) throw loadError(pc, 'BPF_CALL uses reserved fields');
          return 1;
        }
        if (dst !== 0 || (off !== 0 && src !== BPF_PSEUDO_KFUNC_CALL) || src > BPF_PSEUDO_KFUNC_CALL) {
          throw loadError(pc, 'BPF_CALL uses reserved fields');
        }
        return 1;
      }
      if (op === BPF_EXIT) {
        if (cls === BPF_JMP32 || BPF_SRC(code) !== 0 || src !== 0 || dst !== 0 || off !== 0 || imm !== 0) {
          throw loadError(pc, cls === BPF_JMP32 ? `unknown opcode ${hex2(code)}` : 'BPF_EXIT uses reserved fields');
        }
        return 1;
      }
      if (op === BPF_JA) {
        if (BPF_SRC(code) !== 0) throw loadError(pc, `unknown opcode ${hex2(code)}`);
        if (src !== 0 || dst !== 0 || (cls === BPF_JMP ? imm !== 0 : off !== 0)) throw loadError(pc, 'BPF_JA uses reserved fields');
        return 1;
      }
      if (BPF_SRC(code) === BPF_X) {
        if (imm !== 0) throw loadError(pc, 'BPF_JMP/JMP32 uses reserved fields');
        if (src >= MAX_BPF_REG) throw loadError(pc, `R${src} is invalid`);
      } else if (src !== 0) {
        throw loadError(pc, 'BPF_JMP/JMP32 uses reserved fields');
      }
      return 1;
    }
  }
  throw loadError(pc, `unknown opcode ${hex2(code)}`);
}

/**
 * Load-time checks of a whole program (bpf_check()'s structural part, before any state exploration): size,
 * every encoding, lddw pairs, jump and call targets inside the program and never into an lddw's second slot,
 * and a last instruction that is an exit or a jump. Throws a KernelError (EINVAL/E2BIG) with detail.insn.
 */
export function bpfCheckInsns(insns: readonly BpfInsn[]): void {
  const n = insns.length;
  if (n === 0) throw loadError(0, 'empty program');
  if (n > BPF_COMPLEXITY_LIMIT_INSNS) throw loadError(0, `program of ${n} insns is too large`, 'E2BIG');
  const second = new Uint8Array(n);
  for (let pc = 0; pc < n; ) {
    const slots = checkInsn(insns, pc);
    if (slots === 2) second[pc + 1] = 1;
    pc += slots;
  }
  for (let pc = 0; pc < n; pc++) {
    if (second[pc]) continue;
    const t = branchTarget(insns, pc);
    if (t === -1) continue;
    if (t < 0 || t >= n) throw loadError(pc, `jump out of range from insn ${pc} to ${t}`);
    if (second[t]) throw loadError(pc, `jump into the middle of ldimm64 insn ${t - 1}`);
  }
  const last = insns[n - 1]!;
  const lastCls = BPF_CLASS(last.code);
  const lastOp = BPF_OP(last.code);
  if (second[n - 1] || !((lastCls === BPF_JMP || lastCls === BPF_JMP32) && (lastOp === BPF_EXIT || lastOp === BPF_JA))) {
    throw loadError(n - 1, 'last insn is not an exit or jmp');
  }
}
