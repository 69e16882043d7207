/**
 * Conditional jumps on scalars: is_branch_taken() / is_scalar_branch_taken() and the refinement of both
 * branches (reg_set_min_max() with regs_refine_cond_op()), as in kernel/bpf/verifier.c since Linux 6.8.
 */
import {
  BPF_JEQ,
  BPF_JGE,
  BPF_JGT,
  BPF_JLE,
  BPF_JLT,
  BPF_JNE,
  BPF_JSET,
  BPF_JSGE,
  BPF_JSGT,
  BPF_JSLE,
  BPF_JSLT,
  BPF_X,
} from '../isa';
import { markUnbounded, regBoundsSync } from './reg';
import type { Reg } from './reg';
import {
  s32,
  s64,
  tnumAnd,
  tnumConst,
  tnumIntersect,
  tnumIsConst,
  tnumOr,
  tnumSubreg,
  tnumSubregIsConst,
  tnumWithSubreg,
  u32,
  u64,
} from './tnum';

const JSET_X = BPF_JSET | BPF_X;

/** flip_opcode(): the comparison with its operands swapped. */
export function flipOpcode(op: number): number {
  switch (op) {
    case BPF_JGT:
      return BPF_JLT;
    case BPF_JLT:
      return BPF_JGT;
    case BPF_JGE:
      return BPF_JLE;
    case BPF_JLE:
      return BPF_JGE;
    case BPF_JSGT:
      return BPF_JSLT;
    case BPF_JSLT:
      return BPF_JSGT;
    case BPF_JSGE:
      return BPF_JSLE;
    case BPF_JSLE:
      return BPF_JSGE;
    default:
      return op;
  }
}

/** rev_opcode(): the negated comparison (the fall-through branch). */
export function revOpcode(op: number): number {
  switch (op) {
    case BPF_JEQ:
      return BPF_JNE;
    case BPF_JNE:
      return BPF_JEQ;
    case BPF_JSET:
      return JSET_X;
    case JSET_X:
      return BPF_JSET;
    case BPF_JGT:
      return BPF_JLE;
    case BPF_JLE:
      return BPF_JGT;
    case BPF_JGE:
      return BPF_JLT;
    case BPF_JLT:
      return BPF_JGE;
    case BPF_JSGT:
      return BPF_JSLE;
    case BPF_JSLE:
      return BPF_JSGT;
    case BPF_JSGE:
      return BPF_JSLT;
    case BPF_JSLT:
      return BPF_JSGE;
    default:
      return op;
  }
}

export const isRegConst = (r: Reg, j32: boolean): boolean =>
  r.type === 'scalar' && (j32 ? tnumSubregIsConst(r.var_off) : tnumIsConst(r.var_off));
const constVal = (r: Reg, j32: boolean): bigint => (j32 ? u32(r.var_off.v) : r.var_off.v);

/** is_scalar_branch_taken(): 1 taken, 0 not taken, -1 unknown. */
function scalarBranchTaken(r1: Reg, r2: Reg, op: number, j32: boolean): number {
  const umin1 = j32 ? r1.u32min : r1.umin;
  const umax1 = j32 ? r1.u32max : r1.umax;
  const smin1 = j32 ? r1.s32min : r1.smin;
  const smax1 = j32 ? r1.s32max : r1.smax;
  const umin2 = j32 ? r2.u32min : r2.umin;
  const umax2 = j32 ? r2.u32max : r2.umax;
  const smin2 = j32 ? r2.s32min : r2.smin;
  const smax2 = j32 ? r2.s32max : r2.smax;
  switch (op) {
    case BPF_JEQ: {
      // The tnums (their subregisters for JMP32) are needed by JEQ, JNE and JSET only: made there.
      const t1 = j32 ? tnumSubreg(r1.var_off) : r1.var_off;
      const t2 = j32 ? tnumSubreg(r2.var_off) : r2.var_off;
      if (tnumIsConst(t1) && tnumIsConst(t2)) return t1.v === t2.v ? 1 : 0;
      if (umin1 > umax2 || umax1 < umin2) return 0;
      if (smin1 > smax2 || smax1 < smin2) return 0;
      if (!j32) {
        if (r1.u32min > r2.u32max || r1.u32max < r2.u32min) return 0;
        if (r1.s32min > r2.s32max || r1.s32max < r2.s32min) return 0;
      }
      return -1;
    }
    case BPF_JNE: {
      const t1 = j32 ? tnumSubreg(r1.var_off) : r1.var_off;
      const t2 = j32 ? tnumSubreg(r2.var_off) : r2.var_off;
      if (tnumIsConst(t1) && tnumIsConst(t2)) return t1.v !== t2.v ? 1 : 0;
      if (umin1 > umax2 || umax1 < umin2) return 1;
      if (smin1 > smax2 || smax1 < smin2) return 1;
      if (!j32) {
        if (r1.u32min > r2.u32max || r1.u32max < r2.u32min) return 1;
        if (r1.s32min > r2.s32max || r1.s32max < r2.s32min) return 1;
      }
      return -1;
    }
    case BPF_JSET: {
      let t1 = j32 ? tnumSubreg(r1.var_off) : r1.var_off;
      let t2 = j32 ? tnumSubreg(r2.var_off) : r2.var_off;
      if (!isRegConst(r2, j32)) {
        [t1, t2] = [t2, t1];
        if (!isRegConst(r1, j32)) return -1;
      }
      if (~t1.m & t1.v & t2.v) return 1;
      if (!((t1.m | t1.v) & t2.v)) return 0;
      return -1;
    }
    case BPF_JGT:
      return umin1 > umax2 ? 1 : umax1 <= umin2 ? 0 : -1;
    case BPF_JSGT:
      return smin1 > smax2 ? 1 : smax1 <= smin2 ? 0 : -1;
    case BPF_JLT:
      return umax1 < umin2 ? 1 : umin1 >= umax2 ? 0 : -1;
    case BPF_JSLT:
      return smax1 < smin2 ? 1 : smin1 >= smax2 ? 0 : -1;
    case BPF_JGE:
      return umin1 >= umax2 ? 1 : umax1 < umin2 ? 0 : -1;
    case BPF_JSGE:
      return smin1 >= smax2 ? 1 : smax1 < smin2 ? 0 : -1;
    case BPF_JLE:
      return umax1 <= umin2 ? 1 : umin1 > umax2 ? 0 : -1;
    case BPF_JSLE:
      return smax1 <= smin2 ? 1 : smin1 > smax2 ? 0 : -1;
  }
  return -1;
}

/** reg_not_null(): a pointer that cannot be NULL. */
// reg_not_null(): map values, maps, memory and sock_common are never NULL; a ctx or stack pointer may compare equal to 0 (6.18).
const regNotNull = (r: Reg): boolean =>
  (r.type === 'map_value' || r.type === 'map_ptr' || r.type === 'mem' || r.type === 'sock_common') && !r.maybeNull;

/** is_branch_taken(). */
export function isBranchTaken(r1: Reg, r2: Reg, op: number, j32: boolean): number {
  const p1 = r1.type !== 'scalar';
  const p2 = r2.type !== 'scalar';
  if (p1 || p2) {
    let a = r1;
    let b = r2;
    if (!isRegConst(b, j32)) {
      op = flipOpcode(op);
      [a, b] = [b, a];
    }
    if (!isRegConst(b, j32)) return -1;
    if (!regNotNull(a)) return -1;
    if (constVal(b, j32) !== 0n) return -1;
    return op === BPF_JEQ ? 0 : op === BPF_JNE ? 1 : -1;
  }
  return scalarBranchTaken(r1, r2, op, j32);
}

const max = (a: bigint, b: bigint): bigint => (a > b ? a : b);
const min = (a: bigint, b: bigint): bigint => (a < b ? a : b);

/** regs_refine_cond_op(): what `r1 op r2` being true teaches about both. */
function refine(r1: Reg, r2: Reg, op: number, j32: boolean): void {
  if (op === BPF_JGE || op === BPF_JGT || op === BPF_JSGE || op === BPF_JSGT) {
    op = flipOpcode(op);
    [r1, r2] = [r2, r1];
  }
  switch (op) {
    case BPF_JEQ:
      if (j32) {
        r1.u32min = max(r1.u32min, r2.u32min);
        r1.u32max = min(r1.u32max, r2.u32max);
        r1.s32min = max(r1.s32min, r2.s32min);
        r1.s32max = min(r1.s32max, r2.s32max);
        r2.u32min = r1.u32min;
        r2.u32max = r1.u32max;
        r2.s32min = r1.s32min;
        r2.s32max = r1.s32max;
        const t = tnumIntersect(tnumSubreg(r1.var_off), tnumSubreg(r2.var_off));
        r1.var_off = tnumWithSubreg(r1.var_off, t);
        r2.var_off = tnumWithSubreg(r2.var_off, t);
      } else {
        r1.umin = max(r1.umin, r2.umin);
        r1.umax = min(r1.umax, r2.umax);
        r1.smin = max(r1.smin, r2.smin);
        r1.smax = min(r1.smax, r2.smax);
        r2.umin = r1.umin;
        r2.umax = r1.umax;
        r2.smin = r1.smin;
        r2.smax = r1.smax;
        r1.var_off = tnumIntersect(r1.var_off, r2.var_off);
        r2.var_off = r1.var_off;
      }
      break;
    case BPF_JNE: {
      if (!isRegConst(r2, j32)) [r1, r2] = [r2, r1];
      if (!isRegConst(r2, j32)) break;
      const val = constVal(r2, j32);
      if (j32) {
        if (r1.u32min === u32(val)) r1.u32min++;
        if (r1.u32max === u32(val)) r1.u32max--;
        if (r1.s32min === s32(val)) r1.s32min++;
        if (r1.s32max === s32(val)) r1.s32max--;
      } else {
        if (r1.umin === u64(val)) r1.umin++;
        if (r1.umax === u64(val)) r1.umax--;
        if (r1.smin === s64(val)) r1.smin++;
        if (r1.smax === s64(val)) r1.smax--;
      }
      break;
    }
    case BPF_JSET: {
      if (!isRegConst(r2, j32)) [r1, r2] = [r2, r1];
      if (!isRegConst(r2, j32)) break;
      const val = constVal(r2, j32);
      if (val === 0n || (val & (val - 1n)) !== 0n) break;
      if (j32) r1.var_off = tnumWithSubreg(r1.var_off, tnumOr(tnumSubreg(r1.var_off), tnumConst(val)));
      else r1.var_off = tnumOr(r1.var_off, tnumConst(val));
      break;
    }
    case JSET_X: {
      if (!isRegConst(r2, j32)) [r1, r2] = [r2, r1];
      if (!isRegConst(r2, j32)) break;
      const val = constVal(r2, j32);
      markUnbounded(r1);
      if (j32) r1.var_off = tnumWithSubreg(r1.var_off, tnumAnd(tnumSubreg(r1.var_off), tnumConst(u64(~val))));
      else r1.var_off = tnumAnd(r1.var_off, tnumConst(u64(~val)));
      break;
    }
    case BPF_JLE:
      if (j32) {
        r1.u32max = min(r1.u32max, r2.u32max);
        r2.u32min = max(r1.u32min, r2.u32min);
      } else {
        r1.umax = min(r1.umax, r2.umax);
        r2.umin = max(r1.umin, r2.umin);
      }
      break;
    case BPF_JLT:
      if (j32) {
        r1.u32max = min(r1.u32max, u32(r2.u32max - 1n));
        r2.u32min = max(u32(r1.u32min + 1n), r2.u32min);
      } else {
        r1.umax = min(r1.umax, u64(r2.umax - 1n));
        r2.umin = max(u64(r1.umin + 1n), r2.umin);
      }
      break;
    case BPF_JSLE:
      if (j32) {
        r1.s32max = min(r1.s32max, r2.s32max);
        r2.s32min = max(r1.s32min, r2.s32min);
      } else {
        r1.smax = min(r1.smax, r2.smax);
        r2.smin = max(r1.smin, r2.smin);
      }
      break;
    case BPF_JSLT:
      if (j32) {
        r1.s32max = min(r1.s32max, s32(r2.s32max - 1n));
        r2.s32min = max(s32(r1.s32min + 1n), r2.s32min);
      } else {
        r1.smax = min(r1.smax, s64(r2.smax - 1n));
        r2.smin = max(s64(r1.smin + 1n), r2.smin);
      }
      break;
  }
}

/** reg_set_min_max(): refines the registers of the taken (t*) and fall-through (f*) branches. */
export function regSetMinMax(t1: Reg, t2: Reg, f1: Reg, f2: Reg, op: number, j32: boolean): void {
  if (f1.type !== 'scalar' || f2.type !== 'scalar') return;
  refine(f1, f2, revOpcode(op), j32);
  regBoundsSync(f1);
  regBoundsSync(f2);
  refine(t1, t2, op, j32);
  regBoundsSync(t1);
  regBoundsSync(t2);
}

/** A branch whose refined bounds are contradictory is dead (reg_bounds_sanity_check() would reject it). */
export function regIsEmpty(r: Reg): boolean {
  return r.type === 'scalar' && (r.umin > r.umax || r.smin > r.smax || r.u32min > r.u32max || r.s32min > r.s32max);
}
