/**
 * Calls and exits (kernel/bpf/verifier.c, Linux 6.18): check_helper_call() and its argument checks
 * (check_reg_type(), check_helper_mem_access(), get_constant_map_key(), check_map_func_compatibility()), references
 * (acquire_reference(), release_reference()), bpf-to-bpf calls (check_func_call()), bpf_loop's callback
 * (push_callback_call()), and BPF_EXIT with prepare_func_exit().
 */
import { BPF_FUNC_NAMES } from '../helper-ids';
import { MAX_CALL_FRAMES } from '../isa';
import type { BpfMap } from '../maps';
import { reject } from './error';
import { helperCallRefusal } from './prog-types';
import { HELPER_PROTOS } from './protos';
import type { ArgType } from './protos';
import { copyReg, isNull, isPktPointer, notInit, pointer, regBoundsSync, regTypeStr, scalarUnknown } from './reg';
import type { Reg } from './reg';
import {
  STACK_INVALID,
  STACK_MISC,
  STACK_SPILL,
  STACK_ZERO,
  curFrame,
  isSpilledReg,
  newFrame,
  printState,
  widenImpreciseScalars,
} from './state';
import { S64_MAX, S64_MIN, tnumIsConst, tnumStr, s64 } from './tnum';
import { BPF_MAX_VAR_SIZ } from './env';
import type { BpfVerifierEnv } from './env';
import { mark_chain_precision, __mark_chain_precision } from './precision';
import { check_stack_access_within_bounds, check_stack_write_fixed_off } from './stack-access';
import { check_mem_region_access, check_packet_access } from './mem-access';

/** bpf_ringbuf_output, _reserve, _submit, _discard, _query, _reserve_dynptr, _submit_dynptr, _discard_dynptr. */
const RINGBUF_HELPERS = new Set([130, 131, 132, 133, 134, 198, 199, 200]);
/** BPF_FUNC_tail_call. */
const BPF_FUNC_TAIL_CALL = 12;

/** clear_caller_saved_regs(): R0-R5 are unset after a call (and scratched for the log). */
export function clear_caller_saved_regs(env: BpfVerifierEnv, regs: Reg[]): void {
  for (let r = 0; r <= 5; r++) {
    regs[r] = notInit();
    env.scratchRegs.add(r);
  }
}

/** check_func_call(): a bpf-to-bpf call (setup_func_entry()'s frame limit: its message has no ` !`). */
export function check_func_call(env: BpfVerifierEnv, idx: number, target: number): number {
  if (env.cur.frames.length >= MAX_CALL_FRAMES)
    reject(`the call stack of ${env.cur.frames.length + 1} frames is too deep`, 'E2BIG');
  const caller = curFrame(env.cur);
  const callee = newFrame(env.cur.frames.length, idx, target);
  for (let r = 1; r <= 5; r++) callee.regs[r] = copyReg(caller.regs[r]!);
  env.cur.frames.push(callee);
  // As __check_func_call(): the caller is printed without its caller-saved registers.
  clear_caller_saved_regs(env, caller.regs);
  if (env.level) {
    env.verbose(`caller:\n${printState(env.cur, caller)}\ncallee:\n${printState(env.cur, callee)}\n`);
    env.prevLogPos = 0;
  }
  env.scratchAll = true;
  return target;
}

/** check_helper_call(): the program type may call helper `id`; its arguments, return value and references. */
export function check_helper_call(env: BpfVerifierEnv, id: number, idx: number): number {
  // A helper registered through register_helper() with an id the model has no proto for is an extension of the
  // model: the program type's get_func_proto() table does not apply to it.
  const extension = !HELPER_PROTOS.has(id) && env.attr.helperProto?.(id) !== undefined;
  const proto = env.get_helper_proto(id);
  if (!extension) {
    const gplRefused = env.attr.gpl_compatible === false && !!proto?.gpl_only;
    const refusal = helperCallRefusal(env.progType, id, env.progType === 'syscall' || !!env.attr.sleepable, gplRefused);
    if (refusal) reject(refusal, 'EINVAL');
  }
  // Departure from 6.18: a helper the kernel offers this type but the model does not implement (no proto here) is
  // refused; Linux goes on to check its arguments.
  const name =
    env.attr.helperName(id) ?? (id >= 0 && id < BPF_FUNC_NAMES.length ? `bpf_${BPF_FUNC_NAMES[id]}` : 'unknown');
  if (!proto) reject(`invalid func ${name}#${id}`, 'EINVAL');
  const unimplemented = (): never => reject(`invalid func ${name}#${id}`, 'EINVAL');
  const regs = env.cur_regs();
  let mapArg: BpfMap | undefined;
  let releaseRef = 0;
  let allocSize = 0n;
  let rawMode: { regno: number; size: number } | undefined;
  let callback: Reg | undefined;
  let constMapKey = -1n;
  for (let a = 0; a < proto.args.length; a++) {
    const regno = a + 1;
    const t = proto.args[a]!;
    const r = env.readReg(regno);
    // check_func_arg(): before the type check, a packet pointer to a helper without pkt_access. Only XDP has
    // packet pointers here, and for XDP may_access_direct_pkt_data() with a proto is its pkt_access.
    if (t !== 'anything' && isPktPointer(r) && !proto.pkt_access) reject('helper access to the packet is not allowed');
    check_reg_type(regno, r, t);
    switch (t) {
      case 'const_map_ptr':
        mapArg = r.map;
        break;
      case 'map_key':
        if (!mapArg) reject('invalid map_ptr to access map->key');
        check_helper_mem_access(env, regno, mapArg.key_size, false, false);
        // can_elide_value_nullness(): an array's lookup with a key known on the stack.
        if (mapArg.type_name === 'BPF_MAP_TYPE_ARRAY' || mapArg.type_name === 'BPF_MAP_TYPE_PERCPU_ARRAY') {
          constMapKey = get_constant_map_key(env, r, mapArg.key_size);
        }
        break;
      case 'map_value':
        if (!mapArg) reject('invalid map_ptr to access map->value');
        check_helper_mem_access(env, regno, mapArg.value_size, false, false);
        break;
      case 'map_value_or_null':
        if (isNull(r)) break;
        if (!mapArg) reject('invalid map_ptr to access map->value');
        check_helper_mem_access(env, regno, mapArg.value_size, false, false);
        break;
      case 'const_size':
      case 'const_size_or_zero': {
        const zeroOk = t === 'const_size_or_zero';
        const prevType = proto.args[a - 1]!;
        if (r.smin < 0n) reject(`R${regno} min value is negative, either use unsigned or 'var &= const'`);
        if (r.umin === 0n && !zeroOk) reject(`R${regno} invalid zero-sized read: u64=[${r.umin},${r.umax}]`);
        if (r.umax >= BPF_MAX_VAR_SIZ)
          reject(`R${regno} unbounded memory access, use 'var &= const' or 'if (var < const)'`);
        const write = prevType === 'uninit_mem';
        // raw_mode (the memory is written byte by byte after the call) needs a constant size (check_mem_size_reg())
        // and a stack pointer of fixed offset (else check_stack_range_initialized() clobbers the range it checks).
        const ptr = regs[regno - 1]!;
        if (write && tnumIsConst(r.var_off) && (ptr.type !== 'fp' || tnumIsConst(ptr.var_off))) {
          helperMemAccessBounds(env, regno - 1, Number(r.umax), zeroOk);
          rawMode = { regno: regno - 1, size: Number(r.umax) };
        } else {
          check_helper_mem_access(env, regno - 1, Number(r.umax), write, zeroOk);
        }
        mark_chain_precision(env, regno);
        break;
      }
      case 'const_alloc_size_or_zero':
        if (!tnumIsConst(r.var_off)) reject(`R${regno} is not a known constant'`);
        allocSize = r.var_off.v;
        mark_chain_precision(env, regno);
        break;
      case 'alloc_mem':
        if (!r.ref_obj_id) reject(`R${regno} must be referenced when passed to release function`, 'EINVAL');
        if (r.off || !tnumIsConst(r.var_off) || r.var_off.v)
          reject(`R${regno} must have zero offset when passed to release func`);
        releaseRef = r.ref_obj_id;
        break;
      case 'func':
        callback = r;
        break;
      default:
        break;
    }
  }
  if (proto.unimplemented) unimplemented();
  // record_func_key(): a tail call's map must be a prog array (the kernel's line has no newline). The model creates
  // no BPF_MAP_TYPE_PROG_ARRAY, so every map is refused here.
  if (id === BPF_FUNC_TAIL_CALL) reject('expected prog array map for tail call', 'EINVAL', '');
  if (proto.release && releaseRef) release_reference(env, releaseRef);
  if (rawMode) {
    const pr = regs[rawMode.regno]!;
    if (pr.type === 'fp') {
      const f = env.stackOf(pr);
      const base = Number(s64(pr.var_off.v)) + pr.off;
      for (let b = 0; b < rawMode.size; b++) check_stack_write_fixed_off(env, f, base + b, 1, -1, false, 0);
    }
  }
  let next = idx + 1;
  if (proto.callback === 'loop' && callback) push_callback_call(env, idx, callback);
  clear_caller_saved_regs(env, regs);
  let r0: Reg;
  switch (proto.ret) {
    case 'integer':
      r0 = scalarUnknown();
      if (id === 8) {
        r0.umax = BigInt((env.attr.nr_cpus ?? 4) - 1);
        r0.smin = 0n;
        r0.smax = r0.umax;
        regBoundsSync(r0);
      }
      break;
    case 'void':
      r0 = notInit();
      break;
    case 'map_value_or_null':
      r0 = pointer('map_value');
      r0.map = mapArg;
      // bpf_map_lookup_elem() of an array with a constant key below max_entries cannot return NULL.
      if (id === 1 && mapArg && constMapKey >= 0n && constMapKey < BigInt(mapArg.max_entries)) break;
      r0.maybeNull = true;
      r0.id = env.newId();
      break;
    case 'ringbuf_mem_or_null': {
      r0 = pointer('mem');
      r0.ringbuf = true;
      r0.maybeNull = true;
      r0.mem_size = Number(allocSize);
      // check_helper_call() gives a maybe-NULL return an id (++id_gen) before acquire_reference() takes the next
      // one for it: the reference is id 2 in a program with no other ids.
      env.newId();
      const ref = acquire_reference(env, idx);
      r0.id = ref;
      r0.ref_obj_id = ref;
      break;
    }
  }
  regs[0] = r0;
  if (mapArg) check_map_func_compatibility(mapArg, id, name, proto.mapType);
  next = idx + 1;
  return next;
}

/**
 * check_map_func_compatibility(), after the return register is set: a ring buffer takes only the ringbuf
 * helpers, and they take only a ring buffer (the modelled map types and helpers).
 */
export function check_map_func_compatibility(map: BpfMap, id: number, name: string, mapType?: string): void {
  const ringbufFn = RINGBUF_HELPERS.has(id);
  // The helpers of the other map types (perf event array, stack trace, cgroup storage) take only their own type.
  if (
    (map.type_name === 'BPF_MAP_TYPE_RINGBUF') !== ringbufFn ||
    (mapType !== undefined && map.type_name !== mapType)
  ) {
    reject(`cannot pass map_type ${map.map_type} into func ${name}#${id}`, 'EINVAL');
  }
}

/**
 * get_constant_map_key(): the key a stack pointer points at when it is known, zeroed bytes (STACK_ZERO) or a
 * spilled constant scalar of exactly the key's size (that slot is then marked precise); -1 otherwise.
 */
export function get_constant_map_key(env: BpfVerifierEnv, key: Reg, keySize: number): bigint {
  if (key.type !== 'fp' || !tnumIsConst(key.var_off)) return -1n;
  const slotIdx = -(key.off + Number(s64(key.var_off.v))) - 1;
  const spi = Math.floor(slotIdx / 8);
  const s = env.stackOf(key).stack[spi];
  if (!s) return -1n;
  let zero = 0;
  for (let i = slotIdx % 8; i >= 0 && s.slot_type[i] === STACK_ZERO; i--) zero++;
  if (zero >= keySize) return 0n;
  if (!isSpilledReg(s) || s.spilled.type !== 'scalar') return -1n;
  let spill = 0;
  for (let i = slotIdx % 8; i >= 0 && s.slot_type[i] === STACK_SPILL; i--) spill++;
  if (spill !== keySize || !tnumIsConst(s.spilled.var_off)) return -1n;
  const bt = env.newBt();
  bt.slots[key.frameno]!.add(spi);
  __mark_chain_precision(env, bt);
  return s64(s.spilled.var_off.v);
}

/** check_reg_type(): the register's type is one the argument type accepts (compatible_reg_types[]). */
export function check_reg_type(regno: number, r: Reg, t: ArgType): void {
  const MEM = ['fp', 'pkt', 'pkt_meta', 'map_key', 'map_value', 'mem', 'ringbuf_mem', 'buf', 'trusted_ptr_'];
  const tstr = regTypeStr(r);
  const bad = (expected: string[]): never => reject(`R${regno} type=${tstr} expected=${expected.join(', ')}`);
  switch (t) {
    case 'anything':
      return;
    case 'const_map_ptr':
      if (r.type !== 'map_ptr') bad(['map_ptr']);
      return;
    case 'map_key':
    case 'map_value':
    case 'mem':
    case 'uninit_mem':
      if (r.maybeNull || r.rdonly || !['fp', 'map_value', 'mem', 'pkt', 'pkt_meta'].includes(r.type)) bad(MEM);
      return;
    case 'mem_rdonly':
      if (r.maybeNull || !['fp', 'map_value', 'mem'].includes(r.type)) bad(MEM);
      return;
    case 'const_size':
    case 'const_size_or_zero':
    case 'const_alloc_size_or_zero':
      if (r.type !== 'scalar') bad(['scalar']);
      return;
    case 'func':
      if (r.type !== 'func') bad(['func']);
      return;
    case 'stack_or_null':
      if (isNull(r)) return;
      if (r.type !== 'fp') bad(['fp']);
      return;
    case 'alloc_mem':
      if (r.type !== 'mem' || !r.ringbuf || r.maybeNull) bad(['ringbuf_mem']);
      return;
    case 'map_value_or_null':
      if (isNull(r)) return;
      if (r.maybeNull || r.rdonly || !['fp', 'map_value', 'mem'].includes(r.type)) bad(MEM);
      return;
    case 'btf_id_or_null':
      // compatible_reg_types[ARG_PTR_TO_BTF_ID]: btf_ptr_types. The model has no PTR_TO_BTF_ID registers.
      if (isNull(r)) return;
      bad(['ptr_', 'trusted_ptr_', 'rcu_ptr_']);
      return;
    case 'ctx':
      // check_reg_type(), then check_func_arg_reg_off(): the context pointer itself, unmodified.
      if (r.type !== 'ctx') bad(['ctx']);
      if (r.off) reject(`dereference of modified ctx ptr R${regno} off=${r.off} disallowed`);
      if (!tnumIsConst(r.var_off) || r.var_off.v)
        reject(`variable ctx access var_off=${tnumStr(r.var_off)} disallowed`);
      return;
  }
}

/** check_helper_mem_access() bounds only (raw mode: the helper writes). */
export function helperMemAccessBounds(env: BpfVerifierEnv, regno: number, size: number, zeroOk: boolean): void {
  const r = env.cur_regs()[regno]!;
  if (r.type === 'fp') {
    // check_stack_range_initialized(): a zero size is checked against the stack's bounds too.
    if (size === 0 && !zeroOk) reject('invalid zero-sized read');
    const [minOff] = check_stack_access_within_bounds(r, regno, r.off, size, true);
    env.update_stack_depth(env.stackOf(r), minOff);
    return;
  }
  check_helper_mem_access(env, regno, size, true, zeroOk);
}

/** check_helper_mem_access(). */
export function check_helper_mem_access(
  env: BpfVerifierEnv,
  regno: number,
  size: number,
  write: boolean,
  zeroOk: boolean,
): void {
  const r = env.cur_regs()[regno]!;
  switch (r.type) {
    case 'pkt':
    case 'pkt_meta':
      check_packet_access(r, regno, r.off, size, zeroOk);
      return;
    case 'map_value':
      check_mem_region_access(r, regno, r.off, size, r.map!.value_size, zeroOk);
      return;
    case 'mem':
      if (write && r.rdonly) reject(`R${regno} cannot write into ${regTypeStr(r)}`);
      check_mem_region_access(r, regno, r.off, size, r.mem_size, zeroOk);
      return;
    case 'fp': {
      // check_stack_range_initialized(): a zero size is checked against the stack's bounds too.
      if (size === 0 && !zeroOk) reject('invalid zero-sized read');
      const [minOff, maxOff] = check_stack_access_within_bounds(r, regno, r.off, size, write);
      const f = env.stackOf(r);
      env.update_stack_depth(f, minOff);
      for (let a = minOff; a < maxOff; a++) {
        const spi = Math.floor((-a - 1) / 8);
        const s = env.slot(f, spi);
        const k = (-a - 1) % 8;
        const t = s.slot_type[k]!;
        // check_stack_range_initialized() does not mark the slots scratched: the log does not print them.
        if (t === STACK_MISC) continue;
        if (t === STACK_ZERO || t === STACK_INVALID) {
          if (write) s.slot_type[k] = STACK_MISC;
          continue;
        }
        if (t === STACK_SPILL) {
          if (write) {
            Object.assign(s.spilled, scalarUnknown());
            for (let j = 0; j < 8; j++) if (s.slot_type[j] !== STACK_INVALID) s.slot_type[j] = STACK_MISC;
          }
          continue;
        }
        if (tnumIsConst(r.var_off))
          reject(`invalid read from stack R${regno} off ${minOff}+${a - minOff} size ${size}`);
        reject(`invalid read from stack R${regno} var_off ${tnumStr(r.var_off)}+${a - minOff} size ${size}`);
      }
      return;
    }
    default:
      if (zeroOk && size === 0 && isNull(r)) return;
      reject(`R${regno} type=${regTypeStr(r)} expected=fp`);
  }
}

/** acquire_reference(): a new reference (id) held by the state, allocated at instruction idx. */
export function acquire_reference(env: BpfVerifierEnv, idx: number): number {
  const id = env.newId();
  env.cur.refs.push({ id, insn_idx: idx });
  return id;
}

/** release_reference(): drop the reference and invalidate every register that carried it. */
export function release_reference(env: BpfVerifierEnv, refId: number): void {
  const k = env.cur.refs.findIndex((r) => r.id === refId);
  if (k < 0) reject(`R1 must be referenced when passed to release function`, 'EINVAL');
  env.cur.refs.splice(k, 1);
  for (const f of env.cur.frames) {
    f.regs.forEach((r, i) => {
      if (r.ref_obj_id === refId) f.regs[i] = scalarUnknown();
    });
    for (const s of f.stack) if (isSpilledReg(s) && s.spilled.ref_obj_id === refId) s.spilled = scalarUnknown();
  }
}

/** push_callback_call() for bpf_loop: the callback is explored as a pushed state; the caller continues. */
export function push_callback_call(env: BpfVerifierEnv, idx: number, fn: Reg): void {
  if (env.cur.frames.length >= MAX_CALL_FRAMES)
    reject(`the call stack of ${env.cur.frames.length + 1} frames is too deep`, 'E2BIG');
  const st = env.push_stack(fn.subprog, idx);
  const callee = newFrame(st.frames.length, idx, fn.subprog);
  const cr = curFrame(st).regs;
  callee.regs[1] = scalarUnknown();
  callee.regs[2] = copyReg(cr[3]!);
  callee.in_callback_fn = true;
  callee.callback_ret = [0n, 1n];
  st.frames.push(callee);
  st.callback_unroll_depth++;
}

/** BPF_EXIT: returns the next instruction (return from a subprogram) or -1 at the end of the path. */
export function checkExit(env: BpfVerifierEnv, idx: number): number {
  void idx;
  const depth = env.cur.frames.length - 1;
  if (depth === 0 && env.cur.refs.length) {
    const lines = env.cur.refs.map((r) => `Unreleased reference id=${r.id} alloc_insn=${r.insn_idx}`);
    reject(`${lines.join('\n')}\nBPF_EXIT instruction in main prog would lead to reference leak`, 'EINVAL');
  }
  if (depth > 0) return prepare_func_exit(env);
  env.readReg(0);
  return -1;
}

/** prepare_func_exit(). */
export function prepare_func_exit(env: BpfVerifierEnv): number {
  const st = env.cur;
  const callee = curFrame(st);
  const caller = st.frames[st.frames.length - 2]!;
  const r0 = callee.regs[0]!;
  if (r0.type === 'not_init' && callee.in_callback_fn) reject('R0 !read_ok');
  if (r0.type === 'fp') reject('cannot return stack pointer to the caller', 'EINVAL');
  let next: number;
  if (callee.in_callback_fn) {
    if (r0.type !== 'scalar') reject('R0 not a scalar value');
    mark_chain_precision(env, 0);
    const [lo, hi] = callee.callback_ret ?? [0n, 1n];
    if (r0.smin < lo || r0.smax > hi) {
      let s = 'At callback return the register R0 has';
      if (r0.smin > S64_MIN) s += ` smin=${r0.smin}`;
      if (r0.smax < S64_MAX) s += ` smax=${r0.smax}`;
      if (r0.smin === S64_MIN && r0.smax === S64_MAX) s += ' unknown scalar value';
      reject(`${s} should have been in [${lo}, ${hi}]`, 'EINVAL');
    }
    next = callee.callsite;
  } else {
    caller.regs[0] = copyReg(r0);
    next = callee.callsite + 1;
  }
  if (env.level) {
    env.verbose(`returning from callee:\n${printState(st, callee)}\nto caller at ${next}:\n`);
  }
  st.frames.pop();
  if (env.level) {
    env.verbose(`${printState(st, caller)}\n`);
    env.prevLogPos = 0;
  }
  // prepare_func_exit() scratches nothing: the caller's next instruction prints no state line; at log_level 2
  // process_bpf_exit_full() asks for a `from <exit> to <return site>:` state.
  env.mark_verifier_state_clean();
  env.doPrintState = true;
  if (callee.in_callback_fn) {
    const prev = env.find_prev_entry(st, next);
    if (prev) widenImpreciseScalars(prev, st);
  }
  return next;
}
