/**
 * check_alu_op() (kernel/bpf/verifier.c, Linux 6.18): the operand checks of BPF_ALU and BPF_ALU64 instructions,
 * BPF_MOV (sign extension, scalar ids), BPF_END and BPF_NEG, and the checks of pointer arithmetic before
 * adjust_ptr_min_max_vals(); the arithmetic itself is alu.ts's.
 */
import {
  BPF_ALU,
  BPF_ALU64,
  BPF_ARSH,
  BPF_LSH,
  BPF_RSH,
  BPF_CLASS,
  BPF_DIV,
  BPF_END,
  BPF_K,
  BPF_MOD,
  BPF_MOV,
  BPF_NEG,
  BPF_OP,
  BPF_SRC,
  BPF_TO_BE,
  BPF_X,
} from '../isa';
import type { BpfInsn } from '../isa';
import { ALU_NAME, ptrAlu, scalarAlu } from './alu';
import { reject } from './error';
import {
  coerceRegToSize,
  coerceRegToSizeSx,
  copyReg,
  mark32Unbounded,
  mark64Unbounded,
  regBoundsSync,
  scalarConst,
  scalarUnknown,
  zext32to64,
} from './reg';
import type { Reg } from './reg';
import { U32_MAX, tnumIsConst, u32 } from './tnum';
import type { BpfVerifierEnv } from './env';
import { mark_chain_precision } from './precision';

/** check_alu_op(): a BPF_ALU or BPF_ALU64 instruction. */
export function check_alu_op(env: BpfVerifierEnv, insn: BpfInsn): void {
  const op = BPF_OP(insn.code);
  const alu32 = BPF_CLASS(insn.code) === BPF_ALU;
  const regs = env.cur_regs();
  if (op === BPF_END || op === BPF_NEG) {
    aluEndNeg(env, insn, op, alu32, regs);
    return;
  }
  if (op === BPF_MOV) {
    aluMov(env, insn, alu32, regs);
    return;
  }
  // check_alu_op(): the source register is checked first, then the destination, then the BPF_K operand.
  const s: Reg = BPF_SRC(insn.code) === BPF_X ? env.readReg(insn.src_reg) : env.immConst(env.insnIdx, insn.imm, alu32);
  const d = env.readReg(insn.dst_reg);
  if ((op === BPF_DIV || op === BPF_MOD) && BPF_SRC(insn.code) === BPF_K && insn.imm === 0)
    reject('div by zero', 'EINVAL');
  if (
    (op === BPF_LSH || op === BPF_RSH || op === BPF_ARSH) &&
    BPF_SRC(insn.code) === BPF_K &&
    (insn.imm < 0 || insn.imm >= (alu32 ? 32 : 64))
  ) {
    reject(`invalid shift ${insn.imm}`, 'EINVAL');
  }
  env.writeReg(insn.dst_reg);
  if (d.type !== 'scalar' || s.type !== 'scalar') {
    aluWithPointer(env, insn, op, alu32, regs, d, s);
    return;
  }
  const dd = copyReg(d);
  // A BPF_K operand is immConst()'s scalarConst(), exact by construction; out-of-range shift counts in a
  // register make the result unknown (is_safe_to_compute_dst_reg_range()).
  scalarAlu(dd, s, op, alu32, BPF_SRC(insn.code) === BPF_K);
  regs[insn.dst_reg] = dd;
}

/** BPF_END and BPF_NEG (check_alu_op()). */
export function aluEndNeg(env: BpfVerifierEnv, insn: BpfInsn, op: number, alu32: boolean, regs: Reg[]): void {
  const d = env.readReg(insn.dst_reg);
  env.writeReg(insn.dst_reg);
  if (d.type !== 'scalar') {
    // is_pointer_value() is false for a privileged load (allow_ptr_leaks): the pointer becomes an unknown scalar.
    regs[insn.dst_reg] = scalarUnknown();
    return;
  }
  if (op === BPF_NEG) {
    scalarAlu(d, scalarConst(0n), BPF_NEG, alu32);
  } else {
    const bits = BigInt(insn.imm);
    const toLe = BPF_SRC(insn.code) !== BPF_TO_BE && !(BPF_CLASS(insn.code) === BPF_ALU64);
    if (toLe) {
      // On a little-endian machine to_le only truncates; le64 changes nothing (the id stays).
      if (bits < 64n) {
        coerceRegToSize(d, Number(bits / 8n));
        d.id = 0;
      }
    } else {
      // The bytes swap, and so do the tnum's known bits (6.18); the bounds are what the swapped tnum allows.
      const mask = (1n << bits) - 1n;
      const swap = (x: bigint): bigint => {
        let sw = 0n;
        for (let b = 0n; b < bits; b += 8n) sw = (sw << 8n) | ((x >> b) & 0xffn);
        return sw;
      };
      d.var_off = { v: swap(d.var_off.v & mask), m: swap(d.var_off.m & mask) };
      mark64Unbounded(d);
      mark32Unbounded(d);
      regBoundsSync(d);
      d.id = 0;
    }
  }
}

/** BPF_MOV (check_alu_op()). */
export function aluMov(env: BpfVerifierEnv, insn: BpfInsn, alu32: boolean, regs: Reg[]): void {
  if (BPF_SRC(insn.code) === BPF_X) {
    const s = env.readReg(insn.src_reg);
    env.writeReg(insn.dst_reg);
    if (!alu32) {
      if (insn.off === 0) {
        if (s.type === 'scalar' && !s.id && !tnumIsConst(s.var_off)) s.id = env.newId();
        regs[insn.dst_reg] = copyReg(s);
      } else {
        // is_pointer_value() is false for a privileged load: a pointer source gives an unknown scalar.
        if (s.type !== 'scalar') {
          regs[insn.dst_reg] = scalarUnknown();
          return;
        }
        // A value that needs no sign extension keeps its id (assign_scalar_id_before_mov()).
        const noSext = s.umax < 1n << BigInt(insn.off - 1);
        if (noSext && !s.id && !tnumIsConst(s.var_off)) s.id = env.newId();
        const d = copyReg(s);
        if (!noSext) d.id = 0;
        coerceRegToSizeSx(d, insn.off / 8);
        regs[insn.dst_reg] = d;
      }
    } else {
      if (s.type !== 'scalar') {
        // "R%d partial copy of pointer": allowed to privileged programs, the result is unknown.
        regs[insn.dst_reg] = scalarUnknown();
        zext32to64(regs[insn.dst_reg]!);
        regBoundsSync(regs[insn.dst_reg]!);
        return;
      }
      const d = copyReg(s);
      if (insn.off === 0) {
        const fits = s.umax <= U32_MAX;
        if (fits && !s.id && !tnumIsConst(s.var_off)) {
          s.id = env.newId();
          d.id = s.id;
        }
        if (!fits) d.id = 0;
        zext32to64(d);
      } else {
        const noSext = s.umax < 1n << BigInt(insn.off - 1);
        if (noSext && !s.id && !tnumIsConst(s.var_off)) {
          s.id = env.newId();
          d.id = s.id;
        }
        if (!noSext) d.id = 0;
        coerceRegToSizeSx(d, insn.off / 8, true);
      }
      d.precise = false;
      regBoundsSync(d);
      regs[insn.dst_reg] = d;
    }
  } else {
    env.writeReg(insn.dst_reg);
    regs[insn.dst_reg] = scalarConst(alu32 ? u32(BigInt(insn.imm)) : BigInt(insn.imm));
  }
}

/** An ALU operation with a pointer operand (adjust_ptr_min_max_vals() and its checks). */
export function aluWithPointer(
  env: BpfVerifierEnv,
  insn: BpfInsn,
  op: number,
  alu32: boolean,
  regs: Reg[],
  d: Reg,
  s: Reg,
): void {
  if (d.type !== 'scalar') {
    if (s.type !== 'scalar') {
      if (op === 0x10) {
        regs[insn.dst_reg] = scalarUnknown();
        return;
      }
      reject(`R${insn.dst_reg} pointer ${ALU_NAME[op]} pointer prohibited`);
    }
    if (BPF_SRC(insn.code) === BPF_X) mark_chain_precision(env, insn.src_reg);
    regs[insn.dst_reg] = ptrAlu(d, s, op, alu32, insn.dst_reg, false, () => env.newId());
    return;
  }
  mark_chain_precision(env, insn.dst_reg);
  regs[insn.dst_reg] = ptrAlu(s, d, op, alu32, insn.dst_reg, true, () => env.newId());
}
