/**
 * bpf_check() (kernel/bpf/verifier.c, Linux 6.18): the verifier's path exploration. Each path is simulated
 * instruction by instruction on an abstract state; branches are pushed and explored depth first; at prune points the
 * state is compared with stored checkpoints (is_state_visited()); loops end when states converge, with the
 * iterator, bpf_loop and may_goto rules; every rejection carries the kernel's message and errno, and the log is
 * printed in the kernel's format at log_level 1 and 2.
 *
 * The verifier is split as kernel/bpf/verifier.c is laid out, in free functions named for the kernel's that take
 * the env (struct bpf_verifier_env, env.ts) first: do_check() in do-check.ts; is_state_visited() in prune.ts;
 * mark_chain_precision() and backtrack_insn() in precision.ts; check_mem_access() and the loads, stores and atomics
 * in mem-access.ts, the stack's checks in stack-access.ts; check_alu_op() in alu-op.ts; check_cond_jmp_op() in
 * cond-jmp.ts; check_helper_call(), check_func_call() and the exit in calls.ts; check_kfunc_call() in
 * kfunc-call.ts. Here: bpf_check() itself, check_cfg()'s reachability and the checks after the walk.
 */
import { branchTarget } from '../check';
import {
  BPF_CALL,
  BPF_CLASS,
  BPF_EXIT,
  BPF_JA,
  BPF_JMP,
  BPF_JMP32,
  BPF_OP,
  BPF_PSEUDO_CALL,
  BPF_PSEUDO_FUNC,
  BPF_PSEUDO_KFUNC_CALL,
  MAX_BPF_STACK,
  MAX_CALL_FRAMES,
  isLdImm64,
} from '../isa';
import { VerifierError, reject } from './error';
import { pointer } from './reg';
import { makeState, newFrame } from './state';
import type { BpfInsn } from '../isa';
import { BPF_COMPLEXITY_LIMIT_INSNS, BpfVerifierEnv } from './env';
import type { VerifierEnv, VerifierResult } from './env';
import { do_check } from './do-check';

/** Runs the verifier over checked instructions. */
export function bpf_check(insns: readonly BpfInsn[], attr: VerifierEnv): VerifierResult {
  const env = new BpfVerifierEnv(insns, attr);
  const frame = newFrame(0, -1, 0);
  frame.regs[1] = pointer('ctx');
  env.cur = makeState([frame], [], undefined, 0, 1, 0, 0, 0, [], 0, ++env.uidGen);
  if (env.level >= 2) env.funcStarts.forEach((s, k) => env.verbose(`func#${k} @${s}\n`));
  // check_attach_btf_id(), before the liveness pass: of the model's program types only syscall programs may sleep.
  const early =
    env.attr.sleepable && env.progType !== 'syscall'
      ? new VerifierError(
          'Only fentry/fexit/fmod_ret, lsm, iter, uprobe, and struct_ops programs can be sleepable',
          'EINVAL',
        )
      : undefined;
  if (env.level >= 2 && !early) {
    env.verbose('Live regs before insn:\n');
    for (let pc = 0; pc < env.n; pc++) {
      const m = env.live[pc]!;
      let mask = '';
      for (let r = 0; r < 10; r++) mask += m & (1 << r) ? String(r) : '.';
      // compute_live_registers(): the instruction's SCC ("%3d ") when it is in a loop, then "%3d: ".
      const scc = env.scc[pc]!;
      env.verbose(
        `${scc ? `${String(scc).padStart(3)} ` : '    '}${String(pc).padStart(3)}: ${mask} ${env.insnStr(pc)}\n`,
      );
      if (isLdImm64(env.insns[pc]!)) pc++;
    }
  }
  env.paths.push({ id: 0, parent: -1, from: -1, to: 0 });
  let ok = true;
  let err: VerifierError | undefined;
  try {
    if (early) throw early;
    check_cfg(env);
    do_check(env);
    check_max_stack_depth(env);
    fixup_kfunc_call(env);
  } catch (e) {
    if (!(e instanceof VerifierError)) throw e;
    ok = false;
    err = e;
    if (env.paths[env.pathId])
      Object.assign(env.paths[env.pathId]!, { end: e.message.split('\n')[0], at: env.insnIdx });
    env.verbose(`${e.message}${e.eol}`);
  }
  if (ok && env.level === 1) env.buf.clear();
  env.verbose(
    `processed ${env.insnProcessed} insns (limit ${BPF_COMPLEXITY_LIMIT_INSNS}) max_states_per_insn ${env.maxStatesPerInsn} total_states ${env.totalStates} peak_states ${env.peakStates} mark_read 0\n`,
  );
  const res: VerifierResult = {
    ok,
    log: env.buf.toString(),
    insn_processed: env.insnProcessed,
    max_states_per_insn: env.maxStatesPerInsn,
    total_states: env.totalStates,
    peak_states: env.peakStates,
    stack_depth: env.stackDepth,
    ctx_loads: env.ctxLoads,
    max_ctx_offset: env.maxCtxOffset,
  };
  if (env.buf.overflowed()) {
    // bpf_vlog_finalize(): a log that did not fit fails the load, accepted or not; the log keeps its tail.
    res.ok = false;
    res.errno = 'ENOSPC';
    res.error = `the verifier log (${env.buf.trueSize} bytes) does not fit log_size ${env.buf.logSize}`;
    // The errno is ENOSPC (as in Linux), but the verifier's own reason (in the log's tail) is said too.
    if (err) {
      res.error += `; the verifier's own reason: ${err.message.split('\n')[0]!}`;
      res.insn = env.insnIdx;
    }
  } else if (err) {
    res.errno = err.errno;
    res.error = err.message.split('\n')[0]!;
    res.insn = env.insnIdx;
  }
  if (env.attr.trace) {
    res.steps = env.steps;
    res.paths = env.paths;
  }
  return res;
}

/**
 * check_cfg(): every instruction is reachable from the first one. A function is reached through a call or a
 * BPF_PSEUDO_FUNC ld_imm64 (visit_func_call_insn()) that is itself reached: a subprogram only an unreachable
 * instruction names is unreachable. (The model has no bpf_throw, so no exception callback as a second root.)
 */
export function check_cfg(env: BpfVerifierEnv): void {
  const seen = new Uint8Array(env.n);
  const work = [0];
  while (work.length) {
    const pc = work.pop()!;
    if (pc < 0 || pc >= env.n || seen[pc]) continue;
    seen[pc] = 1;
    const i = env.insns[pc]!;
    const cls = BPF_CLASS(i.code);
    const op = BPF_OP(i.code);
    if (isLdImm64(i)) {
      // Its second slot is explored only by a jump into it.
      work.push(pc + 2);
      if (i.src_reg === BPF_PSEUDO_FUNC) work.push(pc + i.imm + 1);
      continue;
    }
    if (cls === BPF_JMP && op === BPF_CALL && i.src_reg === BPF_PSEUDO_CALL) work.push(pc + i.imm + 1);
    if ((cls === BPF_JMP || cls === BPF_JMP32) && op !== BPF_CALL) {
      if (op === BPF_EXIT) continue;
      work.push(branchTarget(env.insns, pc));
      if (op !== BPF_JA) work.push(pc + 1);
      continue;
    }
    work.push(pc + 1);
  }
  // In instruction order: the first instruction never reached, or an lddw whose second slot a jump reaches.
  for (let pc = 0; pc < env.n; pc++) {
    if (!seen[pc]) reject(`unreachable insn ${pc}`, 'EINVAL');
    if (isLdImm64(env.insns[pc]!)) {
      if (seen[pc + 1]) reject(`jump into the middle of ldimm64 insn ${pc}`, 'EINVAL');
      pc++;
    }
  }
}

/**
 * fixup_kfunc_call() after opt_remove_dead_code(): a kfunc call with imm 0 that the walk reached (an unreached
 * one is removed as dead code) was never a call to anything.
 */
export function fixup_kfunc_call(env: BpfVerifierEnv): void {
  for (let pc = 0; pc < env.n; pc++) {
    const i = env.insns[pc]!;
    if (env.insnChecked[pc] && i.code === (BPF_JMP | BPF_CALL) && i.src_reg === BPF_PSEUDO_KFUNC_CALL && i.imm === 0) {
      reject('invalid kernel function call not eliminated in verifier pass', 'EINVAL');
    }
  }
}

/**
 * check_max_stack_depth() for the main program: the combined stack of any call chain stays within MAX_BPF_STACK.
 * Every bpf-to-bpf call and callback address (ld_imm64 BPF_PSEUDO_FUNC) in a subprogram's instructions, reached by
 * the walk or not, adds a frame, so a recursion on a dead path is "too deep" here. Each frame's depth is rounded up
 * to 16 bytes (round_up_stack_depth() of a JIT-requested program, as x86-64 loads them).
 */
export function check_max_stack_depth(env: BpfVerifierEnv): void {
  const round = (d: number): number => Math.ceil(d / 16) * 16;
  const starts = env.funcStarts;
  const end = (k: number): number => starts[k + 1] ?? env.n;
  const calls = (k: number): number[] => {
    const out: number[] = [];
    for (let pc = starts[k]!; pc < end(k); pc++) {
      const i = env.insns[pc]!;
      const call = i.code === (BPF_JMP | BPF_CALL) && i.src_reg === BPF_PSEUDO_CALL;
      if (call || (isLdImm64(i) && i.src_reg === BPF_PSEUDO_FUNC)) out.push(starts.indexOf(pc + i.imm + 1));
    }
    return out;
  };
  const walk = (k: number, depth: number, frame: number): void => {
    const total = depth + round(env.stackDepth.get(starts[k]!) ?? 0);
    if (total > MAX_BPF_STACK) reject(`combined stack size of ${frame + 1} calls is ${total}. Too large`);
    for (const callee of calls(k)) {
      if (frame + 1 >= MAX_CALL_FRAMES) reject(`the call stack of ${frame + 1} frames is too deep !`, 'E2BIG');
      walk(callee, total, frame + 1);
    }
  };
  walk(0, 0, 0);
}

export { BPF_COMPLEXITY_LIMIT_INSNS, BPF_COMPLEXITY_LIMIT_JMP_SEQ, BpfVerifierEnv } from './env';
export type { VerifierEnv, VerifierPath, VerifierResult, VerifierStep } from './env';
