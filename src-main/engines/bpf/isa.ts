/**
 * The eBPF instruction set (RFC 9669, ISA v4): opcode constants with the kernel's names
 * (include/uapi/linux/bpf_common.h, bpf.h), the instruction record `struct bpf_insn`,
 * and byte-level encode/decode. A program is an array of 8-byte slots; `lddw` takes two slots and
 * its second slot is a pseudo instruction with code 0, exactly as in the kernel's insn array, so
 * that instruction indexes (pc) are the kernel's and a verifier can walk the same array.
 */

/** `struct bpf_insn` (include/uapi/linux/bpf.h). imm is a signed 32-bit integer, off a signed 16-bit one. */
export interface BpfInsn {
  code: number;
  dst_reg: number;
  src_reg: number;
  off: number;
  imm: number;
}

// Instruction classes.
export const BPF_LD = 0x00;
export const BPF_LDX = 0x01;
export const BPF_ST = 0x02;
export const BPF_STX = 0x03;
export const BPF_ALU = 0x04;
export const BPF_JMP = 0x05;
export const BPF_JMP32 = 0x06;
export const BPF_ALU64 = 0x07;

// Sizes.
export const BPF_W = 0x00;
export const BPF_H = 0x08;
export const BPF_B = 0x10;
export const BPF_DW = 0x18;

// Modes.
export const BPF_IMM = 0x00;
export const BPF_ABS = 0x20;
export const BPF_IND = 0x40;
export const BPF_MEM = 0x60;
export const BPF_MEMSX = 0x80;
export const BPF_ATOMIC = 0xc0;

// Source.
export const BPF_K = 0x00;
export const BPF_X = 0x08;
export const BPF_TO_LE = 0x00;
export const BPF_TO_BE = 0x08;

// ALU operations.
export const BPF_ADD = 0x00;
export const BPF_SUB = 0x10;
export const BPF_MUL = 0x20;
export const BPF_DIV = 0x30;
export const BPF_OR = 0x40;
export const BPF_AND = 0x50;
export const BPF_LSH = 0x60;
export const BPF_RSH = 0x70;
export const BPF_NEG = 0x80;
export const BPF_MOD = 0x90;
export const BPF_XOR = 0xa0;
export const BPF_MOV = 0xb0;
export const BPF_ARSH = 0xc0;
export const BPF_END = 0xd0;

// Jump operations.
export const BPF_JA = 0x00;
export const BPF_JEQ = 0x10;
export const BPF_JGT = 0x20;
export const BPF_JGE = 0x30;
export const BPF_JSET = 0x40;
export const BPF_JNE = 0x50;
export const BPF_JSGT = 0x60;
export const BPF_JSGE = 0x70;
export const BPF_CALL = 0x80;
export const BPF_EXIT = 0x90;
export const BPF_JLT = 0xa0;
export const BPF_JLE = 0xb0;
export const BPF_JSLT = 0xc0;
export const BPF_JSLE = 0xd0;
/** BPF_JCOND (0xe0) with src_reg BPF_MAY_GOTO: `may_goto` (Linux 6.9, not in RFC 9669). */
export const BPF_JCOND = 0xe0;
export const BPF_MAY_GOTO = 0;

// Atomic operations (in imm).
export const BPF_FETCH = 0x01;
export const BPF_XCHG = 0xe0 | BPF_FETCH;
export const BPF_CMPXCHG = 0xf0 | BPF_FETCH;
/** Load-acquire and store-release (BPF_ATOMIC, every size; since 6.15). */
export const BPF_LOAD_ACQ = 0x100;
export const BPF_STORE_REL = 0x110;

// Pseudo sources of `lddw` (BPF_LD | BPF_IMM | BPF_DW) and of calls.
export const BPF_PSEUDO_MAP_FD = 1;
export const BPF_PSEUDO_MAP_VALUE = 2;
export const BPF_PSEUDO_BTF_ID = 3;
export const BPF_PSEUDO_FUNC = 4;
export const BPF_PSEUDO_MAP_IDX = 5;
export const BPF_PSEUDO_MAP_IDX_VALUE = 6;
export const BPF_PSEUDO_CALL = 1;
export const BPF_PSEUDO_KFUNC_CALL = 2;

export const BPF_REG_0 = 0;
export const BPF_REG_1 = 1;
export const BPF_REG_10 = 10;
export const MAX_BPF_REG = 11;
/** MAX_BPF_STACK (include/linux/filter.h). */
export const MAX_BPF_STACK = 512;
/** MAX_CALL_FRAMES (include/linux/bpf_verifier.h). */
export const MAX_CALL_FRAMES = 8;
/** BPF_MAX_LOOPS (include/linux/bpf.h): shared by bpf_loop and bpf_iter_num. */
export const BPF_MAX_LOOPS = 8 * 1024 * 1024;
/** BPF_COMPLEXITY_LIMIT_INSNS, also the number of slots a privileged program may have. */
export const BPF_COMPLEXITY_LIMIT_INSNS = 1_000_000;

export const BPF_CLASS = (code: number): number => code & 0x07;
export const BPF_SIZE = (code: number): number => code & 0x18;
export const BPF_MODE = (code: number): number => code & 0xe0;
export const BPF_OP = (code: number): number => code & 0xf0;
export const BPF_SRC = (code: number): number => code & 0x08;

/** Bytes accessed by a load/store of the given BPF_SIZE. */
export function bpfSizeBytes(size: number): number {
  return size === BPF_W ? 4 : size === BPF_H ? 2 : size === BPF_B ? 1 : 8;
}

/** Builds an instruction record, normalising imm to int32 and off to int16. */
export function insn(code: number, dst_reg = 0, src_reg = 0, off = 0, imm = 0): BpfInsn {
  return { code: code & 0xff, dst_reg: dst_reg & 0xf, src_reg: src_reg & 0xf, off: (off << 16) >> 16, imm: imm | 0 };
}

/** True for the first slot of a 64-bit immediate load (`lddw`). */
export function isLdImm64(i: BpfInsn): boolean {
  return i.code === (BPF_LD | BPF_IMM | BPF_DW);
}

/** Decodes little-endian 8-byte slots (the kernel's in-memory layout on x86) into instructions. */
export function decodeInsns(bytes: Uint8Array): BpfInsn[] {
  if (bytes.length % 8 !== 0) throw new RangeError(`program length ${bytes.length} is not a multiple of 8`);
  const out: BpfInsn[] = new Array(bytes.length / 8);
  for (let i = 0, p = 0; p < bytes.length; i++, p += 8) {
    const regs = bytes[p + 1]!;
    out[i] = {
      code: bytes[p]!,
      dst_reg: regs & 0xf,
      src_reg: regs >> 4,
      off: ((bytes[p + 2]! | (bytes[p + 3]! << 8)) << 16) >> 16,
      imm: bytes[p + 4]! | (bytes[p + 5]! << 8) | (bytes[p + 6]! << 16) | (bytes[p + 7]! << 24),
    };
  }
  return out;
}

/** Encodes instructions into little-endian 8-byte slots. */
export function encodeInsns(insns: readonly BpfInsn[]): Uint8Array {
  const out = new Uint8Array(insns.length * 8);
  insns.forEach((i, n) => {
    const p = n * 8;
    out[p] = i.code & 0xff;
    out[p + 1] = (i.dst_reg & 0xf) | ((i.src_reg & 0xf) << 4);
    out[p + 2] = i.off & 0xff;
    out[p + 3] = (i.off >> 8) & 0xff;
    out[p + 4] = i.imm & 0xff;
    out[p + 5] = (i.imm >>> 8) & 0xff;
    out[p + 6] = (i.imm >>> 16) & 0xff;
    out[p + 7] = (i.imm >>> 24) & 0xff;
  });
  return out;
}

/** Splits 64-bit words (as the conformance suite's `-- raw` writes them: bits 0-7 = opcode) into instructions. */
export function insnsFromWords(words: readonly bigint[]): BpfInsn[] {
  const bytes = new Uint8Array(words.length * 8);
  const dv = new DataView(bytes.buffer);
  words.forEach((w, n) => dv.setBigUint64(n * 8, BigInt.asUintN(64, w), true));
  return decodeInsns(bytes);
}

/** The 64-bit immediate of an `lddw` pair, as an unsigned bigint. */
export function ldImm64Value(lo: BpfInsn, hi: BpfInsn): bigint {
  return (BigInt(hi.imm >>> 0) << 32n) | BigInt(lo.imm >>> 0);
}
