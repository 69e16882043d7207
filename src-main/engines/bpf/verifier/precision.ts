/**
 * Precision backtracking (kernel/bpf/verifier.c, Linux 6.18): mark_chain_precision() and __mark_chain_precision()
 * walk the jump history backwards with backtrack_insn(), marking precise in the parent checkpoints the scalars a
 * decision depended on; propagate_precision() carries a matched checkpoint's precision to the current state;
 * collect_linked_regs() and bt_sync_linked_regs() keep registers that gained range together precise together;
 * mark_all_scalars_precise() is the fallback.
 */
import {
  BPF_ALU,
  BPF_ALU64,
  BPF_ATOMIC,
  BPF_CALL,
  BPF_CLASS,
  BPF_CMPXCHG,
  BPF_LOAD_ACQ,
  BPF_EXIT,
  BPF_FETCH,
  BPF_JA,
  BPF_JCOND,
  BPF_JMP,
  BPF_LD,
  BPF_LDX,
  BPF_MODE,
  BPF_MOV,
  BPF_OP,
  BPF_PSEUDO_CALL,
  BPF_SRC,
  BPF_ST,
  BPF_STX,
  BPF_X,
  BPF_XCHG,
  MAX_CALL_FRAMES,
} from '../isa';
import { copyReg } from './reg';
import { curFrame, histDecode, histIdx, HIST_LINKED_MAX, isSpilledReg, printState } from './state';
import type { HistEntry, VerifierState } from './state';
import type { Bt, BpfVerifierEnv } from './env';

// Bit helpers of backtrack_insn(), at module level: closures made per call cost a defineProperty each under keepNames.
const bt_is_frame_reg_set = (bt: Bt, f: number, r: number): boolean => !!(bt.regs[f]! & (1 << r));
function bt_set_frame_reg(bt: Bt, f: number, r: number): void {
  if (r !== 10) bt.regs[f]! |= 1 << r;
}
function bt_clear_frame_reg(bt: Bt, f: number, r: number): void {
  bt.regs[f]! &= ~(1 << r);
}

const REG_NAMES = (mask: number): string => {
  const out: string[] = [];
  for (let r = 0; r < 11; r++) if (mask & (1 << r)) out.push(`r${r}`);
  return out.join(',');
};

/** bpf_fmt_stack_mask(): the slots as fp offsets, lowest slot (-8) first. */
const STACK_NAMES = (slots: Set<number>): string =>
  [...slots]
    .sort((a, b) => a - b)
    .map((spi) => `-${(spi + 1) * 8}`)
    .join(',');

/** mark_chain_precision(regno) in the current frame. */
export function mark_chain_precision(env: BpfVerifierEnv, regno: number): void {
  // Not a scalar: nothing to mark (the kernel's callers only ask for scalars).
  const reg = curFrame(env.cur).regs[regno]!;
  if (reg.type !== 'scalar') return;
  const bt = env.newBt();
  bt.regs[bt.frame] = 1 << regno;
  __mark_chain_precision(env, bt);
}

/**
 * propagate_precision(): what is precise in the matched old state becomes precise in cur. Logs
 * `frame N: propagating r1,fp-8` per frame from the innermost (the newline is written at every level).
 */
export function propagate_precision(env: BpfVerifierEnv, old: VerifierState): boolean {
  const bt = env.newBt();
  let any = false;
  const log = env.level >= 2;
  for (let fi = old.frames.length - 1; fi >= 0; fi--) {
    const f = old.frames[fi]!;
    let first = true;
    for (let i = 0; i < 10; i++) {
      const r = f.regs[i]!;
      if (r.type !== 'scalar' || !r.precise) continue;
      if (log) env.verbose(first ? `frame ${fi}: propagating r${i}` : `,r${i}`);
      bt.regs[fi]! |= 1 << i;
      first = false;
    }
    for (let spi = 0; spi < f.stack.length; spi++) {
      const s = f.stack[spi]!;
      if (!isSpilledReg(s) || s.spilled.type !== 'scalar' || !s.spilled.precise) continue;
      if (log) env.verbose(first ? `frame ${fi}: propagating fp${-(spi + 1) * 8}` : `,fp${-(spi + 1) * 8}`);
      bt.slots[fi]!.add(spi);
      first = false;
    }
    if (!first) {
      env.verbose('\n');
      any = true;
    }
  }
  return any ? __mark_chain_precision(env, bt) : false;
}

/**
 * mark_all_scalars_precise(): every parent of the current state, not the current state itself (its marks are not
 * needed until it is a checkpoint, so Linux 6.18 leaves it, and its log and `cur state:` print it unmarked).
 */
export function mark_all_scalars_precise(env: BpfVerifierEnv): void {
  const log = env.level >= 2;
  if (log)
    env.verbose(`mark_precise: frame${env.cur.frames.length - 1}: falling back to forcing all scalars precise\n`);
  for (let st: VerifierState | undefined = env.cur.parent; st; st = st.parent) {
    if (st.allPrecise) break;
    st.allPrecise = true;
    st.frames.forEach((f, fi) => {
      f.regs.forEach((r, ri) => {
        if (r.type !== 'scalar' || r.precise) return;
        r.precise = true;
        if (log) env.verbose(`force_precise: frame${fi}: forcing r${ri} to be precise\n`);
      });
      f.stack.forEach((s, spi) => {
        if (!isSpilledReg(s) || s.spilled.type !== 'scalar' || s.spilled.precise) return;
        s.spilled.precise = true;
        if (log) env.verbose(`force_precise: frame${fi}: forcing fp${-(spi + 1) * 8} to be precise\n`);
      });
    });
  }
}

/** bt_empty(): no register or slot of any frame is left to backtrack. */
export function bt_empty(bt: Bt): boolean {
  for (let i = 0; i < bt.regs.length; i++) if (bt.regs[i] !== 0 || bt.slots[i]!.size !== 0) return false;
  return true;
}

/** Marks the registers and slots of `bt` precise in `st`; drops those already precise (their history is done). */
export function markInState(st: VerifierState, bt: Bt): boolean {
  let changed = false;
  const nf = Math.min(st.frames.length - 1, bt.frame);
  for (let fi = 0; fi <= nf; fi++) {
    const f = st.frames[fi]!;
    const mask = bt.regs[fi]!;
    if (mask) {
      for (let r = 0; r < 11; r++) {
        if (!(mask & (1 << r))) continue;
        const reg = f.regs[r]!;
        if (reg.type !== 'scalar' || reg.precise) bt.regs[fi]! &= ~(1 << r);
        else reg.precise = changed = true;
      }
    }
    const slots = bt.slots[fi]!;
    if (!slots.size) continue;
    for (const spi of [...slots]) {
      const s = f.stack[spi];
      if (!s || !isSpilledReg(s) || s.spilled.type !== 'scalar' || s.spilled.precise) slots.delete(spi);
      else s.spilled.precise = changed = true;
    }
  }
  return changed;
}

/**
 * __mark_chain_precision(): backtrack_insn() over the current state's history, then each parent checkpoint's,
 * marking the registers and slots in the parents (not in the current state, whose precision is of no use); true
 * when a mark was added. A state's segment runs from first_idx (the checkpoint it started at, or 0) to last_idx.
 */
export function __mark_chain_precision(env: BpfVerifierEnv, bt: Bt): boolean {
  let st: VerifierState = env.cur;
  let changed = false;
  let hist = st.hist;
  let last = env.insnIdx;
  let first = st.parent ? st.parent.insn_idx : 0;
  let subseq = -1;
  const log = env.level >= 2;
  const e: HistEntry = { idx: 0, spi: -1, spiFrame: undefined, frame: 0, linked: 0 };
  for (;;) {
    if (log) env.verbose(`mark_precise: frame${bt.frame}: last_idx ${last} first_idx ${first} subseq_idx ${subseq} \n`);
    // The instruction being processed is not in the current state's history (skip_first in the kernel).
    if (st === env.cur) subseq = last;
    for (let h = hist.length - 1; h >= 0; h--) {
      histDecode(hist[h]!, e);
      if (!backtrack_insn(env, e, bt, subseq)) {
        // Departure: where the kernel reports a backtracking bug or -ENOTSUPP (and around bpf_loop callbacks,
        // which are explored differently here) every scalar becomes precise (mark_all_scalars_precise()).
        mark_all_scalars_precise(env);
        return true;
      }
      if (bt_empty(bt)) return changed;
      subseq = e.idx;
    }
    const parent = st.parent;
    if (!parent) break;
    if (parent.frames.length - 1 !== bt.frame) {
      mark_all_scalars_precise(env);
      return true;
    }
    if (markInState(parent, bt)) changed = true;
    if (log) {
      for (let fr = bt.frame; fr >= 0; fr--) {
        env.verbose(
          `mark_precise: frame${fr}: parent state regs=${REG_NAMES(bt.regs[fr]!)} stack=${STACK_NAMES(bt.slots[fr]!)}: ${printState(parent, parent.frames[fr]!)}\n`,
        );
      }
    }
    if (bt_empty(bt)) return changed;
    subseq = first;
    last = parent.hist.length ? histIdx(parent.hist[parent.hist.length - 1]!) : parent.insn_idx;
    first = parent.parent ? parent.parent.insn_idx : 0;
    st = parent;
    hist = st.hist;
  }
  // Marks left at the program's start: something was missed; the kernel falls back to forcing all precise.
  if (!bt_empty(bt)) {
    mark_all_scalars_precise(env);
    return true;
  }
  return changed;
}

/**
 * One instruction backwards (backtrack_insn()); false when the model gives up. `subseq` is the instruction
 * processed just before (the next one in program order). Frames: the exit of a callee enters its frame, the call
 * instruction leaves it and hands r1-r5 to the caller.
 */
export function backtrack_insn(env: BpfVerifierEnv, e: HistEntry, bt: Bt, subseq: number): boolean {
  const i = env.insns[e.idx]!;
  const cls = BPF_CLASS(i.code);
  const op = BPF_OP(i.code);
  const ARGS = 0x3e;
  if (env.level >= 2) {
    env.verbose(
      `mark_precise: frame${bt.frame}: regs=${REG_NAMES(bt.regs[bt.frame]!)} stack=${STACK_NAMES(bt.slots[bt.frame]!)} before ${e.idx}: ${env.insnStr(e.idx)}\n`,
    );
  }
  // bt_sync_linked_regs(): registers that gained range together at this jump need precision together.
  if (e.linked) bt_sync_linked_regs(env, bt, e.linked);
  if (cls === BPF_JMP && op === BPF_EXIT) {
    if (e.frame !== bt.frame + 1 || e.frame >= MAX_CALL_FRAMES) return false;
    if (subseq >= 0 && env.callsCallback[subseq]) bt.regs[bt.frame]! &= ~ARGS;
    if (bt.regs[bt.frame]! & ARGS) return false;
    const r0 =
      subseq >= 1 &&
      env.insns[subseq - 1]!.code === (BPF_JMP | BPF_CALL) &&
      env.insns[subseq - 1]!.src_reg === BPF_PSEUDO_CALL &&
      !!(bt.regs[bt.frame]! & 1);
    bt.regs[bt.frame]! &= ~1;
    bt.frame++;
    if (r0) bt.regs[bt.frame]! |= 1;
    return true;
  }
  if (cls === BPF_JMP && op === BPF_CALL && e.frame === bt.frame - 1) {
    // Leaving a static subprogram (r1-r5 go on in the caller) or a callback (they do not).
    if (i.src_reg !== BPF_PSEUDO_CALL && !env.callsCallback[e.idx]) return false;
    if (bt.regs[bt.frame]! & ~ARGS || bt.slots[bt.frame]!.size) return false;
    const args = i.src_reg === BPF_PSEUDO_CALL ? bt.regs[bt.frame]! : 0;
    bt.regs[bt.frame] = 0;
    bt.frame--;
    bt.regs[bt.frame]! |= args;
    return true;
  }
  if (e.frame !== bt.frame) return false;
  const f = bt.frame;
  const sf = e.spiFrame ?? f;
  if (cls === BPF_ALU || cls === BPF_ALU64) {
    if (!bt_is_frame_reg_set(bt, f, i.dst_reg)) return true;
    if (op === BPF_MOV) {
      bt_clear_frame_reg(bt, f, i.dst_reg);
      if (BPF_SRC(i.code) === BPF_X) bt_set_frame_reg(bt, f, i.src_reg);
    } else if (BPF_SRC(i.code) === BPF_X) {
      bt_set_frame_reg(bt, f, i.src_reg);
    }
    return true;
  }
  if (cls === BPF_LDX || (cls === BPF_STX && BPF_MODE(i.code) === BPF_ATOMIC && i.imm === BPF_LOAD_ACQ)) {
    if (!bt_is_frame_reg_set(bt, f, i.dst_reg)) return true;
    bt_clear_frame_reg(bt, f, i.dst_reg);
    if (e.spi >= 0) bt.slots[sf]!.add(e.spi);
    return true;
  }
  if (cls === BPF_STX && BPF_MODE(i.code) === BPF_ATOMIC) {
    // An atomic fetch is a load into its fetch register (is_atomic_fetch_insn() in backtrack_insn()).
    const load = i.imm === BPF_CMPXCHG ? 0 : i.imm & BPF_FETCH || i.imm === BPF_XCHG ? i.src_reg : -1;
    if (load >= 0) {
      if (!bt_is_frame_reg_set(bt, f, load)) return true;
      bt_clear_frame_reg(bt, f, load);
      if (e.spi >= 0) bt.slots[sf]!.add(e.spi);
      return true;
    }
  }
  if (cls === BPF_STX || cls === BPF_ST) {
    if (e.spi < 0 || !bt.slots[sf]!.has(e.spi)) return true;
    bt.slots[sf]!.delete(e.spi);
    if (cls === BPF_STX) bt_set_frame_reg(bt, f, i.src_reg);
    return true;
  }
  if (cls === BPF_LD) {
    if (bt_is_frame_reg_set(bt, f, i.dst_reg)) bt_clear_frame_reg(bt, f, i.dst_reg);
    return true;
  }
  if (op === BPF_CALL) {
    // A subprogram call in the frame itself: its callee left no history (cannot happen on a walked path).
    if (i.src_reg === BPF_PSEUDO_CALL) return false;
    for (let r = 1; r <= 5; r++) if (bt_is_frame_reg_set(bt, f, r)) return false;
    bt_clear_frame_reg(bt, f, 0);
    return true;
  }
  if (op === BPF_EXIT) return false;
  if (op === BPF_JA || i.code === (BPF_JMP | BPF_JCOND)) return true;
  if (BPF_SRC(i.code) === BPF_X) {
    if (!bt_is_frame_reg_set(bt, f, i.dst_reg) && !bt_is_frame_reg_set(bt, f, i.src_reg)) return true;
    bt_set_frame_reg(bt, f, i.dst_reg);
    bt_set_frame_reg(bt, f, i.src_reg);
  }
  // bt_sync_linked_regs() again, for what this instruction added.
  if (e.linked) bt_sync_linked_regs(env, bt, e.linked);
  return true;
}

/** bt_sync_linked_regs(): when one of the registers linked at a jump needs precision, all of them do. */
export function bt_sync_linked_regs(env: BpfVerifierEnv, bt: Bt, record: number): void {
  const set = env.linkedRecords[record - 1]!;
  let some = false;
  for (const l of set) {
    if (l.isReg ? (bt.regs[l.frame]! & (1 << l.n)) !== 0 : bt.slots[l.frame]!.has(l.n)) {
      some = true;
      break;
    }
  }
  if (!some) return;
  for (const l of set) {
    if (l.isReg) bt.regs[l.frame]! |= 1 << l.n;
    else bt.slots[l.frame]!.add(l.n);
  }
}

/**
 * collect_linked_regs() for a conditional jump on scalars with ids: the registers and spilled slots of every
 * frame sharing them, at most LINKED_REGS_MAX (6; past it a register loses its id, as in the kernel), kept in the
 * jump's history entry when more than one.
 */
export function collect_linked_regs(env: BpfVerifierEnv, ids: number[]): void {
  const out: { frame: number; isReg: boolean; n: number }[] = [];
  for (const id of ids) {
    for (let fi = env.cur.frames.length - 1; fi >= 0; fi--) {
      const f = env.cur.frames[fi]!;
      for (let r = 0; r < 10; r++) {
        const x = f.regs[r]!;
        if (x.type !== 'scalar' || x.id !== id) continue;
        if (out.length < 6) out.push({ frame: fi, isReg: true, n: r });
        else f.regs[r] = Object.assign(copyReg(x), { id: 0 });
      }
      for (let spi = 0; spi < f.stack.length; spi++) {
        const s = f.stack[spi]!;
        if (!isSpilledReg(s) || s.spilled.type !== 'scalar' || s.spilled.id !== id) continue;
        if (out.length < 6) out.push({ frame: fi, isReg: false, n: spi });
        else s.spilled = Object.assign(copyReg(s.spilled), { id: 0 });
      }
    }
  }
  if (out.length < 2) return;
  const key = out.map((l) => `${l.frame}${l.isReg ? 'r' : 's'}${l.n}`).join(',');
  let rec = env.linkedIds.get(key);
  if (rec === undefined) {
    if (env.linkedRecords.length >= HIST_LINKED_MAX) return; // model limit: later sets go unrecorded
    env.linkedRecords.push(out);
    rec = env.linkedRecords.length;
    env.linkedIds.set(key, rec);
  }
  env.curHist.linked = rec;
}
