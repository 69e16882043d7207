/**
 * Tristate numbers (kernel/bpf/tnum.c): a 64-bit value whose bits are known 0, known 1 or unknown, as
 * (value, mask) with mask bits unknown and value & mask == 0. All quantities are unsigned 64-bit bigints.
 */

export const U64_MAX = (1n << 64n) - 1n;
export const U32_MAX = 0xffffffffn;
export const S64_MIN = -(1n << 63n);
export const S64_MAX = (1n << 63n) - 1n;
export const S32_MIN = -(1n << 31n);
export const S32_MAX = (1n << 31n) - 1n;

/** struct tnum. */
export interface Tnum {
  readonly v: bigint;
  readonly m: bigint;
}

export const u64 = (x: bigint): bigint => BigInt.asUintN(64, x);
export const s64 = (x: bigint): bigint => BigInt.asIntN(64, x);
export const u32 = (x: bigint): bigint => BigInt.asUintN(32, x);
export const s32 = (x: bigint): bigint => BigInt.asIntN(32, x);

/** TNUM(v, m). */
export const tnum = (v: bigint, m: bigint): Tnum => ({ v: u64(v), m: u64(m) });
/** tnum_const(). */
export const tnumConst = (v: bigint): Tnum => ({ v: u64(v), m: 0n });
/** tnum_unknown. */
export const TNUM_UNKNOWN: Tnum = { v: 0n, m: U64_MAX };

function fls64(x: bigint): number {
  return x === 0n ? 0 : x.toString(2).length;
}

/** tnum_range(): the tnum covering [min, max]. */
export function tnumRange(min: bigint, max: bigint): Tnum {
  const chi = u64(min) ^ u64(max);
  const bits = fls64(chi);
  if (bits > 63) return TNUM_UNKNOWN;
  const delta = (1n << BigInt(bits)) - 1n;
  return tnum(u64(min) & ~delta, delta);
}

export const tnumLshift = (a: Tnum, s: number): Tnum => tnum(a.v << BigInt(s), a.m << BigInt(s));
export const tnumRshift = (a: Tnum, s: number): Tnum => tnum(a.v >> BigInt(s), a.m >> BigInt(s));

/** tnum_arshift(): arithmetic shift within 32 or 64 bits. */
export function tnumArshift(a: Tnum, s: number, bits: 32 | 64): Tnum {
  if (bits === 32) return tnum(u32(s32(a.v) >> BigInt(s)), u32(s32(a.m) >> BigInt(s)));
  return tnum(s64(a.v) >> BigInt(s), s64(a.m) >> BigInt(s));
}

export function tnumAdd(a: Tnum, b: Tnum): Tnum {
  const sm = u64(a.m + b.m);
  const sv = u64(a.v + b.v);
  const sigma = u64(sm + sv);
  const chi = sigma ^ sv;
  const mu = chi | a.m | b.m;
  return tnum(sv & ~mu, mu);
}

export function tnumSub(a: Tnum, b: Tnum): Tnum {
  const dv = u64(a.v - b.v);
  const alpha = u64(dv + a.m);
  const beta = u64(dv - b.m);
  const chi = alpha ^ beta;
  const mu = chi | a.m | b.m;
  return tnum(dv & ~mu, mu);
}

export const tnumNeg = (a: Tnum): Tnum => tnumSub(tnumConst(0n), a);

export function tnumAnd(a: Tnum, b: Tnum): Tnum {
  const alpha = a.v | a.m;
  const beta = b.v | b.m;
  const v = a.v & b.v;
  return tnum(v, alpha & beta & ~v);
}

export function tnumOr(a: Tnum, b: Tnum): Tnum {
  const v = a.v | b.v;
  const mu = a.m | b.m;
  return tnum(v, mu & ~v);
}

export function tnumXor(a: Tnum, b: Tnum): Tnum {
  const v = a.v ^ b.v;
  const mu = a.m | b.m;
  return tnum(v & ~mu, mu);
}

/** tnum_mul() (the 2024 version: accumulate per certain/uncertain bit of a). */
export function tnumMul(a: Tnum, b: Tnum): Tnum {
  // 6.18's long multiplication: add b where a's bit is a known 1, take the union of acc and acc + b where unknown.
  let acc: Tnum = tnumConst(0n);
  while (a.v || a.m) {
    if (a.v & 1n) acc = tnumAdd(acc, b);
    else if (a.m & 1n) acc = tnumUnion(acc, tnumAdd(acc, b));
    a = tnumRshift(a, 1);
    b = tnumLshift(b, 1);
  }
  return acc;
}

/** tnum_union(): every value of a or of b. */
export function tnumUnion(a: Tnum, b: Tnum): Tnum {
  const v = a.v & b.v;
  const mu = (a.v ^ b.v) | a.m | b.m;
  return tnum(v & ~mu, mu);
}

export function tnumIntersect(a: Tnum, b: Tnum): Tnum {
  const v = a.v | b.v;
  const mu = a.m & b.m;
  return tnum(v & ~mu, mu);
}

/** tnum_cast(): keep the low `size` bytes. */
export function tnumCast(a: Tnum, size: number): Tnum {
  const mask = (1n << BigInt(size * 8)) - 1n;
  return tnum(a.v & mask, a.m & mask);
}

export const tnumIsConst = (a: Tnum): boolean => a.m === 0n;
export const tnumIsUnknown = (a: Tnum): boolean => a.m === U64_MAX;
export const tnumEqualsConst = (a: Tnum, b: bigint): boolean => a.m === 0n && a.v === u64(b);
export const tnumIsAligned = (a: Tnum, size: number): boolean => ((a.v | a.m) & BigInt(size - 1)) === 0n;

/** tnum_in(a, b): every value of b is a value of a. */
export function tnumIn(a: Tnum, b: Tnum): boolean {
  // A known a (the same test, without the BigInts ~a.m and the masks would make).
  if (a.m === 0n) return b.m === 0n && a.v === b.v;
  if (b.m & ~a.m) return false;
  return a.v === (b.v & ~a.m);
}

export const tnumSubreg = (a: Tnum): Tnum => tnumCast(a, 4);
export const tnumClearSubreg = (a: Tnum): Tnum => tnumLshift(tnumRshift(a, 32), 32);
export const tnumWithSubreg = (reg: Tnum, sub: Tnum): Tnum => tnumOr(tnumClearSubreg(reg), tnumSubreg(sub));
export const tnumConstSubreg = (a: Tnum, v: bigint): Tnum => tnumWithSubreg(a, tnumConst(v));
export const tnumSubregIsConst = (a: Tnum): boolean => (a.m & U32_MAX) === 0n;

/** Tnums are immutable: the same object is the same value (no BigInt comparison). */
export const tnumEq = (a: Tnum, b: Tnum): boolean => a === b || (a.v === b.v && a.m === b.m);

/** tnum_strn(): `(0x0; 0xf)`. */
/** tnum_strn() (kernel/bpf/log.c): a known value as verbose_unum() prints it (decimal up to U16_MAX), else `(value; mask)`. */
export const tnumStr = (a: Tnum): string =>
  a.m === 0n
    ? a.v <= 0xffffn
      ? a.v.toString()
      : `0x${a.v.toString(16)}`
    : `(0x${a.v.toString(16)}; 0x${a.m.toString(16)})`;
