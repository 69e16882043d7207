/**
 * compute_live_registers(): a static backward data-flow analysis of which registers each instruction may still
 * read, used to ignore dead registers when comparing against fully explored states (clean_live_states()).
 */
import { branchTarget } from '../check';
import {
  BPF_ALU,
  BPF_ALU64,
  BPF_CALL,
  BPF_CLASS,
  BPF_EXIT,
  BPF_JA,
  BPF_JMP,
  BPF_JMP32,
  BPF_LD,
  BPF_LDX,
  BPF_MOV,
  BPF_NEG,
  BPF_OP,
  BPF_PSEUDO_CALL,
  BPF_SRC,
  BPF_ST,
  BPF_STX,
  BPF_X,
  BPF_END,
  BPF_ATOMIC,
  BPF_MODE,
  BPF_CMPXCHG,
  BPF_LOAD_ACQ,
  BPF_STORE_REL,
  isLdImm64,
} from '../isa';
import type { BpfInsn } from '../isa';

const bit = (r: number): number => 1 << r;
const ARGS = 0b111110;
const CALLER_SAVED = 0b111111;

/** use/def masks of one instruction; `params` gives a helper's or kfunc's argument count (get_call_summary()). */
function useDef(i: BpfInsn, params?: (call: BpfInsn) => number | undefined): [number, number] {
  const cls = BPF_CLASS(i.code);
  const op = BPF_OP(i.code);
  switch (cls) {
    case BPF_ALU:
    case BPF_ALU64:
      if (op === BPF_MOV) return [BPF_SRC(i.code) === BPF_X ? bit(i.src_reg) : 0, bit(i.dst_reg)];
      if (op === BPF_NEG || op === BPF_END) return [bit(i.dst_reg), bit(i.dst_reg)];
      return [bit(i.dst_reg) | (BPF_SRC(i.code) === BPF_X ? bit(i.src_reg) : 0), bit(i.dst_reg)];
    case BPF_LDX:
      return [bit(i.src_reg), bit(i.dst_reg)];
    case BPF_ST:
      return [bit(i.dst_reg), 0];
    case BPF_STX:
      if (BPF_MODE(i.code) === BPF_ATOMIC) {
        if (i.imm === BPF_CMPXCHG) return [bit(i.dst_reg) | bit(i.src_reg) | 1, 1];
        if (i.imm === BPF_LOAD_ACQ) return [bit(i.src_reg), bit(i.dst_reg)];
        if (i.imm === BPF_STORE_REL) return [bit(i.dst_reg) | bit(i.src_reg), 0];
        return [bit(i.dst_reg) | bit(i.src_reg), i.imm & 1 ? bit(i.src_reg) : 0];
      }
      return [bit(i.dst_reg) | bit(i.src_reg), 0];
    case BPF_LD:
      return [0, isLdImm64(i) ? bit(i.dst_reg) : 0];
    case BPF_JMP:
    case BPF_JMP32:
      if (op === BPF_EXIT) return [1, 0];
      if (op === BPF_CALL) {
        const n = i.src_reg === BPF_PSEUDO_CALL ? undefined : params?.(i);
        return [n === undefined ? ARGS : ((1 << (n + 1)) - 1) & ~1, CALLER_SAVED];
      }
      if (op === BPF_JA || i.code === (BPF_JMP | 0xe0)) return [0, 0];
      return [bit(i.dst_reg) | (BPF_SRC(i.code) === BPF_X ? bit(i.src_reg) : 0), 0];
  }
  return [0, 0];
}

/** live[i]: bit r set when register r is live before instruction i. */
export function computeLiveRegisters(
  insns: readonly BpfInsn[],
  params?: (call: BpfInsn) => number | undefined,
): Uint16Array {
  const n = insns.length;
  const use = new Uint16Array(n);
  const def = new Uint16Array(n);
  const succ: number[][] = [];
  for (let pc = 0; pc < n; pc++) {
    const i = insns[pc]!;
    [use[pc], def[pc]] = useDef(i, params);
    const s: number[] = [];
    const cls = BPF_CLASS(i.code);
    const op = BPF_OP(i.code);
    if (isLdImm64(i)) {
      s.push(pc + 2);
    } else if ((cls === BPF_JMP || cls === BPF_JMP32) && op !== BPF_CALL) {
      if (op !== BPF_EXIT) {
        const t = branchTarget(insns, pc);
        if (t >= 0) s.push(t);
        if (!(op === BPF_JA)) s.push(pc + 1);
      }
    } else {
      s.push(pc + 1);
    }
    if (cls === BPF_JMP && op === BPF_CALL && i.src_reg === BPF_PSEUDO_CALL) void 0;
    succ.push(s.filter((x) => x < n));
  }
  const live = new Uint16Array(n);
  let changed = true;
  while (changed) {
    changed = false;
    for (let pc = n - 1; pc >= 0; pc--) {
      let out = 0;
      for (const s of succ[pc]!) out |= live[s]!;
      const inn = use[pc]! | (out & ~def[pc]!);
      if (inn !== live[pc]) {
        live[pc] = inn;
        changed = true;
      }
    }
  }
  return live;
}
