import { describe, expect, it } from 'vitest';
import { KernelError } from '../../common/errors';
import { kernelOracle } from '../../../oracle';
import { createBpf } from '../index';
import {
  ARRAY_MAP,
  alu32Variants,
  answerOf,
  belowRegionVariants,
  encodingVariants,
  kfuncArgVariants,
  modelAnswer,
  ptrOffsetVariants,
  shiftVariants,
  smallVariants,
  unaryVariants,
} from './alu-classes.fixtures';
import type { ClassVariant } from './alu-classes.fixtures';
import { modelDisagreements, recordedAnswerGaps } from './kernel-classes.fixtures';
import { KERNEL } from './alu-classes.kernel';

const CLASSES: [string, ClassVariant[]][] = [
  ['BPF_K shifts (LSH/RSH/ARSH x ALU/ALU64 x -1, 0, 31, 32, 63, 64, INT32_MIN, INT32_MAX)', shiftVariants()],
  [
    'ALU32 results: every op x immediate, constant register (in and out of shift range), unknown register',
    alu32Variants(),
  ],
  ['NEG, byte swaps, sign-extending moves and self-operations on scalars and pointers', unaryVariants()],
  ['pointers moved below their region by the register and back by the offset', belowRegionVariants()],
  ["kfunc arguments checked in the kernel's order (uninit, NULL, scalar, ctx, stack, map, ...)", kfuncArgVariants()],
  ['instruction encodings: registers, reserved fields, opcodes, jump and call targets', encodingVariants()],
  ['pointer compares with 0, constant-key array lookups, 32-bit bounds and tnum_mul', smallVariants()],
  ['pointer offsets past BPF_MAX_VAR_OFF: the scalar, the pointer and the result', ptrOffsetVariants()],
];

describe("the verifier classes outside checks found, with the kernel's answers recorded", () => {
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

  it('rejects every out-of-range BPF_K shift with EINVAL "invalid shift N" and accepts the rest', () => {
    for (const v of shiftVariants()) {
      const imm = (v.prog as readonly { imm: number }[])[1]!.imm;
      const width = /^[a-z]+(32|64) /.exec(v.name)![1] === '32' ? 32 : 64;
      expect(modelAnswer(v), v.name).toBe(imm >= 0 && imm < width ? 'ok' : `EINVAL invalid shift ${imm}`);
    }
  });

  it("prints the kernel's log around a rejection made before the walk: the message and the closing line only", () => {
    const insns = [
      { code: 0xb7, dst_reg: 0, src_reg: 0, off: 0, imm: 0 },
      { code: 0x05, dst_reg: 0, src_reg: 0, off: 5, imm: 0 },
      { code: 0x95, dst_reg: 0, src_reg: 0, off: 0, imm: 0 },
    ];
    const r = createBpf().verify({ insns, prog_type: 'raw_tp' });
    expect(r.log).toBe(
      'jump out of range from insn 1 to 7\nprocessed 0 insns (limit 1000000) max_states_per_insn 0 total_states 0 peak_states 0 mark_read 0\n',
    );
    expect(createBpf().verify({ insns, prog_type: 'raw_tp', log_level: 0 }).log).toBe('');
    // A load without the verifier still names the instruction.
    expect(() => createBpf().prog_load({ insns, verify: false })).toThrow(/jump out of range from insn 1 to 7/);
  });

  it('refuses instruction records whose fields do not fit struct bpf_insn, naming the instruction and the field', () => {
    const ok = { code: 0xb7, dst_reg: 0, src_reg: 0, off: 0, imm: 0 };
    const exit = { code: 0x95, dst_reg: 0, src_reg: 0, off: 0, imm: 0 };
    const cases: [Record<string, unknown>, string][] = [
      [{ code: 0x1b7 }, 'insn 1: code 439 does not fit u8 (0..255)'],
      [{ code: -1 }, 'insn 1: code -1 does not fit u8 (0..255)'],
      [{ dst_reg: 16 }, 'insn 1: dst_reg 16 does not fit u4 (0..15)'],
      [{ src_reg: -1 }, 'insn 1: src_reg -1 does not fit u4 (0..15)'],
      [{ off: 32768 }, 'insn 1: off 32768 does not fit s16 (-32768..32767)'],
      [{ off: -32769 }, 'insn 1: off -32769 does not fit s16 (-32768..32767)'],
      [{ imm: 0x80000000 }, 'insn 1: imm 2147483648 does not fit s32 (-2147483648..2147483647)'],
      [{ imm: 0xffffffff }, 'insn 1: imm 4294967295 does not fit s32 (-2147483648..2147483647)'],
      [{ imm: 1.5 }, 'insn 1: imm 1.5 does not fit s32 (-2147483648..2147483647)'],
      [{ imm: '5' }, 'insn 1: imm "5" does not fit s32 (-2147483648..2147483647)'],
      [{ imm: undefined }, 'insn 1: imm undefined does not fit s32 (-2147483648..2147483647)'],
    ];
    for (const [patch, msg] of cases) {
      const insns = [ok, { ...ok, ...patch }, exit] as never;
      for (const verify of [true, false]) {
        let err: unknown;
        try {
          createBpf().prog_load({ insns, verify });
        } catch (e) {
          err = e;
        }
        expect(err, msg).toBeInstanceOf(KernelError);
        expect(err, msg).toMatchObject({ errno: 'EINVAL', message: msg, detail: { insn: 1 } });
      }
      expect(createBpf().verify({ insns }).errors[0]).toMatchObject({ errno: 'EINVAL', message: msg, insn: 1 });
    }
    // The extremes fit.
    const edge = [
      { ...ok, imm: -0x80000000 },
      { ...ok, dst_reg: 9, off: -32768 },
      { ...ok, imm: 0x7fffffff, off: 32767 },
      exit,
    ];
    expect(createBpf().verify({ insns: edge }).errors[0]?.message ?? 'ok').toBe('BPF_MOV uses reserved fields');
  });

  it("assembles the offsets the kernel's printer writes and the signed ones LLVM writes", () => {
    const bpf = createBpf();
    for (const [src, off] of [
      ['(r10 -8)', -8],
      ['(r10 - 8)', -8],
      ['(r10 + -8)', -8],
      ['(r10 +8)', 8],
      ['(r10 + 8)', 8],
      ['(r10)', 0],
    ] as const) {
      expect(bpf.assemble(`r0 = *(u64 *)${src}\nexit`).insns[0]!.off, src).toBe(off);
      expect(bpf.assemble(`*(u64 *)${src} = r1\nexit`).insns[0]!.off, src).toBe(off);
    }
    expect(bpf.assemble('lock *(u64 *)(r10 + -8) += r1\nexit').insns[0]!.off).toBe(-8);
    expect(() => bpf.assemble('r0 = *(u64 *)(r10 + -40000)\nexit')).toThrow(/offset -40000 out of 16-bit range/);
  });
});

const oracle = kernelOracle();
const avail = oracle.available();
if (!avail.ok) console.log(`alu-classes: kernel comparison skipped: ${avail.why}`);

describe.skipIf(!avail.ok)('the verifier classes against the running kernel (BPF_PROG_LOAD)', () => {
  for (const [title, vs] of CLASSES) {
    it(`gives the kernel's verdict, errno and first error line (or register state): ${title}`, () => {
      const res = oracle.batch(
        vs.map((v) => ({
          prog: v.prog as string,
          opts: {
            prog_type: 'raw_tracepoint',
            log_level: v.stateOf === undefined ? 1 : 2,
            maps: { 1: { ...ARRAY_MAP } },
          },
        })),
      );
      vs.forEach((v, i) => {
        const k = res[i]!.verdict;
        // A form the oracle's allow-list keeps from the kernel (policy.ts): the recorded answer is checked offline.
        if (k.refused !== undefined) return;
        expect(modelAnswer(v), v.name).toBe(
          answerOf(v, { ok: k.ok, errno: k.errno_name, first: k.first_error, log: k.log }),
        );
      });
    });
  }
});
