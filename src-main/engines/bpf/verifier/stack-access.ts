/**
 * Stack access (kernel/bpf/verifier.c, Linux 6.18): check_stack_access_within_bounds(),
 * check_stack_write_fixed_off() with save_register_state() (spills), check_stack_read_fixed_off() (fills,
 * mark_reg_stack_read()), and the variable-offset check_stack_read_var_off() and check_stack_write_var_off()
 * (stackVarOff()).
 */
import { MAX_BPF_STACK } from '../isa';
import { reject } from './error';
import { copyReg, isNull, notInit, scalarConst, scalarUnknown } from './reg';
import type { Reg } from './reg';
import {
  STACK_INVALID,
  STACK_ITER,
  STACK_MISC,
  STACK_SPILL,
  STACK_ZERO,
  curFrame,
  isSpilledReg,
  isSpilledScalar,
} from './state';
import type { FuncState, StackSlot } from './state';
import { tnumIsConst, tnumStr, s64 } from './tnum';
import { BPF_MAX_VAR_OFF } from './env';
import type { BpfVerifierEnv } from './env';
import { mark_chain_precision } from './precision';

/** check_stack_access_within_bounds(). */
export function check_stack_access_within_bounds(
  r: Reg,
  regno: number,
  off: number,
  size: number,
  write: boolean,
): [number, number] {
  let minOff: number;
  let maxOff: number;
  if (tnumIsConst(r.var_off)) {
    minOff = Number(s64(r.var_off.v)) + off;
    maxOff = minOff + size;
  } else {
    if (r.smax >= BPF_MAX_VAR_OFF || r.smin <= -BPF_MAX_VAR_OFF)
      reject(`invalid unbounded variable-offset${write ? ' write to' : ' read from'} stack R${regno}`);
    minOff = Number(r.smin) + off;
    maxOff = Number(r.smax) + off + size;
  }
  let errno: 'EACCES' | 'EINVAL' | undefined;
  if (minOff < -MAX_BPF_STACK || minOff > -1) errno = 'EACCES';
  else if (maxOff > 0) errno = 'EINVAL';
  if (errno) {
    const extra = write ? ' write to' : ' read from';
    if (tnumIsConst(r.var_off)) reject(`invalid${extra} stack R${regno} off=${off} size=${size}`, errno);
    reject(
      `invalid variable-offset${extra} stack R${regno} var_off=${tnumStr(r.var_off)} off=${off} size=${size}`,
      errno,
    );
  }
  return [minOff, maxOff];
}

/**
 * check_stack_write_fixed_off(). `off` is the (negative) byte offset from the frame pointer. A privileged load
 * (bpf_capable, allow_ptr_leaks): aligned scalar stores spill, anything else is data.
 */
export function check_stack_write_fixed_off(
  env: BpfVerifierEnv,
  f: FuncState,
  off: number,
  size: number,
  valueRegno: number,
  isSt: boolean,
  stImm: number,
): void {
  const spi = Math.floor((-off - 1) / 8);
  const slotIdx = -off - 1;
  const s = env.slot(f, spi);
  env.scratchSlots.add(spi);
  env.curHist.spi = spi;
  env.curHist.spiFrame = f.frameno;
  const reg = valueRegno >= 0 ? env.cur_regs()[valueRegno]! : undefined;
  const aligned = off % 8 === 0;
  if (reg && aligned && reg.type === 'scalar') {
    const fits = reg.umax < (size === 8 ? 1n << 64n : 1n << BigInt(size * 8));
    if (fits && !reg.id && !tnumIsConst(reg.var_off)) reg.id = env.newId();
    save_register_state(s, reg, size);
    if (!fits) s.spilled.id = 0;
    return;
  }
  if (!reg && aligned && isSt) {
    save_register_state(s, scalarConst(BigInt(stImm)), size);
    return;
  }
  if (reg && reg.type !== 'scalar') {
    if (size !== 8) reject('invalid size of register spill');
    if (f !== curFrame(env.cur) && reg.type === 'fp')
      reject('cannot spill pointers to stack into stack frame of the caller', 'EINVAL');
    save_register_state(s, reg, size);
    return;
  }
  let type = STACK_MISC;
  s.spilled = notInit();
  const special = s.slot_type[7] === STACK_SPILL || s.slot_type[7] === STACK_ITER;
  if (special) {
    for (let k = 0; k < 8; k++) if (s.slot_type[k] !== STACK_INVALID) s.slot_type[k] = STACK_MISC;
    s.iter = undefined;
  }
  env.curHist.spi = -1;
  if ((reg && isNull(reg)) || (!reg && isSt && stImm === 0)) {
    // A zero that is not a spill (misaligned) becomes STACK_ZERO: the register that held it must be precise
    // for later states to rely on the zero.
    if (reg) mark_chain_precision(env, valueRegno);
    type = STACK_ZERO;
  }
  for (let k = 0; k < size; k++) s.slot_type[(slotIdx - k) % 8] = type;
}

/** save_register_state(). */
export function save_register_state(s: StackSlot, reg: Reg, size: number): void {
  s.spilled = copyReg(reg);
  s.iter = undefined;
  let k = 8;
  for (; k > 8 - size; k--) s.slot_type[k - 1] = STACK_SPILL;
  for (; k; k--) {
    const t = s.slot_type[k - 1]!;
    if (t !== STACK_ZERO && t !== STACK_INVALID) s.slot_type[k - 1] = STACK_MISC;
  }
}

/**
 * check_stack_read_fixed_off() into `dst` (-1: the read of an atomic, which keeps no value). Privileged:
 * STACK_INVALID bytes read as unknown data (allow_uninit_stack), spilled pointers may be read (allow_ptr_leaks).
 */
export function check_stack_read_fixed_off(
  env: BpfVerifierEnv,
  f: FuncState,
  off: number,
  size: number,
  dst: number,
): Reg | undefined {
  const spi = Math.floor((-off - 1) / 8);
  const slotIdx = -off - 1;
  const s = env.slot(f, spi);
  env.scratchSlots.add(spi);
  if (s.slot_type[7] === STACK_SPILL) {
    const sp = s.spilled;
    let spillSize = 1;
    for (let k = 7; k > 0 && s.slot_type[k - 1] === STACK_SPILL; k--) spillSize++;
    if (size !== 8 || spillSize !== 8) {
      if (sp.type !== 'scalar') reject('invalid size of register fill');
      if (dst < 0) return undefined;
      if (size <= spillSize && off % 8 === 0) {
        // bpf_stack_narrow_access_ok() (little endian): the low bytes of the spilled register.
        env.curHist.spi = spi;
        env.curHist.spiFrame = f.frameno;
        if (size === 4 && spillSize === 4 && sp.umax < 1n << 32n && !sp.id && !tnumIsConst(sp.var_off))
          sp.id = env.newId();
        const d = copyReg(sp);
        if (sp.umax >= 1n << BigInt(size * 8)) d.id = 0;
        return d;
      }
      let spill = 0;
      let zero = 0;
      for (let k = 0; k < size; k++) {
        const t = s.slot_type[(slotIdx - k) % 8]!;
        if (t === STACK_SPILL) spill++;
        else if (t === STACK_ZERO) zero++;
        else if (t !== STACK_MISC && t !== STACK_INVALID)
          reject(`invalid read from stack off ${off}+${k} size ${size}`);
      }
      if (spill === size && tnumIsConst(sp.var_off) && sp.var_off.v === 0n) {
        // Still a fill of the spilled register (its history is followed for precision).
        env.curHist.spi = spi;
        env.curHist.spiFrame = f.frameno;
        return scalarConst(0n);
      }
      return zero === size ? scalarConst(0n) : scalarUnknown();
    }
    if (dst < 0) return undefined;
    env.curHist.spi = spi;
    env.curHist.spiFrame = f.frameno;
    return copyReg(sp);
  }
  let zeros = 0;
  for (let k = 0; k < size; k++) {
    const t = s.slot_type[(slotIdx - k) % 8]!;
    if (t === STACK_MISC || t === STACK_INVALID) continue;
    if (t === STACK_ZERO) {
      zeros++;
      continue;
    }
    reject(`invalid read from stack off ${off}+${k} size ${size}`);
  }
  if (dst < 0) return undefined;
  // mark_reg_stack_read(): only bytes all STACK_ZERO read as a known zero.
  return zeros === size ? scalarConst(0n) : scalarUnknown();
}

/** check_stack_read_var_off() (check_stack_range_initialized() for a load) / check_stack_write_var_off(). */
export function stackVarOff(
  env: BpfVerifierEnv,
  r: Reg,
  regno: number,
  off: number,
  size: number,
  write: boolean,
  valueRegno: number,
  isSt: boolean,
  stImm: number,
): Reg | undefined {
  const f = env.stackOf(r);
  const lo = Number(r.smin) + off;
  const hi = Number(r.smax) + off + size;
  if (write) {
    const vreg = valueRegno >= 0 ? env.cur_regs()[valueRegno]! : undefined;
    const writingZero = vreg ? isNull(vreg) : isSt && stImm === 0;
    let zeroUsed = false;
    for (let a = lo; a < hi; a++) {
      const spi = Math.floor((-a - 1) / 8);
      const s = env.slot(f, spi);
      const k = (-a - 1) % 8;
      env.scratchSlots.add(spi);
      const t = s.slot_type[k];
      // A spilled zero stays a spilled zero when zero may be written over it.
      if (
        writingZero &&
        t === STACK_SPILL &&
        isSpilledScalar(s) &&
        tnumIsConst(s.spilled.var_off) &&
        s.spilled.var_off.v === 0n
      ) {
        zeroUsed = true;
        continue;
      }
      // The slot's register is gone: a spilled register's or iterator's bytes become data.
      s.spilled = notInit();
      if (s.slot_type[7] === STACK_SPILL || s.slot_type[7] === STACK_ITER) {
        for (let j = 0; j < 8; j++) if (s.slot_type[j] !== STACK_INVALID) s.slot_type[j] = STACK_MISC;
        s.iter = undefined;
      }
      let nt = STACK_MISC;
      if (writingZero && s.slot_type[k] === STACK_ZERO) {
        nt = STACK_ZERO;
        zeroUsed = true;
      }
      s.slot_type[k] = nt;
    }
    // STACK_ZERO kept because the value is zero: that register must be precise.
    if (zeroUsed && valueRegno >= 0) mark_chain_precision(env, valueRegno);
    return undefined;
  }
  if (valueRegno < 0) {
    reject(
      `variable offset stack pointer cannot be passed into helper function; var_off=${tnumStr(r.var_off)} off=${off} size=${size}`,
    );
  }
  for (let a = lo; a < hi; a++) {
    const s = env.slot(f, Math.floor((-a - 1) / 8));
    const t = s.slot_type[(-a - 1) % 8];
    if (t === STACK_MISC || t === STACK_ZERO || t === STACK_INVALID) continue;
    // Any spilled register, pointers included, reads as data for a privileged load (allow_ptr_leaks).
    if (isSpilledReg(s)) continue;
    reject(`invalid read from stack R${regno} var_off ${tnumStr(r.var_off)}+${a - lo} size ${size}`);
  }
  // mark_reg_stack_read(): a known zero when every byte is STACK_ZERO; the slots up to the first other byte
  // are the ones scratched (printed).
  for (let a = lo; a < hi; a++) {
    const spi = Math.floor((-a - 1) / 8);
    env.scratchSlots.add(spi);
    if (f.stack[spi]!.slot_type[(-a - 1) % 8] !== STACK_ZERO) return scalarUnknown();
  }
  return scalarConst(0n);
}
