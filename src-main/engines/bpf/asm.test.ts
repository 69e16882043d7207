import { describe, expect, it } from 'vitest';
import { BpfAsmError } from './asm-error';
import { assembleKernel } from './asm-kernel';
import { assembleUbpf } from './asm-ubpf';
import { disassemble } from './disasm';
import { KFUNC_BTF_ID } from './helpers';
import { encodeInsns, insn } from './isa';

const hex = (src: string): string =>
  Array.from(
    encodeInsns(
      assembleKernel(src, {
        kfuncId: (n) => (KFUNC_BTF_ID as Record<string, number>)[n],
        mapFd: (n) => (n === 'counts' ? 3 : undefined),
      }).insns,
    ),
  )
    .map((b) => b.toString(16).padStart(2, '0'))
    .join('');

function asmError(f: () => unknown): BpfAsmError {
  try {
    f();
  } catch (e) {
    expect(e).toBeInstanceOf(BpfAsmError);
    return e as BpfAsmError;
  }
  throw new Error('no error');
}

describe('pseudo-C assembler (kernel syntax)', () => {
  it('encodes the forms the issue lists exactly as the kernel does', () => {
    expect(hex('r0 = *(u32 *)(r1 + 4)')).toBe('6110040000000000');
    expect(hex('*(u64 *)(r10 - 8) = r1')).toBe('7b1af8ff00000000');
    expect(hex('if r1 > 0xa goto +3')).toBe('250103000a000000');
    expect(hex('w0 = w1')).toBe('bc10000000000000');
    expect(hex('r1 = 0x1122334455667788 ll')).toBe('1801000088776655' + '0000000044332211');
    expect(hex('lock *(u64 *)(r10 - 8) += r1')).toBe('db1af8ff00000000');
    expect(hex('r0 = atomic_fetch_add((u64 *)(r10 - 8), r0)')).toBe('db0af8ff01000000');
    expect(hex('r1 s/= r2')).toBe('3f21010000000000');
    expect(hex('r1 = (s8)r2')).toBe('bf21080000000000');
    expect(hex('r1 = bswap16 r1')).toBe('d701000010000000');
    expect(hex('call bpf_map_lookup_elem')).toBe('8500000001000000');
    expect(hex('call bpf_iter_num_new')).toBe('85200000' + '0e000000'); // src=2, imm = the model's BTF id 14
    expect(hex('exit')).toBe('9500000000000000');
  });

  it('resolves labels for jumps, local calls and callback addresses', () => {
    const { insns, labels } = assembleKernel(
      'l0:\n  if w1 s< w2 goto l1\n  call l1\n  r2 = l1 ll\n  goto l0\nl1:\n  exit',
    );
    expect(labels.get('l1')).toBe(5);
    expect(insns[0]).toEqual(insn(0xce, 1, 2, 4)); // jslt32 reg, to 5
    expect(insns[1]).toEqual(insn(0x85, 0, 1, 0, 3)); // call pc+3
    expect(insns[2]).toEqual(insn(0x18, 2, 4, 0, 2)); // BPF_PSEUDO_FUNC, imm = 5 - 2 - 1
    expect(insns[4]).toEqual(insn(0x05, 0, 0, -5));
  });

  it('accepts maps by name and in the log form, and selftests inline asm', () => {
    expect(hex('r1 = counts ll')).toBe('1811000003000000' + '0000000000000000');
    expect(hex('r1 = map[id:3][0]+16')).toBe('1821000003000000' + '0000000010000000');
    expect(hex('"r1 = r10;"\n"r1 += -8;"\n"call %[bpf_iter_num_new];"')).toBe(
      'bfa1000000000000' + '07010000f8ffffff' + '852000000e000000',
    );
  });

  it('reads llvm-objdump -d output', () => {
    const dump = [
      'prog.o:\tfile format elf64-bpf',
      '',
      'Disassembly of section raw_tp:',
      '',
      '0000000000000000 <prog>:',
      '       0:\t18 01 00 00 88 77 66 55 00 00 00 00 44 33 22 11\tr1 = 0x1122334455667788 ll',
      '       2:\t15 01 01 00 00 00 00 00\tif r1 == 0x0 goto +0x1 <LBB0_2>',
      '       3:\tb4 00 00 00 01 00 00 00\tw0 = 0x1',
      '0000000000000020 <LBB0_2>:',
      '       4:\t95 00 00 00 00 00 00 00\texit',
    ].join('\n');
    expect(assembleKernel(dump).insns).toEqual([
      insn(0x18, 1, 0, 0, 0x55667788),
      insn(0, 0, 0, 0, 0x11223344),
      insn(0x15, 1, 0, 1),
      insn(0xb4, 0, 0, 0, 1),
      insn(0x95),
    ]);
  });

  it('reports errors with line and column', () => {
    const e = asmError(() => assembleKernel('r0 = 0\n  r1 = *(u128 *)(r2 + 0)'));
    expect(e.where).toBe("2:10: expected u8/u16/u32/u64, found 'u128'");
    expect(asmError(() => assembleKernel('goto nowhere\nexit')).where).toBe(
      "1:6: unknown label, helper or map 'nowhere'",
    );
    expect(asmError(() => assembleKernel('r11 = 1')).where).toBe('1:1: invalid register r11');
    expect(asmError(() => assembleKernel('w1 += r2')).where).toBe('1:7: mixing w1 and r2');
    expect(asmError(() => assembleKernel('r1 = 0x100000000 + 1')).line).toBe(1);
  });
});

describe('disassembler (verifier-log style)', () => {
  it('prints the kernel formats', () => {
    const text = disassemble(
      assembleKernel(
        'r0 = 0\nr1 = r10\nr1 += -8\nw2 = (s16)w3\n*(u32 *)(r10 -4) = 5\nr0 = *(s8 *)(r1 +2)\nif r1 == 0xffffffff goto pc+1\nr2 = be16 r2\ncall bpf_loop\nr0 = atomic64_cmpxchg((u64 *)(r10 -8), r0, r1)\nexit',
      ).insns,
    );
    expect(text.split('\n')).toEqual([
      '0: (b7) r0 = 0',
      '1: (bf) r1 = r10',
      '2: (07) r1 += -8',
      '3: (bc) w2 = (s16)w3',
      '4: (62) *(u32 *)(r10 -4) = 5',
      '5: (91) r0 = *(s8 *)(r1 +2)',
      '6: (15) if r1 == 0xffffffff goto pc+1',
      '7: (dc) r2 = be16 r2',
      '8: (85) call bpf_loop#181',
      '9: (db) r0 = atomic64_cmpxchg((u64 *)(r10 -8), r0, r1)',
      '10: (95) exit',
    ]);
  });

  it('round-trips through the assembler, log prefixes included', () => {
    const src =
      'r1 = map[id:2]\nr2 = subprog[+4]\nr3 = 0xfedcba9876543210\nr0 = 5\ngotol pc+0\nmay_goto pc+1\ncallx r4\nexit\nexit';
    const insns = assembleKernel(src).insns;
    const text = disassemble(insns);
    expect(text).not.toContain('BUG');
    expect(assembleKernel(text).insns).toEqual(insns);
    // A log line announcing (18) makes a small constant an lddw again.
    expect(assembleKernel('0: (18) r1 = 0x5').insns).toHaveLength(2);
    expect(() => assembleKernel('0: (b7) r1 = r2')).toThrow(/opcode \(b7\) does not match/);
  });

  it('calls a local function defined further down even when a kfunc has its name', () => {
    const { insns } = assembleKernel('call noop\nr0 = 0\nexit\nnoop:\nr0 = 1\nexit', {
      kfuncId: (n) => (n === 'noop' ? 1234 : undefined),
    });
    expect(insns[0]).toEqual(insn(0x85, 0, 1, 0, 2));
    expect(assembleKernel('call noop\nexit', { kfuncId: (n) => (n === 'noop' ? 1234 : undefined) }).insns[0]).toEqual(
      insn(0x85, 0, 2, 0, 1234),
    );
  });
});

describe('uBPF assembler (conformance syntax)', () => {
  it('encodes a few forms', () => {
    const { insns } = assembleUbpf(
      'mov32 %r0, 0x80000000\nldxsh %r1, [%r10-2]\nlock fetch xor32 [%r10-4], %r2\njsgt %r1, -1, exit\ncall local f\nf:\nexit',
    );
    expect(insns).toEqual([
      insn(0xb4, 0, 0, 0, -0x80000000),
      insn(0x89, 1, 10, -2),
      insn(0xc3, 10, 2, -4, 0xa1),
      insn(0x65, 1, 0, 1, -1),
      insn(0x85, 0, 1, 0, 0),
      insn(0x95),
    ]);
  });

  it('uses the suite messages and positions', () => {
    expect(asmError(() => assembleUbpf('mov %r0, 1\nadd32 %r1, 2147483648')).where).toBe(
      '2:12: Immediate out of 32-bit range: 2147483648',
    );
    expect(asmError(() => assembleUbpf('a:\na:\nexit')).message).toBe('Duplicate label (a) detected at line 2');
    expect(asmError(() => assembleUbpf('neg %r0, %r1')).message).toBe('Invalid number of operands for mnemonic: neg');
  });
});
