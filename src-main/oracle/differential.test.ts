import { describe, expect, it } from 'vitest';
import { differential, differentialPrograms, OUR_VERIFIER_BUGS } from './differential';
import type { DifferentialSummary } from './differential';
import { kernelOracle } from './index';

const oracle = kernelOracle({ trustedPrograms: true }); // the project's own programs: their iterator loops may run (policy.ts)
const avail = oracle.available();
if (!avail.ok) console.log(`kernel oracle: differential suite skipped (${avail.why})`);

/** Random programs (each also gives one mutant), fixed seed. */
const RANDOM = 1000;

describe('differentialPrograms', () => {
  it('holds the corpus, the selftests and a random program plus a mutant per seed step', () => {
    const ps = differentialPrograms({ random: 10 });
    expect(ps.filter((p) => p.set === 'iter-corpus')).toHaveLength(18);
    const st = ps.filter((p) => p.set === 'selftests');
    // All 82 but the one with a bpf_loop callback (a raw load without BTF cannot name it: "missing btf func_info")
    // and stack_misc_vs_scalar_in_a_loop (slow here).
    expect(st).toHaveLength(80);
    expect(st.some((p) => /bpf_loop/.test(p.asm!))).toBe(false);
    // bpf-to-bpf calls and maps are in.
    expect(st.filter((p) => /\ncall (?!bpf_)/.test(`\n${p.asm!}`)).length).toBeGreaterThanOrEqual(7);
    expect(st.filter((p) => p.map).length).toBeGreaterThanOrEqual(15);
    const rnd = ps.filter((p) => p.set === 'random');
    expect(rnd).toHaveLength(20);
    expect(rnd.filter((p) => p.name.includes('mutant'))).toHaveLength(10);
    expect(differentialPrograms({ random: 10 })).toEqual(ps);
  });
});

describe.skipIf(!avail.ok)(
  'the differential suite: the running kernel against our verifier, interpreter and JIT',
  () => {
    let s: DifferentialSummary;
    const summary = (): DifferentialSummary => (s ??= differential(oracle, { random: RANDOM }));

    it('reports the figures', () => {
      const r = summary();
      console.log(
        `kernel oracle differential: verdict ${r.verdict_agreement.toFixed(4)}, first error ${r.first_error_agreement.toFixed(4)}, retval ${r.retval_agreement.toFixed(4)}; ${JSON.stringify(r.sets)}`,
      );
      for (const d of r.disagreements)
        console.log(
          `  ${d.set} ${d.name} [${d.kind}${d.known_bug ? `, known bug ${d.known_bug}` : ''}${d.allowed ? `, allowed: ${d.allowed}` : ''}] kernel: ${d.kernel} | ours: ${d.ours}`,
        );
      expect(r.sets['iter-corpus'].programs).toBe(18);
      expect(r.sets.random.programs).toBe(2 * RANDOM);
      // Both verdicts are exercised in every set.
      for (const f of Object.values(r.sets)) {
        expect(f.kernel_accepted).toBeGreaterThan(0);
        expect(f.kernel_rejected).toBeGreaterThan(0);
      }
    }, 600_000);

    it('agrees on every verdict, except listed kernel-version differences and known bugs of our verifier', () => {
      const r = summary();
      const unexplained = r.disagreements.filter(
        (d) => d.kind === 'verdict' && d.allowed === undefined && d.known_bug === undefined,
      );
      expect(unexplained).toEqual([]);
      // The corpus and the selftests agree outright.
      expect(r.sets['iter-corpus'].verdict_agree).toBe(r.sets['iter-corpus'].programs);
      expect(r.sets.selftests.verdict_agree).toBe(r.sets.selftests.programs);
      // Every known bug still shows (remove it from OUR_VERIFIER_BUGS once fixed).
      const seen = new Set(r.disagreements.map((d) => d.known_bug));
      expect(OUR_VERIFIER_BUGS.map((b) => b.id).filter((id) => !seen.has(id))).toEqual([]);
    }, 120_000);

    it('gives the same r0 through the kernel test run, our interpreter and our JIT for every program both accept', () => {
      const r = summary();
      expect(r.disagreements.filter((d) => d.kind === 'retval')).toEqual([]);
      expect(r.retval_agreement).toBe(1);
      expect(r.sets.random.ran).toBeGreaterThan(RANDOM / 2);
    }, 120_000);

    it('agrees on the first error line of programs both reject at least as often as measured (1.0 on 6.18)', () => {
      const r = summary();
      expect(r.sets['iter-corpus'].first_error_agree).toBe(r.sets['iter-corpus'].both_rejected);
      expect(r.sets.selftests.first_error_agree).toBe(r.sets.selftests.both_rejected);
      expect(r.first_error_agreement).toBeGreaterThanOrEqual(0.995);
    }, 120_000);
  },
);
