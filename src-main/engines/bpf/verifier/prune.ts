/**
 * State pruning (kernel/bpf/verifier.c, Linux 6.18): is_state_visited() at every prune point compares the current
 * state with the checkpoints stored there (states_equal() in state.ts), prunes on a hit, detects infinite loops,
 * records a loop's back edges in its SCC visit (maybe_enter_scc(), maybe_exit_scc()) and adds new checkpoints.
 */
import { BPF_JCOND, BPF_JMP } from '../isa';
import { reject } from './error';
import {
  EXACT,
  NOT_EXACT,
  RANGE_WITHIN,
  copyState,
  curFrame,
  isSpilledReg,
  iterActiveDepthsDiffer,
  printState,
  statesEqual,
  statesMaybeLooping,
} from './state';
import type { VerifierState } from './state';
import type { StateListEntry, BpfVerifierEnv } from './env';
import { propagate_precision } from './precision';

/** maybe_exit_scc(): the loop's entry checkpoint is fully explored; complete precision from the back edges. */
export function maybe_exit_scc(env: BpfVerifierEnv, st: VerifierState): void {
  const key = env.sccKey(st);
  if (!key) return;
  const v = env.sccVisits.get(key);
  if (!v || v.entry !== st) return;
  env.sccVisits.delete(key);
  env.numBackedges -= v.backedges.length;
  if (env.level >= 2) env.verbose(`SCC exit (${env.scc[st.insn_idx]})\n`);
  const saved = env.cur;
  for (let iter = 0; iter < 64; iter++) {
    let changed = false;
    for (const be of v.backedges) {
      env.cur = be.st;
      if (propagate_precision(env, be.old)) changed = true;
    }
    if (!changed) break;
  }
  env.cur = saved;
}

/**
 * is_state_visited(). Kept small (the loop over the checkpoints and its common cases): V8 optimises a function
 * after running bytecode in proportion to its size, and this one runs at every prune point; the rarer work (a
 * checkpoint still being explored, a hit, a new checkpoint) is in the methods it calls.
 */
export function is_state_visited(env: BpfVerifierEnv, idx: number): boolean {
  const cur = env.cur;
  const forceCkpt = env.forceCkpt[idx]!;
  const force = env.testStateFreq || forceCkpt !== 0 || cur.jmp_history_cnt > 40;
  let addNew = force;
  if (!force && env.jmpsProcessed - env.prevJmps >= 2 && env.insnProcessed - env.prevInsns >= 8) addNew = true;
  let list = env.explored[idx];
  if (!list) {
    if (!addNew) return false;
    list = [];
    env.explored[idx] = list;
  }
  let statesCnt = 0;
  // func_states_equal() compares only the registers live before the frame's instruction (compute_live_registers()).
  env.liveIdx = idx;
  // A plain prune point (not an iterator next, may_goto or callback call): a checkpoint still being explored is
  // never a hit there, only checked for an infinite loop, which needs the same registers first.
  const plain = !env.iterNext[idx] && !env.callsCallback[idx] && env.insns[idx]!.code !== (BPF_JMP | BPF_JCOND);
  for (let k = 0; k < list.length; k++) {
    const sl = list[k]!;
    statesCnt++;
    const old = sl.st;
    let hit = false;
    let loop = false;
    if (old.branches) {
      if (plain) {
        if (statesMaybeLooping(old, cur)) checkInfiniteLoop(env, idx, old, cur);
      } else {
        hit = loop = pendingStateHit(env, idx, old, cur);
      }
      if (!hit && !force && env.jmpsProcessed - env.prevJmps < 20 && env.insnProcessed - env.prevInsns < 100)
        addNew = false;
    } else {
      loop = old.incomplete || env.incomplete_read_marks(old);
      hit = statesEqual(old, cur, loop ? RANGE_WITHIN : NOT_EXACT, true, env.liveAt);
    }
    if (hit) {
      stateHit(env, sl, idx, loop);
      return true;
    }
    if (addNew) sl.miss++;
    const nn = forceCkpt && old.branches > 0 ? 64 : 3;
    if (sl.miss > sl.hit * nn + nn) {
      list.splice(k, 1);
      k--;
      env.exploredSize--;
      env.freeList.add(old);
      env.maybe_free_verifier_state(old);
    }
  }
  env.maxStatesPerInsn = Math.max(env.maxStatesPerInsn, statesCnt);
  if (addNew) newCheckpoint(env, idx, list);
  return false;
}

/**
 * A checkpoint at idx (an iterator next, may_goto or callback call) still being explored (branches > 0) against
 * cur: whether it is a loop back-edge hit; else, at may_goto, the infinite-loop check. allow_uninit_stack is true
 * (privileged).
 */
export function pendingStateHit(env: BpfVerifierEnv, idx: number, old: VerifierState, cur: VerifierState): boolean {
  const live = env.liveAt;
  if (env.iterNext[idx]) {
    if (statesEqual(old, cur, RANGE_WITHIN, true, live)) {
      const it = env.iterSlotOf(cur, curFrame(cur).regs[1]!);
      if (it?.iter?.state === 'active') return true;
    }
  } else if (env.insns[idx]!.code === (BPF_JMP | BPF_JCOND)) {
    if (env.mayGotoDepth(old) !== env.mayGotoDepth(cur) && statesEqual(old, cur, RANGE_WITHIN, true, live)) return true;
    if (statesMaybeLooping(old, cur)) checkInfiniteLoop(env, idx, old, cur);
  } else if (env.callsCallback[idx]) {
    if (statesEqual(old, cur, RANGE_WITHIN, true, live)) return true;
  }
  return false;
}

/** The infinite-loop check of a pending checkpoint whose current-frame registers are cur's (statesMaybeLooping()). */
export function checkInfiniteLoop(env: BpfVerifierEnv, idx: number, old: VerifierState, cur: VerifierState): void {
  if (
    statesEqual(old, cur, EXACT, true, env.liveAt) &&
    !iterActiveDepthsDiffer(old, cur) &&
    env.mayGotoDepth(old) === env.mayGotoDepth(cur) &&
    old.callback_unroll_depth === cur.callback_unroll_depth
  ) {
    reject(
      `infinite loop detected at insn ${idx}\ncur state:${printState(cur, curFrame(cur))}\nold state:${printState(old, curFrame(old))}`,
      'EINVAL',
    );
  }
}

/** cur is safe because checkpoint sl.st is: its precision goes to cur; a loop's back edge is recorded. */
export function stateHit(env: BpfVerifierEnv, sl: StateListEntry, idx: number, loop: boolean): void {
  const cur = env.cur;
  const old = sl.st;
  sl.hit++;
  propagate_precision(env, old);
  if (!loop) return;
  // Record the back edge in the loop's SCC visit; precision is completed when the loop is left.
  const key = env.sccKey(old);
  const v = key ? env.sccVisits.get(key) : undefined;
  if (v) {
    if (env.level >= 2) env.verbose(`SCC backedge (${env.scc[idx]})\n`);
    v.backedges.push({ st: copyState(cur, ++env.uidGen), old });
    env.numBackedges++;
    env.update_peak_states();
  } else {
    for (let s: VerifierState | undefined = cur.parent; s; s = s.parent) {
      s.incomplete = true;
      if (s === old) break;
    }
    old.incomplete = true;
  }
}

/** A new checkpoint of cur at idx, first in `list`; cur goes on as its child with an empty history. */
export function newCheckpoint(env: BpfVerifierEnv, idx: number, list: StateListEntry[]): void {
  const cur = env.cur;
  env.totalStates++;
  env.exploredSize++;
  env.update_peak_states();
  env.prevJmps = env.jmpsProcessed;
  env.prevInsns = env.insnProcessed;
  // mark_all_scalars_imprecise(cur): precision is re-derived by backtracking into the checkpoint.
  for (const f of cur.frames) {
    for (const r of f.regs) if (r.type === 'scalar') r.precise = false;
    for (const s of f.stack) if (isSpilledReg(s) && s.spilled.type === 'scalar') s.spilled.precise = false;
  }
  // The checkpoint takes cur's history (cur starts a new one below): no copy.
  const saved = copyState(cur, ++env.uidGen, cur.hist);
  saved.insn_idx = idx;
  saved.dfs_depth = cur.dfs_depth;
  saved.branches = cur.branches;
  list.unshift({ st: saved, miss: 0, hit: 0 });
  // maybe_enter_scc().
  const key = env.sccKey(saved);
  if (key && !env.sccVisits.has(key)) {
    env.sccVisits.set(key, { entry: saved, backedges: [] });
    if (env.level >= 2) env.verbose(`SCC enter (${env.scc[idx]})\n`);
  }
  cur.parent = saved;
  cur.dfs_depth = saved.dfs_depth + 1;
  cur.hist = [];
  cur.jmp_history_cnt = 0;
}
