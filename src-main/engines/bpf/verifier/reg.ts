/**
 * struct bpf_reg_state (include/linux/bpf_verifier.h): the register types the verifier tracks, a scalar's tnum
 * and signed/unsigned 64- and 32-bit bounds kept in sync as reg_bounds_sync() does, and their log notation.
 */
import type { BpfMap } from '../maps';
import {
  S32_MAX,
  S32_MIN,
  S64_MAX,
  S64_MIN,
  TNUM_UNKNOWN,
  U32_MAX,
  U64_MAX,
  s32,
  s64,
  tnumClearSubreg,
  tnumConst,
  tnumIntersect,
  tnumIsConst,
  tnumIsUnknown,
  tnumOr,
  tnumRange,
  tnumStr,
  tnumSubreg,
  u32,
  u64,
} from './tnum';
import type { Tnum } from './tnum';

/** enum bpf_reg_type, base types (PTR_MAYBE_NULL and MEM_RDONLY are flags on the register). */
export type RegType =
  | 'not_init'
  | 'scalar'
  | 'ctx'
  | 'map_ptr'
  | 'map_value'
  | 'fp'
  | 'mem'
  | 'func'
  | 'pkt'
  | 'pkt_end'
  | 'pkt_meta'
  // PTR_TO_SOCK_COMMON: __sk_buff.sk (bpf_skb_is_valid_access()), PTR_MAYBE_NULL until null-checked.
  | 'sock_common';

/** type_is_pkt_pointer(): PTR_TO_PACKET or PTR_TO_PACKET_META (not PTR_TO_PACKET_END). */
export function isPktPointer(r: Pick<Reg, 'type'>): boolean {
  return r.type === 'pkt' || r.type === 'pkt_meta';
}

/** Register state; pointers use the scalar fields for their variable offset, as the kernel does. */
export interface Reg {
  type: RegType;
  maybeNull: boolean;
  rdonly: boolean;
  /** Fixed offset of a pointer. */
  off: number;
  id: number;
  ref_obj_id: number;
  var_off: Tnum;
  smin: bigint;
  smax: bigint;
  umin: bigint;
  umax: bigint;
  s32min: bigint;
  s32max: bigint;
  u32min: bigint;
  u32max: bigint;
  precise: boolean;
  /** Frame of a stack pointer. */
  frameno: number;
  /** Map of CONST_PTR_TO_MAP / PTR_TO_MAP_VALUE. */
  map?: BpfMap | undefined;
  /** Size of PTR_TO_MEM; for a packet pointer its reg->range (the two share a union in the kernel's struct). */
  mem_size: number;
  /** Ringbuf memory (MEM_RINGBUF). */
  ringbuf: boolean;
  /** Target instruction of PTR_TO_FUNC. */
  subprog: number;
}

/** tnum_const(0), shared: tnums are immutable values. */
const TNUM_ZERO = tnumConst(0n);

export function notInit(): Reg {
  return {
    type: 'not_init',
    maybeNull: false,
    rdonly: false,
    off: 0,
    id: 0,
    ref_obj_id: 0,
    var_off: TNUM_ZERO,
    smin: 0n,
    smax: 0n,
    umin: 0n,
    umax: 0n,
    s32min: 0n,
    s32max: 0n,
    u32min: 0n,
    u32max: 0n,
    precise: false,
    frameno: 0,
    map: undefined,
    mem_size: 0,
    ringbuf: false,
    subprog: 0,
  };
}

/** A copy with the same field order as notInit(): one object shape for every register (a spread copy is slow). */
export function copyReg(r: Reg): Reg {
  return {
    type: r.type,
    maybeNull: r.maybeNull,
    rdonly: r.rdonly,
    off: r.off,
    id: r.id,
    ref_obj_id: r.ref_obj_id,
    var_off: r.var_off,
    smin: r.smin,
    smax: r.smax,
    umin: r.umin,
    umax: r.umax,
    s32min: r.s32min,
    s32max: r.s32max,
    u32min: r.u32min,
    u32max: r.u32max,
    precise: r.precise,
    frameno: r.frameno,
    map: r.map,
    mem_size: r.mem_size,
    ringbuf: r.ringbuf,
    subprog: r.subprog,
  };
}

/**
 * notInit() as a frozen object that state copies share: a register that is not_init is replaced when written, never
 * written in place (a write to this one would throw), so a checkpoint need not copy it.
 */
export const NOT_INIT_SHARED: Reg = Object.freeze(notInit());

/** copyReg() for a state copy: a register just as notInit() makes it becomes the shared NOT_INIT_SHARED. */
export function copyRegOfState(r: Reg): Reg {
  if (r === NOT_INIT_SHARED) return r;
  if (
    r.type === 'not_init' &&
    !r.maybeNull &&
    !r.rdonly &&
    r.off === 0 &&
    r.id === 0 &&
    r.ref_obj_id === 0 &&
    r.var_off === TNUM_ZERO &&
    r.smin === 0n &&
    r.smax === 0n &&
    r.umin === 0n &&
    r.umax === 0n &&
    r.s32min === 0n &&
    r.s32max === 0n &&
    r.u32min === 0n &&
    r.u32max === 0n &&
    !r.precise &&
    r.frameno === 0 &&
    r.map === undefined &&
    r.mem_size === 0 &&
    !r.ringbuf &&
    r.subprog === 0
  ) {
    return NOT_INIT_SHARED;
  }
  return copyReg(r);
}

/** __mark_reg_known(). */
export function markKnown(r: Reg, v: bigint): void {
  if (v >= 0n && v <= S32_MAX) {
    // Every view of a small non-negative value is the value itself.
    r.var_off = { v, m: 0n };
    r.smin = r.smax = r.umin = r.umax = r.s32min = r.s32max = r.u32min = r.u32max = v;
    return;
  }
  r.var_off = tnumConst(v);
  r.smin = r.smax = s64(v);
  r.umin = r.umax = u64(v);
  r.s32min = r.s32max = s32(v);
  r.u32min = r.u32max = u32(v);
}

/** __mark_reg_unbounded(). */
export function markUnbounded(r: Reg): void {
  r.smin = S64_MIN;
  r.smax = S64_MAX;
  r.umin = 0n;
  r.umax = U64_MAX;
  r.s32min = S32_MIN;
  r.s32max = S32_MAX;
  r.u32min = 0n;
  r.u32max = U32_MAX;
}

export function mark64Unbounded(r: Reg): void {
  r.smin = S64_MIN;
  r.smax = S64_MAX;
  r.umin = 0n;
  r.umax = U64_MAX;
}

export function mark32Unbounded(r: Reg): void {
  r.s32min = S32_MIN;
  r.s32max = S32_MAX;
  r.u32min = 0n;
  r.u32max = U32_MAX;
}

/** A scalar of known value (__mark_reg_known on a fresh register). */
export function scalarConst(v: bigint): Reg {
  const r = notInit();
  r.type = 'scalar';
  markKnown(r, v);
  return r;
}

/** __mark_reg_unknown(): an unknown scalar. */
export function scalarUnknown(): Reg {
  const r = notInit();
  r.type = 'scalar';
  r.var_off = TNUM_UNKNOWN;
  markUnbounded(r);
  return r;
}

/** Turns r into an unknown scalar in place (mark_reg_unknown()). */
export function setUnknown(r: Reg): void {
  Object.assign(r, scalarUnknown());
}

/** A pointer of the given type with fixed offset `off` and a zero variable offset. */
export function pointer(type: RegType, off = 0): Reg {
  const r = notInit();
  r.type = type;
  r.off = off;
  markKnown(r, 0n);
  return r;
}

const maxU = (a: bigint, b: bigint): bigint => (a > b ? a : b);
const minU = (a: bigint, b: bigint): bigint => (a < b ? a : b);

function update32(r: Reg): void {
  const v = tnumSubreg(r.var_off);
  r.s32min = maxU(r.s32min, s32(v.v | (v.m & 0x80000000n)));
  r.s32max = minU(r.s32max, s32(v.v | (v.m & 0x7fffffffn)));
  r.u32min = maxU(r.u32min, v.v);
  r.u32max = minU(r.u32max, v.v | v.m);
}

function update64(r: Reg): void {
  const v = r.var_off;
  r.smin = maxU(r.smin, s64(v.v | (v.m & (1n << 63n))));
  r.smax = minU(r.smax, s64(v.v | (v.m & S64_MAX)));
  r.umin = maxU(r.umin, v.v);
  r.umax = minU(r.umax, v.v | v.m);
}

/** __update_reg_bounds(). */
export function updateBounds(r: Reg): void {
  update32(r);
  update64(r);
}

function deduce32(r: Reg): void {
  // The upper halves may be two sequential u32 numbers, 0xffffffff then 0 included (u32 arithmetic wraps).
  if (r.umin >> 32n === r.umax >> 32n) {
    r.u32min = maxU(r.u32min, u32(r.umin));
    r.u32max = minU(r.u32max, u32(r.umax));
    if (s32(r.umin) <= s32(r.umax)) {
      r.s32min = maxU(r.s32min, s32(r.umin));
      r.s32max = minU(r.s32max, s32(r.umax));
    }
  }
  if (r.smin >> 32n === r.smax >> 32n) {
    r.u32min = maxU(r.u32min, u32(r.smin));
    r.u32max = minU(r.u32max, u32(r.smax));
    if (s32(r.smin) <= s32(r.smax)) {
      r.s32min = maxU(r.s32min, s32(r.smin));
      r.s32max = minU(r.s32max, s32(r.smax));
    }
  }
  if (u32(u32(r.umin >> 32n) + 1n) === u32(r.umax >> 32n) && s32(r.umin) < 0n && s32(r.umax) >= 0n) {
    r.s32min = maxU(r.s32min, s32(r.umin));
    r.s32max = minU(r.s32max, s32(r.umax));
  }
  if (u32(u32(r.smin >> 32n) + 1n) === u32(r.smax >> 32n) && s32(r.smin) < 0n && s32(r.smax) >= 0n) {
    r.s32min = maxU(r.s32min, s32(r.smin));
    r.s32max = minU(r.s32max, s32(r.smax));
  }
  if (s32(r.u32min) <= s32(r.u32max)) {
    r.s32min = maxU(r.s32min, s32(r.u32min));
    r.s32max = minU(r.s32max, s32(r.u32max));
  }
  if (u32(r.s32min) <= u32(r.s32max)) {
    r.u32min = maxU(u32(r.s32min), r.u32min);
    r.u32max = minU(u32(r.s32max), r.u32max);
  }
}

function deduce64(r: Reg): void {
  if (s64(r.umin) <= s64(r.umax)) {
    r.smin = maxU(r.smin, s64(r.umin));
    r.smax = minU(r.smax, s64(r.umax));
  }
  if (u64(r.smin) <= u64(r.smax)) {
    r.umin = maxU(u64(r.smin), r.umin);
    r.umax = minU(u64(r.smax), r.umax);
  } else if (r.umax < u64(r.smin)) {
    r.smin = s64(r.umin);
    r.umax = minU(r.umax, u64(r.smax));
  } else if (u64(r.smax) < r.umin) {
    r.smax = s64(r.umax);
    r.umin = maxU(r.umin, u64(r.smin));
  }
}

function deduceMixed(r: Reg): void {
  const hiMask = ~0xffffffffn;
  r.umin = maxU(r.umin, u64((r.umin & hiMask) | r.u32min));
  r.umax = minU(r.umax, u64((r.umax & hiMask) | r.u32max));
  r.smin = maxU(r.smin, s64((u64(r.smin) & hiMask) | r.u32min));
  r.smax = minU(r.smax, s64((u64(r.smax) & hiMask) | r.u32max));
  if (r.s32min >= 0n && r.smin >= S32_MIN && r.smax <= S32_MAX) {
    r.smin = r.s32min;
    r.smax = r.s32max;
    r.umin = u64(r.s32min);
    r.umax = u64(r.s32max);
    r.var_off = tnumIntersect(r.var_off, tnumRange(r.smin, r.smax));
  }
}

function boundOffset(r: Reg): void {
  const v64 = tnumIntersect(r.var_off, tnumRange(r.umin, r.umax));
  const v32 = tnumIntersect(tnumSubreg(v64), tnumRange(r.u32min, r.u32max));
  r.var_off = tnumOr(tnumClearSubreg(v64), v32);
}

/**
 * A known value (constant tnum) whose eight bounds all contain it: reg_bounds_sync() narrows every bound to the
 * value (each step takes the max/min with a view of the same constant), so the result is set directly.
 */
function syncKnown(r: Reg): boolean {
  const v = r.var_off.v;
  if (v >= 0n && v <= S32_MAX) {
    if (
      r.umin > v ||
      r.umax < v ||
      r.smin > v ||
      r.smax < v ||
      r.u32min > v ||
      r.u32max < v ||
      r.s32min > v ||
      r.s32max < v
    )
      return false;
    r.smin = r.smax = r.umin = r.umax = r.s32min = r.s32max = r.u32min = r.u32max = v;
    r.var_off = { v, m: 0n };
    return true;
  }
  const sv = s64(v);
  const v32 = u32(v);
  const sv32 = s32(v);
  if (
    r.umin > v ||
    r.umax < v ||
    r.smin > sv ||
    r.smax < sv ||
    r.u32min > v32 ||
    r.u32max < v32 ||
    r.s32min > sv32 ||
    r.s32max < sv32
  )
    return false;
  r.umin = r.umax = v;
  r.smin = r.smax = sv;
  r.u32min = r.u32max = v32;
  r.s32min = r.s32max = sv32;
  r.var_off = { v, m: 0n };
  return true;
}

/** reg_bounds_sync(). */
export function regBoundsSync(r: Reg): void {
  if (r.var_off.m === 0n && syncKnown(r)) return;
  regBoundsSyncSlow(r);
}

/** reg_bounds_sync() step by step (also the reference the known-value shortcut is tested against). */
export function regBoundsSyncSlow(r: Reg): void {
  updateBounds(r);
  deduce32(r);
  deduce64(r);
  deduceMixed(r);
  deduce32(r);
  deduce64(r);
  deduceMixed(r);
  boundOffset(r);
  updateBounds(r);
}

/** __reg_assign_32_into_64(). */
export function assign32Into64(r: Reg): void {
  r.umin = r.u32min;
  r.umax = r.u32max;
  if (r.s32min >= 0n && r.s32max >= 0n) {
    r.smin = r.s32min;
    r.smax = r.s32max;
  } else {
    r.smin = 0n;
    r.smax = U32_MAX;
  }
}

/** zext_32_to_64(). */
export function zext32to64(r: Reg): void {
  r.var_off = tnumSubreg(r.var_off);
  assign32Into64(r);
}

/** coerce_reg_to_size(): keep the low `size` bytes of a scalar (narrow loads). */
export function coerceRegToSize(r: Reg, size: number): void {
  const mask = (1n << BigInt(size * 8)) - 1n;
  r.var_off = { v: r.var_off.v & mask, m: r.var_off.m & mask };
  if ((r.umin & ~mask) === (r.umax & ~mask)) {
    r.umin &= mask;
    r.umax &= mask;
  } else {
    r.umin = 0n;
    r.umax = mask;
  }
  r.smin = r.umin;
  r.smax = r.umax;
  // A 4-byte cast keeps the 32-bit bounds (they describe the same low half); narrower ones take the 64-bit ones.
  if (size < 4) {
    r.u32min = r.umin;
    r.u32max = r.umax;
    r.s32min = r.umin;
    r.s32max = r.umax;
  }
  regBoundsSync(r);
}

/** A scalar sign-extended from `size` bytes (coerce_reg_to_size_sx(), for unknown sources: the whole signed range). */
export function coerceRegToSizeSx(r: Reg, size: number, to32 = false): void {
  const bits = BigInt(size * 8);
  if (tnumIsConst(r.var_off)) {
    const v = BigInt.asIntN(Number(bits), r.var_off.v);
    markKnown(r, to32 ? u32(v) : v);
    return;
  }
  // A signed range whose high bits are the same at both ends and whose ends keep one sign after the extension
  // stays that range (coerce_reg_to_size_sx() / coerce_subreg_to_size_sx()); the tnum becomes the range's.
  const top = (x: bigint): bigint => ((to32 ? u32(x) : u64(x)) >> bits) << bits;
  const [smin, smax] = to32 ? [r.s32min, r.s32max] : [r.smin, r.smax];
  if (top(smin) === top(smax)) {
    const a = BigInt.asIntN(Number(bits), smin);
    const b = BigInt.asIntN(Number(bits), smax);
    const [mn, mx] = a < b ? [a, b] : [b, a];
    if (mn >= 0n === mx >= 0n) {
      r.s32min = mn;
      r.s32max = mx;
      r.u32min = u32(mn);
      r.u32max = u32(mx);
      if (to32) {
        r.var_off = tnumSubreg(tnumRange(u64(mn), u64(mx)));
        zext32to64(r);
        regBoundsSync(r);
      } else {
        r.smin = mn;
        r.smax = mx;
        r.umin = u64(mn);
        r.umax = u64(mx);
        r.var_off = tnumRange(u64(mn), u64(mx));
      }
      return;
    }
  }
  const lo = -(1n << (bits - 1n));
  const hi = (1n << (bits - 1n)) - 1n;
  // A 64-bit signed range inside the target's signed range is left as it is (checked on 6.18.44: (s8)/(s16)/(s32)
  // of [-3, 4] stays [-3, 4]); the 32-bit form has no such case.
  if (!to32 && r.smin >= lo && r.smax <= hi) return;
  markUnbounded(r);
  r.var_off = TNUM_UNKNOWN;
  if (to32) {
    r.s32min = lo;
    r.s32max = hi;
    r.var_off = tnumSubreg(TNUM_UNKNOWN);
    zext32to64(r);
  } else {
    r.smin = lo;
    r.smax = hi;
    r.s32min = lo;
    r.s32max = hi;
  }
  regBoundsSync(r);
}

export const isConst = (r: Reg): boolean => r.type === 'scalar' && tnumIsConst(r.var_off);
/** register_is_null(). */
export const isNull = (r: Reg): boolean => r.type === 'scalar' && tnumIsConst(r.var_off) && r.var_off.v === 0n;
export const isPointer = (r: Reg): boolean => r.type !== 'scalar' && r.type !== 'not_init';

/** reg_type_str(). */
export function regTypeStr(r: Pick<Reg, 'type' | 'maybeNull' | 'rdonly' | 'ringbuf'>): string {
  const base = r.type === 'scalar' ? 'scalar' : r.type === 'not_init' ? '?' : r.type;
  const name = r.type === 'mem' && r.ringbuf ? 'ringbuf_mem' : base;
  return `${r.rdonly ? 'rdonly_' : ''}${name}${r.maybeNull ? '_or_null' : ''}`;
}

/** verbose_snum(). */
export function snum(v: bigint): string {
  const x = s64(v);
  return x >= -32768n && x <= 32767n ? x.toString() : `0x${u64(x).toString(16)}`;
}

/** verbose_unum(). */
export function unum(v: bigint): string {
  const x = u64(v);
  return x <= 65535n ? x.toString() : `0x${x.toString(16)}`;
}

/** print_scalar_ranges()'s value of a 32-bit signed bound: itself when printed in decimal, else its u32 bits. */
function snum32(v: bigint): bigint {
  return v >= -32768n && v <= 32767n ? v : u32(v);
}

function scalarRanges(r: Reg, parts: string[]): void {
  const mm: { name: string; val: bigint; omit: boolean }[] = [
    { name: 'smin', val: r.smin, omit: r.smin === S64_MIN },
    { name: 'smax', val: r.smax, omit: r.smax === S64_MAX },
    { name: 'umin', val: r.umin, omit: r.umin === 0n },
    { name: 'umax', val: r.umax, omit: r.umax === U64_MAX },
    // 32-bit signed bounds print as s32: decimal when is_snum_decimal(), else their u32 bits (not sign-extended).
    { name: 'smin32', val: snum32(r.s32min), omit: r.s32min === S32_MIN },
    { name: 'smax32', val: snum32(r.s32max), omit: r.s32max === S32_MAX },
    { name: 'umin32', val: r.u32min, omit: r.u32min === 0n },
    { name: 'umax32', val: r.u32max, omit: r.u32max === U32_MAX },
  ];
  for (let i = 0; i < mm.length; i++) {
    const m1 = mm[i]!;
    if (m1.omit) continue;
    const v1 = u64(m1.val);
    const neg1 = m1.name[0] === 's' && s64(m1.val) < 0n;
    let s = `${m1.name}=`;
    for (let j = i + 2; j < mm.length; j += 2) {
      const m2 = mm[j]!;
      if (m2.omit || u64(m2.val) !== v1) continue;
      const neg2 = m2.name[0] === 's' && s64(m2.val) < 0n;
      if (neg1 !== neg2) continue;
      m2.omit = true;
      s += `${m2.name}=`;
    }
    s += m1.name[0] === 's' ? snum(m1.val) : unum(m1.val);
    parts.push(s);
  }
}

/** print_reg_state(): `0`, `fp-8`, `ctx()`, `scalar(smin=...)`, `map_value(map=m,ks=4,vs=8,off=4)`. */
export function printReg(r: Reg, curFrame: number): string {
  // A precise scalar is prefixed with P (only checkpoints are marked, so mostly in mark_precise's parent-state lines).
  if (r.type === 'scalar' && r.precise) return `P${printRegValue(r, curFrame)}`;
  return printRegValue(r, curFrame);
}

function printRegValue(r: Reg, curFrame: number): string {
  if (r.type === 'scalar' && tnumIsConst(r.var_off)) return snum(r.var_off.v);
  let s = regTypeStr(r);
  if (r.type === 'fp') {
    if (r.frameno !== curFrame) s += `[${r.frameno}]`;
    if (tnumIsConst(r.var_off)) return s + snum(r.var_off.v + BigInt(r.off));
  }
  const parts: string[] = [];
  if (r.id) parts.push(`id=${r.id}`);
  if (r.ref_obj_id) parts.push(`ref_obj_id=${r.ref_obj_id}`);
  if ((r.type === 'map_ptr' || r.type === 'map_value') && r.map) {
    if (r.map.name) parts.push(`map=${r.map.name}`);
    parts.push(`ks=${r.map.key_size},vs=${r.map.value_size}`);
  }
  if (r.type !== 'scalar' && r.off) parts.push(`off=${snum(BigInt(r.off))}`);
  // reg->range is an int printed as u64: AT_PKT_END (-1) and BEYOND_PKT_END (-2) come out in hex.
  if (isPktPointer(r)) parts.push(`r=${unum(BigInt.asUintN(64, BigInt(r.mem_size)))}`);
  if (r.type === 'mem') parts.push(`sz=${unum(BigInt(r.mem_size))}`);
  if (tnumIsConst(r.var_off)) {
    if (r.var_off.v) parts.push(`imm=${snum(r.var_off.v)}`);
  } else {
    scalarRanges(r, parts);
    if (!tnumIsUnknown(r.var_off)) parts.push(`var_off=${tnumStr(r.var_off)}`);
  }
  return `${s}(${parts.join(',')})`;
}
