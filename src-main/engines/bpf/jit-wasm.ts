/**
 * The BPF JIT to WebAssembly (arch/x86/net/bpf_jit_comp.c's role, with WebAssembly as the target instruction set):
 * one WebAssembly function per program, registers as i64 locals, the run's stack frames in the address space's
 * WebAssembly memory (LinearMemory in memory.ts), so a 64-bit load or store is one i64 instruction.
 *
 * - Control flow: each basic block (the JS JIT's leaders, blockLeaders()) ends a nested `block`; a forward jump is a
 *   direct `br` to its target, a backward one sets pc and re-enters a `br_table` dispatch at the top of a `loop`.
 * - Budget: charged once per block as in the JS JIT; when the budget cannot cover a whole block the run is handed to
 *   the interpreter there, so instruction counts, results and faults are the interpreter's.
 * - Memory: an access through an unmodified r10 with a constant offset inside the frame is checked at compile time.
 *   Any other address is base + off as a 64-bit add (the carry into the hi word included, as on Linux); its region
 *   id indexes the linear region table, and a region whose bytes are in the linear memory and hold the access is
 *   reached directly. Everything else (other regions, faults) goes to the slow path, which is the interpreter's
 *   code and raises the interpreter's faults with the same messages.
 * - Helpers: r1..r5 are stored to the run's register file in the linear memory, which is the Int32Array the helper
 *   gets, and r0..r5 are read back after it (a soundness run poisons r1..r5 there).
 * - Maps: the values of the array and hash maps a program names move into the linear memory before its first run
 *   (adoptMaps()), so loads and stores through value pointers stay in WebAssembly, and bpf_map_lookup_elem on them
 *   is done inline (genLookup(): array index arithmetic, or a hash index kept in the linear memory and rebuilt
 *   whenever HashMap.version says the table changed). Departure from the helper's code path only: the result, the
 *   faults (left to the helper) and the instruction count are the helper's.
 *
 * Programs the WebAssembly JIT does not compile fall back to the JS JIT (jit.ts), which compiles everything:
 * bpf-to-bpf calls, kfunc calls, callx, atomics, may_goto, legacy packet loads, programs over WASM_JIT_MAX_INSNS,
 * and encodings the interpreter rejects at run time. A run whose stacks could not be placed in the linear memory
 * (no WebAssembly, every chunk in use) or whose budget exceeds 2^31-1 runs in the JS JIT as well.
 */
import { BPF_CLASS, BPF_JMP, BPF_JMP32, MAX_BPF_STACK } from './isa';
import { interpExec } from './interpreter';
import { blockLeaders, jitCompile, r10ReadOnly } from './jit';
import { bpfMapLookupElem } from './helpers';
import { LIN_REGS, LIN_REGS_SIZE, LIN_SCRATCH, LIN_TABLE_ENTRIES, REGION_HI_BASE } from './memory';
import type { AddressSpace, BpfRegion } from './memory';
import type { BpfExecFn, BpfVm, LoadedInsns } from './vm';
import {
  A,
  B,
  BASE,
  Body,
  FP,
  F_HELPER,
  F_LD,
  F_ST,
  I32,
  I64,
  LEFT,
  LIN,
  MODE,
  OP,
  PC,
  R,
  RA,
  VOID,
  X,
  Y,
  uleb,
} from './jit-wasm-encode';
import { S_FAST_LOOKUP, adoptMaps, genLookup, refreshAll } from './jit-wasm-map';

/** Largest program the WebAssembly JIT compiles (br_table and function size stay well inside V8's limits). */
export const WASM_JIT_MAX_INSNS = 16384;

/** Opcodes the WebAssembly JIT compiles: the interpreter's, minus those listed in the header as left to the JS JIT. */
const SUPPORTED = new Set<number>([
  // ALU64
  0x07, 0x0f, 0x17, 0x1f, 0x27, 0x2f, 0x37, 0x3f, 0x97, 0x9f, 0x47, 0x4f, 0x57, 0x5f, 0xa7, 0xaf, 0x67, 0x6f, 0x77,
  0x7f, 0xc7, 0xcf, 0x87, 0xb7, 0xbf, 0xd7, 0xdc, 0xd4,
  // ALU32
  0x04, 0x0c, 0x14, 0x1c, 0x24, 0x2c, 0x34, 0x3c, 0x44, 0x4c, 0x54, 0x5c, 0x64, 0x6c, 0x74, 0x7c, 0x94, 0x9c, 0xa4,
  0xac, 0xc4, 0xcc, 0x84, 0xb4, 0xbc,
  // loads, stores, lddw
  0x79, 0x61, 0x69, 0x71, 0x81, 0x89, 0x91, 0x62, 0x6a, 0x72, 0x7a, 0x63, 0x6b, 0x73, 0x7b, 0x18,
  // jumps
  0x05, 0x06, 0x95, 0x85, 0x15, 0x1d, 0x25, 0x2d, 0x35, 0x3d, 0x45, 0x4d, 0x55, 0x5d, 0x65, 0x6d, 0x75, 0x7d, 0xa5,
  0xad, 0xb5, 0xbd, 0xc5, 0xcd, 0xd5, 0xdd, 0x16, 0x1e, 0x26, 0x2e, 0x36, 0x3e, 0x46, 0x4e, 0x56, 0x5e, 0x66, 0x6e,
  0x76, 0x7e, 0xa6, 0xae, 0xb6, 0xbe, 0xc6, 0xce, 0xd6, 0xde,
]);

function jumpTarget(p: LoadedInsns, pc: number): number {
  return pc + (p.code[pc] === 0x06 ? p.imm[pc]! : p.off[pc]!) + 1;
}

/** Why a program is left to the JS JIT, or undefined when the WebAssembly JIT compiles it. */
export function wasmJitUnsupported(p: LoadedInsns): string | undefined {
  if (p.len > WASM_JIT_MAX_INSNS) return `longer than ${WASM_JIT_MAX_INSNS} instructions`;
  const second = new Uint8Array(p.len + 1);
  for (let pc = 0; pc < p.len; pc++) if (p.code[pc] === 0x18) second[++pc] = 1;
  for (let pc = 0; pc < p.len; pc++) {
    if (second[pc]) continue;
    const c = p.code[pc]!;
    if (!SUPPORTED.has(c)) return `opcode 0x${c.toString(16)} at insn ${pc}`;
    if (p.dst[pc]! > 10 || p.src[pc]! > 10) return `register number above 10 at insn ${pc}`;
    if (c === 0x85 && p.src[pc] !== 0) return `call with src ${p.src[pc]} at insn ${pc}`;
    if (c === 0x18 && pc + 1 >= p.len) return `incomplete lddw at insn ${pc}`;
    const cls = BPF_CLASS(c);
    if ((cls === BPF_JMP || cls === BPF_JMP32) && c !== 0x85 && c !== 0x95) {
      const t = jumpTarget(p, pc);
      if (t < 0 || t >= p.len || second[t]) return `jump to ${t} at insn ${pc}`;
    }
  }
  return undefined;
}

/** Code that computes the register-or-immediate operand of an ALU64 or JMP instruction as i64. */
function operand64(b: Body, p: LoadedInsns, pc: number): void {
  if (p.code[pc]! & 8) b.get(R(p.src[pc]!));
  else b.i64(BigInt(p.imm[pc]!));
}

/** The same, as i32 (the low word) for ALU32 and JMP32. */
function operand32(b: Body, p: LoadedInsns, pc: number): void {
  if (p.code[pc]! & 8) b.get(R(p.src[pc]!)).op(OP.i32_wrap_i64);
  else b.i32(p.imm[pc]!);
}

/** bswap32 of the i32 on the stack (uses X): swap the bytes of each half, then the halves. */
function bswap32(b: Body): void {
  b.tee(X).i32(0xff00ff00).op(OP.i32_and).i32(8).op(OP.i32_rotr);
  b.get(X).i32(0x00ff00ff).op(OP.i32_and).i32(8).op(OP.i32_rotl).op(OP.i32_or).i32(16).op(OP.i32_rotl);
}

/** The byte swaps of BPF_END (to big-endian on this little-endian machine) and of ALU64 bswap, on register d. */
function genSwap(b: Body, d: number, width: number): void {
  if (width === 16) {
    b.get(R(d)).op(OP.i32_wrap_i64).tee(X).i32(0xff).op(OP.i32_and).i32(8).op(OP.i32_shl);
    b.get(X).i32(8).op(OP.i32_shr_u).i32(0xff).op(OP.i32_and).op(OP.i32_or).op(OP.i64_extend_i32_u).set(R(d));
  } else if (width === 32) {
    b.get(R(d)).op(OP.i32_wrap_i64);
    bswap32(b);
    b.op(OP.i64_extend_i32_u).set(R(d));
  } else {
    // (bswap32(lo) << 32) | bswap32(hi)
    b.get(R(d)).op(OP.i32_wrap_i64);
    bswap32(b);
    b.op(OP.i64_extend_i32_u).i64(32n).op(OP.i64_shl);
    b.get(R(d)).i64(32n).op(OP.i64_shr_u).op(OP.i32_wrap_i64);
    bswap32(b);
    b.op(OP.i64_extend_i32_u).op(OP.i64_or).set(R(d));
  }
}

function genAlu64(b: Body, p: LoadedInsns, pc: number): void {
  const c = p.code[pc]!;
  const d = p.dst[pc]!;
  const s = p.src[pc]!;
  const off = p.off[pc]!;
  const x = (c & 8) !== 0;
  const bin = (op: number): void => {
    b.get(R(d));
    operand64(b, p, pc);
    b.op(op).set(R(d));
  };
  switch (c & 0xf0) {
    case 0x00:
      return bin(OP.i64_add);
    case 0x10:
      return bin(OP.i64_sub);
    case 0x20:
      return bin(OP.i64_mul);
    case 0x40:
      return bin(OP.i64_or);
    case 0x50:
      return bin(OP.i64_and);
    case 0xa0:
      return bin(OP.i64_xor);
    case 0x60:
      return bin(OP.i64_shl); // WebAssembly masks 64-bit shift counts to 63, as BPF does
    case 0x70:
      return bin(OP.i64_shr_u);
    case 0xc0:
      return bin(OP.i64_shr_s);
    case 0x30:
    case 0x90: {
      // RFC 9669: x/0 = 0, x%0 = x, LLONG_MIN/-1 = LLONG_MIN, LLONG_MIN%-1 = 0 (WebAssembly's div_s traps there).
      const div = (c & 0xf0) === 0x30;
      operand64(b, p, pc);
      b.set(B);
      b.get(B).op(OP.i64_eqz, OP.if, VOID);
      if (div) b.i64(0n).set(R(d));
      b.op(OP.else);
      if (off === 1) {
        b.get(B).i64(-1n).op(OP.i64_eq, OP.if, VOID);
        if (div) b.i64(0n).get(R(d)).op(OP.i64_sub).set(R(d));
        else b.i64(0n).set(R(d));
        b.op(OP.else);
        b.get(R(d))
          .get(B)
          .op(div ? OP.i64_div_s : OP.i64_rem_s)
          .set(R(d));
        b.op(OP.end);
      } else {
        b.get(R(d))
          .get(B)
          .op(div ? OP.i64_div_u : OP.i64_rem_u)
          .set(R(d));
      }
      b.op(OP.end);
      return;
    }
    case 0x80:
      b.i64(0n).get(R(d)).op(OP.i64_sub).set(R(d));
      return;
    case 0xb0:
      if (!x) {
        b.i64(BigInt(p.imm[pc]!)).set(R(d));
        return;
      }
      b.get(R(s));
      if (off === 8) b.op(OP.i64_extend8_s);
      else if (off === 16) b.op(OP.i64_extend16_s);
      else if (off !== 0) b.op(OP.i64_extend32_s);
      b.set(R(d));
      return;
    default: {
      // 0xd7: ALU64 bswap
      const w = p.imm[pc]!;
      genSwap(b, d, w === 16 ? 16 : w === 32 ? 32 : 64);
    }
  }
}

function genAlu32(b: Body, p: LoadedInsns, pc: number): void {
  const c = p.code[pc]!;
  const d = p.dst[pc]!;
  const s = p.src[pc]!;
  const off = p.off[pc]!;
  const imm = p.imm[pc]!;
  if (c === 0xd4 || c === 0xdc) {
    // BPF_END: to-le is a truncation on this little-endian machine, to-be a swap.
    if (c === 0xdc) return genSwap(b, d, imm === 16 ? 16 : imm === 32 ? 32 : 64);
    if (imm === 16) b.get(R(d)).i64(0xffffn).op(OP.i64_and).set(R(d));
    else if (imm === 32) b.get(R(d)).i64(0xffffffffn).op(OP.i64_and).set(R(d));
    return;
  }
  const dst = (): void => {
    b.get(R(d)).op(OP.i32_wrap_i64);
  };
  const bin = (op: number): void => {
    dst();
    operand32(b, p, pc);
    b.op(op);
  };
  switch (c & 0xf0) {
    case 0x00:
      bin(OP.i32_add);
      break;
    case 0x10:
      bin(OP.i32_sub);
      break;
    case 0x20:
      bin(OP.i32_mul);
      break;
    case 0x40:
      bin(OP.i32_or);
      break;
    case 0x50:
      bin(OP.i32_and);
      break;
    case 0xa0:
      bin(OP.i32_xor);
      break;
    case 0x60:
      bin(OP.i32_shl);
      break; // counts masked to 31 by WebAssembly, as by BPF
    case 0x70:
      bin(OP.i32_shr_u);
      break;
    case 0xc0:
      bin(OP.i32_shr_s);
      break;
    case 0x30:
    case 0x90: {
      const div = (c & 0xf0) === 0x30;
      operand32(b, p, pc);
      b.set(Y);
      dst();
      b.set(X);
      b.get(Y).op(OP.i32_eqz, OP.if, I32);
      b.i32(0).op(OP.else);
      if (off === 1) {
        b.get(Y).i32(-1).op(OP.i32_eq, OP.if, I32);
        if (div) b.i32(0).get(X).op(OP.i32_sub);
        else b.i32(0);
        b.op(OP.else)
          .get(X)
          .get(Y)
          .op(div ? OP.i32_div_s : OP.i32_rem_s)
          .op(OP.end);
      } else {
        b.get(X)
          .get(Y)
          .op(div ? OP.i32_div_u : OP.i32_rem_u);
      }
      b.op(OP.end);
      if (!div) {
        // x % 0 = x: the if above left 0 for it; take x instead.
        b.get(X).get(Y).op(OP.select);
      }
      break;
    }
    case 0x80:
      b.i32(0);
      dst();
      b.op(OP.i32_sub);
      break;
    default:
      // 0xb4 / 0xbc: mov, movsx
      if (c === 0xb4) b.i32(imm);
      else {
        b.get(R(s)).op(OP.i32_wrap_i64);
        if (off === 8) b.op(OP.i32_extend8_s);
        else if (off === 16) b.op(OP.i32_extend16_s);
      }
  }
  b.op(OP.i64_extend_i32_u).set(R(d));
}

/** Condition of a conditional jump as i32 on the stack. */
function genCond(b: Body, p: LoadedInsns, pc: number): void {
  const c = p.code[pc]!;
  const op = c & 0xf0;
  const d = p.dst[pc]!;
  if (BPF_CLASS(c) === BPF_JMP32) {
    b.get(R(d)).op(OP.i32_wrap_i64);
    operand32(b, p, pc);
    if (op === 0x40) {
      b.op(OP.i32_and, OP.i32_eqz, OP.i32_eqz);
      return;
    }
    const m: Record<number, number> = {
      0x10: OP.i32_eq,
      0x50: OP.i32_ne,
      0x20: OP.i32_gt_u,
      0x30: OP.i32_ge_u,
      0xa0: OP.i32_lt_u,
      0xb0: OP.i32_le_u,
      0x60: OP.i32_gt_s,
      0x70: OP.i32_ge_s,
      0xc0: OP.i32_lt_s,
    };
    b.op(m[op] ?? OP.i32_le_s);
    return;
  }
  b.get(R(d));
  operand64(b, p, pc);
  if (op === 0x40) {
    b.op(OP.i64_and, OP.i64_eqz, OP.i32_eqz);
    return;
  }
  const m: Record<number, number> = {
    0x10: OP.i64_eq,
    0x50: OP.i64_ne,
    0x20: OP.i64_gt_u,
    0x30: OP.i64_ge_u,
    0xa0: OP.i64_lt_u,
    0xb0: OP.i64_le_u,
    0x60: OP.i64_gt_s,
    0x70: OP.i64_ge_s,
    0xc0: OP.i64_lt_s,
  };
  b.op(m[op] ?? OP.i64_le_s);
}

const LOAD_OP: Record<number, [number, number]> = {
  0x79: [OP.i64_load, 8],
  0x61: [OP.i64_load32_u, 4],
  0x69: [OP.i64_load16_u, 2],
  0x71: [OP.i64_load8_u, 1],
  0x81: [OP.i64_load32_s, 4],
  0x89: [OP.i64_load16_s, 2],
  0x91: [OP.i64_load8_s, 1],
};
const STORE_OP: Record<number, number> = { 8: OP.i64_store, 4: OP.i64_store32, 2: OP.i64_store16, 1: OP.i64_store8 };

/** Pushes the value a store writes (i64). */
function storeValue(b: Body, p: LoadedInsns, pc: number): void {
  if (BPF_CLASS(p.code[pc]!) === 0x03) b.get(R(p.src[pc]!));
  else b.i64(BigInt(p.imm[pc]!));
}

/**
 * A load or store. `fast`: r10 is never written, so an r10-based access with a constant offset inside the frame
 * needs no check. Otherwise the region table decides between the linear memory and the slow path.
 */
function genMem(b: Body, p: LoadedInsns, pc: number, fast: boolean): void {
  const c = p.code[pc]!;
  const load = BPF_CLASS(c) === 0x01;
  const base = load ? p.src[pc]! : p.dst[pc]!;
  const off = p.off[pc]!;
  const [lop, n] = load ? LOAD_OP[c]! : [0, [4, 2, 1, 8][(c >> 3) & 3]!];
  if (fast && base === 10 && MAX_BPF_STACK + off >= 0 && MAX_BPF_STACK + off + n <= MAX_BPF_STACK) {
    b.get(FP);
    if (load) b.mem(lop, MAX_BPF_STACK + off).set(R(p.dst[pc]!));
    else {
      storeValue(b, p, pc);
      b.mem(STORE_OP[n]!, MAX_BPF_STACK + off);
    }
    return;
  }
  b.op(OP.block, VOID, OP.block, VOID);
  // a = base + off; X = the region id of a's hi word
  b.get(R(base)).i64(BigInt(off)).op(OP.i64_add).tee(A).i64(32n).op(OP.i64_shr_u, OP.i32_wrap_i64).i32(REGION_HI_BASE);
  b.op(OP.i32_sub).tee(X).i32(LIN_TABLE_ENTRIES).op(OP.i32_ge_u).br(OP.br_if, 0);
  // (a & 0xffffffff) + n <= size (or the writable size)
  b.get(A).i64(0xffffffffn).op(OP.i64_and).i64(BigInt(n)).op(OP.i64_add);
  b.get(X)
    .i32(4)
    .op(OP.i32_shl)
    .tee(X)
    .mem(OP.i64_load32_u, load ? 4 : 8)
    .op(OP.i64_gt_u)
    .br(OP.br_if, 0);
  b.get(X).mem(OP.i32_load, 0).get(A).op(OP.i32_wrap_i64, OP.i32_add);
  if (load) b.mem(lop, 0).set(R(p.dst[pc]!));
  else {
    storeValue(b, p, pc);
    b.mem(STORE_OP[n]!, 0);
  }
  b.br(OP.br, 1).op(OP.end);
  // The slow path: the base register's words and the offset, as the interpreter takes them.
  b.i32(pc).i32(c).get(R(base)).i64(32n).op(OP.i64_shr_u, OP.i32_wrap_i64).get(R(base)).op(OP.i32_wrap_i64).i32(off);
  if (load) {
    b.op(OP.call, F_LD)
      .get(LIN)
      .mem(OP.i64_load, LIN_SCRATCH + 8)
      .set(R(p.dst[pc]!));
  } else {
    storeValue(b, p, pc);
    b.set(B).get(B).op(OP.i32_wrap_i64).get(B).i64(32n).op(OP.i64_shr_u, OP.i32_wrap_i64).op(OP.call, F_ST);
  }
  b.op(OP.end);
}

/** The function body; `lead` marks block leaders. */
function genBody(p: LoadedInsns, lead: Uint8Array): number[] {
  const fast = r10ReadOnly(p);
  const leaders: number[] = [];
  for (let pc = 0; pc < p.len; pc++) if (lead[pc]) leaders.push(pc);
  const K = leaders.length;
  const index = new Int32Array(p.len).fill(-1);
  leaders.forEach((pc, i) => (index[pc] = i));
  const b = new Body();
  // RA = lin + LIN_REGS + base * LIN_REGS_SIZE; FP = lin + base * 512; load r0..r10.
  b.get(LIN).i32(LIN_REGS).op(OP.i32_add).get(BASE).i32(LIN_REGS_SIZE).op(OP.i32_mul, OP.i32_add).set(RA);
  b.get(LIN).get(BASE).i32(MAX_BPF_STACK).op(OP.i32_mul, OP.i32_add).set(FP);
  for (let r = 0; r <= 10; r++)
    b.get(RA)
      .mem(OP.i64_load, 8 * r)
      .set(R(r));
  b.i32(1).set(MODE);
  // block $exit { loop $L { block $e_{K-1} ... block $e_0 { block $bad { br_table } } ... } }
  b.op(OP.block, VOID, OP.loop, VOID);
  for (let i = 0; i < K; i++) b.op(OP.block, VOID);
  b.op(OP.block, VOID);
  b.get(PC).op(OP.br_table);
  uleb(b.b, p.len);
  for (let pc = 0; pc < p.len; pc++) uleb(b.b, index[pc]! >= 0 ? index[pc]! + 1 : 0);
  uleb(b.b, 0);
  b.op(OP.end);
  // $bad: a pc that starts no block (a callback at a non-leader): the interpreter runs it.
  b.br(OP.br, K + 1); // depth of $exit from inside $e_0..: blocks e_0..e_{K-1} (K), loop (1) -> $exit at K + 1
  let cur = -1;
  /** 1 inside the `loop` of a block that jumps back to its own start (a one-block loop), else 0. */
  let self = 0;
  // depth of $L / $exit from the code of leader i: blocks e_{i+1}..e_{K-1} (K-1-i) enclose it, then $L, then $exit.
  const depthL = (extra: number): number => K - 1 - cur + extra + self;
  const toExit = (extra: number): number => depthL(extra) + 1;
  /** Jump to insn t, from inside `extra` nested constructs. */
  const jump = (t: number, extra: number): void => {
    const j = index[t]!;
    if (self && j === cur) b.br(OP.br, extra);
    else if (j > cur) b.br(OP.br, j - cur - 1 + extra + self);
    else b.i32(t).set(PC).br(OP.br, depthL(extra));
  };
  for (let pc = 0; pc < p.len; pc++) {
    if (lead[pc]) {
      if (self) b.op(OP.end);
      self = 0;
      b.op(OP.end); // end of $e_{index}: leader's code starts here
      cur = index[pc]!;
      let n = 0;
      let last = pc;
      for (let k = pc; k < p.len; k++) {
        if (k > pc && lead[k]) break;
        n++;
        last = k;
        const c = p.code[k]!;
        if (c === 0x18) k++;
        const cls = BPF_CLASS(c);
        if (cls === BPF_JMP || cls === BPF_JMP32) break;
      }
      // A block whose last instruction jumps back to its start runs as a WebAssembly loop, without the dispatch.
      const lc = p.code[last]!;
      const lcls = BPF_CLASS(lc);
      if ((lcls === BPF_JMP || lcls === BPF_JMP32) && lc !== 0x85 && lc !== 0x95 && jumpTarget(p, last) === pc) {
        b.op(OP.loop, VOID);
        self = 1;
      }
      // if (left < n) { pc = leader; mode = 1; exit }  left -= n
      b.get(LEFT).i32(n).op(OP.i32_lt_s, OP.if, VOID).i32(pc).set(PC).br(OP.br, toExit(1)).op(OP.end);
      b.get(LEFT).i32(n).op(OP.i32_sub).set(LEFT);
    }
    const c = p.code[pc]!;
    const cls = BPF_CLASS(c);
    if (c === 0x18) {
      b.i64((BigInt(p.hi64[pc]!) << 32n) | BigInt(p.lo64[pc]! >>> 0)).set(R(p.dst[pc]!));
      pc++;
    } else if (cls === 0x07) genAlu64(b, p, pc);
    else if (cls === 0x04) genAlu32(b, p, pc);
    else if (cls === 0x01 || cls === 0x02 || cls === 0x03) genMem(b, p, pc, fast);
    else if (c === 0x95) {
      b.i32(0).set(MODE).br(OP.br, toExit(0));
    } else if (c === 0x85) {
      const lookup = p.imm[pc] === 1;
      if (lookup) genLookup(b);
      for (let r = 1; r <= 5; r++)
        b.get(RA)
          .get(R(r))
          .mem(OP.i64_store, 8 * r);
      b.i32(pc).i32(p.imm[pc]!).get(LEFT).op(OP.call, F_HELPER).set(LEFT);
      for (let r = 0; r <= 5; r++)
        b.get(RA)
          .mem(OP.i64_load, 8 * r)
          .set(R(r));
      if (lookup) b.op(OP.end);
    } else if (c === 0x05 || c === 0x06) {
      jump(jumpTarget(p, pc), 0);
    } else {
      genCond(b, p, pc);
      b.op(OP.if, VOID);
      jump(jumpTarget(p, pc), 1);
      b.op(OP.end);
    }
  }
  if (self) b.op(OP.end);
  self = 0;
  // Falling off the end: the interpreter takes over at p.len (and reports it as it does).
  b.i32(p.len).set(PC);
  b.op(OP.end, OP.end); // loop $L, block $exit
  for (let r = 0; r <= 10; r++)
    b.get(RA)
      .get(R(r))
      .mem(OP.i64_store, 8 * r);
  b.get(LIN).get(PC).mem(OP.i32_store, LIN_SCRATCH);
  b.get(LIN)
    .get(LEFT)
    .mem(OP.i32_store, LIN_SCRATCH + 4);
  b.get(MODE).op(OP.end);
  return b.b;
}

function section(out: number[], id: number, content: number[]): void {
  out.push(id);
  uleb(out, content.length);
  for (const x of content) out.push(x);
}

function name(out: number[], s: string): void {
  uleb(out, s.length);
  for (let i = 0; i < s.length; i++) out.push(s.charCodeAt(i));
}

/** The module: imports env.mem, env.ld, env.st, env.helper; exports `run(pc, left, lin, base) -> mode`. */
export function wasmJitModuleBytes(p: LoadedInsns): Uint8Array<ArrayBuffer> {
  const lead = blockLeaders(p);
  const body = genBody(p, lead);
  const out = [0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00];
  // types: 0 ld (i32 x5) -> (), 1 st (i32 x7) -> (), 2 helper (i32 x3) -> i32, 3 run (i32 x4) -> i32
  const types: number[] = [];
  uleb(types, 4);
  types.push(0x60, 5, I32, I32, I32, I32, I32, 0);
  types.push(0x60, 7, I32, I32, I32, I32, I32, I32, I32, 0);
  types.push(0x60, 3, I32, I32, I32, 1, I32);
  types.push(0x60, 4, I32, I32, I32, I32, 1, I32);
  section(out, 1, types);
  const imports: number[] = [];
  uleb(imports, 4);
  name(imports, 'env');
  name(imports, 'mem');
  imports.push(0x02, 0x00);
  uleb(imports, 0);
  for (const [fn, t] of [
    ['ld', 0],
    ['st', 1],
    ['helper', 2],
  ] as const) {
    name(imports, 'env');
    name(imports, fn);
    imports.push(0x00, t);
  }
  section(out, 2, imports);
  section(out, 3, [1, 3]);
  const exp: number[] = [1];
  name(exp, 'run');
  exp.push(0x00, 3);
  section(out, 7, exp);
  // locals: 11 i64 (r0..r10) + 2 i64 (A, B), then 7 i32 (FP, RA, X, Y, MODE, Z, W)
  const fn: number[] = [2, 13, I64, 7, I32, ...body];
  const code: number[] = [1];
  uleb(code, fn.length);
  for (const x of fn) code.push(x);
  section(out, 10, code);
  return Uint8Array.from(out);
}

/** What the imports of one instance see: the run in progress (saved and restored around nested invocations). */
interface RunCtx {
  vm: BpfVm | undefined;
  lin: number;
  /** The register file of the invocation, as the Int32Array helpers get. */
  regs: Int32Array;
}

type RunFn = (pc: number, left: number, lin: number, base: number) => number;

function instantiate(mod: WebAssembly.Module, space: AddressSpace, ctx: RunCtx): RunFn {
  const lin = space.linear!;
  const regions = space.regions;
  /** The region and offset of an access the linear table did not resolve: the interpreter's slow path. */
  const resolve = (pc: number, store: boolean, hi: number, lo: number, off: number, n: number): [BpfRegion, number] => {
    const vm = ctx.vm!;
    let o = (lo >>> 0) + off;
    let rg: BpfRegion | undefined = regions[(hi - REGION_HI_BASE) | 0];
    if (rg === undefined || o < 0 || o + n > rg.size || (store && !rg.writable)) {
      rg = vm.accessCarry(pc, store, hi, o, n);
      o = vm.carryOff;
    }
    return [rg, o];
  };
  const env = {
    mem: lin.memory,
    ld(pc: number, c: number, hi: number, lo: number, off: number): void {
      const n = c === 0x79 ? 8 : c === 0x61 || c === 0x81 ? 4 : c === 0x69 || c === 0x89 ? 2 : 1;
      const [rg, o] = resolve(pc, false, hi, lo, off, n);
      const dv = rg.dv;
      let vl: number;
      let vh = 0;
      switch (c) {
        case 0x79:
          vl = dv.getInt32(o, true);
          vh = dv.getInt32(o + 4, true);
          break;
        case 0x61:
          vl = dv.getInt32(o, true);
          break;
        case 0x69:
          vl = dv.getUint16(o, true);
          break;
        case 0x71:
          vl = rg.u8[o]!;
          break;
        case 0x81:
          vl = dv.getInt32(o, true);
          vh = vl >> 31;
          break;
        case 0x89:
          vl = dv.getInt16(o, true);
          vh = vl >> 31;
          break;
        default:
          vl = dv.getInt8(o);
          vh = vl >> 31;
      }
      const at = (ctx.lin + LIN_SCRATCH + 8) >> 2;
      lin.i32[at] = vl;
      lin.i32[at + 1] = vh;
    },
    st(pc: number, c: number, hi: number, lo: number, off: number, vl: number, vh: number): void {
      const sz = c & 0x18;
      const n = sz === 0x18 ? 8 : sz === 0 ? 4 : sz === 8 ? 2 : 1;
      const [rg, o] = resolve(pc, true, hi, lo, off, n);
      const dv = rg.dv;
      if (n === 8) {
        dv.setInt32(o, vl, true);
        dv.setInt32(o + 4, vh, true);
      } else if (n === 4) dv.setInt32(o, vl, true);
      else if (n === 2) dv.setInt16(o, vl, true);
      else rg.u8[o] = vl;
    },
    helper(pc: number, id: number, left: number): number {
      const vm = ctx.vm!;
      vm.left = left;
      vm.callHelper(pc, id, ctx.regs);
      refreshAll(lin); // the helper may have changed a map whose index the inline lookup reads
      return vm.left;
    },
  };
  const inst = new WebAssembly.Instance(mod, { env });
  return inst.exports['run'] as RunFn;
}

/**
 * Compiles a program to WebAssembly, or returns undefined when the WebAssembly JIT leaves it to the JS JIT
 * (wasmJitUnsupported()) or WebAssembly is not available. The exec function falls back to `fallback` for runs it
 * cannot take (see the header).
 */
export function wasmJitCompile(p: LoadedInsns, fallback?: BpfExecFn): BpfExecFn | undefined {
  if (typeof WebAssembly !== 'object' || wasmJitUnsupported(p) !== undefined) return undefined;
  let mod: WebAssembly.Module;
  try {
    mod = new WebAssembly.Module(wasmJitModuleBytes(p));
  } catch (e) {
    if (e instanceof WebAssembly.CompileError) throw new Error(`wasm JIT: invalid module: ${e.message}`);
    throw e;
  }
  let slow: BpfExecFn | undefined = fallback;
  const instances = new WeakMap<AddressSpace, { run: RunFn; ctx: RunCtx }>();
  const exec: BpfExecFn = (vm, R, pc, cs, depth, base) => {
    const lin = vm.linChunk;
    if (lin < 0 || depth !== 0 || vm.left > 0x7fffffff || !vm.space.linear) {
      slow ??= jitCompile(p) ?? interpExec;
      slow(vm, R, pc, cs, depth, base);
      return;
    }
    const linear = vm.space.linear;
    let it = instances.get(vm.space);
    if (!it) {
      const ctx: RunCtx = { vm: undefined, lin: -1, regs: R };
      it = { run: instantiate(mod, vm.space, ctx), ctx };
      instances.set(vm.space, it);
    }
    if (linear.active === 0) adoptMaps(p, vm.space, linear);
    refreshAll(linear); // maps change between runs (the syscall side) and in helpers
    const i32 = linear.i32;
    i32[(lin + S_FAST_LOOKUP) >> 2] = vm.helpers.get(1)?.fn === bpfMapLookupElem && !vm.poison ? 1 : 0;
    const ra = lin + LIN_REGS + base * LIN_REGS_SIZE;
    for (let k = 0; k < 22; k++) i32[(ra >> 2) + k] = R[k]!;
    const ctx = it.ctx;
    const saved = { vm: ctx.vm, lin: ctx.lin, regs: ctx.regs };
    ctx.vm = vm;
    ctx.lin = lin;
    ctx.regs = i32.subarray(ra >> 2, (ra >> 2) + 22);
    let mode: number;
    linear.active++;
    try {
      mode = it.run(pc, vm.left, lin, base);
    } finally {
      linear.active--;
      ctx.vm = saved.vm;
      ctx.lin = saved.lin;
      ctx.regs = saved.regs;
    }
    for (let k = 0; k < 22; k++) R[k] = i32[(ra >> 2) + k]!;
    vm.left = i32[(lin + LIN_SCRATCH + 4) >> 2]!;
    if (mode === 1) interpExec(vm, R, i32[(lin + LIN_SCRATCH) >> 2]!, cs, 0, base);
  };
  exec.linear = true;
  return exec;
}

const cache = new WeakMap<LoadedInsns, BpfExecFn>();

/**
 * An exec function that compiles the program to WebAssembly on first use, falling back to the JS JIT (and it to
 * the interpreter) for programs it does not compile. Its runs ask for their stacks in the linear memory.
 */
export const wasmJitExec: BpfExecFn = (vm: BpfVm, regs, pc, cs, depth, base) => {
  let fn = cache.get(vm.prog);
  if (!fn) {
    fn = wasmJitCompile(vm.prog) ?? jitCompile(vm.prog) ?? interpExec;
    cache.set(vm.prog, fn);
  }
  fn(vm, regs, pc, cs, depth, base);
};
wasmJitExec.linear = true;
