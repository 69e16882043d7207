/**
 * do_check() (kernel/bpf/verifier.c, Linux 6.18): the walk. Each path is simulated instruction by instruction
 * (do_check_insn()'s dispatch by instruction class) after the prune point check (is_state_visited() in prune.ts);
 * branches are pushed (push_stack()) and popped depth first; the log is printed in the kernel's format at
 * log_level 1 and 2.
 */
import { KernelError } from '../../common/errors';
import { branchTarget, checkInsn } from '../check';
import {
  BPF_ALU,
  BPF_ALU64,
  BPF_ATOMIC,
  BPF_CALL,
  BPF_CLASS,
  BPF_EXIT,
  BPF_JA,
  BPF_JCOND,
  BPF_JMP,
  BPF_LD,
  BPF_LDX,
  BPF_MODE,
  BPF_OP,
  BPF_PSEUDO_CALL,
  BPF_PSEUDO_KFUNC_CALL,
  BPF_SRC,
  BPF_ST,
  BPF_STX,
  BPF_X,
  isLdImm64,
} from '../isa';
import type { BpfInsn } from '../isa';
import { reject } from './error';
import { curFrame, histEncode, printState } from './state';
import type { VerifierState } from './state';
import type { BpfVerifierEnv } from './env';
import { maybe_exit_scc, is_state_visited } from './prune';
import { check_alu_op } from './alu-op';
import { check_load_mem, check_store_reg, check_atomic, check_ld_abs, check_ld_imm } from './mem-access';
import { check_cond_jmp_op, checkMayGoto } from './cond-jmp';
import { check_func_call, check_helper_call, checkExit } from './calls';
import { check_kfunc_call } from './kfunc-call';

/** do_check(): the walk, until every pushed path is explored or one is rejected. */
export function do_check(env: BpfVerifierEnv): void {
  let prevInsnIdx = -1;
  for (;;) {
    const idx = env.insnIdx;
    env.prevInsnIdx = prevInsnIdx;
    if (idx >= env.n || idx < 0) reject(`invalid insn idx ${idx} insn_cnt ${env.n}`, 'EFAULT');
    const insn = env.insns[idx]!;
    if (++env.insnProcessed > env.insnLimit) {
      reject(`BPF program is too large. Processed ${env.insnProcessed} insn`, 'E2BIG');
    }
    env.cur.insn_idx = idx;
    let pruned = false;
    if (env.pruneP[idx]) pruned = is_state_visited(env, idx);
    if (pruned) {
      if (env.level) {
        if (env.doPrintState && env.level >= 2) env.verbose(`\nfrom ${prevInsnIdx} to ${idx}: safe\n`);
        else if (env.level >= 2) env.verbose(`${idx}: safe\n`);
      }
      if (env.trace && env.paths[env.pathId]) Object.assign(env.paths[env.pathId]!, { end: 'safe', at: idx });
      if (!popState(env)) return;
      prevInsnIdx = env.prevInsnIdx;
      continue;
    }
    if (env.level >= 2 && env.doPrintState) {
      env.verbose(`\nfrom ${prevInsnIdx} to ${idx}:${printState(env.cur, curFrame(env.cur))}\n`);
      env.doPrintState = false;
    }
    if (env.level) {
      if (env.verifier_state_scratched()) env.print_insn_state();
      env.mark_verifier_state_clean();
      env.buf.append(`${idx}: ${env.insnStr(idx)}\n`);
      env.prevInsnPrintPos = env.buf.lastLineLen();
      env.prevLogPos = env.buf.len;
    }
    const histEntry = env.curHist;
    histEntry.idx = idx;
    histEntry.spi = -1;
    histEntry.spiFrame = undefined;
    histEntry.frame = env.cur.frames.length - 1;
    histEntry.linked = 0;
    const cls = BPF_CLASS(insn.code);
    let next = idx + 1;
    let endOfPath = false;
    // do_check_insn(): the instruction's reserved fields, checked when the walk first reaches it (registers:
    // readReg()/writeReg(), check_reg_arg()).
    if (!env.insnChecked[idx]) {
      // The legacy packet loads have their own checks (check_ld_abs(), each time).
      if (!(cls === BPF_LD && !isLdImm64(insn)))
        try {
          checkInsn(env.insns, idx, false);
        } catch (e) {
          if (e instanceof KernelError) reject(e.message, 'EINVAL');
          throw e;
        }
      env.insnChecked[idx] = 1;
    }
    if (cls === BPF_ALU || cls === BPF_ALU64) {
      check_alu_op(env, insn);
    } else if (cls === BPF_LDX) {
      check_load_mem(env, insn, idx);
    } else if (cls === BPF_STX) {
      if (BPF_MODE(insn.code) === BPF_ATOMIC) check_atomic(env, insn, idx);
      else check_store_reg(env, insn, idx, insn.src_reg);
    } else if (cls === BPF_ST) {
      check_store_reg(env, insn, idx, -1);
    } else if (cls === BPF_LD && !isLdImm64(insn)) {
      check_ld_abs(env, insn);
    } else if (cls === BPF_LD) {
      check_ld_imm(env, insn, idx);
      next = idx + 2;
    } else {
      env.jmpsProcessed++;
      const op = BPF_OP(insn.code);
      if (op === BPF_CALL) {
        next = checkCall(env, insn, idx);
      } else if (op === BPF_JA) {
        next = branchTarget(env.insns, idx);
      } else if (op === BPF_EXIT) {
        const ret = checkExit(env, idx);
        if (ret < 0) endOfPath = true;
        else next = ret;
      } else if (insn.code === (BPF_JMP | BPF_JCOND)) {
        next = checkMayGoto(env, insn, idx);
      } else {
        next = check_cond_jmp_op(env, insn, idx);
      }
    }
    env.cur.hist.push(histEncode(histEntry));
    if (env.jmpP[idx] || histEntry.spi >= 0 || histEntry.linked) env.cur.jmp_history_cnt++;
    if (env.trace) {
      env.steps.push({
        insn: idx,
        frame: env.cur.frames.length - 1,
        path: env.pathId,
        state: printState(env.cur, curFrame(env.cur)).trim(),
      });
    }
    if (endOfPath) {
      if (env.trace && env.paths[env.pathId]) Object.assign(env.paths[env.pathId]!, { end: 'exit', at: idx });
      if (!popState(env)) return;
      prevInsnIdx = env.prevInsnIdx;
      continue;
    }
    prevInsnIdx = idx;
    env.insnIdx = next;
  }
}

/** update_branch_counts() then pop_stack(); false when nothing is left to explore. */
export function popState(env: BpfVerifierEnv): boolean {
  env.scratchAll = true;
  let st: VerifierState | undefined = env.cur;
  while (st) {
    const br = --st.branches;
    if (br) break;
    maybe_exit_scc(env, st);
    if (st !== env.cur) env.maybe_free_verifier_state(st);
    st = st.parent;
  }
  const p = env.stack.pop();
  if (!p) return false;
  env.cur = p.st;
  env.insnIdx = p.insn;
  env.prevInsnIdx = p.prev;
  if (env.level === 1) env.buf.truncate(p.logLen);
  // pop_stack() leaves prev_log_pos: a path popped right after its instruction line prints its state on that line.
  env.doPrintState = true;
  env.pathId = p.path;
  return true;
}

/** BPF_CALL (do_check_insn()): a bpf-to-bpf call, a kfunc or a helper; returns the next instruction. */
export function checkCall(env: BpfVerifierEnv, insn: BpfInsn, idx: number): number {
  if (insn.src_reg === BPF_PSEUDO_CALL) return check_func_call(env, idx, idx + insn.imm + 1);
  if (insn.src_reg === BPF_PSEUDO_KFUNC_CALL) {
    check_kfunc_call(env, insn, idx);
    return idx + 1;
  }
  if (BPF_SRC(insn.code) === BPF_X) reject('callx is not supported by Linux', 'EINVAL');
  return check_helper_call(env, insn.imm, idx);
}
