/**
 * check_kfunc_call() (kernel/bpf/verifier.c, Linux 6.18): the open-coded iterator kfuncs (process_iter_arg(),
 * process_iter_next_call()) and the kfuncs registered with a prototype (check_kfunc_args()).
 */
import type { BpfInsn } from '../isa';
import { VerifierError, reject } from './error';
import { progTypeOf } from './prog-types';
import { kfuncProto } from './protos';
import { isNull, notInit, pointer, regTypeStr, scalarConst, scalarUnknown } from './reg';
import type { Reg } from './reg';
import { STACK_ITER, curFrame, sameCallsites, widenImpreciseScalars } from './state';
import type { StackSlot } from './state';
import { TNUM_UNKNOWN, tnumIsConst, tnumStr, s64 } from './tnum';
import type { BpfVerifierEnv } from './env';
import { check_mem_access } from './mem-access';
import {
  clear_caller_saved_regs,
  check_reg_type,
  check_helper_mem_access,
  acquire_reference,
  release_reference,
} from './calls';

/** check_kfunc_call(): the iterator kfuncs (process_iter_arg(), process_iter_next_call()). */
export function check_kfunc_call(env: BpfVerifierEnv, insn: BpfInsn, idx: number): void {
  // check_kfunc_call(): imm 0 (libbpf's unresolved weak kfunc) is left for fixup_kfunc_call(), regs untouched.
  if (insn.imm === 0) return;
  const name = env.attr.kfuncName(insn.imm);
  if (!name) reject(`kernel btf_id ${insn.imm} is not a function`, 'EINVAL');
  let kp = env.kfuncProtos.get(insn.imm);
  if (kp === undefined) {
    // Worked out once per kfunc of the program (the name's pattern and the registered prototype), then only read.
    kp = kfuncProto(name, env.attr.kfuncProto?.(insn.imm)) ?? null;
    env.kfuncProtos.set(insn.imm, kp);
  }
  if (!kp?.iter) {
    const proto = env.attr.kfuncArgs?.(insn.imm);
    // register_btf_kfunc_id_set(): a kfunc registered for some program types only.
    if (!proto || (proto.prog_types && !proto.prog_types.some((t) => progTypeOf(t) === env.progType)))
      reject(`calling kernel function ${name} is not allowed`, 'EACCES');
    return checkProtoKfuncCall(env, proto);
  }
  const regs = env.cur_regs();
  // check_kfunc_args(): argument by argument, no check_reg_arg() read check: the iterator pointer (null, then
  // check_func_arg_reg_off(), then process_iter_arg()), then each scalar argument ("R%d is not a scalar").
  const r1 = regs[1]!;
  env.scratchRegs.add(1);
  kfuncPtrArg(r1, 0);
  if (r1.type !== 'fp') reject('arg#0 expected pointer to an iterator on stack', 'EINVAL');
  const iterType = kp.iterType!;
  const nr = kp.iterSlots ?? 1;
  const f = env.stackOf(r1);
  if (!tnumIsConst(r1.var_off)) reject('iter has to be at a constant offset', 'EINVAL');
  const off = r1.off + Number(s64(r1.var_off.v));
  const spiOf = (): number | undefined => {
    if (off % 8) reject(`cannot pass in iter at an offset=${off}`, 'EINVAL');
    const spi = (-off - 1) >> 3;
    if (spi + 1 < nr) reject(`cannot pass in iter at an offset=${off}`, 'EINVAL');
    if (spi >= f.stack.length) return undefined;
    return spi;
  };
  let refObjId = 0;
  let nextSlot: StackSlot | undefined;
  if (kp.iter === 'new') {
    let spi: number | undefined;
    try {
      spi = spiOf();
    } catch (e) {
      if (e instanceof VerifierError)
        throw new VerifierError(`${e.message}\nexpected uninitialized iter_${iterType} as arg #0`, 'EINVAL');
      throw e;
    }
    if (spi !== undefined) {
      for (let i = 0; i < nr; i++)
        if (f.stack[spi - i]?.slot_type.some((t) => t === STACK_ITER))
          reject(`expected uninitialized iter_${iterType} as arg #0`, 'EINVAL');
    }
    for (let i = 0; i < nr * 8; i += 8) check_mem_access(env, 1, i, 8, true, -1, false, 0, false);
    const s0 = (-off - 1) >> 3;
    const id = acquire_reference(env, idx);
    for (let i = 0; i < nr; i++) {
      const s = env.slot(f, s0 - i);
      s.spilled = pointer('fp');
      s.spilled.ref_obj_id = i === 0 ? id : 0;
      s.iter = { type: iterType, state: 'active', depth: 0 };
      s.slot_type = [STACK_ITER, STACK_ITER, STACK_ITER, STACK_ITER, STACK_ITER, STACK_ITER, STACK_ITER, STACK_ITER];
      env.scratchSlots.add(s0 - i);
    }
  } else {
    const spi = spiOf();
    let valid = spi !== undefined;
    if (spi !== undefined) {
      for (let i = 0; i < nr && valid; i++) {
        const s = f.stack[spi - i];
        if (!s || s.slot_type.some((t) => t !== STACK_ITER) || !s.iter || s.iter.type !== iterType) valid = false;
        else if (i === 0 ? !s.spilled.ref_obj_id : s.spilled.ref_obj_id) valid = false;
      }
    }
    if (!valid) reject(`expected an initialized iter_${iterType} as arg #0`, 'EINVAL');
    nextSlot = f.stack[spi!]!;
    refObjId = nextSlot.spilled.ref_obj_id;
    env.scratchSlots.add(spi!);
    if (kp.iter === 'destroy') {
      release_reference(env, refObjId);
      for (let i = 0; i < nr; i++) {
        const s = f.stack[spi! - i]!;
        s.spilled = notInit();
        s.iter = undefined;
        s.slot_type = [0, 0, 0, 0, 0, 0, 0, 0];
      }
    }
  }
  if (kp.iter === 'new') {
    for (let a = 0; a < (kp.scalarArgs ?? 0); a++) if (a !== kp.ignoredArg) kfuncScalarArg(env, a + 2);
  }
  clear_caller_saved_regs(env, regs);
  if (kp.iter === 'new') {
    regs[0] = scalarUnknown();
  } else if (kp.iter === 'next') {
    const r0 = pointer('mem');
    r0.rdonly = true;
    r0.mem_size = kp.retMemSize ?? 4;
    r0.maybeNull = true;
    r0.id = env.newId();
    r0.ref_obj_id = refObjId;
    regs[0] = r0;
    process_iter_next_call(env, idx, nextSlot!, r1.frameno, (-off - 1) >> 3);
  }
}

/** check_kfunc_args() for a kfunc registered with a prototype: a ctx pointer, read-only memory of a fixed size, scalars; returns an int. */
export function checkProtoKfuncCall(env: BpfVerifierEnv, proto: { args: readonly string[] }): void {
  const regs = env.cur_regs();
  proto.args.forEach((t, a) => {
    const regno = a + 1;
    if (t !== 'PTR_TO_CTX' && !/^PTR_TO_MEM\(\d+\)$/.test(t)) {
      kfuncScalarArg(env, regno);
      return;
    }
    const r = regs[regno]!;
    env.scratchRegs.add(regno);
    kfuncPtrArg(r, a);
    if (t === 'PTR_TO_CTX') {
      if (r.type !== 'ctx') reject(`arg#${a} expected pointer to ctx, but got ${regTypeStr(r)}`, 'EINVAL');
    } else {
      // check_mem_reg(): the pointer's type, then [ptr, ptr + size) readable.
      check_reg_type(regno, r, 'mem_rdonly');
      check_helper_mem_access(env, regno, Number(/\d+/.exec(t)![0]), false, false);
    }
  });
  clear_caller_saved_regs(env, regs);
  regs[0] = scalarUnknown();
}

/** A scalar argument of a kfunc (check_kfunc_args()): any other type, an unset register included, is EINVAL. */
export function kfuncScalarArg(env: BpfVerifierEnv, regno: number): void {
  env.scratchRegs.add(regno);
  if (env.cur_regs()[regno]!.type !== 'scalar') reject(`R${regno} is not a scalar`, 'EINVAL');
}

/**
 * The checks check_kfunc_args() makes on every pointer argument before its kind's own: not NULL (a known 0 or a
 * maybe-null type), then check_func_arg_reg_off(): stack, map value, memory and scalars may carry offsets, any
 * other type (ctx, map_ptr, an unset register) must be unmodified (__check_ptr_off_reg()).
 */
export function kfuncPtrArg(r: Reg, arg: number): void {
  const regno = arg + 1;
  if (isNull(r) || r.maybeNull) reject(`Possibly NULL pointer passed to trusted arg${arg}`);
  if (r.type === 'fp' || r.type === 'map_value' || r.type === 'mem' || r.type === 'scalar') return;
  const t = regTypeStr(r);
  if (r.off < 0) reject(`negative offset ${t} ptr R${regno} off=${r.off} disallowed`);
  if (r.off) reject(`dereference of modified ${t} ptr R${regno} off=${r.off} disallowed`);
  // __mark_reg_not_init() leaves an unset register's var_off unknown.
  const varOff = r.type === 'not_init' ? TNUM_UNKNOWN : r.var_off;
  if (!tnumIsConst(varOff) || varOff.v) reject(`variable ${t} access var_off=${tnumStr(varOff)} disallowed`);
}

/** process_iter_next_call(): queue the ACTIVE (non-NULL) outcome, continue with DRAINED and r0 = 0. */
export function process_iter_next_call(
  env: BpfVerifierEnv,
  idx: number,
  slot: StackSlot,
  frameIdx: number,
  spi: number,
): void {
  const it = slot.iter!;
  if (it.state === 'active') {
    const parent = env.cur.parent;
    if (!parent || parent.insn_idx !== idx || !sameCallsites(parent, env.cur))
      reject('verifier bug: bad parent state for iter next call', 'EFAULT');
    const prev = env.find_prev_entry(parent, idx);
    const q = env.push_stack(idx + 1, idx);
    const qr = curFrame(q).regs;
    const qs = q.frames[frameIdx]!.stack[spi]!;
    qs.iter!.state = 'active';
    qs.iter!.depth++;
    if (prev) widenImpreciseScalars(prev, q);
    qr[0]!.maybeNull = false;
  }
  it.state = 'drained';
  env.cur_regs()[0] = scalarConst(0n);
}
