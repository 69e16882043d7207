/**
 * What the verifier class tests share (helper-args, mem-classes, map-ptr, alu-classes, check-order, sock-common,
 * helper-protos): an answer as one string, the offline check of every variant against its recorded kernel answer,
 * and the comparison with the running kernel's answer and the recorded one.
 */
import type { KernelJob, KernelTestRun } from '../../../oracle/index';

/** `ok` or `ERRNO first error line`. */
export function answerOf(r: { ok: boolean; errno?: string | undefined; first?: string | undefined }): string {
  return r.ok ? 'ok' : `${r.errno} ${r.first}`;
}

/** Variant names used twice, and variants with no recorded kernel answer: both must be empty. */
export function recordedAnswerGaps(
  variants: readonly { name: string }[],
  recorded: Readonly<Record<string, string>>,
): string[] {
  const seen = new Set<string>();
  const gaps: string[] = [];
  for (const { name } of variants) {
    if (seen.has(name)) gaps.push(`${name}: named twice`);
    seen.add(name);
    if (!(name in recorded)) gaps.push(`${name}: no recorded answer`);
  }
  return gaps;
}

/** The variants whose model answer is not the recorded kernel answer, each as `name: model answer`. */
export function modelDisagreements<V extends { name: string }>(
  variants: readonly V[],
  recorded: Readonly<Record<string, string>>,
  model: (v: V) => string,
): string[] {
  return variants.filter((v) => model(v) !== recorded[v.name]).map((v) => `${v.name}: ${model(v)}`);
}

/**
 * Loads every variant in the running kernel (one batch) and lists where its answer differs from the recorded one,
 * and where the model's differs from the kernel's (for the variants `modelApplies` keeps). Variants the oracle's
 * allow-list keeps from the kernel are left to the recorded answers.
 */
export function kernelClassDisagreements<V extends { name: string }>(
  oracle: { batch(jobs: readonly KernelJob[]): KernelTestRun[] },
  variants: readonly V[],
  job: (v: V) => KernelJob,
  recorded: Readonly<Record<string, string>>,
  model: (v: V) => string,
  modelApplies: (v: V) => boolean = () => true,
): string[] {
  const res = oracle.batch(variants.map(job));
  const wrong: string[] = [];
  variants.forEach((v, i) => {
    const k = res[i]!.verdict;
    if (k.refused !== undefined) return;
    const want = answerOf({ ok: k.ok, errno: k.errno_name, first: k.first_error });
    if (want !== recorded[v.name]) wrong.push(`${v.name}: kernel ${want}, recorded ${recorded[v.name]}`);
    if (modelApplies(v) && model(v) !== want) wrong.push(`${v.name}: kernel ${want}, model ${model(v)}`);
  });
  return wrong;
}
