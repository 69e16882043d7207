import { describe, expect, it } from 'vitest';
import { KernelError } from '../common/errors';
import { bpfCheckInsns } from './check';
import { decodeInsns, encodeInsns, insn, insnsFromWords, ldImm64Value } from './isa';
import type { BpfInsn } from './isa';

const EXIT = insn(0x95);

function rejects(insns: BpfInsn[]): string {
  try {
    bpfCheckInsns(insns);
  } catch (e) {
    expect(e).toBeInstanceOf(KernelError);
    return (e as KernelError).message;
  }
  throw new Error('accepted');
}

describe('encoding', () => {
  it('decodes the little-endian layout of struct bpf_insn', () => {
    // r1 = *(u32 *)(r10 - 4): code 0x61, dst 1, src 10, off -4, imm 0
    const [i] = decodeInsns(Uint8Array.from([0x61, 0xa1, 0xfc, 0xff, 0, 0, 0, 0]));
    expect(i).toEqual({ code: 0x61, dst_reg: 1, src_reg: 10, off: -4, imm: 0 });
    // r0 += -1 (imm sign)
    expect(decodeInsns(Uint8Array.from([0x07, 0, 0, 0, 0xff, 0xff, 0xff, 0xff]))[0]!.imm).toBe(-1);
  });

  it('round-trips every byte pattern of a slot through encode', () => {
    const bytes = Uint8Array.from([
      0xdb, 0x21, 0x34, 0x82, 0x01, 0x02, 0x03, 0xf4, 0x18, 0x01, 0, 0, 0x88, 0x77, 0x66, 0x55,
    ]);
    expect(encodeInsns(decodeInsns(bytes))).toEqual(bytes);
  });

  it('reads the suite raw words with the opcode in the low byte', () => {
    const insns = insnsFromWords([0x5566778800000018n, 0x1122334400000000n, 0x95n]);
    expect(insns[0]!.code).toBe(0x18);
    expect(ldImm64Value(insns[0]!, insns[1]!)).toBe(0x1122334455667788n);
    expect(insns[2]!.code).toBe(0x95);
  });
});

describe('strict load-time checks', () => {
  it('accepts every ISA v4 form', () => {
    const ok: BpfInsn[] = [
      insn(0xbf, 1, 2, 8), // r1 = (s8)r2
      insn(0xbf, 1, 2, 32), // r1 = (s32)r2
      insn(0xbc, 1, 2, 16), // w1 = (s16)w2
      insn(0x3f, 1, 2, 1), // r1 s/= r2
      insn(0x94, 1, 0, 1, 3), // w1 s%= 3
      insn(0x91, 1, 2, 0), // r1 = *(s8 *)(r2 + 0)
      insn(0xd7, 1, 0, 0, 64), // r1 = bswap64 r1
      insn(0xdb, 10, 1, -8, 0xf1), // cmpxchg
      insn(0xc3, 10, 1, -8, 0xe1), // xchg32
      insn(0x06, 0, 0, 0, 0), // gotol +0
      insn(0x85, 0, 2, 0, 1234), // kfunc call
      insn(0x8d, 3), // callx r3
      EXIT,
    ];
    expect(() => bpfCheckInsns(ok)).not.toThrow();
  });

  it('rejects reserved fields with the kernel messages', () => {
    expect(rejects([insn(0xbc, 1, 2, 32), EXIT])).toBe('BPF_MOV uses reserved fields'); // no (s32) for w regs
    expect(rejects([insn(0x8f, 1, 2), EXIT])).toBe('unknown opcode 8f'); // neg with BPF_X: not in the opcode table
    expect(rejects([insn(0xd7, 1, 0, 0, 8), EXIT])).toBe('BPF_END uses reserved fields');
    expect(rejects([insn(0x07, 1, 0, 2, 1), EXIT])).toBe('BPF_ALU uses reserved fields'); // only div/mod take off=1
    expect(rejects([insn(0xdb, 10, 1, -8, 0x10), EXIT])).toBe('BPF_ATOMIC uses invalid atomic opcode 10');
    expect(rejects([insn(0x89, 1, 2), insn(0x99, 1, 2), EXIT])).toBe('unknown opcode 99'); // no ldxsdw
    expect(rejects([insn(0x20, 0, 0, 0, 4), EXIT])).toBe('unknown opcode 20'); // legacy BPF_ABS
    expect(rejects([insn(0x07, 11, 0, 0, 1), EXIT])).toBe('R11 is invalid');
    expect(rejects([insn(0xe5, 0, 0, 0, 1), EXIT])).toBe('invalid may_goto imm 1');
  });

  it('checks lddw pairs, jump targets and the last instruction', () => {
    expect(rejects([insn(0x18, 1, 0, 0, 1), insn(0x07), EXIT])).toBe('invalid bpf_ld_imm64 insn');
    expect(rejects([insn(0x18, 1, 7, 0, 1), insn(0), EXIT])).toBe('unrecognized bpf_ld_imm64 insn');
    expect(rejects([insn(0x05, 0, 0, 5), EXIT])).toBe('jump out of range from insn 0 to 6');
    expect(rejects([insn(0x05, 0, 0, 1), insn(0x18, 1), insn(0), EXIT])).toBe('jump into the middle of ldimm64 insn 1');
    expect(rejects([insn(0x85, 0, 1, 0, -5), EXIT])).toBe('call to invalid destination');
    expect(rejects([insn(0xb7)])).toBe('last insn is not an exit or jmp');
    expect(rejects([])).toBe('empty program');
  });
});
