/**
 * The size of the image arch/x86/net/bpf_jit_comp.c (Linux 6.18) emits for a program: do_jit()'s bytes per
 * instruction as its emit_*() helpers encode them (REX prefixes for r8-r15, imm8 vs imm32 forms, disp8 vs disp32,
 * short vs near jumps settled over passes as do_jit() converges), and the prologue/epilogue emit_prologue() and the
 * first BPF_EXIT lay down. What bpf_prog_info.jited_prog_len reports; the constants were measured with it on a
 * 6.18 x86-64 kernel (src-main/oracle/jit-size.test.ts compares the model with the running kernel).
 * Where the model departs from 6.18: it sizes the instructions it is given (the kernel sizes the verifier's
 * rewrite: dead branches removed, helpers inlined, ctx accesses converted); shifts by a register assume BMI2
 * (shlx/sarx/shrx); div/mod, ld_abs/ld_ind and atomics are sized by their common case; no tail calls.
 */
import type { BpfInsn } from './bpf/index';

/** BPF registers the JIT maps to r8-r15 (R5 -> r8, R7 -> r13, R8 -> r14, R9 -> r15): is_ereg(). */
const EREG = new Set([5, 7, 8, 9]);
/** Registers whose low byte needs a REX prefix (rdi, rsi, rbp, and the eregs): is_ereg_8l(). */
const EREG_8L = new Set([1, 2, 5, 7, 8, 9, 10]);
/** emit_prologue() + the first BPF_EXIT's epilogue for a program with no stack and no callee-saved registers (measured: `r0 = 0; exit` is 16 bytes). */
export const JIT_PROLOGUE_EPILOGUE = 14;
/** `sub rsp, imm32` when the program has a stack (EMIT3_off32(0x48, 0x81, 0xEC, ...)). */
const STACK_SUB = 7;
/** push/pop of each callee-saved register a program uses (rbx for R6; r13, r14, r15 for R7-R9). */
const CALLEE_SAVED: Record<number, number> = { 6: 2, 7: 4, 8: 4, 9: 4 };

const imm8 = (v: number): boolean => v >= -128 && v <= 127;
const ereg = (r: number): boolean => EREG.has(r);
/** emit_insn_suffix(): ModRM with disp8 when the offset fits, disp32 otherwise. */
const suffix = (off: number): number => (imm8(off) ? 2 : 5);

/** emit_mov_imm32(): xor for 0, sign-extending mov for negatives in 64-bit moves, mov r32, imm32 otherwise. */
function movImm32(is64: boolean, dst: number, imm: number): number {
  if (is64 && imm < 0) return 7;
  return (imm === 0 ? 2 : 5) + (ereg(dst) ? 1 : 0);
}

/** Bytes of one instruction other than jumps and exits (which depend on the layout). */
function insnBytes(insn: BpfInsn, next: BpfInsn | undefined): number {
  const { code, dst_reg: dst, src_reg: src, off, imm } = insn;
  const cls = code & 7;
  const op = code & 0xf0;
  const x = (code & 8) !== 0;
  if (cls === 0x07 || cls === 0x04) {
    const is64 = cls === 0x07;
    const rex = is64 ? 1 : ereg(dst) || (x && ereg(src)) ? 1 : 0;
    switch (op) {
      case 0xb0: // MOV
        if (!x) return movImm32(is64, dst, imm);
        if (off !== 0) return is64 ? 4 : 3 + rex; // movsx
        return is64 ? 3 : 2 + rex;
      case 0x00:
      case 0x10:
      case 0x40:
      case 0x50:
      case 0xa0: // ADD SUB OR AND XOR
        if (x) return 2 + rex;
        return rex + (imm8(imm) ? 3 : dst === 0 ? 5 : 6);
      case 0x80: // NEG
        return 2 + rex;
      case 0x60:
      case 0x70:
      case 0xc0: // LSH RSH ARSH
        return x ? 5 : rex + (imm === 1 ? 2 : 3);
      case 0x20: // MUL
        return x ? 3 + rex : rex + (imm8(imm) ? 3 : 6);
      case 0x30:
      case 0x90: // DIV MOD: push/mov/xor/div/pop sequences
        return (x ? 16 : 14) - (op === 0x90 ? 1 : 0) - (is64 ? 0 : 2);
      case 0xd0: // END
        if (code & 8) return imm === 16 ? 7 : imm === 32 ? 2 + (ereg(dst) ? 1 : 0) : 3; // to BE: ror+movzx, bswap
        return imm === 16 ? 3 + (ereg(dst) ? 1 : 0) : imm === 32 ? 2 + (ereg(dst) ? 1 : 0) : 0;
      default:
        return 3;
    }
  }
  const size = code & 0x18;
  const mode = code & 0xe0;
  if (cls === 0x01) {
    // LDX MEM / MEMSX: emit_ldx() / emit_ldsx()
    const head =
      mode === 0x80
        ? size === 0x00
          ? 2
          : 3
        : size === 0x10 || size === 0x08
          ? 3
          : size === 0x00
            ? ereg(dst) || ereg(src)
              ? 2
              : 1
            : 2;
    return head + suffix(off);
  }
  if (cls === 0x03) {
    // STX MEM: emit_stx(); ATOMIC: a lock prefix on the same store form
    let head: number;
    if (size === 0x10) head = ereg(dst) || EREG_8L.has(src) ? 2 : 1;
    else if (size === 0x08) head = ereg(dst) || ereg(src) ? 3 : 2;
    else if (size === 0x00) head = ereg(dst) || ereg(src) ? 2 : 1;
    else head = 2;
    return head + suffix(off) + (mode === 0xc0 ? 1 : 0);
  }
  if (cls === 0x02) {
    // ST MEM imm
    const head =
      size === 0x10
        ? ereg(dst)
          ? 2
          : 1
        : size === 0x08
          ? ereg(dst)
            ? 3
            : 2
          : size === 0x00
            ? ereg(dst)
              ? 2
              : 1
            : 2;
    const immBytes = size === 0x10 ? 1 : size === 0x08 ? 2 : 4;
    return head + suffix(off) + immBytes;
  }
  if (code === 0x18) {
    // LD_IMM64: a pseudo (map, value, func) is a kernel address: movabs
    if (src !== 0) return 10;
    const hi = next?.imm ?? 0;
    if (hi === 0 && imm >= 0) return movImm32(false, dst, imm);
    if ((hi === 0 && imm >= 0) || (hi === -1 && imm < 0)) return 7;
    if (hi === 0) return movImm32(false, dst, imm); // zero-extended 32-bit value
    return 10;
  }
  if (cls === 0x00) return 25; // LD_ABS / LD_IND (socket filters): the converted load sequence
  return 0;
}

/** The compare a conditional jump emits before its jcc. */
function cmpBytes(insn: BpfInsn): number {
  const { code, dst_reg: dst, src_reg: src, imm } = insn;
  const is64 = (code & 7) === 0x05;
  const x = (code & 8) !== 0;
  const rex = is64 ? 1 : ereg(dst) || (x && ereg(src)) ? 1 : 0;
  if (x) return 2 + rex; // cmp / test r, r
  if ((code & 0xf0) === 0x40) return rex + 6; // JSET K: test r, imm32
  if (imm === 0) return 2 + rex; // test r, r
  return rex + (imm8(imm) ? 3 : 6);
}

/** jited_prog_len of a program: do_jit()'s passes until the layout no longer changes. */
export function jitImageSize(insns: readonly BpfInsn[]): number {
  const n = insns.length;
  const fixed = new Int32Array(n);
  const kind = new Uint8Array(n); // 0 plain, 1 cond jump, 2 ja, 3 exit, 4 call, 5 second half of ld_imm64
  let stack = false;
  const used = new Set<number>();
  for (let i = 0; i < n; i++) {
    const insn = insns[i]!;
    const cls = insn.code & 7;
    if (i > 0 && insns[i - 1]!.code === 0x18 && kind[i - 1] !== 5) {
      kind[i] = 5;
      continue;
    }
    used.add(insn.dst_reg);
    used.add(insn.src_reg);
    if (insn.dst_reg === 10 || insn.src_reg === 10) stack = true;
    if (cls === 0x05 || cls === 0x06) {
      const op = insn.code & 0xf0;
      if (op === 0x90) kind[i] = 3;
      else if (op === 0x80) {
        kind[i] = 4;
        fixed[i] = 5; // emit_call(): call rel32
      } else if (op === 0x00) kind[i] = 2;
      else {
        kind[i] = 1;
        fixed[i] = cmpBytes(insn);
      }
    } else fixed[i] = insnBytes(insn, insns[i + 1]);
  }
  let regs = 0;
  for (const r of [6, 7, 8, 9]) if (used.has(r)) regs += CALLEE_SAVED[r]!;
  // The epilogue pops what the prologue pushed; split the fixed part between them as the sizes are fixed anyway.
  const prologue = JIT_PROLOGUE_EPILOGUE + (stack ? STACK_SUB : 0) + regs;
  // addrs[i]: the end of instruction i in the image; start with every jump near and shrink (do_jit() converges).
  const len = new Int32Array(n);
  const addrs = new Int32Array(n);
  const jumpLen = (i: number, target: number, near: number, short: number): number => {
    const d = target - addrs[i]!;
    return imm8(d) ? short : near;
  };
  let total = 0;
  for (let pass = 0; pass < 20; pass++) {
    let pos = 0;
    let cleanup = -1;
    let changed = false;
    for (let i = 0; i < n; i++) {
      let l: number;
      switch (kind[i]) {
        case 1: {
          const t = i + 1 + insns[i]!.off;
          l = fixed[i]! + (pass === 0 ? 6 : jumpLen(i, t > 0 ? addrs[t - 1]! : 0, 6, 2));
          break;
        }
        case 2: {
          const off = (insns[i]!.code & 7) === 0x06 ? insns[i]!.imm : insns[i]!.off;
          const t = i + 1 + off;
          if (off === 0)
            l = 0; // a nop jump is optimised out
          else l = pass === 0 ? 5 : jumpLen(i, t > 0 ? addrs[t - 1]! : 0, 5, 2);
          break;
        }
        case 3:
          if (cleanup < 0) {
            cleanup = pos;
            l = 0; // the epilogue, counted with the prologue
          } else l = pass === 0 ? 5 : imm8(cleanup - addrs[i]!) ? 2 : 5;
          break;
        case 5:
          l = 0;
          break;
        default:
          l = fixed[i]!;
      }
      if (l !== len[i]) changed = true;
      len[i] = l;
      pos += l;
      addrs[i] = pos;
    }
    total = pos;
    if (!changed && pass > 0) break;
  }
  return prologue + total;
}

/** bpf_jit_binary_pack_alloc(): the image, its bpf_binary_header (8 bytes) and 16 bytes of int3 padding, in 64-byte chunks. */
export function jitPackSize(proglen: number, chunk: number): number {
  return Math.ceil((proglen + 8 + 16) / chunk) * chunk;
}
