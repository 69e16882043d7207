/**
 * struct bpf_insn (include/uapi/linux/bpf.h) given as a record: the width of each field, which raw bytes carry
 * by construction, checked as BPF_PROG_LOAD's copy of the instructions would make them fit.
 */
import { KernelError } from '../common/errors';
import type { BpfInsn } from './isa';

const INSN_FIELDS = [
  ['code', 0, 0xff, 'u8'],
  ['dst_reg', 0, 0xf, 'u4'],
  ['src_reg', 0, 0xf, 'u4'],
  ['off', -0x8000, 0x7fff, 's16'],
  ['imm', -0x80000000, 0x7fffffff, 's32'],
] as const;

/**
 * An instruction record given as an object: each field must be an integer that fits its width in struct bpf_insn
 * (code u8, registers u4, off s16, imm s32), or the load fails with EINVAL naming the instruction and the field,
 * where raw bytes could not have carried the value at all.
 */
export function checkInsnRecord(i: BpfInsn, pc: number): BpfInsn {
  if (typeof i !== 'object' || i === null)
    throw new KernelError('EINVAL', `insn ${pc}: not an instruction record`, { insn: pc });
  for (const [f, lo, hi, t] of INSN_FIELDS) {
    const v = (i as unknown as Record<string, unknown>)[f];
    if (typeof v !== 'number' || !Number.isInteger(v) || v < lo || v > hi) {
      throw new KernelError(
        'EINVAL',
        `insn ${pc}: ${f} ${typeof v === 'string' ? JSON.stringify(v) : String(v)} does not fit ${t} (${lo}..${hi})`,
        { insn: pc, field: f },
      );
    }
  }
  return { code: i.code, dst_reg: i.dst_reg, src_reg: i.src_reg, off: i.off, imm: i.imm };
}
