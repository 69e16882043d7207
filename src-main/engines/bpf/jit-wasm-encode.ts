/**
 * The WebAssembly encoding the BPF JIT to WebAssembly (jit-wasm.ts) emits with: LEB128, the opcodes it uses, a
 * function body builder, and the generated function's locals and imports. (The role of arch/x86/net/bpf_jit_comp.c's
 * emit helpers, with WebAssembly as the target instruction set.)
 */
export const I32 = 0x7f;
export const I64 = 0x7e;
export const VOID = 0x40;

export function uleb(out: number[], n: number): void {
  do {
    let b = n & 0x7f;
    n >>>= 7;
    if (n !== 0) b |= 0x80;
    out.push(b);
  } while (n !== 0);
}

function sleb(out: number[], v: bigint): void {
  for (;;) {
    const b = Number(v & 0x7fn);
    v >>= 7n;
    if ((v === 0n && (b & 0x40) === 0) || (v === -1n && (b & 0x40) !== 0)) {
      out.push(b);
      return;
    }
    out.push(b | 0x80);
  }
}

export const OP = {
  unreachable: 0x00,
  block: 0x02,
  loop: 0x03,
  if: 0x04,
  else: 0x05,
  end: 0x0b,
  br: 0x0c,
  br_if: 0x0d,
  br_table: 0x0e,
  return: 0x0f,
  call: 0x10,
  select: 0x1b,
  get: 0x20,
  set: 0x21,
  tee: 0x22,
  i32_load: 0x28,
  i64_load: 0x29,
  i64_load8_s: 0x30,
  i64_load8_u: 0x31,
  i64_load16_s: 0x32,
  i64_load16_u: 0x33,
  i64_load32_s: 0x34,
  i64_load32_u: 0x35,
  i32_store: 0x36,
  i64_store: 0x37,
  i64_store8: 0x3c,
  i64_store16: 0x3d,
  i64_store32: 0x3e,
  i32_const: 0x41,
  i64_const: 0x42,
  i32_eqz: 0x45,
  i32_eq: 0x46,
  i32_ne: 0x47,
  i32_lt_s: 0x48,
  i32_lt_u: 0x49,
  i32_gt_s: 0x4a,
  i32_gt_u: 0x4b,
  i32_le_s: 0x4c,
  i32_le_u: 0x4d,
  i32_ge_s: 0x4e,
  i32_ge_u: 0x4f,
  i64_eqz: 0x50,
  i64_eq: 0x51,
  i64_ne: 0x52,
  i64_lt_s: 0x53,
  i64_lt_u: 0x54,
  i64_gt_s: 0x55,
  i64_gt_u: 0x56,
  i64_le_s: 0x57,
  i64_le_u: 0x58,
  i64_ge_s: 0x59,
  i64_ge_u: 0x5a,
  i32_add: 0x6a,
  i32_sub: 0x6b,
  i32_mul: 0x6c,
  i32_div_s: 0x6d,
  i32_div_u: 0x6e,
  i32_rem_s: 0x6f,
  i32_rem_u: 0x70,
  i32_and: 0x71,
  i32_or: 0x72,
  i32_xor: 0x73,
  i32_shl: 0x74,
  i32_shr_s: 0x75,
  i32_shr_u: 0x76,
  i32_rotl: 0x77,
  i32_rotr: 0x78,
  i64_add: 0x7c,
  i64_sub: 0x7d,
  i64_mul: 0x7e,
  i64_div_s: 0x7f,
  i64_div_u: 0x80,
  i64_rem_s: 0x81,
  i64_rem_u: 0x82,
  i64_and: 0x83,
  i64_or: 0x84,
  i64_xor: 0x85,
  i64_shl: 0x86,
  i64_shr_s: 0x87,
  i64_shr_u: 0x88,
  i32_wrap_i64: 0xa7,
  i64_extend_i32_s: 0xac,
  i64_extend_i32_u: 0xad,
  i32_extend8_s: 0xc0,
  i32_extend16_s: 0xc1,
  i64_extend8_s: 0xc2,
  i64_extend16_s: 0xc3,
  i64_extend32_s: 0xc4,
} as const;

/** Function body builder. */
export class Body {
  readonly b: number[] = [];
  op(...xs: number[]): this {
    for (const x of xs) this.b.push(x);
    return this;
  }
  get(l: number): this {
    this.b.push(OP.get);
    uleb(this.b, l);
    return this;
  }
  set(l: number): this {
    this.b.push(OP.set);
    uleb(this.b, l);
    return this;
  }
  tee(l: number): this {
    this.b.push(OP.tee);
    uleb(this.b, l);
    return this;
  }
  i32(v: number): this {
    this.b.push(OP.i32_const);
    sleb(this.b, BigInt(v | 0));
    return this;
  }
  i64(v: bigint): this {
    this.b.push(OP.i64_const);
    sleb(this.b, BigInt.asIntN(64, v));
    return this;
  }
  /** A memory instruction with alignment hint 0 (BPF accesses may be unaligned) and a constant offset. */
  mem(op: number, offset: number): this {
    this.b.push(op, 0);
    uleb(this.b, offset);
    return this;
  }
  br(op: number, depth: number): this {
    this.b.push(op);
    uleb(this.b, depth);
    return this;
  }
}

// ---- locals ----
// Params: 0 pc, 1 left, 2 lin (the run's chunk), 3 base (the invocation's frame).
export const PC = 0;
export const LEFT = 1;
export const LIN = 2;
export const BASE = 3;
/** r0..r10: locals 4..14 (i64). */
export const R = (r: number): number => 4 + r;
export const A = 15; // i64 temporaries
export const B = 16;
export const FP = 17; // i32: linear address of the frame's stack
export const RA = 18; // i32: linear address of the register file
export const X = 19; // i32 temporaries
export const Y = 20;
export const MODE = 21;
export const Z = 22;
export const W = 23;

// ---- imports ----
export const F_LD = 0;
export const F_ST = 1;
export const F_HELPER = 2;
