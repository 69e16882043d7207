import { describe, expect, it } from 'vitest';
import { kernelForTests } from '../../../oracle/test-util';
import { kernelClassDisagreements, modelDisagreements, recordedAnswerGaps } from './kernel-classes.fixtures';
import { condJmpVariants, modelAnswer, refIdVariants } from './check-order.fixtures';
import type { OrderVariant } from './check-order.fixtures';

/**
 * Which check rejects first, against Linux 6.18 (check-order.fixtures.ts). KERNEL holds what this machine's
 * 6.18.44 answered for every variant (BPF_PROG_LOAD as root): `ok` or `ERRNO first error line`.
 */
const KERNEL: Record<string, string> = {
  'jmp jeq r1, 7 src=r0': 'EACCES R0 !read_ok',
  'jmp jeq r1, 7 src=r1': 'EINVAL BPF_JMP/JMP32 uses reserved fields',
  'jmp jeq r1, 7 src=r2': 'EINVAL BPF_JMP/JMP32 uses reserved fields',
  'jmp jeq r1, 7 src=r11': 'EINVAL BPF_JMP/JMP32 uses reserved fields',
  'jmp jeq r2, 7 src=r0': 'EACCES R2 !read_ok',
  'jmp jeq r2, 7 src=r1': 'EACCES R2 !read_ok',
  'jmp jeq r2, 7 src=r2': 'EACCES R2 !read_ok',
  'jmp jeq r2, 7 src=r11': 'EACCES R2 !read_ok',
  'jmp jeq r11, 7 src=r0': 'EINVAL R11 is invalid',
  'jmp jeq r11, 7 src=r1': 'EINVAL R11 is invalid',
  'jmp jeq r11, 7 src=r2': 'EINVAL R11 is invalid',
  'jmp jeq r11, 7 src=r11': 'EINVAL R11 is invalid',
  'jmp jeq r1, r1': 'EACCES R0 !read_ok',
  'jmp jeq r1, r1 imm=1': 'EINVAL BPF_JMP/JMP32 uses reserved fields',
  'jmp jeq r1, r2': 'EACCES R2 !read_ok',
  'jmp jeq r1, r2 imm=1': 'EINVAL BPF_JMP/JMP32 uses reserved fields',
  'jmp jeq r1, r11': 'EINVAL R11 is invalid',
  'jmp jeq r1, r11 imm=1': 'EINVAL BPF_JMP/JMP32 uses reserved fields',
  'jmp jeq r2, r1': 'EACCES R2 !read_ok',
  'jmp jeq r2, r1 imm=1': 'EACCES R2 !read_ok',
  'jmp jeq r2, r2': 'EACCES R2 !read_ok',
  'jmp jeq r2, r2 imm=1': 'EACCES R2 !read_ok',
  'jmp jeq r2, r11': 'EACCES R2 !read_ok',
  'jmp jeq r2, r11 imm=1': 'EACCES R2 !read_ok',
  'jmp jeq r11, r1': 'EINVAL R11 is invalid',
  'jmp jeq r11, r1 imm=1': 'EINVAL R11 is invalid',
  'jmp jeq r11, r2': 'EINVAL R11 is invalid',
  'jmp jeq r11, r2 imm=1': 'EINVAL R11 is invalid',
  'jmp jeq r11, r11': 'EINVAL R11 is invalid',
  'jmp jeq r11, r11 imm=1': 'EINVAL R11 is invalid',
  'jmp jslt r1, 7 src=r0': 'EACCES R0 !read_ok',
  'jmp jslt r1, 7 src=r1': 'EINVAL BPF_JMP/JMP32 uses reserved fields',
  'jmp jslt r1, 7 src=r2': 'EINVAL BPF_JMP/JMP32 uses reserved fields',
  'jmp jslt r1, 7 src=r11': 'EINVAL BPF_JMP/JMP32 uses reserved fields',
  'jmp jslt r2, 7 src=r0': 'EACCES R2 !read_ok',
  'jmp jslt r2, 7 src=r1': 'EACCES R2 !read_ok',
  'jmp jslt r2, 7 src=r2': 'EACCES R2 !read_ok',
  'jmp jslt r2, 7 src=r11': 'EACCES R2 !read_ok',
  'jmp jslt r11, 7 src=r0': 'EINVAL R11 is invalid',
  'jmp jslt r11, 7 src=r1': 'EINVAL R11 is invalid',
  'jmp jslt r11, 7 src=r2': 'EINVAL R11 is invalid',
  'jmp jslt r11, 7 src=r11': 'EINVAL R11 is invalid',
  'jmp jslt r1, r1': 'EACCES R0 !read_ok',
  'jmp jslt r1, r1 imm=1': 'EINVAL BPF_JMP/JMP32 uses reserved fields',
  'jmp jslt r1, r2': 'EACCES R2 !read_ok',
  'jmp jslt r1, r2 imm=1': 'EINVAL BPF_JMP/JMP32 uses reserved fields',
  'jmp jslt r1, r11': 'EINVAL R11 is invalid',
  'jmp jslt r1, r11 imm=1': 'EINVAL BPF_JMP/JMP32 uses reserved fields',
  'jmp jslt r2, r1': 'EACCES R2 !read_ok',
  'jmp jslt r2, r1 imm=1': 'EACCES R2 !read_ok',
  'jmp jslt r2, r2': 'EACCES R2 !read_ok',
  'jmp jslt r2, r2 imm=1': 'EACCES R2 !read_ok',
  'jmp jslt r2, r11': 'EACCES R2 !read_ok',
  'jmp jslt r2, r11 imm=1': 'EACCES R2 !read_ok',
  'jmp jslt r11, r1': 'EINVAL R11 is invalid',
  'jmp jslt r11, r1 imm=1': 'EINVAL R11 is invalid',
  'jmp jslt r11, r2': 'EINVAL R11 is invalid',
  'jmp jslt r11, r2 imm=1': 'EINVAL R11 is invalid',
  'jmp jslt r11, r11': 'EINVAL R11 is invalid',
  'jmp jslt r11, r11 imm=1': 'EINVAL R11 is invalid',
  'jmp32 jeq r1, 7 src=r0': 'EACCES R0 !read_ok',
  'jmp32 jeq r1, 7 src=r1': 'EINVAL BPF_JMP/JMP32 uses reserved fields',
  'jmp32 jeq r1, 7 src=r2': 'EINVAL BPF_JMP/JMP32 uses reserved fields',
  'jmp32 jeq r1, 7 src=r11': 'EINVAL BPF_JMP/JMP32 uses reserved fields',
  'jmp32 jeq r2, 7 src=r0': 'EACCES R2 !read_ok',
  'jmp32 jeq r2, 7 src=r1': 'EACCES R2 !read_ok',
  'jmp32 jeq r2, 7 src=r2': 'EACCES R2 !read_ok',
  'jmp32 jeq r2, 7 src=r11': 'EACCES R2 !read_ok',
  'jmp32 jeq r11, 7 src=r0': 'EINVAL R11 is invalid',
  'jmp32 jeq r11, 7 src=r1': 'EINVAL R11 is invalid',
  'jmp32 jeq r11, 7 src=r2': 'EINVAL R11 is invalid',
  'jmp32 jeq r11, 7 src=r11': 'EINVAL R11 is invalid',
  'jmp32 jeq r1, r1': 'EACCES R0 !read_ok',
  'jmp32 jeq r1, r1 imm=1': 'EINVAL BPF_JMP/JMP32 uses reserved fields',
  'jmp32 jeq r1, r2': 'EACCES R2 !read_ok',
  'jmp32 jeq r1, r2 imm=1': 'EINVAL BPF_JMP/JMP32 uses reserved fields',
  'jmp32 jeq r1, r11': 'EINVAL R11 is invalid',
  'jmp32 jeq r1, r11 imm=1': 'EINVAL BPF_JMP/JMP32 uses reserved fields',
  'jmp32 jeq r2, r1': 'EACCES R2 !read_ok',
  'jmp32 jeq r2, r1 imm=1': 'EACCES R2 !read_ok',
  'jmp32 jeq r2, r2': 'EACCES R2 !read_ok',
  'jmp32 jeq r2, r2 imm=1': 'EACCES R2 !read_ok',
  'jmp32 jeq r2, r11': 'EACCES R2 !read_ok',
  'jmp32 jeq r2, r11 imm=1': 'EACCES R2 !read_ok',
  'jmp32 jeq r11, r1': 'EINVAL R11 is invalid',
  'jmp32 jeq r11, r1 imm=1': 'EINVAL R11 is invalid',
  'jmp32 jeq r11, r2': 'EINVAL R11 is invalid',
  'jmp32 jeq r11, r2 imm=1': 'EINVAL R11 is invalid',
  'jmp32 jeq r11, r11': 'EINVAL R11 is invalid',
  'jmp32 jeq r11, r11 imm=1': 'EINVAL R11 is invalid',
  'jmp32 jslt r1, 7 src=r0': 'EACCES R0 !read_ok',
  'jmp32 jslt r1, 7 src=r1': 'EINVAL BPF_JMP/JMP32 uses reserved fields',
  'jmp32 jslt r1, 7 src=r2': 'EINVAL BPF_JMP/JMP32 uses reserved fields',
  'jmp32 jslt r1, 7 src=r11': 'EINVAL BPF_JMP/JMP32 uses reserved fields',
  'jmp32 jslt r2, 7 src=r0': 'EACCES R2 !read_ok',
  'jmp32 jslt r2, 7 src=r1': 'EACCES R2 !read_ok',
  'jmp32 jslt r2, 7 src=r2': 'EACCES R2 !read_ok',
  'jmp32 jslt r2, 7 src=r11': 'EACCES R2 !read_ok',
  'jmp32 jslt r11, 7 src=r0': 'EINVAL R11 is invalid',
  'jmp32 jslt r11, 7 src=r1': 'EINVAL R11 is invalid',
  'jmp32 jslt r11, 7 src=r2': 'EINVAL R11 is invalid',
  'jmp32 jslt r11, 7 src=r11': 'EINVAL R11 is invalid',
  'jmp32 jslt r1, r1': 'EACCES R0 !read_ok',
  'jmp32 jslt r1, r1 imm=1': 'EINVAL BPF_JMP/JMP32 uses reserved fields',
  'jmp32 jslt r1, r2': 'EACCES R2 !read_ok',
  'jmp32 jslt r1, r2 imm=1': 'EINVAL BPF_JMP/JMP32 uses reserved fields',
  'jmp32 jslt r1, r11': 'EINVAL R11 is invalid',
  'jmp32 jslt r1, r11 imm=1': 'EINVAL BPF_JMP/JMP32 uses reserved fields',
  'jmp32 jslt r2, r1': 'EACCES R2 !read_ok',
  'jmp32 jslt r2, r1 imm=1': 'EACCES R2 !read_ok',
  'jmp32 jslt r2, r2': 'EACCES R2 !read_ok',
  'jmp32 jslt r2, r2 imm=1': 'EACCES R2 !read_ok',
  'jmp32 jslt r2, r11': 'EACCES R2 !read_ok',
  'jmp32 jslt r2, r11 imm=1': 'EACCES R2 !read_ok',
  'jmp32 jslt r11, r1': 'EINVAL R11 is invalid',
  'jmp32 jslt r11, r1 imm=1': 'EINVAL R11 is invalid',
  'jmp32 jslt r11, r2': 'EINVAL R11 is invalid',
  'jmp32 jslt r11, r2 imm=1': 'EINVAL R11 is invalid',
  'jmp32 jslt r11, r11': 'EINVAL R11 is invalid',
  'jmp32 jslt r11, r11 imm=1': 'EINVAL R11 is invalid',
  'refs: reserve': 'EINVAL Unreleased reference id=2 alloc_insn=4',
  'refs: reserve, reserve': 'EINVAL Unreleased reference id=2 alloc_insn=4',
  'refs: lookup, reserve': 'EINVAL Unreleased reference id=3 alloc_insn=10',
  'refs: reserve, lookup': 'EINVAL Unreleased reference id=2 alloc_insn=4',
  'refs: reserve, submit, reserve': 'EINVAL Unreleased reference id=4 alloc_insn=14',
  'refs: reserve, null check': 'EINVAL Unreleased reference id=2 alloc_insn=4',
};

const CLASSES: [string, OrderVariant[]][] = [
  ['conditional jumps: dst register, reserved fields, src register', condJmpVariants()],
  ['reference ids: the maybe-NULL id, then the reference', refIdVariants()],
];

describe("check order classes the fuzzer found, with the kernel's answers recorded", () => {
  it('has a recorded answer for every variant', () => {
    expect(
      recordedAnswerGaps(
        CLASSES.flatMap(([, vs]) => vs),
        KERNEL,
      ),
    ).toEqual([]);
  });

  for (const [title, vs] of CLASSES) {
    it(`answers as Linux 6.18 does: ${title}`, () => {
      expect(modelDisagreements(vs, KERNEL, modelAnswer)).toEqual([]);
    });
  }
});

const { oracle, skip } = kernelForTests('check order classes against the running kernel');

describe.skipIf(skip)('check order classes against the running kernel (BPF_PROG_LOAD)', () => {
  for (const [title, vs] of CLASSES) {
    it(`gives the kernel's verdict, errno and first error line: ${title}`, () => {
      const wrong = kernelClassDisagreements(
        oracle,
        vs,
        (v) => ({
          prog: v.bytes,
          opts: {
            prog_type: v.prog_type,
            log_level: 1,
            maps: Object.fromEntries((v.maps ?? []).map((m, i) => [i + 1, { ...m }])),
          },
        }),
        KERNEL,
        modelAnswer,
      );
      expect(wrong).toEqual([]);
    });
  }
});
