/**
 * bpf.verifier_insns_per_s: processed instructions per second of wall time on the largest translated selftests
 * (seven nested bpf_for loops, clean_live_states) and on a loop that runs into the processed-instruction budget
 * (here a 200,000-insn budget, to keep the run short; the rate is what matters). The programs are assembled before
 * the clock starts: the figure is the verifier's (load-time checks and bpf_check()), not the assembler's.
 * clean_live_states is small work: Linux 6.18 on this machine processes it in 429 insns (we in 433), each bpf_for
 * converging after one iteration, so its rate mostly measures per-load set-up and a cold JIT.
 */
import { createBpf } from '../index';
import { ITER_SELFTESTS } from './selftests';

function measure(asm: string, attr: Record<string, unknown> = {}): { insns: number; ms: number } {
  const k = createBpf();
  const { insns } = k.assemble(asm);
  const t0 = globalThis.performance.now();
  const r = k.verify({ insns, prog_type: 'raw_tp', log_level: 0, ...attr });
  const ms = globalThis.performance.now() - t0;
  return { insns: r.result?.insn_processed ?? 0, ms };
}

/** The figures of the issue, measured in this run. */
export function bench(): Record<string, { value: number; unit: string }> {
  const nested = ITER_SELFTESTS.find((c) => c.name === 'clean_live_states')!;
  let a = { insns: 0, ms: 0 };
  for (let i = 0; i < 5; i++) {
    const m = measure(nested.asm);
    a = { insns: a.insns + m.insns, ms: a.ms + m.ms };
  }
  const budget = measure('r1 = 2000000\nl:\nr1 -= 1\nif r1 != 0 goto l\nr0 = 0\nexit', { insn_limit: 200_000 });
  const total = { insns: a.insns + budget.insns, ms: a.ms + budget.ms };
  return {
    'bpf.verifier_insns_per_s': { value: Math.round((total.insns / total.ms) * 1000), unit: 'insns/s' },
    'bpf.verifier_nested_loops_insns_per_s': { value: Math.round((a.insns / a.ms) * 1000), unit: 'insns/s' },
    'bpf.verifier_budget_loop_insns_per_s': { value: Math.round((budget.insns / budget.ms) * 1000), unit: 'insns/s' },
  };
}
