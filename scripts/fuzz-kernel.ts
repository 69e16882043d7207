/**
 * `npm run fuzz:kernel -- --count N [--seed S] [--minimise K] [--no-write] [--promote] [--templates]`: N programs
 * of the encoding-level generator (src-main/oracle/fuzz) through the running kernel's verifier and the model's,
 * a progress bar on stderr (periodic lines when stderr is not a terminal), the summary table on stdout, and K
 * disagreement classes without a case yet (default: all; wrong verdicts first, then errnos, then first lines, the
 * most frequent first) minimised and written as regression cases under
 * src-main/oracle/fuzz/regressions/ (listed in pending.json until the model agrees). --promote only re-checks the
 * pending cases and drops those the model now answers as the kernel did.
 */
import { parseArgs } from 'node:util';
import { progressBar, type Progress } from './progress';
import { kernelOracle } from '../src-main/oracle';
import { fuzzKernel, minimiseClasses, summaryTable } from '../src-main/oracle/fuzz';
import { promote } from '../src-main/oracle/fuzz/regressions';

const { values } = parseArgs({
  options: {
    count: { type: 'string', default: '1000' },
    seed: { type: 'string', default: '1' },
    minimise: { type: 'string' },
    'no-write': { type: 'boolean', default: false },
    promote: { type: 'boolean', default: false },
    templates: { type: 'boolean', default: false },
  },
});

/** The shared progress bar (scripts/progress.ts), in the (done, total) form the fuzzer calls. */
function progress(label: string): (done: number, total: number) => void {
  let bar: Progress | undefined;
  return (done, total) => {
    bar ??= progressBar(label, total);
    bar.tick(done);
    if (done >= total) bar.done();
  };
}

function main(): number {
  if (values.promote) {
    const promoted = promote();
    console.log(
      promoted.length ? `promoted (the model now agrees): ${promoted.join(', ')}` : 'no pending case agrees yet',
    );
    return 0;
  }
  const oracle = kernelOracle();
  const avail = oracle.available();
  if (!avail.ok) {
    console.error(`fuzz:kernel needs the running kernel: ${avail.why}`);
    return 2;
  }
  const count = Number(values.count);
  const seed = Number(values.seed);
  if (!Number.isInteger(count) || count <= 0 || !Number.isInteger(seed)) {
    console.error('--count must be a positive integer and --seed an integer');
    return 2;
  }
  const run = fuzzKernel(oracle, { count, seed, progress: progress('kernel and model') });
  console.log(`fuzz:kernel --count ${count} --seed ${seed}`);
  console.log(summaryTable(run.summary, 40));
  if (values.templates) {
    console.log('\nkernel message templates reached (count, reproduced by the model):');
    for (const [t, c] of [...run.summary.kernel_templates.entries()].sort((a, b) => b[1] - a[1])) {
      console.log(`  ${String(c).padStart(6)} ${run.summary.reproduced.has(t) ? 'yes' : ' no'}  ${t}`);
    }
  }
  const limit = values.minimise === undefined ? undefined : Number(values.minimise);
  if (limit === 0 || run.summary.classes.size === 0) return 0;
  const mins = minimiseClasses(oracle, run, {
    ...(limit !== undefined ? { limit } : {}),
    write: !values['no-write'],
    progress: progress('minimising'),
  });
  console.log('\nminimised disagreements (class: insns before -> after, case file):');
  for (const m of mins) {
    console.log(
      `  ${m.count}x ${m.cls}\n     #${m.index}: ${m.before} -> ${m.case.hex.length / 16} insns${m.file ? `, written ${m.file}` : ''}; hex ${m.case.hex}`,
    );
  }
  return 0;
}

process.exitCode = main();
