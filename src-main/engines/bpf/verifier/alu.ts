/**
 * Scalar ALU (adjust_scalar_min_max_vals() and its scalar*_min_max_* helpers) and pointer arithmetic
 * (adjust_ptr_min_max_vals()) of kernel/bpf/verifier.c, with the kernel's rejection messages.
 */
import { BPF_ADD, BPF_AND, BPF_ARSH, BPF_LSH, BPF_MUL, BPF_NEG, BPF_OR, BPF_RSH, BPF_SUB, BPF_XOR } from '../isa';
import { reject } from './error';
import {
  copyReg,
  isConst,
  mark32Unbounded,
  scalarUnknown,
  mark64Unbounded,
  markKnown,
  regBoundsSync,
  regTypeStr,
  setUnknown,
  updateBounds,
  zext32to64,
  isPktPointer,
} from './reg';
import type { Reg } from './reg';
import type { Tnum } from './tnum';
import {
  S32_MAX,
  S32_MIN,
  S64_MAX,
  S64_MIN,
  U32_MAX,
  U64_MAX,
  s32,
  s64,
  tnumAdd,
  tnumAnd,
  tnumArshift,
  tnumConst,
  tnumIsConst,
  tnumLshift,
  tnumMul,
  tnumNeg,
  tnumOr,
  tnumRshift,
  tnumStr,
  tnumSub,
  tnumSubreg,
  tnumSubregIsConst,
  tnumXor,
  u32,
  u64,
} from './tnum';

const BPF_MAX_VAR_OFF = 1n << 29n;
const MAX_VAR_OFF_NUM = 1 << 29;
const ovS64 = (x: bigint): boolean => x < S64_MIN || x > S64_MAX;
const ovS32 = (x: bigint): boolean => x < S32_MIN || x > S32_MAX;

function add64(d: Reg, s: Reg): void {
  const a = d.smin + s.smin;
  const b = d.smax + s.smax;
  if (ovS64(a) || ovS64(b)) {
    d.smin = S64_MIN;
    d.smax = S64_MAX;
  } else {
    d.smin = a;
    d.smax = b;
  }
  const lo = d.umin + s.umin;
  const hi = d.umax + s.umax;
  const minOv = lo > U64_MAX;
  const maxOv = hi > U64_MAX;
  d.umin = u64(lo);
  d.umax = u64(hi);
  if (!minOv && maxOv) {
    d.umin = 0n;
    d.umax = U64_MAX;
  }
}

function add32(d: Reg, s: Reg): void {
  const a = d.s32min + s.s32min;
  const b = d.s32max + s.s32max;
  if (ovS32(a) || ovS32(b)) {
    d.s32min = S32_MIN;
    d.s32max = S32_MAX;
  } else {
    d.s32min = a;
    d.s32max = b;
  }
  const lo = d.u32min + s.u32min;
  const hi = d.u32max + s.u32max;
  const minOv = lo > U32_MAX;
  const maxOv = hi > U32_MAX;
  d.u32min = u32(lo);
  d.u32max = u32(hi);
  if (!minOv && maxOv) {
    d.u32min = 0n;
    d.u32max = U32_MAX;
  }
}

function sub64(d: Reg, s: Reg): void {
  const a = d.smin - s.smax;
  const b = d.smax - s.smin;
  if (ovS64(a) || ovS64(b)) {
    d.smin = S64_MIN;
    d.smax = S64_MAX;
  } else {
    d.smin = a;
    d.smax = b;
  }
  const lo = d.umin - s.umax;
  const hi = d.umax - s.umin;
  const minUf = lo < 0n;
  const maxUf = hi < 0n;
  d.umin = u64(lo);
  d.umax = u64(hi);
  if (minUf && !maxUf) {
    d.umin = 0n;
    d.umax = U64_MAX;
  }
}

function sub32(d: Reg, s: Reg): void {
  const a = d.s32min - s.s32max;
  const b = d.s32max - s.s32min;
  if (ovS32(a) || ovS32(b)) {
    d.s32min = S32_MIN;
    d.s32max = S32_MAX;
  } else {
    d.s32min = a;
    d.s32max = b;
  }
  const lo = d.u32min - s.u32max;
  const hi = d.u32max - s.u32min;
  const minUf = lo < 0n;
  const maxUf = hi < 0n;
  d.u32min = u32(lo);
  d.u32max = u32(hi);
  if (minUf && !maxUf) {
    d.u32min = 0n;
    d.u32max = U32_MAX;
  }
}

function minOf(p: bigint[]): bigint {
  let m = p[0]!;
  for (let i = 1; i < p.length; i++) if (p[i]! < m) m = p[i]!;
  return m;
}

function maxOf(p: bigint[]): bigint {
  let m = p[0]!;
  for (let i = 1; i < p.length; i++) if (p[i]! > m) m = p[i]!;
  return m;
}

function mul64(d: Reg, s: Reg): void {
  const umax = d.umax * s.umax;
  const umin = d.umin * s.umin;
  if (umax > U64_MAX || umin > U64_MAX) {
    d.umin = 0n;
    d.umax = U64_MAX;
  } else {
    d.umin = umin;
    d.umax = umax;
  }
  const p = [d.smin * s.smin, d.smin * s.smax, d.smax * s.smin, d.smax * s.smax];
  if (p.some(ovS64)) {
    d.smin = S64_MIN;
    d.smax = S64_MAX;
  } else {
    d.smin = minOf(p);
    d.smax = maxOf(p);
  }
}

function mul32(d: Reg, s: Reg): void {
  const umax = d.u32max * s.u32max;
  const umin = d.u32min * s.u32min;
  if (umax > U32_MAX || umin > U32_MAX) {
    d.u32min = 0n;
    d.u32max = U32_MAX;
  } else {
    d.u32min = umin;
    d.u32max = umax;
  }
  const p = [d.s32min * s.s32min, d.s32min * s.s32max, d.s32max * s.s32min, d.s32max * s.s32max];
  if (p.some(ovS32)) {
    d.s32min = S32_MIN;
    d.s32max = S32_MAX;
  } else {
    d.s32min = minOf(p);
    d.s32max = maxOf(p);
  }
}

function s32FromU32(d: Reg): void {
  if (s32(d.u32min) <= s32(d.u32max)) {
    d.s32min = s32(d.u32min);
    d.s32max = s32(d.u32max);
  } else {
    d.s32min = S32_MIN;
    d.s32max = S32_MAX;
  }
}

function s64FromU64(d: Reg): void {
  if (s64(d.umin) <= s64(d.umax)) {
    d.smin = s64(d.umin);
    d.smax = s64(d.umax);
  } else {
    d.smin = S64_MIN;
    d.smax = S64_MAX;
  }
}

function mark32Known(d: Reg, v: bigint): void {
  d.var_off = { v: (d.var_off.v & ~U32_MAX) | u32(v), m: d.var_off.m & ~U32_MAX };
  d.s32min = d.s32max = s32(v);
  d.u32min = d.u32max = u32(v);
}

function bitop32(d: Reg, s: Reg, op: number): void {
  const srcKnown = tnumSubregIsConst(s.var_off);
  const dstKnown = tnumSubregIsConst(d.var_off);
  const v = tnumSubreg(d.var_off);
  if (srcKnown && dstKnown) {
    mark32Known(d, v.v);
    return;
  }
  if (op === BPF_AND) {
    d.u32min = v.v;
    d.u32max = d.u32max < s.u32max ? d.u32max : s.u32max;
  } else if (op === BPF_OR) {
    d.u32min = d.u32min > s.u32min ? d.u32min : s.u32min;
    d.u32max = v.v | v.m;
  } else {
    d.u32min = v.v;
    d.u32max = v.v | v.m;
  }
  s32FromU32(d);
}

function bitop64(d: Reg, s: Reg, op: number): void {
  if (tnumIsConst(s.var_off) && tnumIsConst(d.var_off)) {
    markKnown(d, d.var_off.v);
    return;
  }
  if (op === BPF_AND) {
    d.umin = d.var_off.v;
    d.umax = d.umax < s.umax ? d.umax : s.umax;
  } else if (op === BPF_OR) {
    d.umin = d.umin > s.umin ? d.umin : s.umin;
    d.umax = d.var_off.v | d.var_off.m;
  } else {
    d.umin = d.var_off.v;
    d.umax = d.var_off.v | d.var_off.m;
  }
  s64FromU64(d);
  updateBounds(d);
}

function lsh32Bounds(d: Reg, umin: bigint, umax: bigint): void {
  d.s32min = S32_MIN;
  d.s32max = S32_MAX;
  if (umax > 31n || d.u32max > 1n << (31n - umax)) {
    d.u32min = 0n;
    d.u32max = U32_MAX;
  } else {
    d.u32min <<= umin;
    d.u32max <<= umax;
  }
}

function lsh64(d: Reg, sh: bigint): void {
  d.smax = sh === 32n && d.s32max >= 0n ? d.s32max << 32n : S64_MAX;
  d.smin = sh === 32n && d.s32min >= 0n ? d.s32min << 32n : S64_MIN;
  if (d.umax > 1n << (63n - sh)) {
    d.umin = 0n;
    d.umax = U64_MAX;
  } else {
    d.umin <<= sh;
    d.umax <<= sh;
  }
  lsh32Bounds(d, sh, sh);
  d.var_off = tnumLshift(d.var_off, Number(sh));
  updateBounds(d);
}

/** is_safe_to_compute_dst_reg_range(). */
function safeToCompute(op: number, s: Reg, alu32: boolean): boolean {
  switch (op) {
    case BPF_ADD:
    case BPF_SUB:
    case BPF_NEG:
    case BPF_AND:
    case BPF_XOR:
    case BPF_OR:
    case BPF_MUL:
      return true;
    case BPF_LSH:
    case BPF_RSH:
    case BPF_ARSH: {
      // The source must be a known value (its subregister for ALU32) whose 64-bit umax is a valid shift count:
      // `w1 <<= w2` with w2 = 3 but r2's upper half unknown or set is not computed.
      const srcConst = alu32
        ? tnumSubregIsConst(s.var_off) && s.s32min === s.s32max && s.u32min === s.u32max
        : tnumIsConst(s.var_off) && s.smin === s.smax && s.umin === s.umax;
      return srcConst && s.umax < (alu32 ? 32n : 64n);
    }
    default:
      return false;
  }
}

/** A known value whose eight bounds are exactly its views (what __mark_reg_known() sets). */
function exactKnown(r: Reg): boolean {
  if (r.var_off.m !== 0n) return false;
  const v = r.var_off.v;
  if (v >= 0n && v <= S32_MAX) {
    return (
      r.umin === v &&
      r.umax === v &&
      r.smin === v &&
      r.smax === v &&
      r.u32min === v &&
      r.u32max === v &&
      r.s32min === v &&
      r.s32max === v
    );
  }
  return (
    r.umin === v &&
    r.umax === v &&
    r.smin === r.smax &&
    r.u32min === r.u32max &&
    r.s32min === r.s32max &&
    r.smin === s64(v) &&
    r.u32min === u32(v) &&
    r.s32min === s32(v)
  );
}

/**
 * Both operands known: the tnum of the result is the value, and the (sound) interval steps all contain it, so
 * reg_bounds_sync() narrows every bound to it; the value is computed with the same tnum operations and set at once.
 */
function knownAlu(d: Reg, s: Reg, op: number, alu32: boolean): void {
  const a = d.var_off;
  const b = s.var_off;
  let t: Tnum;
  switch (op) {
    // tnum_add()/tnum_sub() of two constants: the wrapped sum/difference (no unknown bits to carry).
    case BPF_ADD:
      t = { v: BigInt.asUintN(64, a.v + b.v), m: 0n };
      break;
    case BPF_SUB:
      t = { v: BigInt.asUintN(64, a.v - b.v), m: 0n };
      break;
    case BPF_MUL:
      t = tnumMul(a, b);
      break;
    case BPF_AND:
      t = tnumAnd(a, b);
      break;
    case BPF_OR:
      t = tnumOr(a, b);
      break;
    case BPF_XOR:
      t = tnumXor(a, b);
      break;
    case BPF_LSH:
      t = alu32 ? tnumLshift(tnumSubreg(a), Number(s.u32min)) : tnumLshift(a, Number(s.umin));
      break;
    case BPF_RSH:
      t = alu32 ? tnumRshift(tnumSubreg(a), Number(s.u32min)) : tnumRshift(a, Number(s.umin));
      break;
    default:
      t = alu32 ? tnumArshift(tnumSubreg(a), Number(s.u32min), 32) : tnumArshift(a, Number(s.umin), 64);
      break;
  }
  markKnown(d, alu32 ? t.v & U32_MAX : t.v);
  d.id = 0;
}

/**
 * adjust_scalar_min_max_vals(): dst op= src on two scalars (src is a copy for BPF_K). `srcExact` says that src is
 * known to be as __mark_reg_known() makes it (a BPF_K operand: exactKnown(src) holds, so it is not recomputed).
 */
export function scalarAlu(d: Reg, src: Reg, op: number, alu32: boolean, srcExact = false): void {
  if (!safeToCompute(op, src, alu32)) {
    // __mark_reg_unknown() and return: an ALU32 result is not zero-extended here (6.18), its upper half is unknown.
    setUnknown(d);
    return;
  }
  if (op !== BPF_NEG && exactKnown(d) && (srcExact || exactKnown(src))) {
    knownAlu(d, src, op, alu32);
    return;
  }
  scalarAluBounds(d, src, op, alu32);
}

/** adjust_scalar_min_max_vals() step by step, for operands that safeToCompute() admits. */
export function scalarAluBounds(d: Reg, src: Reg, op: number, alu32: boolean): void {
  const s = src;
  switch (op) {
    case BPF_ADD:
      add32(d, s);
      add64(d, s);
      d.var_off = tnumAdd(d.var_off, s.var_off);
      break;
    case BPF_SUB:
      sub32(d, s);
      sub64(d, s);
      d.var_off = tnumSub(d.var_off, s.var_off);
      break;
    case BPF_NEG: {
      const old = copyReg(d);
      markKnown(d, 0n);
      sub32(d, old);
      sub64(d, old);
      d.var_off = tnumNeg(old.var_off);
      break;
    }
    case BPF_MUL:
      d.var_off = tnumMul(d.var_off, s.var_off);
      mul32(d, s);
      mul64(d, s);
      break;
    case BPF_AND:
    case BPF_OR:
    case BPF_XOR:
      d.var_off =
        op === BPF_AND
          ? tnumAnd(d.var_off, s.var_off)
          : op === BPF_OR
            ? tnumOr(d.var_off, s.var_off)
            : tnumXor(d.var_off, s.var_off);
      bitop32(d, s, op);
      bitop64(d, s, op);
      break;
    case BPF_LSH:
      if (alu32) {
        const sh = s.u32min;
        lsh32Bounds(d, sh, sh);
        d.var_off = tnumSubreg(tnumLshift(tnumSubreg(d.var_off), Number(sh)));
        mark64Unbounded(d);
        updateBounds(d);
      } else {
        lsh64(d, s.umin);
      }
      break;
    case BPF_RSH:
      if (alu32) {
        const sh = s.u32min;
        const sub = tnumSubreg(d.var_off);
        d.s32min = S32_MIN;
        d.s32max = S32_MAX;
        d.var_off = tnumRshift(sub, Number(sh));
        d.u32min >>= sh;
        d.u32max >>= sh;
        mark64Unbounded(d);
        updateBounds(d);
      } else {
        const sh = s.umin;
        d.smin = S64_MIN;
        d.smax = S64_MAX;
        d.var_off = tnumRshift(d.var_off, Number(sh));
        d.umin >>= sh;
        d.umax >>= sh;
        mark32Unbounded(d);
        updateBounds(d);
      }
      break;
    case BPF_ARSH:
      if (alu32) {
        const sh = s.u32min;
        d.s32min >>= sh;
        d.s32max >>= sh;
        d.var_off = tnumSubreg(tnumArshift(tnumSubreg(d.var_off), Number(sh), 32));
        d.u32min = 0n;
        d.u32max = U32_MAX;
        mark64Unbounded(d);
        updateBounds(d);
      } else {
        const sh = s.umin;
        d.smin >>= sh;
        d.smax >>= sh;
        d.var_off = tnumArshift(d.var_off, Number(sh), 64);
        d.umin = 0n;
        d.umax = U64_MAX;
        mark32Unbounded(d);
        updateBounds(d);
      }
      break;
  }
  if (alu32) zext32to64(d);
  d.id = 0;
  regBoundsSync(d);
}

const BITWISE: Record<number, string> = { [BPF_AND]: '&=', [BPF_OR]: '|=', [BPF_XOR]: '^=' };
/** bpf_alu_string[]: the operator of each BPF_OP, as the kernel's messages print it. */
export const ALU_NAME: Record<number, string> = {
  0x00: '+=',
  0x10: '-=',
  0x20: '*=',
  0x30: '/=',
  0x40: '|=',
  0x50: '&=',
  0x60: '<<=',
  0x70: '>>=',
  0x80: 'neg',
  0x90: '%=',
  0xa0: '^=',
  0xb0: '=',
  0xc0: 's>>=',
  0xd0: 'endian',
};

/** check_reg_sane_offset_scalar(): the scalar operand of pointer arithmetic. */
function saneOffsetScalar(r: Reg, ptrType: string): void {
  const known = tnumIsConst(r.var_off);
  const val = r.smin;
  if (known && (val >= BPF_MAX_VAR_OFF || val <= -BPF_MAX_VAR_OFF))
    reject(`math between ${ptrType} pointer and ${val} is not allowed`, 'EINVAL');
  if (r.off >= MAX_VAR_OFF_NUM || r.off <= -MAX_VAR_OFF_NUM)
    reject(`${ptrType} pointer offset ${r.off} is not allowed`, 'EINVAL');
  if (r.smin === S64_MIN)
    reject(`math between ${ptrType} pointer and register with unbounded min value is not allowed`, 'EINVAL');
  if (r.smin >= BPF_MAX_VAR_OFF || r.smin <= -BPF_MAX_VAR_OFF)
    reject(`value ${r.smin} makes ${ptrType} pointer be out of bounds`, 'EINVAL');
}

/**
 * check_reg_sane_offset_ptr(): the pointer operand and the result. Linux 6.18 names the pointer's own offset for
 * each bound it breaks: the fixed part, a constant variable part, or the minimum (`ctx pointer offset N`).
 */
function saneOffsetPtr(r: Reg, ptrType: string): void {
  const known = tnumIsConst(r.var_off);
  const val = r.smin;
  if (known && (val >= BPF_MAX_VAR_OFF || val <= -BPF_MAX_VAR_OFF))
    reject(`${ptrType} pointer offset ${val} is not allowed`, 'EINVAL');
  if (r.off >= MAX_VAR_OFF_NUM || r.off <= -MAX_VAR_OFF_NUM)
    reject(`${ptrType} pointer offset ${r.off} is not allowed`, 'EINVAL');
  if (r.smin >= BPF_MAX_VAR_OFF || r.smin <= -BPF_MAX_VAR_OFF)
    reject(`${ptrType} pointer offset ${r.smin} is not allowed`, 'EINVAL');
}

/**
 * adjust_ptr_min_max_vals(): `dst = ptr op off` with ptr a pointer register and off a scalar; returns the new
 * dst state. dstRegno names the register in messages.
 */
export function ptrAlu(
  ptr: Reg,
  off: Reg,
  op: number,
  alu32: boolean,
  dstRegno: number,
  dstIsOff: boolean,
  newId: () => number = () => 0,
): Reg {
  const known = tnumIsConst(off.var_off);
  const smin = off.smin;
  const smax = off.smax;
  const umin = off.umin;
  const umax = off.umax;
  if (alu32) {
    // 32-bit ALU on a pointer gives a meaningless scalar: allowed for BPF_SUB with allow_ptr_leaks (privileged).
    if (op === BPF_SUB) return scalarUnknown();
    reject(`R${dstRegno} 32-bit pointer arithmetic prohibited`);
  }
  if (ptr.maybeNull) reject(`R${dstRegno} pointer arithmetic on ${regTypeStr(ptr)} prohibited, null-check it first`);
  if (ptr.type === 'map_ptr') {
    if (!(known && smin === 0n && op === BPF_ADD))
      reject(`R${dstRegno} pointer arithmetic on ${regTypeStr(ptr)} prohibited`);
  }
  if (ptr.type === 'func' || ptr.type === 'pkt_end' || ptr.type === 'sock_common')
    reject(`R${dstRegno} pointer arithmetic on ${regTypeStr(ptr)} prohibited`);
  const ptrType = regTypeStr(ptr);
  // As adjust_ptr_min_max_vals(): the offsets are checked before the operator.
  saneOffsetScalar(off, ptrType);
  saneOffsetPtr(ptr, ptrType);
  if (op !== BPF_ADD && op !== BPF_SUB) {
    if (BITWISE[op]) reject(`R${dstRegno} bitwise operator ${BITWISE[op]} on pointer prohibited`);
    reject(`R${dstRegno} pointer arithmetic with ${ALU_NAME[op]} operator prohibited`);
  }
  const d: Reg = copyReg(ptr);
  // Pointer types carry no 32-bit bounds.
  mark32Unbounded(d);
  if (op === BPF_ADD) {
    const noff = BigInt(ptr.off) + smin;
    if (known && noff === s32(noff)) {
      d.off = Number(noff);
    } else {
      const a = ptr.smin + smin;
      const b = ptr.smax + smax;
      if (ovS64(a) || ovS64(b)) {
        d.smin = S64_MIN;
        d.smax = S64_MAX;
      } else {
        d.smin = a;
        d.smax = b;
      }
      if (ptr.umin + umin > U64_MAX || ptr.umax + umax > U64_MAX) {
        d.umin = 0n;
        d.umax = U64_MAX;
      } else {
        d.umin = ptr.umin + umin;
        d.umax = ptr.umax + umax;
      }
      d.var_off = tnumAdd(ptr.var_off, off.var_off);
      // Something was added to a packet pointer: a new id, and no range until it is compared with pkt_end again.
      if (isPktPointer(ptr)) {
        d.id = newId();
        d.mem_size = 0;
      }
    }
  } else {
    if (dstIsOff) reject(`R${dstRegno} tried to subtract pointer from scalar`);
    if (ptr.type === 'fp') reject(`R${dstRegno} subtraction from stack pointer prohibited`);
    const noff = BigInt(ptr.off) - smin;
    if (known && noff === s32(noff)) {
      d.off = Number(noff);
    } else {
      const a = ptr.smin - smax;
      const b = ptr.smax - smin;
      if (ovS64(a) || ovS64(b)) {
        d.smin = S64_MIN;
        d.smax = S64_MAX;
      } else {
        d.smin = a;
        d.smax = b;
      }
      if (ptr.umin < umax) {
        d.umin = 0n;
        d.umax = U64_MAX;
      } else {
        d.umin = ptr.umin - umax;
        d.umax = ptr.umax - umin;
      }
      d.var_off = tnumSub(ptr.var_off, off.var_off);
      if (isPktPointer(ptr)) {
        d.id = newId();
        if (smin < 0n) d.mem_size = 0;
      }
    }
  }
  saneOffsetPtr(d, ptrType);
  regBoundsSync(d);
  return d;
}

/** A message helper for ctx/stack accesses with a variable offset. */
export function varOffStr(r: Reg): string {
  return tnumStr(r.var_off);
}

export { isConst, tnumConst };
