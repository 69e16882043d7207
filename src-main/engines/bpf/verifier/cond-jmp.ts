/**
 * Conditional jumps (kernel/bpf/verifier.c, Linux 6.18): check_cond_jmp_op() decides a branch (is_branch_taken() in
 * branch.ts) or pushes the other side, narrows both (reg_set_min_max(), sync_linked_regs()), applies null checks
 * (mark_ptr_or_null_regs()) and packet bounds checks (try_match_pkt_pointers()); may_goto pushes its fall-through.
 */
import { KernelError } from '../../common/errors';
import { condJmpReserved } from '../check';
import { BPF_CLASS, BPF_JCOND, BPF_JEQ, BPF_JMP32, BPF_JNE, BPF_OP, BPF_SRC, BPF_X } from '../isa';
import type { BpfInsn } from '../isa';
import { isBranchTaken, regIsEmpty, regSetMinMax } from './branch';
import { isPktPointerAny, isPktPtrBranchTaken, tryMatchPktPointers } from './pkt-pointers';
import { reject } from './error';
import { copyReg, scalarConst } from './reg';
import type { Reg } from './reg';
import { curFrame, histEncode, isSpilledReg, widenImpreciseScalars } from './state';
import type { VerifierState } from './state';
import type { BpfVerifierEnv } from './env';
import { mark_chain_precision, collect_linked_regs } from './precision';

/** check_cond_jmp_op(): a conditional jump; returns the next instruction of the path that goes on. */
export function check_cond_jmp_op(env: BpfVerifierEnv, insn: BpfInsn, idx: number): number {
  const op = BPF_OP(insn.code);
  const j32 = BPF_CLASS(insn.code) === BPF_JMP32;
  if (op > 0xd0 && op !== BPF_JCOND) reject(`invalid BPF_JMP/JMP32 opcode ${op.toString(16)}`, 'EINVAL');
  const dst = env.readReg(insn.dst_reg);
  try {
    condJmpReserved(insn, idx);
  } catch (e) {
    if (e instanceof KernelError) reject(e.message, 'EINVAL');
    throw e;
  }
  let src: Reg;
  if (BPF_SRC(insn.code) === BPF_X) src = env.readReg(insn.src_reg);
  else src = env.immConst(idx, insn.imm, j32);
  const target = idx + insn.off + 1;
  // is_branch_taken(): two packet pointers compared in 64 bits are decided by is_pkt_ptr_branch_taken() alone.
  const pkts = !j32 && isPktPointerAny(dst) && isPktPointerAny(src);
  const pred = pkts ? isPktPtrBranchTaken(dst, src, op) : isBranchTaken(dst, src, op, j32);
  if (pred >= 0) {
    if (dst.type === 'scalar') mark_chain_precision(env, insn.dst_reg);
    if (BPF_SRC(insn.code) === BPF_X && src.type === 'scalar') mark_chain_precision(env, insn.src_reg);
    if (env.level) env.print_insn_state();
    env.prevLogPos = 0;
    return pred === 1 ? target : idx + 1;
  }
  return condJmpBothWays(env, insn, idx, op, j32, dst, src, target);
}

/** Both outcomes possible: the taken branch is pushed, and each side learns what its outcome implies. */
export function condJmpBothWays(
  env: BpfVerifierEnv,
  insn: BpfInsn,
  idx: number,
  op: number,
  j32: boolean,
  dst: Reg,
  src: Reg,
  target: number,
): number {
  // Before the other branch is made, so that both share the record (check_cond_jmp_op()).
  const ids: number[] = [];
  if (BPF_SRC(insn.code) === BPF_X && src.type === 'scalar' && src.id) ids.push(src.id);
  if (dst.type === 'scalar' && dst.id) ids.push(dst.id);
  if (ids.length) collect_linked_regs(env, ids);
  const other = env.push_stack(target, idx);
  // The jump is in both branches' history, as the kernel's entries pushed before push_stack() are: backtracking
  // from the taken branch passes it too. A linked-register record is an entry of its own there.
  other.hist.push(histEncode(env.curHist));
  if (env.curHist.linked && !env.jmpP[idx]) other.jmp_history_cnt++;
  const oRegs = curFrame(other).regs;
  const tRegs = env.cur_regs();
  if (BPF_SRC(insn.code) === BPF_X) {
    regSetMinMax(oRegs[insn.dst_reg]!, oRegs[insn.src_reg]!, tRegs[insn.dst_reg]!, tRegs[insn.src_reg]!, op, j32);
  } else {
    const c1 = copyReg(src);
    const c2 = copyReg(src);
    regSetMinMax(oRegs[insn.dst_reg]!, c1, tRegs[insn.dst_reg]!, c2, op, j32);
  }
  // sync_linked_regs(): registers sharing a scalar id learn the same bounds.
  for (const [st, regs] of [
    [other, oRegs],
    [env.cur, tRegs],
  ] as const) {
    for (const r of BPF_SRC(insn.code) === BPF_X ? [insn.dst_reg, insn.src_reg] : [insn.dst_reg]) {
      const known = regs[r]!;
      if (known.type !== 'scalar' || !known.id) continue;
      for (const f of st.frames) {
        for (let i = 0; i < f.regs.length; i++) {
          const x = f.regs[i]!;
          if (x !== known && x.type === 'scalar' && x.id === known.id) {
            const c = copyReg(known);
            c.precise = x.precise;
            f.regs[i] = c;
          }
        }
        for (const s of f.stack) {
          if (isSpilledReg(s) && s.spilled.type === 'scalar' && s.spilled.id === known.id) {
            const c = copyReg(known);
            c.precise = s.spilled.precise;
            s.spilled = c;
          }
        }
      }
    }
  }
  // Null checks: mark_ptr_or_null_regs() on both branches.
  if (!j32 && BPF_SRC(insn.code) === 0 && insn.imm === 0 && (op === BPF_JEQ || op === BPF_JNE) && dst.maybeNull) {
    const id = dst.id;
    const refId = dst.ref_obj_id;
    mark_ptr_or_null_regs(other, id, refId, op === BPF_JEQ);
    mark_ptr_or_null_regs(env.cur, id, refId, op === BPF_JNE);
  } else if (!j32 && BPF_SRC(insn.code) === BPF_X) {
    // try_match_pkt_pointers(): a bounds check of the packet gives ranges (pointer comparisons are allowed to
    // the privileged loader, so no "pointer comparison prohibited" follows otherwise).
    tryMatchPktPointers(op, insn.dst_reg, insn.src_reg, tRegs[insn.dst_reg]!, tRegs[insn.src_reg]!, env.cur, other);
  }
  // A branch whose ranges are contradictory cannot be taken (reg_bounds_sanity_check()); drop it.
  if (regIsEmpty(oRegs[insn.dst_reg]!) || (oRegs[insn.src_reg] !== undefined && regIsEmpty(oRegs[insn.src_reg]!))) {
    env.stack.pop();
    if (other.parent) other.parent.branches--;
  }
  if (env.level) env.print_insn_state();
  return idx + 1;
}

/** mark_ptr_or_null_regs(). */
export function mark_ptr_or_null_regs(st: VerifierState, id: number, refId: number, isNullBranch: boolean): void {
  const fix = (r: Reg): Reg => {
    if (!r.maybeNull || r.id !== id) return r;
    if (isNullBranch) return scalarConst(0n);
    const c = copyReg(r);
    c.maybeNull = false;
    if (c.type !== 'mem' || !c.ringbuf) c.id = 0;
    return c;
  };
  for (const f of st.frames) {
    // A new array (a caller may still hold the old one), built by push: packed, as every regs array.
    const regs: Reg[] = [];
    for (let i = 0; i < f.regs.length; i++) regs.push(fix(f.regs[i]!));
    f.regs = regs;
    for (const s of f.stack) if (isSpilledReg(s)) s.spilled = fix(s.spilled);
  }
  if (isNullBranch && refId) st.refs = st.refs.filter((r) => r.id !== refId);
}

/** may_goto (check_cond_jmp_op() of BPF_JCOND): the fall-through is pushed one may_goto deeper; the jump goes on. */
export function checkMayGoto(env: BpfVerifierEnv, insn: BpfInsn, idx: number): number {
  const prev = env.cur.parent ? env.find_prev_entry(env.cur.parent, idx) : undefined;
  const q = env.push_stack(idx + 1, idx);
  q.may_goto_depth = env.mayGotoDepth(env.cur) + 1;
  if (prev) widenImpreciseScalars(prev, q);
  return idx + insn.off + 1;
}
