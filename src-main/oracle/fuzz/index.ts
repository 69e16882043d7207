/**
 * The encoding-level kernel differential (issue 15, part 3): generate (./generator.ts), compare with the running
 * kernel (./runner.ts), shrink each disagreement class to a smallest program (./minimise.ts) and keep it as a
 * regression case (./regressions.ts). `npm run fuzz:kernel -- --count N [--seed S]` drives it
 * (scripts/fuzz-kernel.ts); the unit test runs a seeded 5,000.
 */
import { release } from 'node:os';
import type { KernelOracle } from '../types';
import type { FuzzProgram } from './generator';
import { generatePrograms } from './generator';
import { minimise } from './minimise';
import { hasCase, loadPending, makeCase, savePending, writeCase } from './regressions';
import type { RegressionCase } from './regressions';
import type { Comparison, FuzzSummary } from './runner';
import { comparePrograms, summarise } from './runner';

export { generatePrograms, generateProgram } from './generator';
export type { FuzzProgram, FuzzProgType, FuzzMap } from './generator';
export { comparePrograms, summarise, summaryTable, modelAnswer, compare } from './runner';
export type { Comparison, FuzzSummary } from './runner';
export { messageTemplate } from './template';
export { minimise, deleteInsns } from './minimise';

/** A run: the programs, one comparison each, and their sums. */
export interface FuzzRun {
  seed: number;
  programs: FuzzProgram[];
  comparisons: Comparison[];
  summary: FuzzSummary;
}

/** Generates `count` programs from `seed` and compares each with the kernel. */
export function fuzzKernel(
  oracle: KernelOracle,
  opts: { count: number; seed: number; progress?: (done: number, total: number) => void },
): FuzzRun {
  const programs = generatePrograms(opts.seed, opts.count);
  const comparisons = comparePrograms(oracle, programs, opts.progress);
  return { seed: opts.seed, programs, comparisons, summary: summarise(comparisons) };
}

/** A minimised disagreement. */
export interface MinimisedClass {
  cls: string;
  count: number;
  /** Index of the program it was shrunk from. */
  index: number;
  before: number;
  case: RegressionCase;
  /** The case file written, if new. */
  file?: string;
}

/** Shrinks one program per class (the shortest), the `limit` most frequent classes first; writes the cases when asked. */
export function minimiseClasses(
  oracle: KernelOracle,
  run: FuzzRun,
  opts: { limit?: number; write?: boolean; progress?: (done: number, total: number) => void } = {},
): MinimisedClass[] {
  // Wrong verdicts, retvals and crashes first, then errnos, then first lines; the most frequent first; classes
  // with a case already (when writing) are not shrunk again.
  const rank = (cls: string): number =>
    /^(verdict|retval|model_crash)/.test(cls) ? 0 : cls.startsWith('errno') ? 1 : 2;
  const classes = [...run.summary.classes.entries()]
    .filter(([cls]) => !opts.write || !hasCase(cls))
    .sort((a, b) => rank(a[0]) - rank(b[0]) || b[1].length - a[1].length)
    .slice(0, opts.limit ?? Infinity);
  const evaluate = (ps: readonly FuzzProgram[]): Comparison[] => comparePrograms(oracle, ps);
  const out: MinimisedClass[] = [];
  const pending = opts.write ? loadPending() : {};
  classes.forEach(([cls, ids], n) => {
    const index = ids.reduce(
      (best, i) => (run.programs[i]!.bytes.length < run.programs[best]!.bytes.length ? i : best),
      ids[0]!,
    );
    const p = run.programs[index]!;
    const small = minimise(p, cls, evaluate);
    const [cmp] = evaluate([small]);
    // The class is kept by construction; re-asked once so that the recorded answers are the small program's.
    const found = `npm run fuzz:kernel -- --seed ${run.seed}: program #${index} (${p.bytes.length / 8} insns, minimised to ${small.bytes.length / 8}) on Linux ${release()}`;
    const c = makeCase(cmp!.cls === cls ? small : p, cmp!.cls === cls ? cmp! : run.comparisons[index]!, found);
    const m: MinimisedClass = { cls, count: ids.length, index, before: p.bytes.length / 8, case: c };
    if (opts.write) {
      const file = writeCase(c);
      if (file) {
        m.file = file;
        pending[file] = cls;
      }
    }
    out.push(m);
    opts.progress?.(n + 1, classes.length);
  });
  if (opts.write) savePending(pending);
  return out;
}
