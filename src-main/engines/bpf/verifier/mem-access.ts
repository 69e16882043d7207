/**
 * Memory access (kernel/bpf/verifier.c, Linux 6.18): check_mem_access() by pointer type (stack, map value, memory,
 * context as check_ctx_access(), socket, map, packet as check_packet_access()), check_mem_region_access(), the
 * instructions that access memory (check_load_mem(), check_store_reg(), check_atomic() with check_ptr_alignment()),
 * the legacy packet loads (check_ld_abs()) and ld_imm64 (check_ld_imm()).
 */
import {
  BPF_IND,
  BPF_CMPXCHG,
  BPF_LOAD_ACQ,
  BPF_STORE_REL,
  BPF_DW,
  BPF_FETCH,
  BPF_MEMSX,
  BPF_MODE,
  BPF_PSEUDO_FUNC,
  BPF_PSEUDO_BTF_ID,
  BPF_PSEUDO_MAP_FD,
  BPF_PSEUDO_MAP_IDX,
  BPF_PSEUDO_MAP_IDX_VALUE,
  BPF_PSEUDO_MAP_VALUE,
  BPF_SIZE,
  BPF_XCHG,
  bpfSizeBytes,
} from '../isa';
import type { BpfInsn } from '../isa';
import { BPF_MAP_TYPE } from '../maps';
import type { BpfMapTypeName } from '../maps';
import { MAP_BTF_STRUCT, MAP_STRUCTS, btfStructAccess } from '../map_btf';
import { reject } from './error';
import { CTX_ACCESS, ctxPointerField, sockCommonAccess } from './prog-types';
import {
  coerceRegToSize,
  coerceRegToSizeSx,
  copyReg,
  isPktPointer,
  notInit,
  pointer,
  regTypeStr,
  scalarConst,
  scalarUnknown,
} from './reg';
import type { Reg } from './reg';
import { S64_MIN, tnumConst, tnumIsConst, tnumIsAligned, tnumStr, tnumAdd } from './tnum';
import { BPF_MAX_VAR_OFF } from './env';
import type { BpfVerifierEnv } from './env';
import {
  check_stack_access_within_bounds,
  check_stack_write_fixed_off,
  check_stack_read_fixed_off,
  stackVarOff,
} from './stack-access';

/** atomic_ptr_type_ok(): no atomic access through a ctx or packet pointer (the model has no flow_key, sk or arena). */
// is_ctx_reg(), is_pkt_reg(), is_sk_reg() (type_is_sk_pointer(): PTR_TO_SOCK_COMMON without PTR_MAYBE_NULL).
const atomic_ptr_type_ok = (r: Reg): boolean =>
  r.type !== 'ctx' && !isPktPointer(r) && !(r.type === 'sock_common' && !r.maybeNull);

/** check_mem_region_access() + __check_mem_access(). */
export function check_mem_region_access(
  r: Reg,
  regno: number,
  off: number,
  size: number,
  memSize: number,
  zeroOk = false,
): void {
  const what = (o: bigint): string =>
    r.type === 'map_value'
      ? `invalid access to map value, value_size=${memSize} off=${o} size=${size}`
      : `invalid access to memory, mem_size=${memSize} off=${o} size=${size}`;
  const ok = (o: bigint): boolean =>
    o >= 0n && (size > 0 || (size === 0 && zeroOk)) && o + BigInt(size) <= BigInt(memSize);
  const o = BigInt(off);
  if (r.smin < 0n && (r.smin === S64_MIN || o + r.smin !== BigInt.asIntN(32, o + r.smin) || r.smin + o < 0n)) {
    reject(`R${regno} min value is negative, either use unsigned index or do a if (index >=0) check.`);
  }
  if (!ok(r.smin + o)) reject(`${what(r.smin + o)}\nR${regno} min value is outside of the allowed memory range`);
  if (r.umax >= BPF_MAX_VAR_OFF) reject(`R${regno} unbounded memory access, make sure to bounds check any such access`);
  if (!ok(r.umax + o)) reject(`${what(r.umax + o)}\nR${regno} max value is outside of the allowed memory range`);
}

/** check_mem_access() for loads (value_regno = dst) and stores. Returns the loaded value. */
export function check_mem_access(
  env: BpfVerifierEnv,
  regno: number,
  off: number,
  size: number,
  write: boolean,
  valueRegno: number,
  isSt: boolean,
  stImm: number,
  ldsx: boolean,
): Reg | undefined {
  const r = env.cur_regs()[regno]!;
  const insnOff = off;
  if (r.type === 'scalar' || r.type === 'not_init') reject(`R${regno} invalid mem access '${regTypeStr(r)}'`);
  if (r.maybeNull) reject(`R${regno} invalid mem access '${regTypeStr(r)}'`);
  switch (r.type) {
    case 'fp': {
      const total = tnumAdd(r.var_off, tnumConst(BigInt(r.off + off)));
      if (!tnumIsAligned(total, size)) {
        reject(`misaligned stack access off ${tnumStr(r.var_off)}+${r.off}+${off} size ${size}`);
      }
      const aoff = off + r.off;
      const [minOff] = check_stack_access_within_bounds(r, regno, aoff, size, write);
      const f = env.stackOf(r);
      env.update_stack_depth(f, minOff);
      if (!tnumIsConst(r.var_off)) return stackVarOff(env, r, regno, aoff, size, write, valueRegno, isSt, stImm);
      if (write) {
        check_stack_write_fixed_off(env, f, minOff, size, valueRegno, isSt, stImm);
        return undefined;
      }
      return check_stack_read_fixed_off(env, f, minOff, size, valueRegno);
    }
    case 'map_value': {
      const map = r.map!;
      check_mem_region_access(r, regno, off + r.off, size, map.value_size);
      if (write && valueRegno >= 0 && env.cur_regs()[valueRegno]!.type !== 'scalar') void 0;
      return write ? undefined : scalarUnknown();
    }
    case 'mem': {
      if (write && r.rdonly) reject(`R${regno} cannot write into ${regTypeStr(r)}`);
      check_mem_region_access(r, regno, off + r.off, size, r.mem_size);
      return write ? undefined : scalarUnknown();
    }
    case 'ctx': {
      // "R%d leaks addr into ctx" is for unprivileged loads only (is_pointer_value() with allow_ptr_leaks).
      // __check_ptr_off_reg(): a negative fixed offset, then any fixed offset, then a variable one.
      if (r.off < 0) reject(`negative offset ctx ptr R${regno} off=${r.off} disallowed`);
      if (r.off) reject(`dereference of modified ctx ptr R${regno} off=${r.off} disallowed`);
      if (!tnumIsConst(r.var_off) || r.var_off.v)
        reject(`variable ctx access var_off=${tnumStr(r.var_off)} disallowed`);
      const o = insnOff + r.off;
      const ok = CTX_ACCESS[env.progType](o, size, write) && !(ldsx && ctxPointerField(env.progType, o));
      if (!ok) reject(`invalid bpf_context access off=${o} size=${size}`);
      // check_ctx_access(): remember the offset of the last byte accessed in ctx.
      env.maxCtxOffset = Math.max(env.maxCtxOffset, o + size);
      if (write) return undefined;
      if (env.progType === 'xdp' || (env.progType === 'socket_filter' && ctxPointerField(env.progType, o))) {
        env.ctxLoads.set(env.insnIdx, o);
      }
      // xdp_is_valid_access(): data, data_end and data_meta load as packet pointers (id 0, range 0).
      if (env.progType === 'socket_filter' && ctxPointerField(env.progType, o)) {
        // bpf_skb_is_valid_access(): __sk_buff.sk loads as PTR_TO_SOCK_COMMON_OR_NULL; check_ctx_access() gives
        // a maybe-NULL pointer an id (++id_gen) for the null check.
        const sk = pointer('sock_common');
        sk.maybeNull = true;
        sk.id = env.newId();
        return sk;
      }
      if (ctxPointerField(env.progType, o)) return pointer(o === 0 ? 'pkt' : o === 4 ? 'pkt_end' : 'pkt_meta');
      return scalarUnknown();
    }
    case 'sock_common': {
      // check_mem_access() for type_is_sk_pointer(), then check_sock_access() -> bpf_sock_common_is_valid_access().
      if (write) reject(`R${regno} cannot write into ${regTypeStr(r)}`);
      const o = insnOff + r.off;
      if (!sockCommonAccess(o, size)) reject(`R${regno} invalid ${regTypeStr(r)} access off=${o} size=${size}`);
      return scalarUnknown();
    }
    case 'map_ptr': {
      // check_ptr_to_map_access(): a privileged load reads the map's kernel struct through BTF.
      const tname = MAP_BTF_STRUCT[mapTypeName(r.map!.map_type)];
      const o = insnOff + r.off;
      if (o < 0) reject(`R${regno} is ${tname} invalid negative access: off=${o}`);
      if (write) reject(`only read from ${tname} is supported`);
      const w = btfStructAccess(MAP_STRUCTS[tname]!, o, size);
      if (w.k === 'error') reject(w.message, w.errno);
      // Departure from Linux 6.18: the model has no PTR_TO_BTF_ID register, so a pointer field is not loaded.
      if (w.k === 'ptr') reject(`R${regno} invalid mem access '${regTypeStr(r)}'`);
      return scalarUnknown();
    }
    case 'pkt':
    case 'pkt_meta':
      // XDP may read and write the packet (may_access_direct_pkt_data()); only XDP has packet pointers here.
      check_packet_access(r, regno, off + r.off, size, false);
      return write ? undefined : scalarUnknown();
    default:
      reject(`R${regno} invalid mem access '${regTypeStr(r)}'`);
  }
}

/**
 * check_packet_access(): `off` includes the pointer's fixed offset; the access must lie within reg->range (set by
 * a bounds check against pkt_end: find_good_pkt_pointers() in pkt-pointers.ts); a pointer marked at or beyond
 * pkt_end (range < 0) is outside of the packet.
 */
export function check_packet_access(r: Reg, regno: number, off: number, size: number, zeroOk: boolean): void {
  if (r.smin < 0n) reject(`R${regno} min value is negative, either use unsigned index or do a if (index >=0) check.`);
  const range = r.mem_size;
  if (range < 0) reject(`R${regno} offset is outside of the packet`, 'EINVAL');
  const sizeOk = size > 0 || (size === 0 && zeroOk);
  if (off >= 0 && sizeOk && off + size <= range) return;
  reject(`invalid access to packet, off=${off} size=${size}, R${regno}(id=${r.id},off=${off},r=${range})`);
}

/** check_load_mem(): BPF_LDX (BPF_MEM and the sign-extending BPF_MEMSX). */
export function check_load_mem(env: BpfVerifierEnv, insn: BpfInsn, idx: number): void {
  void idx;
  env.readReg(insn.src_reg);
  env.writeReg(insn.dst_reg);
  const size = bpfSizeBytes(BPF_SIZE(insn.code));
  const ldsx = BPF_MODE(insn.code) === BPF_MEMSX;
  let v = check_mem_access(env, insn.src_reg, insn.off, size, false, insn.dst_reg, false, 0, ldsx)!;
  if (v.type === 'scalar' && size < 8) {
    v = copyReg(v);
    if (ldsx) coerceRegToSizeSx(v, size);
    else coerceRegToSize(v, size);
  }
  env.cur_regs()[insn.dst_reg] = v;
}

/** check_store_reg() (BPF_STX, src >= 0) and BPF_ST (src -1: the immediate is stored). */
export function check_store_reg(env: BpfVerifierEnv, insn: BpfInsn, idx: number, src: number): void {
  void idx;
  if (src >= 0) env.readReg(src);
  env.readReg(insn.dst_reg);
  const size = bpfSizeBytes(BPF_SIZE(insn.code));
  check_mem_access(env, insn.dst_reg, insn.off, size, true, src, src < 0, insn.imm, false);
}

/** check_atomic(): load-acquire, store-release and the read-modify-write atomics. */
export function check_atomic(env: BpfVerifierEnv, insn: BpfInsn, idx: number): void {
  const size = bpfSizeBytes(BPF_SIZE(insn.code));
  if (insn.imm === BPF_LOAD_ACQ) {
    // check_atomic_load(): atomic_ptr_type_ok() of the source, then check_load_mem() with strict alignment: the
    // source and destination registers (`R11 is invalid`, EINVAL) before the access's alignment and type. An unset
    // source passes the type check and fails the read, so reading it first gives the same answer.
    const s = env.readReg(insn.src_reg);
    if (!atomic_ptr_type_ok(s)) reject(`BPF_ATOMIC loads from R${insn.src_reg} ${regTypeStr(s)} is not allowed`);
    env.writeReg(insn.dst_reg);
    check_ptr_alignment(env, insn.src_reg, insn.off, size);
    check_load_mem(env, insn, idx);
    return;
  }
  if (insn.imm === BPF_STORE_REL) {
    // check_atomic_store(): check_store_reg() with strict alignment, then atomic_ptr_type_ok() of the destination.
    env.readReg(insn.src_reg);
    env.readReg(insn.dst_reg);
    check_ptr_alignment(env, insn.dst_reg, insn.off, size);
    check_store_reg(env, insn, idx, insn.src_reg);
    const d = env.cur_regs()[insn.dst_reg]!;
    if (!atomic_ptr_type_ok(d)) reject(`BPF_ATOMIC stores into R${insn.dst_reg} ${regTypeStr(d)} is not allowed`);
    return;
  }
  env.readReg(insn.src_reg);
  env.readReg(insn.dst_reg);
  if (insn.imm === BPF_CMPXCHG) env.readReg(0);
  // "R%d leaks addr into mem" is for unprivileged loads only (is_pointer_value() with allow_ptr_leaks).
  const d = env.cur_regs()[insn.dst_reg]!;
  if (!atomic_ptr_type_ok(d)) reject(`BPF_ATOMIC stores into R${insn.dst_reg} ${regTypeStr(d)} is not allowed`);
  // check_atomic_rmw(): a read that keeps no value, then (fetch) the load into the fetch register, then the write.
  const fetchReg = insn.imm === BPF_CMPXCHG ? 0 : insn.imm & BPF_FETCH || insn.imm === BPF_XCHG ? insn.src_reg : -1;
  // check_reg_arg(load_reg, DST_OP) before any access: the fetch register is an unknown scalar from here on (r10:
  // "frame pointer is read only"), so a dst that is also the fetch register is no pointer for the accesses.
  if (fetchReg >= 0) {
    env.writeReg(fetchReg);
    env.setReg(fetchReg, scalarUnknown());
  }
  // Each access with strict alignment; the write goes through dst as the fetch left it (it may be the fetch register).
  check_ptr_alignment(env, insn.dst_reg, insn.off, size);
  check_mem_access(env, insn.dst_reg, insn.off, size, false, -1, false, 0, false);
  const old =
    fetchReg >= 0 ? check_mem_access(env, insn.dst_reg, insn.off, size, false, fetchReg, false, 0, false) : undefined;
  if (fetchReg >= 0) {
    const v = old ? copyReg(old) : scalarUnknown();
    if (size < 8 && v.type === 'scalar') coerceRegToSize(v, size);
    env.setReg(fetchReg, v);
  }
  check_ptr_alignment(env, insn.dst_reg, insn.off, size);
  check_mem_access(env, insn.dst_reg, insn.off, size, true, -1, false, 0, false);
}

/**
 * check_ptr_alignment() with strict_alignment_once (atomics): every pointer type and a scalar base must be aligned
 * to the access size (the stack always is, in check_mem_access()).
 */
export function check_ptr_alignment(env: BpfVerifierEnv, regno: number, off: number, size: number): void {
  const r = env.cur_regs()[regno]!;
  if (size === 1 || r.type === 'fp' || r.type === 'not_init') return;
  const total = tnumAdd(r.var_off, tnumConst(BigInt(r.off + off)));
  if (tnumIsAligned(total, size)) return;
  const desc = r.type === 'ctx' ? 'context ' : r.type === 'map_value' ? 'value ' : '';
  reject(`misaligned ${desc}access off ${tnumStr(r.var_off)}+${r.off}+${off} size ${size}`);
}

/**
 * check_ld_abs(): a legacy packet load (BPF_ABS/BPF_IND, one of the opcode table's B/H/W) reads the skb in R6 into
 * R0 and clobbers R1-R5, as a helper call; only program types with an skb (may_access_skb()) have it.
 */
export function check_ld_abs(env: BpfVerifierEnv, insn: BpfInsn): void {
  if (env.progType !== 'socket_filter')
    reject('BPF_LD_[ABS|IND] instructions not allowed for this program type', 'EINVAL');
  const ind = BPF_MODE(insn.code) === BPF_IND;
  if (insn.dst_reg !== 0 || insn.off !== 0 || BPF_SIZE(insn.code) === BPF_DW || (!ind && insn.src_reg !== 0)) {
    reject('BPF_LD_[ABS|IND] uses reserved fields', 'EINVAL');
  }
  const r6 = env.readReg(6);
  // check_resource_leak(): gen_ld_abs() may end the program at run time, so nothing may be held (main frame).
  if (env.cur.frames.length === 1 && env.cur.refs.length) {
    const lines = env.cur.refs.map((r) => `Unreleased reference id=${r.id} alloc_insn=${r.insn_idx}`);
    reject(`${lines.join('\n')}\nBPF_LD_[ABS|IND] would lead to reference leak`, 'EINVAL');
  }
  if (r6.type !== 'ctx') reject('at the time of BPF_LD_ABS|IND R6 != pointer to skb', 'EINVAL');
  if (ind) env.readReg(insn.src_reg);
  // check_ptr_off_reg() on R6.
  if (r6.off < 0) reject(`negative offset ctx ptr R6 off=${r6.off} disallowed`);
  if (r6.off) reject(`dereference of modified ctx ptr R6 off=${r6.off} disallowed`);
  if (!tnumIsConst(r6.var_off) || r6.var_off.v) reject(`variable ctx access var_off=${tnumStr(r6.var_off)} disallowed`);
  const regs = env.cur_regs();
  for (let r = 1; r <= 5; r++) {
    regs[r] = notInit();
    env.scratchRegs.add(r);
  }
  env.writeReg(0);
  regs[0] = scalarUnknown();
}

/** check_ld_imm(): ld_imm64 of a constant, a callback, a kernel function or a map (pointer or value). */
export function check_ld_imm(env: BpfVerifierEnv, insn: BpfInsn, idx: number): void {
  env.writeReg(insn.dst_reg);
  const next = env.insns[idx + 1]!;
  if (insn.src_reg === 0) {
    env.cur_regs()[insn.dst_reg] = scalarConst((BigInt(next.imm >>> 0) << 32n) | BigInt(insn.imm >>> 0));
    return;
  }
  if (insn.src_reg === BPF_PSEUDO_FUNC) {
    // check_ld_imm(): a callback must be a static function of the program's BTF (the model's all are).
    if (env.attr.func_info === false) reject('missing btf func_info', 'EINVAL');
    const r = pointer('func');
    r.subprog = idx + insn.imm + 1;
    env.cur_regs()[insn.dst_reg] = r;
    return;
  }
  if (insn.src_reg === BPF_PSEUDO_BTF_ID) {
    // A kernel FUNC (resolve_pseudo_ldimm64() let no other kind through): PTR_TO_MEM | MEM_RDONLY of size 0.
    const r = pointer('mem');
    r.rdonly = true;
    r.mem_size = 0;
    env.cur_regs()[insn.dst_reg] = r;
    return;
  }
  // resolve_pseudo_ldimm64() has found the map by fd (src 1/2) or by its fd_array index (src 5/6).
  const byIdx = insn.src_reg === BPF_PSEUDO_MAP_IDX || insn.src_reg === BPF_PSEUDO_MAP_IDX_VALUE;
  const fd = byIdx ? env.attr.fd_array?.[insn.imm >>> 0] : insn.imm;
  const map = fd === undefined ? undefined : env.attr.mapById(fd);
  if (!map) reject(`fd ${fd ?? insn.imm} is not pointing to valid bpf_map`, 'EINVAL');
  if (insn.src_reg === BPF_PSEUDO_MAP_FD || insn.src_reg === BPF_PSEUDO_MAP_IDX) {
    const r = pointer('map_ptr');
    r.map = map;
    env.cur_regs()[insn.dst_reg] = r;
  } else if (insn.src_reg === BPF_PSEUDO_MAP_VALUE || insn.src_reg === BPF_PSEUDO_MAP_IDX_VALUE) {
    const r = pointer('map_value', next.imm);
    r.map = map;
    env.cur_regs()[insn.dst_reg] = r;
  } else {
    reject(`unsupported ld_imm64 source ${insn.src_reg}`, 'EINVAL');
  }
}

/** The name of a modelled map type (enum bpf_map_type). */
function mapTypeName(t: number): BpfMapTypeName {
  return (Object.keys(BPF_MAP_TYPE) as BpfMapTypeName[]).find((n) => BPF_MAP_TYPE[n] === t)!;
}
