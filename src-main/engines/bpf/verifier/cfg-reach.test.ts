/**
 * check_cfg() (kernel/bpf/verifier.c, 6.18) walks from the first instruction only: a subprogram is reached through
 * a call or a BPF_PSEUDO_FUNC ld_imm64 that is itself reached, so one that only dead code names is unreachable.
 * The model against the recorded answers of the running kernel, and against the kernel itself where it can be asked.
 */
import { describe, expect, it } from 'vitest';
import { kernelForTests } from '../../../oracle/test-util';
import { createBpf } from '../index';
import { answerOf, kernelClassDisagreements, modelDisagreements } from './kernel-classes.fixtures';

const R0_0 = 'b700000000000000';
const EXIT = '9500000000000000';
const CALL_NEXT = '8510000001000000'; // call pc+1 (BPF_PSEUDO_CALL)
const FUNC_BACK = '18440000ffffffff0000000000000000'; // r4 = subprog[-1]: names its own instruction
const FUNC_NEXT = '1844000002000000' + '0000000000000000'; // r4 = subprog[+2]: the function after the exit

const VARIANTS = [
  { name: 'a call only dead code makes', hex: R0_0 + EXIT + CALL_NEXT + EXIT + R0_0 + EXIT },
  { name: 'a reached call', hex: CALL_NEXT + EXIT + R0_0 + EXIT },
  { name: 'a pseudo-func ld_imm64 only dead code holds, naming itself', hex: R0_0 + EXIT + FUNC_BACK + EXIT },
  { name: 'a pseudo-func ld_imm64 only dead code holds', hex: R0_0 + EXIT + FUNC_NEXT + EXIT + R0_0 + EXIT },
].map((v) => ({ ...v, bytes: Uint8Array.from(v.hex.match(/../g)!.map((b) => parseInt(b, 16))) }));

const KERNEL: Record<string, string> = {
  'a call only dead code makes': 'EINVAL unreachable insn 2',
  'a reached call': 'ok',
  'a pseudo-func ld_imm64 only dead code holds, naming itself': 'EINVAL unreachable insn 2',
  'a pseudo-func ld_imm64 only dead code holds': 'EINVAL unreachable insn 2',
};

function modelAnswer(v: (typeof VARIANTS)[number]): string {
  const r = createBpf().verify({ insns: v.bytes, prog_type: 'xdp', log_level: 1, func_info: false });
  return answerOf({ ok: r.ok, errno: r.errors[0]?.errno, first: r.errors[0]?.message });
}

describe('check_cfg() reachability through calls', () => {
  it('answers as Linux 6.18 does', () => {
    expect(modelDisagreements(VARIANTS, KERNEL, modelAnswer)).toEqual([]);
  });
});

const { oracle, skip } = kernelForTests('check_cfg() reachability against the running kernel');

describe.skipIf(skip)('check_cfg() reachability against the running kernel (BPF_PROG_LOAD)', () => {
  it("gives the kernel's verdict, errno and first error line", () => {
    const job = (v: (typeof VARIANTS)[number]) => ({ prog: v.bytes, opts: { prog_type: 'xdp', log_level: 1 } });
    expect(kernelClassDisagreements(oracle, VARIANTS, job, KERNEL, modelAnswer)).toEqual([]);
  });
});
