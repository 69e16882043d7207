/**
 * bpf_iter_bits (kernel/bpf/helpers.c): the verifier's view (2 slots, the __ign pointer, a 4-byte int from
 * next()) and the kfuncs' results, in our interpreter and JIT and, where it can be asked, in the running kernel.
 */
import { describe, expect, it } from 'vitest';
import { kfuncIdsByName } from '../../oracle';
import { kernelForTests } from '../../oracle/test-util';
import { createBpf, KFUNC_BTF_ID } from './index';

const IT = 'r1 = r10\nr1 += -16\n';
/** Counts the set bits (r6) and sums their indices (r7) of nr_words words at fp-32; r0 = count, or new()'s error. */
function bitsProg(setup: string, ptr: string, nrWords: number | string, result = 'r0 = r6'): string {
  return (
    `${setup}${IT}${ptr}r3 = ${nrWords}\ncall bpf_iter_bits_new\nr8 = r0\nr6 = 0\nr7 = 0\n` +
    `l:\n${IT}call bpf_iter_bits_next\nif r0 == 0 goto e\nr1 = *(u32 *)(r0 + 0)\nr7 += r1\nr6 += 1\ngoto l\n` +
    `e:\n${IT}call bpf_iter_bits_destroy\nif r8 == 0 goto ok\nr0 = r8\nexit\nok:\n${result}\nexit\n`
  );
}
const ON_STACK = 'r2 = r10\nr2 += -32\n';
const CASES: { name: string; asm: string; retval: bigint }[] = [
  // The selftest bits_copy: 0xf7310 has 10 bits set.
  { name: 'one word (bits_copy)', asm: bitsProg('r1 = 1012496\n*(u64 *)(r10 - 32) = r1\n', ON_STACK, 1), retval: 10n },
  {
    name: 'two words (the bpf_mem_alloc copy): bits 0, 63, 64, 65',
    asm: bitsProg(
      'r1 = -9223372036854775807 ll\n*(u64 *)(r10 - 32) = r1\nr1 = 3\n*(u64 *)(r10 - 24) = r1\n',
      ON_STACK,
      2,
      'r0 = r7',
    ),
    retval: 192n,
  },
  { name: 'nr_words 0: -EINVAL', asm: bitsProg('', ON_STACK, 0), retval: BigInt.asUintN(64, -22n) },
  { name: 'a NULL pointer: -EINVAL', asm: bitsProg('', 'r2 = 0\n', 1), retval: BigInt.asUintN(64, -22n) },
  { name: 'nr_words 512: -E2BIG', asm: bitsProg('', ON_STACK, 512), retval: BigInt.asUintN(64, -7n) },
  { name: 'an address nothing maps: -EFAULT', asm: bitsProg('', 'r2 = 4096\n', 1), retval: BigInt.asUintN(64, -14n) },
];

/** Programs the verifier must refuse as the kernel does (its whole log is compared where the kernel can be asked). */
const REJECTED = [
  // The 16-byte iterator does not fit above fp-8.
  'r1 = r10\nr1 += -8\nr2 = 0\nr3 = 1\ncall bpf_iter_bits_new\nr1 = r10\nr1 += -8\ncall bpf_iter_bits_destroy\nr0 = 0\nexit',
  // next() returns a pointer to one int.
  CASES[0]!.asm.replace('r1 = *(u32 *)(r0 + 0)', 'r1 = *(u32 *)(r0 + 4)'),
  `${IT}r2 = 0\nr3 = 1\ncall bpf_iter_bits_new\nr0 = 0\nexit`,
  `${IT}call bpf_iter_bits_next\nr0 = 0\nexit`,
];

describe('bpf_iter_bits', () => {
  it.each(CASES)("$name: interpreter and JIT give the kernel's result", ({ asm, retval }) => {
    for (const jit of [false, true]) {
      const bpf = createBpf({ jit });
      const p = bpf.prog_load({ asm, prog_type: 'raw_tp' });
      expect(p.run().retval, `jit ${jit}`).toBe(BigInt.asUintN(32, retval));
    }
  });

  it("is verified with the kernel's rules: two slots, the pointer unchecked, a leak or an uninitialised iterator refused", () => {
    const bpf = createBpf();
    const ok = bpf.verify({ asm: CASES[0]!.asm, prog_type: 'raw_tp', log_level: 2 });
    expect(ok.ok).toBe(true);
    expect(ok.log).toContain('fp-16=iter_bits(ref_id=1,state=active,depth=0)');
    const leak = bpf.verify({ asm: REJECTED[2]!, prog_type: 'raw_tp' });
    expect(leak.errors[0]?.message).toMatch(/^Unreleased reference id=1/);
    const uninit = bpf.verify({ asm: REJECTED[3]!, prog_type: 'raw_tp' });
    expect(uninit.errors[0]?.message).toBe('expected an initialized iter_bits as arg #0');
    const narrow = bpf.verify({ asm: REJECTED[0]!, prog_type: 'raw_tp' });
    expect(narrow.errors[0]?.message).toBe('cannot pass in iter at an offset=-8');
    const past = bpf.verify({ asm: REJECTED[1]!, prog_type: 'raw_tp' });
    expect(past.ok).toBe(false);
    expect(past.errors[0]?.message).toMatch(/invalid access to memory, mem_size=4 off=4 size=4/);
  });

  // the project's own programs: their iterator loops may run (policy.ts)
  const { oracle, skip } = kernelForTests('bpf_iter_bits on the running kernel', { trustedPrograms: true });
  it.skipIf(skip)('agrees with the running kernel on every case (BPF_PROG_TEST_RUN)', () => {
    const res = oracle.batch(
      CASES.map((c) => ({ prog: c.asm, opts: { prog_type: 'raw_tracepoint', log_level: 1 }, run: true })),
    );
    CASES.forEach((c, i) => {
      const r = res[i]!;
      expect(r.ok, `${c.name}: ${r.verdict.log}`).toBe(true);
      if (r.ok) expect(BigInt.asUintN(32, r.retval), c.name).toBe(BigInt.asUintN(32, c.retval));
    });
    const refused = oracle.batch(
      REJECTED.map((prog) => ({ prog, opts: { prog_type: 'raw_tracepoint', log_level: 1 } })),
    );
    REJECTED.forEach((prog, i) => {
      const ours = createBpf().verify({ asm: prog, prog_type: 'raw_tp' });
      expect(refused[i]!.verdict.ok, prog).toBe(false);
      // The kernel's log names the kfuncs with its BTF ids: read by name with the model's.
      expect(ours.log, prog).toBe(kfuncIdsByName(refused[i]!.verdict.log, KFUNC_BTF_ID));
    });
  });
});
