/**
 * Exact 64-bit arithmetic on (hi, lo) int32 halves, shared by the interpreter and the JIT so that both compute
 * bit-identical results without BigInt on the hot path. Results that need two words are written to OUT
 * (OUT[0] = lo, OUT[1] = hi). Division semantics are RFC 9669's: x/0 = 0, x%0 = x, LLONG_MIN/-1 = LLONG_MIN.
 */

export const OUT = new Int32Array(2);

/** High 32 bits of the unsigned 64-bit product of two u32 (given as int32). */
export function mulhiU32(a: number, b: number): number {
  const a0 = a & 0xffff;
  const a1 = a >>> 16;
  const b0 = b & 0xffff;
  const b1 = b >>> 16;
  const lo0 = a0 * b0;
  const mid = a1 * b0 + a0 * b1 + (lo0 >>> 16);
  return (a1 * b1 + Math.floor(mid / 65536)) | 0;
}

/** 64-bit multiply, low 64 bits. */
export function mul64(ah: number, al: number, bh: number, bl: number): void {
  OUT[0] = Math.imul(al, bl);
  OUT[1] = (mulhiU32(al, bl) + Math.imul(ah, bl) + Math.imul(al, bh)) | 0;
}

function toBig(hi: number, lo: number): bigint {
  return (BigInt(hi >>> 0) << 32n) | BigInt(lo >>> 0);
}

function fromBig(v: bigint): void {
  OUT[0] = Number(BigInt.asIntN(32, v));
  OUT[1] = Number(BigInt.asIntN(32, v >> 32n));
}

/** Unsigned 64-bit division (x/0 = 0). */
export function udiv64(ah: number, al: number, bh: number, bl: number): void {
  if ((bh | bl) === 0) {
    OUT[0] = 0;
    OUT[1] = 0;
  } else if ((ah | bh) === 0) {
    OUT[0] = Math.floor((al >>> 0) / (bl >>> 0)) | 0;
    OUT[1] = 0;
  } else {
    fromBig(toBig(ah, al) / toBig(bh, bl));
  }
}

/** Unsigned 64-bit modulo (x%0 = x). */
export function umod64(ah: number, al: number, bh: number, bl: number): void {
  if ((bh | bl) === 0) {
    OUT[0] = al;
    OUT[1] = ah;
  } else if ((ah | bh) === 0) {
    OUT[0] = ((al >>> 0) % (bl >>> 0)) | 0;
    OUT[1] = 0;
  } else {
    fromBig(toBig(ah, al) % toBig(bh, bl));
  }
}

/** Signed 64-bit division (x/0 = 0, LLONG_MIN/-1 = LLONG_MIN). */
export function sdiv64(ah: number, al: number, bh: number, bl: number): void {
  if ((bh | bl) === 0) {
    OUT[0] = 0;
    OUT[1] = 0;
  } else if (ah === al >> 31 && bh === bl >> 31) {
    const q = Math.trunc(al / bl); // both fit in int32: exact, and -2^31/-1 = 2^31 is representable in 64 bits
    OUT[0] = q | 0;
    OUT[1] = q < 0 ? -1 : 0;
  } else {
    fromBig(BigInt.asIntN(64, toBig(ah, al)) / BigInt.asIntN(64, toBig(bh, bl)));
  }
}

/** Signed 64-bit modulo, sign of the dividend (x%0 = x, LLONG_MIN%-1 = 0). */
export function smod64(ah: number, al: number, bh: number, bl: number): void {
  if ((bh | bl) === 0) {
    OUT[0] = al;
    OUT[1] = ah;
  } else if (ah === al >> 31 && bh === bl >> 31) {
    const r = (al % bl) | 0;
    OUT[0] = r;
    OUT[1] = r >> 31;
  } else {
    fromBig(BigInt.asIntN(64, toBig(ah, al)) % BigInt.asIntN(64, toBig(bh, bl)));
  }
}

/** Unsigned 32-bit division (x/0 = 0); result is the zero-extended lo. */
export function udiv32(a: number, b: number): number {
  return b === 0 ? 0 : Math.floor((a >>> 0) / (b >>> 0)) | 0;
}

/** Unsigned 32-bit modulo (x%0 = x). */
export function umod32(a: number, b: number): number {
  return b === 0 ? a : ((a >>> 0) % (b >>> 0)) | 0;
}

/** Signed 32-bit division (x/0 = 0, INT_MIN/-1 = INT_MIN). */
export function sdiv32(a: number, b: number): number {
  return b === 0 ? 0 : Math.trunc(a / b) | 0;
}

/** Signed 32-bit modulo (x%0 = x, sign of the dividend). */
export function smod32(a: number, b: number): number {
  return b === 0 ? a : (a % b) | 0;
}

/** 64-bit left shift by n & 63. */
export function lsh64(ah: number, al: number, n: number): void {
  n &= 63;
  if (n === 0) {
    OUT[0] = al;
    OUT[1] = ah;
  } else if (n < 32) {
    OUT[1] = (ah << n) | (al >>> (32 - n));
    OUT[0] = al << n;
  } else {
    OUT[1] = al << (n - 32);
    OUT[0] = 0;
  }
}

/** 64-bit logical right shift by n & 63. */
export function rsh64(ah: number, al: number, n: number): void {
  n &= 63;
  if (n === 0) {
    OUT[0] = al;
    OUT[1] = ah;
  } else if (n < 32) {
    OUT[0] = (al >>> n) | (ah << (32 - n));
    OUT[1] = ah >>> n;
  } else {
    OUT[0] = ah >>> (n - 32);
    OUT[1] = 0;
  }
}

/** 64-bit arithmetic right shift by n & 63. */
export function arsh64(ah: number, al: number, n: number): void {
  n &= 63;
  if (n === 0) {
    OUT[0] = al;
    OUT[1] = ah;
  } else if (n < 32) {
    OUT[0] = (al >>> n) | (ah << (32 - n));
    OUT[1] = ah >> n;
  } else {
    OUT[0] = ah >> (n - 32);
    OUT[1] = ah >> 31;
  }
}

/** Byte swap of a 16-bit value. */
export function bswap16(x: number): number {
  return ((x & 0xff) << 8) | ((x >>> 8) & 0xff);
}

/** Byte swap of a 32-bit value. */
export function bswap32(x: number): number {
  return ((x & 0xff) << 24) | ((x & 0xff00) << 8) | ((x >>> 8) & 0xff00) | (x >>> 24);
}

/** The value of (hi, lo) as an unsigned bigint. */
export function u64(hi: number, lo: number): bigint {
  return toBig(hi, lo);
}

/** Splits a bigint into OUT (lo, hi). */
export function split64(v: bigint): void {
  fromBig(BigInt.asUintN(64, v));
}
