/**
 * Disassembler in the kernel's verifier-log style (kernel/bpf/disasm.c print_bpf_insn()): `0: (b7) r0 = 0`,
 * `3: (85) call bpf_map_lookup_elem#1`, `8: (85) call bpf_iter_num_new#14` (a kfunc by its BTF id, here the
 * model's; checked line by line against Linux 6.18's log). Departure: for lddw with a pseudo source the log shows
 * the resolved kernel address; this prints bpftool's xlated forms (`map[id:1]`, `map[id:1][0]+4`, `subprog[+3]`) so that the output assembles back
 * to the same instructions with the pseudo-C assembler.
 */
import { BPF_FUNC_NAMES } from './helper-ids';
import {
  BPF_ALU,
  BPF_ALU64,
  BPF_ATOMIC,
  BPF_CALL,
  BPF_LOAD_ACQ,
  BPF_STORE_REL,
  BPF_CLASS,
  BPF_CMPXCHG,
  BPF_DW,
  BPF_END,
  BPF_EXIT,
  BPF_FETCH,
  BPF_JA,
  BPF_JMP,
  BPF_JMP32,
  BPF_LD,
  BPF_LDX,
  BPF_MEM,
  BPF_MEMSX,
  BPF_MODE,
  BPF_NEG,
  BPF_OP,
  BPF_PSEUDO_CALL,
  BPF_PSEUDO_FUNC,
  BPF_PSEUDO_KFUNC_CALL,
  BPF_PSEUDO_MAP_FD,
  BPF_PSEUDO_MAP_IDX,
  BPF_PSEUDO_MAP_IDX_VALUE,
  BPF_PSEUDO_MAP_VALUE,
  BPF_SIZE,
  BPF_SRC,
  BPF_ST,
  BPF_STX,
  BPF_TO_BE,
  BPF_X,
  BPF_XCHG,
  isLdImm64,
  ldImm64Value,
} from './isa';
import type { BpfInsn } from './isa';

const ALU_STR: Record<number, string> = {
  0x00: '+=',
  0x10: '-=',
  0x20: '*=',
  0x30: '/=',
  0x40: '|=',
  0x50: '&=',
  0x60: '<<=',
  0x70: '>>=',
  0x90: '%=',
  0xa0: '^=',
  0xb0: '=',
  0xc0: 's>>=',
};
const ALU_SIGN_STR: Record<number, string> = { 0x30: 's/=', 0x90: 's%=' };
const MOVSX_STR: Record<number, string> = { 8: '(s8)', 16: '(s16)', 32: '(s32)' };
const ATOMIC_ALU_STR: Record<number, string> = { 0x00: 'add', 0x50: 'and', 0x40: 'or', 0xa0: 'xor' };
const LDST_STR: Record<number, string> = { 0x00: 'u32', 0x08: 'u16', 0x10: 'u8', 0x18: 'u64' };
const LDSX_STR: Record<number, string> = { 0x00: 's32', 0x08: 's16', 0x10: 's8' };
const JMP_STR: Record<number, string> = {
  0x10: '==',
  0x20: '>',
  0xa0: '<',
  0x30: '>=',
  0xb0: '<=',
  0x40: '&',
  0x50: '!=',
  0x60: 's>',
  0xc0: 's<',
  0x70: 's>=',
  0xd0: 's<=',
};

/** Optional name resolution for the printer (the kernel's bpf_insn_cbs). */
export interface DisasmCallbacks {
  /** Name of a kfunc by its BTF id (printed as `call name#id`). */
  kfuncName?: (id: number) => string | undefined;
  /** Name of a helper by id (default: the kernel's enum bpf_func_id names). */
  helperName?: (id: number) => string | undefined;
}

const hex2 = (n: number): string => n.toString(16).padStart(2, '0');
const sgn = (n: number): string => (n < 0 ? String(n) : `+${n}`);

/** One instruction as print_bpf_insn() prints it, e.g. `(07) r1 += -8`. `next` is the lddw's second slot. */
export function printBpfInsn(i: BpfInsn, next?: BpfInsn, cbs: DisasmCallbacks = {}): string {
  const code = i.code;
  const cls = BPF_CLASS(code);
  const op = BPF_OP(code);
  const c = `(${hex2(code)})`;
  if (cls === BPF_ALU || cls === BPF_ALU64) {
    const r = cls === BPF_ALU ? 'w' : 'r';
    if (op === BPF_END) {
      if (cls === BPF_ALU64) return `${c} r${i.dst_reg} = bswap${i.imm} r${i.dst_reg}`;
      return `${c} r${i.dst_reg} = ${BPF_SRC(code) === BPF_TO_BE ? 'be' : 'le'}${i.imm} r${i.dst_reg}`;
    }
    if (op === BPF_NEG) return `${c} ${r}${i.dst_reg} = -${r}${i.dst_reg}`;
    const opStr = (op === 0x30 || op === 0x90) && i.off === 1 ? ALU_SIGN_STR[op]! : (ALU_STR[op] ?? '?');
    if (BPF_SRC(code) === BPF_X) {
      const sx = op === 0xb0 ? (MOVSX_STR[i.off] ?? '') : '';
      return `${c} ${r}${i.dst_reg} ${opStr} ${sx}${r}${i.src_reg}`;
    }
    return `${c} ${r}${i.dst_reg} ${opStr} ${i.imm}`;
  }
  if (cls === BPF_STX) {
    const sz = LDST_STR[BPF_SIZE(code)]!;
    const m = `(${sz} *)(r${i.dst_reg} ${sgn(i.off)})`;
    if (BPF_MODE(code) === BPF_MEM) return `${c} *${m} = r${i.src_reg}`;
    if (BPF_MODE(code) === BPF_ATOMIC) {
      const w = BPF_SIZE(code) === BPF_DW ? '64' : '';
      if (i.imm in ATOMIC_ALU_STR) return `${c} lock *${m} ${ALU_STR[i.imm]} r${i.src_reg}`;
      if ((i.imm & ~BPF_FETCH) in ATOMIC_ALU_STR && i.imm & BPF_FETCH) {
        return `${c} r${i.src_reg} = atomic${w}_fetch_${ATOMIC_ALU_STR[i.imm & ~BPF_FETCH]}(${m}, r${i.src_reg})`;
      }
      if (i.imm === BPF_CMPXCHG) return `${c} r0 = atomic${w}_cmpxchg(${m}, r0, r${i.src_reg})`;
      if (i.imm === BPF_XCHG) return `${c} r${i.src_reg} = atomic${w}_xchg(${m}, r${i.src_reg})`;
      if (i.imm === BPF_LOAD_ACQ) return `${c} r${i.dst_reg} = load_acquire((${sz} *)(r${i.src_reg} ${sgn(i.off)}))`;
      if (i.imm === BPF_STORE_REL) return `${c} store_release(${m}, r${i.src_reg})`;
    }
    return `BUG_${hex2(code)}`;
  }
  if (cls === BPF_ST) {
    if (BPF_MODE(code) === BPF_MEM)
      return `${c} *(${LDST_STR[BPF_SIZE(code)]} *)(r${i.dst_reg} ${sgn(i.off)}) = ${i.imm}`;
    return `BUG_st_${hex2(code)}`;
  }
  if (cls === BPF_LDX) {
    const mode = BPF_MODE(code);
    if (mode !== BPF_MEM && mode !== BPF_MEMSX) return `BUG_ldx_${hex2(code)}`;
    const sz = mode === BPF_MEM ? LDST_STR[BPF_SIZE(code)] : LDSX_STR[BPF_SIZE(code)];
    return `${c} r${i.dst_reg} = *(${sz} *)(r${i.src_reg} ${sgn(i.off)})`;
  }
  if (cls === BPF_LD) {
    const mode = BPF_MODE(code);
    if (mode === 0x20) return `${c} r0 = *(${LDST_STR[BPF_SIZE(code)]} *)skb[${i.imm}]`;
    if (mode === 0x40) return `${c} r0 = *(${LDST_STR[BPF_SIZE(code)]} *)skb[r${i.src_reg} + ${i.imm}]`;
    if (!isLdImm64(i)) return `BUG_ld_${hex2(code)}`;
    const nimm = next?.imm ?? 0;
    let v: string;
    switch (i.src_reg) {
      case BPF_PSEUDO_MAP_FD:
        v = `map[id:${i.imm >>> 0}]`;
        break;
      case BPF_PSEUDO_MAP_VALUE:
        v = `map[id:${i.imm >>> 0}][0]+${nimm >>> 0}`;
        break;
      case BPF_PSEUDO_MAP_IDX:
        v = `map[idx:${i.imm >>> 0}]`;
        break;
      case BPF_PSEUDO_MAP_IDX_VALUE:
        v = `map[idx:${i.imm >>> 0}]+${nimm >>> 0}`;
        break;
      case BPF_PSEUDO_FUNC:
        v = `subprog[${sgn(i.imm)}]`;
        break;
      default:
        v = `0x${ldImm64Value(i, next ?? { code: 0, dst_reg: 0, src_reg: 0, off: 0, imm: 0 }).toString(16)}`;
    }
    // A BTF-id load is printed like an immediate by the kernel; keep the source visible with a suffix.
    return `${c} r${i.dst_reg} = ${v}${i.src_reg === 3 ? ' btf_id' : ''}`;
  }
  if (cls === BPF_JMP || cls === BPF_JMP32) {
    if (op === BPF_CALL && cls === BPF_JMP) {
      if (BPF_SRC(code) === BPF_X) return `${c} callx r${i.dst_reg}`; // RFC 9669 callx; Linux has none
      if (i.src_reg === BPF_PSEUDO_CALL) return `${c} call pc${sgn(i.imm)}`;
      let name: string | undefined;
      if (i.src_reg === BPF_PSEUDO_KFUNC_CALL) name = cbs.kfuncName?.(i.imm) ?? 'kernel-function';
      else
        name =
          cbs.helperName?.(i.imm) ??
          (i.imm > 0 && i.imm < BPF_FUNC_NAMES.length ? `bpf_${BPF_FUNC_NAMES[i.imm]}` : 'unknown');
      return `${c} call ${name}#${i.imm}`;
    }
    if (code === (BPF_JMP | BPF_JA)) return `${c} goto pc${sgn(i.off)}`;
    if (code === (BPF_JMP32 | BPF_JA)) return `${c} gotol pc${sgn(i.imm)}`;
    if (code === (BPF_JMP | 0xe0) && i.src_reg === 0) return `${c} may_goto pc${sgn(i.off)}`;
    if (code === (BPF_JMP | BPF_EXIT)) return `${c} exit`;
    const r = cls === BPF_JMP32 ? 'w' : 'r';
    // bpf_jmp_string[] has no name for 0xe0 and 0xf0: the kernel's printf writes "(null)".
    const js = JMP_STR[op] ?? '(null)';
    if (BPF_SRC(code) === BPF_X) return `${c} if ${r}${i.dst_reg} ${js} ${r}${i.src_reg} goto pc${sgn(i.off)}`;
    return `${c} if ${r}${i.dst_reg} ${js} 0x${(i.imm >>> 0).toString(16)} goto pc${sgn(i.off)}`;
  }
  return `${c} ?`;
}

/** A whole program, one `pc: (code) text` line per instruction (an lddw's second slot is skipped, as in the log). */
export function disassemble(insns: readonly BpfInsn[], cbs: DisasmCallbacks = {}): string {
  const out: string[] = [];
  for (let pc = 0; pc < insns.length; pc++) {
    const i = insns[pc]!;
    out.push(`${pc}: ${printBpfInsn(i, insns[pc + 1], cbs)}`);
    if (isLdImm64(i)) pc++;
  }
  return out.join('\n');
}
