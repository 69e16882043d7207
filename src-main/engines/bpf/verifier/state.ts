/**
 * struct bpf_func_state / bpf_verifier_state: registers and stack slots per call frame, acquired references,
 * the checkpoint parentage, and the comparisons the kernel prunes with (states_equal(), regsafe(), stacksafe())
 * and the iterator widening (widen_imprecise_scalars()). Also the log notation of a state.
 */
import { MAX_BPF_REG } from '../isa';
import { copyReg, copyRegOfState, notInit, pointer, printReg, scalarUnknown } from './reg';
import type { Reg } from './reg';
import { tnumEq, tnumIn } from './tnum';

/** enum bpf_stack_slot_type. */
export const STACK_INVALID = 0;
export const STACK_SPILL = 1;
export const STACK_MISC = 2;
export const STACK_ZERO = 3;
export const STACK_ITER = 5;
const SLOT_CHAR = ['?', 'r', 'm', '0', 'd', 'i'];

/** enum bpf_iter_state. */
export type IterState = 'invalid' | 'active' | 'drained';

/** Iterator data of a STACK_ITER slot (bpf_reg_state.iter). */
export interface IterInfo {
  type: string;
  state: IterState;
  depth: number;
}

/** struct bpf_stack_state: slot_type[k] is the byte at fp-(8*spi + k + 1), as in the kernel. */
export interface StackSlot {
  slot_type: number[];
  spilled: Reg;
  /** Set on STACK_ITER slots (every slot has the field: one object shape). */
  iter: IterInfo | undefined;
}

/** struct bpf_func_state. */
export interface FuncState {
  regs: Reg[];
  stack: StackSlot[];
  /** Call instruction of this frame (-1 for the main program). */
  callsite: number;
  frameno: number;
  /** First instruction of the function. */
  subprog: number;
  in_callback_fn: boolean;
  /** Set on a callback's frame (every frame has the field: one object shape). */
  callback_ret: [bigint, bigint] | undefined;
}

/** An acquired reference (struct bpf_reference_state). */
export interface RefState {
  id: number;
  insn_idx: number;
}

/** One step of the path since the parent checkpoint (jmp_history, here for every instruction). */
export interface HistEntry {
  idx: number;
  /** Stack slot spilled to / filled from, or -1. */
  spi: number;
  /** The frame whose stack `spi` is in (insn_stack_access_frameno()); the instruction's frame when absent. */
  spiFrame?: number | undefined;
  frame: number;
  /** The linked registers recorded at a conditional jump (a record id of the verifier's table), or 0. */
  linked: number;
}

/** Linked-register records a history can name (13 bits above the index's 20 and the low 20: exact in a double). */
export const HIST_LINKED_MAX = 0x1fff;

/**
 * One HistEntry as a number (exact in a double): the linked record above bit 40, idx above bit 20, then spi + 1,
 * spiFrame + 1 (0: absent) and frame.
 */
export function histEncode(e: HistEntry): number {
  return (
    e.linked * 0x10000000000 +
    e.idx * 0x100000 +
    (e.spi + 1) * 0x100 +
    (e.spiFrame === undefined ? 0 : e.spiFrame + 1) * 0x10 +
    e.frame
  );
}

/** The instruction index of an encoded entry. */
export function histIdx(x: number): number {
  return Math.floor((x % 0x10000000000) / 0x100000);
}

/** histEncode() undone into `e` (reused by the caller). */
export function histDecode(x: number, e: HistEntry): HistEntry {
  const linked = Math.floor(x / 0x10000000000);
  const rest = x - linked * 0x10000000000;
  const idx = Math.floor(rest / 0x100000);
  const low = rest - idx * 0x100000;
  e.linked = linked;
  e.idx = idx;
  e.spi = (low >> 8) - 1;
  const sf = (low >> 4) & 0xf;
  e.spiFrame = sf === 0 ? undefined : sf - 1;
  e.frame = low & 0xf;
  return e;
}

/** struct bpf_verifier_state. */
export interface VerifierState {
  frames: FuncState[];
  refs: RefState[];
  parent: VerifierState | undefined;
  insn_idx: number;
  branches: number;
  dfs_depth: number;
  callback_unroll_depth: number;
  may_goto_depth: number;
  /** The path since the parent checkpoint, one number per step (histEncode()): no object per instruction. */
  hist: number[];
  /** Entries the kernel's jmp_history would hold (jump points and stack accesses); over 40 forces a checkpoint. */
  jmp_history_cnt: number;
  /** A loop closed on this checkpoint while its subtree was explored: its precision marks may be incomplete. */
  incomplete: boolean;
  /** Every scalar of this checkpoint was marked precise (the backtracking fallback); stops repeated walks. */
  allPrecise: boolean;
  /** For the UI: id of this state in the exploration tree. */
  uid: number;
}

export const curFrame = (st: VerifierState): FuncState => st.frames[st.frames.length - 1]!;

export function newSlot(): StackSlot {
  return { slot_type: [0, 0, 0, 0, 0, 0, 0, 0], spilled: notInit(), iter: undefined };
}

export function copySlot(s: StackSlot): StackSlot {
  return {
    slot_type: s.slot_type.slice(),
    spilled: copyReg(s.spilled),
    iter: s.iter ? { type: s.iter.type, state: s.iter.state, depth: s.iter.depth } : undefined,
  };
}

export function newFrame(frameno: number, callsite: number, subprog: number): FuncState {
  const regs: Reg[] = [];
  for (let i = 0; i < MAX_BPF_REG; i++) regs.push(notInit());
  const fp = pointer('fp');
  fp.frameno = frameno;
  regs[10] = fp;
  return { regs, stack: [], callsite, frameno, subprog, in_callback_fn: false, callback_ret: undefined };
}

/**
 * `xs` mapped through `fn` into an array built by push: packed elements, as the arrays of a fresh state
 * (Array.prototype.map makes a holey array, a second elements kind for every access to optimise for).
 */
function mapPacked<T>(xs: readonly T[], fn: (x: T) => T): T[] {
  const out: T[] = [];
  for (let i = 0; i < xs.length; i++) out.push(fn(xs[i]!));
  return out;
}

export function copyFrame(f: FuncState): FuncState {
  return {
    regs: mapPacked(f.regs, copyRegOfState),
    stack: mapPacked(f.stack, copySlot),
    callsite: f.callsite,
    frameno: f.frameno,
    subprog: f.subprog,
    in_callback_fn: f.in_callback_fn,
    callback_ret: f.callback_ret,
  };
}

const copyRef = (r: RefState): RefState => ({ id: r.id, insn_idx: r.insn_idx });

/** A state with the given fields (every state is made here: one object shape). */
export function makeState(
  frames: FuncState[],
  refs: RefState[],
  parent: VerifierState | undefined,
  insn_idx: number,
  branches: number,
  dfs_depth: number,
  callback_unroll_depth: number,
  may_goto_depth: number,
  hist: number[],
  jmp_history_cnt: number,
  uid: number,
): VerifierState {
  return {
    frames,
    refs,
    parent,
    insn_idx,
    branches,
    dfs_depth,
    callback_unroll_depth,
    may_goto_depth,
    hist,
    jmp_history_cnt,
    incomplete: false,
    allPrecise: false,
    uid,
  };
}

/** A copy of s; `hist` is the copy's history when given (a checkpoint takes the current state's own array). */
export function copyState(s: VerifierState, uid: number, hist?: number[]): VerifierState {
  return makeState(
    mapPacked(s.frames, copyFrame),
    s.refs.length ? mapPacked(s.refs, copyRef) : [],
    s.parent,
    s.insn_idx,
    s.branches,
    s.dfs_depth,
    s.callback_unroll_depth,
    s.may_goto_depth,
    hist ?? s.hist.slice(),
    s.jmp_history_cnt,
    uid,
  );
}

export const isSpilledReg = (s: StackSlot): boolean => s.slot_type[7] === STACK_SPILL;
export const isSpilledScalar = (s: StackSlot): boolean => isSpilledReg(s) && s.spilled.type === 'scalar';

/** print_verifier_state(): ` R1=ctx() R10=fp0 fp-8=iter_num(...) refs=1`; `only` limits to scratched items. */
export function printState(
  st: VerifierState,
  frame: FuncState,
  only?: { regs: Set<number>; slots: Set<number> },
): string {
  let s = frame.frameno ? ` frame${frame.frameno}:` : '';
  const cf = frame.frameno;
  frame.regs.forEach((r, i) => {
    if (r.type === 'not_init') return;
    if (only && !only.regs.has(i)) return;
    s += ` R${i}=${printReg(r, cf)}`;
  });
  frame.stack.forEach((slot, spi) => {
    if (only && !only.slots.has(spi)) return;
    if (slot.slot_type.every((t) => t === STACK_INVALID)) return;
    const fpOff = -(spi + 1) * 8;
    if (slot.slot_type[7] === STACK_SPILL) {
      // The bytes above the first STACK_SPILL one (those of a narrow spill).
      const first = slot.slot_type.indexOf(STACK_SPILL);
      const chars = slot.slot_type
        .slice(0, first)
        .map((t) => SLOT_CHAR[t]!)
        .join('');
      s += ` fp${fpOff}=${chars}${printReg(slot.spilled, cf)}`;
    } else if (slot.slot_type[7] === STACK_ITER) {
      if (!slot.spilled.ref_obj_id || !slot.iter) return;
      s += ` fp${fpOff}=iter_${slot.iter.type}(ref_id=${slot.spilled.ref_obj_id},state=${slot.iter.state},depth=${slot.iter.depth})`;
    } else {
      s += ` fp${fpOff}=${slot.slot_type.map((t) => SLOT_CHAR[t]!).join('')}`;
    }
  });
  if (st.refs.length) s += ` refs=${st.refs.map((r) => r.id).join(',')}`;
  if (frame.in_callback_fn) s += ' cb';
  return s;
}

/** enum exact_level. */
export const NOT_EXACT = 0;
export const EXACT = 1;
export const RANGE_WITHIN = 2;

/** struct bpf_idmap with check_ids() / check_scalar_ids(). */
export class IdMap {
  /** The pairs are the first n entries of old and cur (the arrays are reused after a reset). */
  private readonly old: number[] = [];
  private readonly cur: number[] = [];
  private n = 0;
  private tmp = 1 << 30;
  /** Back to a new map's state (one map serves every states_equal()). */
  reset(): IdMap {
    this.n = 0;
    this.tmp = 1 << 30;
    return this;
  }
  check(oldId: number, curId: number): boolean {
    if (!oldId !== !curId) return false;
    if (!oldId) return true;
    const n = this.n;
    for (let i = 0; i < n; i++) {
      if (this.old[i] === oldId) return this.cur[i] === curId;
      if (this.cur[i] === curId) return false;
    }
    this.old[n] = oldId;
    this.cur[n] = curId;
    this.n = n + 1;
    return true;
  }
  checkScalar(oldId: number, curId: number): boolean {
    return this.check(oldId || ++this.tmp, curId || ++this.tmp);
  }
}

function boundsEqual(a: Reg, b: Reg): boolean {
  return (
    a.type === b.type &&
    a.maybeNull === b.maybeNull &&
    a.rdonly === b.rdonly &&
    a.off === b.off &&
    a.map === b.map &&
    a.mem_size === b.mem_size &&
    a.ringbuf === b.ringbuf &&
    a.subprog === b.subprog &&
    tnumEq(a.var_off, b.var_off) &&
    a.smin === b.smin &&
    a.smax === b.smax &&
    a.umin === b.umin &&
    a.umax === b.umax &&
    a.s32min === b.s32min &&
    a.s32max === b.s32max &&
    a.u32min === b.u32min &&
    a.u32max === b.u32max
  );
}

/** regs_exact(). */
export function regsExact(a: Reg, b: Reg, idmap: IdMap): boolean {
  return boundsEqual(a, b) && idmap.check(a.id, b.id) && idmap.check(a.ref_obj_id, b.ref_obj_id);
}

const rangeWithin = (o: Reg, c: Reg): boolean =>
  o.umin <= c.umin &&
  o.umax >= c.umax &&
  o.smin <= c.smin &&
  o.smax >= c.smax &&
  o.u32min <= c.u32min &&
  o.u32max >= c.u32max &&
  o.s32min <= c.s32min &&
  o.s32max >= c.s32max;

/** regsafe(): rold safe implies rcur safe. */
export function regsafe(o: Reg, c: Reg, idmap: IdMap, exact: number): boolean {
  if (exact === EXACT) return regsExact(o, c, idmap);
  // An old register nothing was known about admits anything (read of it would have failed on the old path).
  if (o.type === 'not_init') return true;
  if (o.type !== c.type || o.maybeNull !== c.maybeNull || o.rdonly !== c.rdonly) return false;
  switch (o.type) {
    case 'scalar':
      if (!o.precise && exact === NOT_EXACT) return true;
      return rangeWithin(o, c) && tnumIn(o.var_off, c.var_off) && idmap.checkScalar(o.id, c.id);
    case 'map_value':
    case 'mem':
      return (
        o.off === c.off &&
        o.map === c.map &&
        o.mem_size === c.mem_size &&
        o.ringbuf === c.ringbuf &&
        rangeWithin(o, c) &&
        tnumIn(o.var_off, c.var_off) &&
        idmap.check(o.id, c.id) &&
        idmap.check(o.ref_obj_id, c.ref_obj_id)
      );
    case 'pkt':
    case 'pkt_meta':
      // At least the old range (accesses safe before stay safe), the same fixed offset, the same id relations.
      return (
        o.mem_size <= c.mem_size &&
        o.off === c.off &&
        idmap.check(o.id, c.id) &&
        rangeWithin(o, c) &&
        tnumIn(o.var_off, c.var_off)
      );
    case 'fp':
      return regsExact(o, c, idmap) && o.frameno === c.frameno;
    default:
      return regsExact(o, c, idmap);
  }
}

const UNKNOWN_SCALAR = scalarUnknown();

function allSlots(s: StackSlot, t: number): boolean {
  for (let k = 0; k < 8; k++) if (s.slot_type[k] !== t) return false;
  return true;
}

/** is_stack_all_misc(): every byte STACK_MISC, or STACK_INVALID where uninitialised stack may be read. */
function allMisc(s: StackSlot, allowUninit: boolean): boolean {
  for (let k = 0; k < 8; k++) {
    const t = s.slot_type[k];
    if (t !== STACK_MISC && !(allowUninit && t === STACK_INVALID)) return false;
  }
  return true;
}

/** scalar_reg_for_stack(): a 64-bit scalar spill, or an all-MISC slot as an unknown scalar. */
function scalarRegForStack(s: StackSlot | undefined, allowUninit: boolean): Reg | undefined {
  if (!s) return undefined;
  if (isSpilledScalar(s) && allSlots(s, STACK_SPILL)) return s.spilled;
  if (allMisc(s, allowUninit)) return UNKNOWN_SCALAR;
  return undefined;
}

/** stacksafe(). `allowUninit` is env->allow_uninit_stack (privileged loads). */
function stacksafe(o: FuncState, c: FuncState, idmap: IdMap, exact: number, allowUninit: boolean): boolean {
  for (let spi = 0; spi < o.stack.length; spi++) {
    const os = o.stack[spi]!;
    const cs = c.stack[spi];
    for (let k = 0; k < 8; k++) {
      const ot = os.slot_type[k]!;
      const ct = cs ? cs.slot_type[k]! : STACK_INVALID;
      if (exact !== NOT_EXACT && (!cs ? ot !== STACK_INVALID : ot !== ct)) return false;
      if (ot === STACK_INVALID) continue;
      if (allowUninit && ot === STACK_MISC) continue;
      if (!cs) return false;
      const orS = scalarRegForStack(os, allowUninit);
      const crS = scalarRegForStack(cs, allowUninit);
      if (orS && crS) {
        if (!regsafe(orS, crS, idmap, exact)) return false;
        break;
      }
      if (ot === STACK_MISC && ct === STACK_ZERO) continue;
      if (ot !== ct) return false;
      if (k !== 7) continue;
      // Both slots have the same types: compare what they hold.
      if (os.slot_type[7] === STACK_SPILL) {
        if (!regsafe(os.spilled, cs.spilled, idmap, exact)) return false;
      } else if (os.slot_type[7] === STACK_ITER) {
        if (!os.iter || !cs.iter || os.iter.type !== cs.iter.type || os.iter.state !== cs.iter.state) return false;
        if (!idmap.check(os.spilled.ref_obj_id, cs.spilled.ref_obj_id)) return false;
      }
    }
  }
  return true;
}

/** The id map of statesEqual(), reset at each call (it calls nothing that compares states). */
const STATES_EQUAL_IDMAP = new IdMap();

/**
 * states_equal(). `live(frameIdx, regno)` tells whether a register is live at the old state's instruction
 * (compute_live_registers()); dead registers of a fully explored old state are ignored (clean_live_states()).
 */
export function statesEqual(
  old: VerifierState,
  cur: VerifierState,
  exact: number,
  allowUninit: boolean,
  live?: (frame: FuncState, regno: number) => boolean,
): boolean {
  if (old.frames.length !== cur.frames.length) return false;
  const idmap = STATES_EQUAL_IDMAP.reset();
  if (old.refs.length !== cur.refs.length) return false;
  for (let i = 0; i < old.refs.length; i++) if (!idmap.check(old.refs[i]!.id, cur.refs[i]!.id)) return false;
  for (let f = 0; f < old.frames.length; f++) {
    const of = old.frames[f]!;
    const cf = cur.frames[f]!;
    if (of.callsite !== cf.callsite) return false;
    for (let r = 0; r < MAX_BPF_REG; r++) {
      if (live && !live(of, r)) continue;
      if (!regsafe(of.regs[r]!, cf.regs[r]!, idmap, exact)) return false;
    }
    if (!stacksafe(of, cf, idmap, exact, allowUninit)) return false;
  }
  return true;
}

/** states_maybe_looping(): the registers of the current frame are bit-for-bit the same. */
export function statesMaybeLooping(old: VerifierState, cur: VerifierState): boolean {
  const n = old.frames.length;
  if (n !== cur.frames.length) return false;
  const of = old.frames[n - 1]!;
  const cf = cur.frames[n - 1]!;
  // A cheap first pass (type, then the tnum, shared between copies) rejects most pairs before any BigInt bound is
  // compared; tnumEq() written out, as this runs for every pending checkpoint at every prune point.
  for (let i = 0; i < MAX_BPF_REG; i++) {
    const a = of.regs[i]!;
    const b = cf.regs[i]!;
    if (a.type !== b.type) return false;
    const ta = a.var_off;
    const tb = b.var_off;
    if (ta !== tb && (ta.v !== tb.v || ta.m !== tb.m)) return false;
  }
  for (let i = 0; i < MAX_BPF_REG; i++) {
    const a = of.regs[i]!;
    const b = cf.regs[i]!;
    if (!boundsEqual(a, b) || a.id !== b.id || a.ref_obj_id !== b.ref_obj_id) return false;
  }
  return true;
}

/** iter_active_depths_differ(). */
export function iterActiveDepthsDiffer(old: VerifierState, cur: VerifierState): boolean {
  for (let f = 0; f <= old.frames.length - 1; f++) {
    const of = old.frames[f]!;
    const cf = cur.frames[f]!;
    for (let spi = 0; spi < of.stack.length; spi++) {
      const os = of.stack[spi]!;
      if (os.slot_type[7] !== STACK_ITER || !os.iter || os.iter.state !== 'active') continue;
      const cs = cf.stack[spi];
      if (!cs?.iter || cs.iter.depth !== os.iter.depth) return true;
    }
  }
  return false;
}

/** maybe_widen_reg(). */
function maybeWiden(o: Reg, c: Reg, idmap: IdMap): void {
  if (o.type !== 'scalar' || c.type !== 'scalar') return;
  if (o.precise || c.precise || regsExact(o, c, idmap)) return;
  Object.assign(c, scalarUnknown());
}

/** widen_imprecise_scalars(): imprecise scalars that differ from the previous iteration become unknown. */
export function widenImpreciseScalars(old: VerifierState, cur: VerifierState): void {
  const idmap = new IdMap();
  for (let f = old.frames.length - 1; f >= 0; f--) {
    const of = old.frames[f]!;
    const cf = cur.frames[f];
    if (!cf) continue;
    for (let i = 0; i < MAX_BPF_REG; i++) maybeWiden(of.regs[i]!, cf.regs[i]!, idmap);
    for (let spi = 0; spi < of.stack.length; spi++) {
      const os = of.stack[spi]!;
      const cs = cf.stack[spi];
      if (!cs || !isSpilledReg(os) || !isSpilledReg(cs)) continue;
      maybeWiden(os.spilled, cs.spilled, idmap);
    }
  }
}

/** same_callsites(). */
export function sameCallsites(a: VerifierState, b: VerifierState): boolean {
  if (a.frames.length !== b.frames.length) return false;
  for (let i = 0; i < a.frames.length; i++) if (a.frames[i]!.callsite !== b.frames[i]!.callsite) return false;
  return true;
}
