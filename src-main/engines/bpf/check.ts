import { KernelError } from '../common/errors';
import {
  BPF_ADD,
  BPF_ALU,
  BPF_ALU64,
  BPF_AND,
  BPF_ATOMIC,
  BPF_CALL,
  BPF_LOAD_ACQ,
  BPF_STORE_REL,
  BPF_CLASS,
  BPF_CMPXCHG,
  BPF_COMPLEXITY_LIMIT_INSNS,
  BPF_DIV,
  BPF_DW,
  BPF_END,
  BPF_EXIT,
  BPF_FETCH,
  BPF_IMM,
  BPF_JA,
  BPF_JCOND,
  BPF_JMP,
  BPF_JMP32,
  BPF_MAY_GOTO,
  BPF_LD,
  BPF_LDX,
  BPF_MEM,
  BPF_MEMSX,
  BPF_MOD,
  BPF_MODE,
  BPF_MOV,
  BPF_NEG,
  BPF_OP,
  BPF_OR,
  BPF_PSEUDO_CALL,
  BPF_PSEUDO_FUNC,
  BPF_PSEUDO_KFUNC_CALL,
  BPF_PSEUDO_MAP_FD,
  BPF_PSEUDO_MAP_IDX,
  BPF_PSEUDO_MAP_IDX_VALUE,
  BPF_SIZE,
  BPF_SRC,
  BPF_ST,
  BPF_STX,
  BPF_W,
  BPF_X,
  BPF_XCHG,
  BPF_XOR,
  MAX_BPF_REG,
  isLdImm64,
} from './isa';
import type { BpfInsn } from './isa';

/**
 * resolve_pseudo_ldimm64()'s lookup of one ld_imm64 with a pseudo source (1/5 map, 2/6 map value, 3 BTF id): the
 * 64-bit value [hi, lo] the instruction loads, or a KernelError with the kernel's message and errno.
 */
export type LdImm64Resolve = (src: number, imm: number, nextImm: number, pc: number) => [number, number];

/** A load-time rejection: the kernel's message, the instruction index and errno EINVAL (or E2BIG). */
export function loadError(pc: number, message: string, errno: 'EINVAL' | 'E2BIG' = 'EINVAL'): KernelError {
  return new KernelError(errno, message, { insn: pc });
}

/** Jump/call/function-address target of instruction `pc`, or -1 when it has none. */
export function branchTarget(insns: readonly BpfInsn[], pc: number): number {
  const i = insns[pc]!;
  const cls = BPF_CLASS(i.code);
  if (isLdImm64(i)) return i.src_reg === BPF_PSEUDO_FUNC ? pc + i.imm + 1 : -1;
  if (cls !== BPF_JMP && cls !== BPF_JMP32) return -1;
  const op = BPF_OP(i.code);
  if (op === BPF_EXIT) return -1;
  if (op === BPF_CALL)
    return cls === BPF_JMP && i.src_reg === BPF_PSEUDO_CALL && BPF_SRC(i.code) === 0 ? pc + i.imm + 1 : -1;
  if (cls === BPF_JMP32 && op === BPF_JA) return pc + i.imm + 1;
  return pc + i.off + 1;
}

const ALU_OPS = new Set([0x00, 0x10, 0x20, 0x30, 0x40, 0x50, 0x60, 0x70, 0x80, 0x90, 0xa0, 0xb0, 0xc0, 0xd0]);
const JMP_OPS = new Set([0x00, 0x10, 0x20, 0x30, 0x40, 0x50, 0x60, 0x70, 0x80, 0x90, 0xa0, 0xb0, 0xc0, 0xd0]);
const ATOMIC_IMMS = new Set([
  BPF_ADD,
  BPF_AND,
  BPF_OR,
  BPF_XOR,
  BPF_ADD | BPF_FETCH,
  BPF_AND | BPF_FETCH,
  BPF_OR | BPF_FETCH,
  BPF_XOR | BPF_FETCH,
  BPF_XCHG,
  BPF_CMPXCHG,
]);

/** BPF_ADDR_SPACE_CAST (include/uapi/linux/bpf.h): the off of a 64-bit register mov that casts an arena pointer. */
const BPF_ADDR_SPACE_CAST = 1;

function hex2(n: number): string {
  return n.toString(16).padStart(2, '0');
}

/**
 * Checks one instruction's encoding as RFC 9669 defines it, rejecting unknown opcodes and non-zero reserved fields
 * (the kernel's do_check_insn()/resolve_pseudo_ldimm64() messages). Returns the number of slots it takes.
 */
export function checkInsn(insns: readonly BpfInsn[], pc: number, regs = true): number {
  const i = insns[pc]!;
  const { code, dst_reg: dst, src_reg: src, off, imm } = i;
  // Without `regs` (the verifier's walk) register numbers are left to check_reg_arg(), which the walk runs after
  // these checks, in the kernel's order.
  const cls = BPF_CLASS(code);
  const op = BPF_OP(code);
  if (regs && dst >= MAX_BPF_REG) throw loadError(pc, `R${dst} is invalid`);
  switch (cls) {
    case BPF_ALU:
    case BPF_ALU64: {
      if (!ALU_OPS.has(op)) throw loadError(pc, `invalid BPF_ALU opcode ${hex2(op)}`);
      if (op === BPF_END) {
        if (
          src !== 0 ||
          off !== 0 ||
          (imm !== 16 && imm !== 32 && imm !== 64) ||
          (cls === BPF_ALU64 && BPF_SRC(code) !== 0)
        ) {
          throw loadError(pc, 'BPF_END uses reserved fields');
        }
        return 1;
      }
      if (op === BPF_NEG) {
        if (BPF_SRC(code) !== 0 || src !== 0 || off !== 0 || imm !== 0)
          throw loadError(pc, 'BPF_NEG uses reserved fields');
        return 1;
      }
      if (op === BPF_MOV) {
        if (BPF_SRC(code) === BPF_X) {
          // check_alu_op(): a 64-bit mov with off BPF_ADDR_SPACE_CAST (1) is addr_space_cast, between the arena (1)
          // and the kernel (0) address spaces, only in a program with an arena; the model has no arena maps.
          if (cls === BPF_ALU64 && off === BPF_ADDR_SPACE_CAST) {
            if (imm !== 1 && imm !== 1 << 16)
              throw loadError(pc, 'addr_space_cast insn can only convert between address space 1 and 0');
            throw loadError(pc, 'addr_space_cast insn can only be used in a program that has an associated arena');
          }
          const okOff = off === 0 || off === 8 || off === 16 || (cls === BPF_ALU64 && off === 32);
          if (imm !== 0 || !okOff) throw loadError(pc, 'BPF_MOV uses reserved fields');
          if (regs && src >= MAX_BPF_REG) throw loadError(pc, `R${src} is invalid`);
        } else if (src !== 0 || off !== 0) {
          throw loadError(pc, 'BPF_MOV uses reserved fields');
        }
        return 1;
      }
      const signedOk = op === BPF_DIV || op === BPF_MOD;
      if (off !== 0 && !(signedOk && off === 1)) throw loadError(pc, 'BPF_ALU uses reserved fields');
      if (BPF_SRC(code) === BPF_X) {
        if (imm !== 0) throw loadError(pc, 'BPF_ALU uses reserved fields');
        if (regs && src >= MAX_BPF_REG) throw loadError(pc, `R${src} is invalid`);
      } else if (src !== 0) {
        throw loadError(pc, 'BPF_ALU uses reserved fields');
      }
      return 1;
    }
    case BPF_LDX: {
      const mode = BPF_MODE(code);
      if (mode !== BPF_MEM && !(mode === BPF_MEMSX && BPF_SIZE(code) !== BPF_DW))
        throw loadError(pc, `unknown opcode ${hex2(code)}`);
      if (imm !== 0) throw loadError(pc, 'BPF_LDX uses reserved fields');
      if (regs && src >= MAX_BPF_REG) throw loadError(pc, `R${src} is invalid`);
      return 1;
    }
    case BPF_ST: {
      if (BPF_MODE(code) !== BPF_MEM) throw loadError(pc, `unknown opcode ${hex2(code)}`);
      if (src !== 0) throw loadError(pc, 'BPF_ST uses reserved fields');
      return 1;
    }
    case BPF_STX: {
      const mode = BPF_MODE(code);
      if (regs && src >= MAX_BPF_REG) throw loadError(pc, `R${src} is invalid`);
      if (mode === BPF_MEM) {
        if (imm !== 0) throw loadError(pc, 'BPF_STX uses reserved fields');
        return 1;
      }
      if (mode === BPF_ATOMIC) {
        // check_atomic(): load-acquire / store-release take every size; the read-modify-write ops only W and DW.
        if (imm === BPF_LOAD_ACQ || imm === BPF_STORE_REL) return 1;
        if (!ATOMIC_IMMS.has(imm)) throw loadError(pc, `BPF_ATOMIC uses invalid atomic opcode ${hex2(imm >>> 0)}`);
        if (BPF_SIZE(code) !== BPF_W && BPF_SIZE(code) !== BPF_DW) throw loadError(pc, 'invalid atomic operand size');
        return 1;
      }
      throw loadError(pc, `unknown opcode ${hex2(code)}`);
    }
    case BPF_LD: {
      if (code !== (BPF_LD | BPF_IMM | BPF_DW)) {
        // Legacy BPF_ABS/BPF_IND packet loads (RFC 9669 "legacy" group) are not modelled.
        throw loadError(pc, `unknown opcode ${hex2(code)}`);
      }
      const next = insns[pc + 1];
      if (!next || next.code !== 0 || next.dst_reg !== 0 || next.src_reg !== 0 || next.off !== 0)
        throw loadError(pc, 'invalid bpf_ld_imm64 insn');
      // resolve_pseudo_ldimm64(): a map fd or index takes no second immediate.
      if (
        src > BPF_PSEUDO_MAP_IDX_VALUE ||
        ((src === BPF_PSEUDO_MAP_FD || src === BPF_PSEUDO_MAP_IDX) && next.imm !== 0)
      ) {
        throw loadError(pc, 'unrecognized bpf_ld_imm64 insn');
      }
      // check_ld_imm().
      if (off !== 0) throw loadError(pc, 'BPF_LD_IMM64 uses reserved fields');
      return 2;
    }
    case BPF_JMP:
    case BPF_JMP32: {
      if (code === (BPF_JMP | BPF_JCOND)) {
        if (src !== BPF_MAY_GOTO || dst !== 0 || imm !== 0) throw loadError(pc, `invalid may_goto imm ${imm}`);
        return 1;
      }
      if (!JMP_OPS.has(op)) throw loadError(pc, `unknown opcode ${hex2(code)}`);
      if (op === BPF_CALL) {
        if (cls === BPF_JMP32) throw loadError(pc, `unknown opcode ${hex2(code)}`);
        if (BPF_SRC(code) === BPF_X) {
          // callx (RFC 9669 "callx" group): the helper id is taken from dst_reg at run time; Linux has no callx.
          if (src !== 0 || off !== 0 || imm !== 0) throw loadError(pc, 'BPF_CALL uses reserved fields');
          return 1;
        }
        if (dst !== 0 || (off !== 0 && src !== BPF_PSEUDO_KFUNC_CALL) || src > BPF_PSEUDO_KFUNC_CALL) {
          throw loadError(pc, 'BPF_CALL uses reserved fields');
        }
        return 1;
      }
      if (op === BPF_EXIT) {
        if (cls === BPF_JMP32 || BPF_SRC(code) !== 0 || src !== 0 || dst !== 0 || off !== 0 || imm !== 0) {
          throw loadError(pc, cls === BPF_JMP32 ? `unknown opcode ${hex2(code)}` : 'BPF_EXIT uses reserved fields');
        }
        return 1;
      }
      if (op === BPF_JA) {
        if (BPF_SRC(code) !== 0) throw loadError(pc, `unknown opcode ${hex2(code)}`);
        if (src !== 0 || dst !== 0 || (cls === BPF_JMP ? imm !== 0 : off !== 0))
          throw loadError(pc, 'BPF_JA uses reserved fields');
        return 1;
      }
      // check_cond_jmp_op() reads the dst register before it looks at the reserved fields: the verifier's walk
      // (no `regs`) checks them there, after check_reg_arg() (condJmpReserved()).
      if (regs) {
        condJmpReserved(i, pc);
        if (BPF_SRC(code) === BPF_X && src >= MAX_BPF_REG) throw loadError(pc, `R${src} is invalid`);
      }
      return 1;
    }
  }
  throw loadError(pc, `unknown opcode ${hex2(code)}`);
}

/**
 * check_cond_jmp_op()'s reserved fields of a conditional jump: a BPF_X jump takes no immediate, a BPF_K jump no
 * source register (checked after the dst register is read, before the source register).
 */
export function condJmpReserved(i: BpfInsn, pc: number): void {
  if (BPF_SRC(i.code) === BPF_X ? i.imm !== 0 : i.src_reg !== 0)
    throw loadError(pc, 'BPF_JMP/JMP32 uses reserved fields');
}

/**
 * bpf_opcode_in_insntable() (kernel/bpf/core.c, BPF_INSN_MAP and the carried-over cBPF loads): the codes Linux
 * 6.18 knows; LDX codes are checked before it for their mode (BPF_LDX uses reserved fields).
 */
const INSN_TABLE = new Uint8Array(256);
for (const c of [
  0x04, 0x05, 0x06, 0x07, 0x0c, 0x0f, 0x14, 0x15, 0x16, 0x17, 0x18, 0x1c, 0x1d, 0x1e, 0x1f, 0x20, 0x24, 0x25, 0x26,
  0x27, 0x28, 0x2c, 0x2d, 0x2e, 0x2f, 0x30, 0x34, 0x35, 0x36, 0x37, 0x3c, 0x3d, 0x3e, 0x3f, 0x40, 0x44, 0x45, 0x46,
  0x47, 0x48, 0x4c, 0x4d, 0x4e, 0x4f, 0x50, 0x54, 0x55, 0x56, 0x57, 0x5c, 0x5d, 0x5e, 0x5f, 0x61, 0x62, 0x63, 0x64,
  0x65, 0x66, 0x67, 0x69, 0x6a, 0x6b, 0x6c, 0x6d, 0x6e, 0x6f, 0x71, 0x72, 0x73, 0x74, 0x75, 0x76, 0x77, 0x79, 0x7a,
  0x7b, 0x7c, 0x7d, 0x7e, 0x7f, 0x81, 0x84, 0x85, 0x87, 0x89, 0x91, 0x94, 0x95, 0x97, 0x9c, 0x9f, 0xa4, 0xa5, 0xa6,
  0xa7, 0xac, 0xad, 0xae, 0xaf, 0xb4, 0xb5, 0xb6, 0xb7, 0xbc, 0xbd, 0xbe, 0xbf, 0xc3, 0xc4, 0xc5, 0xc6, 0xc7, 0xcb,
  0xcc, 0xcd, 0xce, 0xcf, 0xd3, 0xd4, 0xd5, 0xd6, 0xd7, 0xdb, 0xdc, 0xdd, 0xde, 0xe5,
])
  INSN_TABLE[c] = 1;

/**
 * The checks bpf_check() makes before it walks the program, in its order (no instruction is printed before their
 * message): add_subprog_and_kfunc()'s call and callback targets, check_subprogs()'s jumps inside their subprogram
 * and its last instruction, resolve_pseudo_ldimm64()'s LDX modes, ld_imm64 pairs and known opcodes (`callx`: RFC
 * 9669's BPF_CALL | BPF_X too). Everything
 * else about an instruction (reserved fields, register numbers) is checked when the walk reaches it (checkInsn()).
 */
export function bpfCheckProgram(
  insns: readonly BpfInsn[],
  callx = false,
  isKfunc?: (btfId: number) => boolean,
  resolve?: LdImm64Resolve,
  moduleBtf?: (fdIdx: number, pc: number) => never,
  gpl = true,
): Map<number, [number, number]> {
  const resolved = new Map<number, [number, number]>();
  const n = insns.length;
  if (n === 0) throw loadError(0, 'empty program');
  if (n > BPF_COMPLEXITY_LIMIT_INSNS) throw loadError(0, `program of ${n} insns is too large`, 'E2BIG');
  const starts = new Set([0]);
  for (let pc = 0; pc < n; pc++) {
    const i = insns[pc]!;
    // add_kfunc_call(): a GPL-compatible program only (checked at its first kfunc call, before the offset and the
    // id); a kfunc call names a FUNC of the kernel's BTF (the model's kfunc table), or with an off a module's BTF
    // by the fd at fd_array[off] (find_kfunc_desc_btf(); the model has no module BTF).
    if (i.code === (BPF_JMP | BPF_CALL) && i.src_reg === BPF_PSEUDO_KFUNC_CALL) {
      if (!gpl) throw loadError(pc, 'cannot call kernel function from non-GPL compatible program');
      if (i.off !== 0) {
        if (i.off < 0) throw loadError(pc, 'negative offset disallowed for kernel module function call');
        moduleBtf?.(i.off, pc);
      }
      // imm 0 and off 0: libbpf's poisoned call of an unresolved weak kfunc, refused later only if reached.
      if (isKfunc && !isKfunc(i.imm) && !(i.imm === 0 && i.off === 0))
        throw loadError(pc, `kernel btf_id ${i.imm >>> 0} is not a function`);
    }
    const call = i.code === (BPF_JMP | BPF_CALL) && i.src_reg === BPF_PSEUDO_CALL;
    if (!call && !(isLdImm64(i) && i.src_reg === BPF_PSEUDO_FUNC)) continue;
    const t = pc + i.imm + 1;
    if (t < 0 || t >= n) throw loadError(pc, 'call to invalid destination');
    starts.add(t);
  }
  const bounds = [...starts].sort((a, b) => a - b);
  bounds.push(n);
  for (let k = 0; k + 1 < bounds.length; k++) {
    const [start, end] = [bounds[k]!, bounds[k + 1]!];
    for (let pc = start; pc < end; pc++) {
      const { code } = insns[pc]!;
      const cls = BPF_CLASS(code);
      const op = BPF_OP(code);
      if ((cls === BPF_JMP || cls === BPF_JMP32) && op !== BPF_EXIT && op !== BPF_CALL) {
        // Only the exact gotol code (BPF_JMP32 | BPF_JA) takes its target from imm; any other code (a BPF_X one the
        // opcode table rejects later) from off.
        const t = code === (BPF_JMP32 | BPF_JA) ? pc + insns[pc]!.imm + 1 : pc + insns[pc]!.off + 1;
        if (t < start || t >= end) throw loadError(pc, `jump out of range from insn ${pc} to ${t}`);
      }
      // No fall-through into the next subprogram: an exit or an unconditional jump ends each one.
      if (
        pc === end - 1 &&
        code !== (BPF_JMP | BPF_EXIT) &&
        code !== (BPF_JMP32 | BPF_JA) &&
        code !== (BPF_JMP | BPF_JA)
      ) {
        throw loadError(pc, 'last insn is not an exit or jmp');
      }
    }
  }
  for (let pc = 0; pc < n; pc++) {
    const i = insns[pc]!;
    if (
      BPF_CLASS(i.code) === BPF_LDX &&
      ((BPF_MODE(i.code) !== BPF_MEM && BPF_MODE(i.code) !== BPF_MEMSX) || i.imm !== 0)
    ) {
      throw loadError(pc, 'BPF_LDX uses reserved fields');
    }
    if (isLdImm64(i)) {
      const next = insns[pc + 1];
      if (!next || next.code !== 0 || next.dst_reg !== 0 || next.src_reg !== 0 || next.off !== 0)
        throw loadError(pc, 'invalid bpf_ld_imm64 insn');
      if (
        i.src_reg > BPF_PSEUDO_MAP_IDX_VALUE ||
        ((i.src_reg === BPF_PSEUDO_MAP_FD || i.src_reg === BPF_PSEUDO_MAP_IDX) && next.imm !== 0)
      ) {
        throw loadError(pc, 'unrecognized bpf_ld_imm64 insn');
      }
      // A map (fd or fd_array index) or a kernel BTF object is looked up here, in the same walk: an earlier unknown
      // opcode is reported first, a later one after this instruction's own error.
      if (resolve && i.src_reg !== 0 && i.src_reg !== BPF_PSEUDO_FUNC)
        resolved.set(pc, resolve(i.src_reg, i.imm, next.imm, pc));
      pc++;
      continue;
    }
    if (!INSN_TABLE[i.code] && !(callx && i.code === (BPF_JMP | BPF_CALL | BPF_X)))
      throw loadError(pc, `unknown opcode ${hex2(i.code)}`);
  }
  return resolved;
}

/**
 * Load-time checks of a whole program for a load without the verifier: bpfCheckProgram(), then every
 * instruction's encoding (checkInsn()) and no jump into an lddw's second slot. Throws a KernelError (EINVAL/E2BIG)
 * with detail.insn.
 */
export function bpfCheckInsns(insns: readonly BpfInsn[], resolve?: LdImm64Resolve): Map<number, [number, number]> {
  // RFC 9669's callx (BPF_CALL | BPF_X) runs here; Linux 6.18 has no such opcode.
  const resolved = bpfCheckProgram(insns, true, undefined, resolve);
  const n = insns.length;
  const second = new Uint8Array(n);
  for (let pc = 0; pc < n;) {
    const slots = checkInsn(insns, pc);
    if (slots === 2) second[pc + 1] = 1;
    pc += slots;
  }
  for (let pc = 0; pc < n; pc++) {
    if (second[pc]) continue;
    const t = branchTarget(insns, pc);
    if (t !== -1 && second[t]) throw loadError(pc, `jump into the middle of ldimm64 insn ${t - 1}`);
  }
  return resolved;
}
