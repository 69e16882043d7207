/**
 * The differential runner of the encoding-level fuzzer (issue 15, part 3): every program goes through the model's
 * verifier (createBpf().verify(), log level 1 as the kernel's load) and the running kernel's (BPF_PROG_LOAD
 * through the oracle). Compared: the verdict, the errno and the first error line (exactly, as
 * oracle/differential.ts compares them); for a program both accept and whose result is comparable, r0 of
 * BPF_PROG_TEST_RUN (a u32) against our interpreter's and JIT's. A retval that differs is asked of the kernel
 * twice more: when the kernel does not repeat itself, the program is counted as nondeterministic, not as a
 * disagreement. The report counts the kernel's message templates reached and which of them we reproduce,
 * and groups disagreements into classes (kernel template | model template).
 */
import { readFileSync } from 'node:fs';
import { createBpf } from '../../engines/bpf';
import { BPF_F } from '../../engines/bpf';
import type { KernelJob, KernelOracle, KernelTestRun } from '../types';
import { firstErrorLine } from '../verifier-log';
import type { FuzzProgram } from './generator';
import { messageTemplate, verdictLine } from './template';

/** One side's answer. */
export interface Answer {
  ok: boolean;
  /** errno name of a rejection ('' when accepted). */
  errno: string;
  /** First error line of a rejection. */
  first?: string;
}

/** The model's answer, and what its interpreter and JIT returned (u32) when the program ran. */
export interface ModelAnswer extends Answer {
  /** The model threw something that is not a KernelError: a crash of ours. */
  crash?: string;
  interp?: bigint;
  jit?: bigint;
  run_error?: string;
}

/** The kernel's answer and its test run's r0 (u32). */
export interface KernelAnswer extends Answer {
  retval?: bigint;
  run_error?: string;
  /** The kernel oracle's allow-list (policy.ts) kept the load from the kernel: there is no answer to compare. */
  withheld?: string;
}

export type DisagreementKind = 'verdict' | 'errno' | 'first_line' | 'retval' | 'model_crash';

/** One program's comparison. */
export interface Comparison {
  kernel: KernelAnswer;
  model: ModelAnswer;
  /** Undefined when both agree on everything compared. */
  kind?: DisagreementKind;
  /** The class: kind, kernel template, model template. */
  cls?: string;
  /** Accepted by both and run on all three sides. */
  ran: boolean;
  /** The kernel's r0 changed between runs (not a disagreement). */
  nondeterministic?: boolean;
}

const hex = (v: bigint | undefined): string => (v === undefined ? '-' : `0x${v.toString(16)}`);

let hostCpus: number | undefined | null = null;

/**
 * This machine's nr_cpu_ids (the last CPU of /sys/devices/system/cpu/possible, plus one): 6.18's verifier bounds
 * bpf_get_smp_processor_id()'s result by it, so the model compared with this kernel must have as many CPUs.
 * Undefined off Linux (the model's default then).
 */
export function hostNrCpuIds(): number | undefined {
  if (hostCpus === null) {
    try {
      const m = /(\d+)\s*$/.exec(readFileSync('/sys/devices/system/cpu/possible', 'utf8'));
      hostCpus = m ? Number(m[1]) + 1 : undefined;
    } catch {
      hostCpus = undefined;
    }
  }
  return hostCpus;
}

/** The model side: verify, and for an accepted program with a context, run the interpreter and the JIT. */
export function modelAnswer(p: FuzzProgram, run = true): ModelAnswer {
  const flags = p.prog_type === 'syscall' ? BPF_F.SLEEPABLE : 0; // as the oracle loads a syscall program
  const cpus = hostNrCpuIds();
  const engine = (jit: boolean): ReturnType<typeof createBpf> => {
    const e = createBpf({ jit, ...(cpus ? { nr_cpus: cpus } : {}) });
    for (const m of p.maps)
      e.map_create({
        map_type: m.map_type,
        key_size: m.key_size,
        value_size: m.value_size,
        max_entries: m.max_entries,
      });
    return e;
  };
  // As the oracle loads it: with maps, an fd_array of their fds in creation order (1..n on both sides).
  // No BTF either: the oracle's loads carry no func_info.
  const fdArray = { func_info: false, ...(p.maps.length ? { fd_array: p.maps.map((_, i) => i + 1) } : {}) };
  let v: ReturnType<ReturnType<typeof createBpf>['verify']>;
  try {
    v = engine(false).verify({ insns: p.bytes, prog_type: p.prog_type, log_level: 1, prog_flags: flags, ...fdArray });
  } catch (e) {
    return { ok: false, errno: '', crash: `${(e as Error).name}: ${(e as Error).message}` };
  }
  // A log that overflowed (ENOSPC) is answered as the kernel oracle answers it: the verdict of a load without a
  // log, the first error line from the log's tail (its first line is cut).
  const overflow = !v.ok && v.errors[0]?.errno === 'ENOSPC' && /does not fit log_size/.test(v.errors[0]?.message ?? '');
  const verdict = overflow
    ? engine(false).verify({ insns: p.bytes, prog_type: p.prog_type, log_level: 0, prog_flags: flags, ...fdArray })
    : v;
  const a: ModelAnswer = { ok: verdict.ok, errno: verdict.ok ? '' : (verdict.errors[0]?.errno ?? '') };
  if (!verdict.ok) {
    const first = overflow
      ? firstErrorLine(v.log.slice(v.log.indexOf('\n') + 1))
      : (firstErrorLine(v.log) ?? v.errors[0]?.message);
    if (first !== undefined) a.first = first;
    return a;
  }
  if (!run || p.ctx === undefined) return a;
  try {
    for (const jit of [false, true]) {
      const e = engine(jit);
      // Verified again: the walk leaves out what it never reaches (a bad instruction behind a branch never taken),
      // which a load without the verifier would check.
      const prog = e.prog_load({ insns: p.bytes, prog_type: p.prog_type, log_level: 0, prog_flags: flags, ...fdArray });
      const r = BigInt(e.prog_test_run(prog, { ctx_in: Uint8Array.from(p.ctx) }).retval >>> 0);
      if (jit) a.jit = r;
      else a.interp = r;
    }
  } catch (e) {
    a.run_error = `${(e as Error).name}: ${(e as Error).message}`;
  }
  return a;
}

/** The kernel job of a program. */
export function kernelJob(p: FuzzProgram, run = true): KernelJob {
  const maps = Object.fromEntries(p.maps.map((m, i) => [i + 1, m]));
  return {
    prog: p.bytes,
    opts: {
      prog_type: p.prog_type,
      log_level: 1,
      ...(p.maps.length ? { maps } : {}),
      ...(p.ctx ? { ctx_in: p.ctx } : {}),
    },
    run: run && p.ctx !== undefined,
  };
}

/** A kernel result as an answer. */
export function kernelAnswer(r: KernelTestRun): KernelAnswer {
  const v = r.verdict;
  if (v.refused !== undefined) return { ok: false, errno: 'EPERM', withheld: v.refused };
  const a: KernelAnswer = { ok: v.ok, errno: v.ok ? '' : v.errno_name };
  if (!v.ok && v.first_error !== undefined) a.first = v.first_error;
  if (r.ok) a.retval = r.retval & 0xffffffffn;
  else if (v.ok && r.why !== 'not run') a.run_error = r.why;
  return a;
}

/** Compares the two answers (the retval only when both ran). */
export function compare(kernel: KernelAnswer, model: ModelAnswer): Comparison {
  const c: Comparison = { kernel, model, ran: false };
  if (kernel.withheld !== undefined) return c;
  const kt = verdictLine(kernel, true);
  const mt = model.crash !== undefined ? `crash: ${model.crash.replace(/\d+/g, 'N')}` : verdictLine(model, true);
  const set = (kind: DisagreementKind): Comparison => {
    c.kind = kind;
    c.cls = `${kind}: kernel «${kt}» | model «${mt}»`;
    return c;
  };
  if (model.crash !== undefined) return set('model_crash');
  if (kernel.ok !== model.ok) return set('verdict');
  if (!kernel.ok) {
    if (kernel.errno !== model.errno) return set('errno');
    if (kernel.first !== model.first) return set('first_line');
    return c;
  }
  if (kernel.retval === undefined || model.interp === undefined) {
    if (kernel.retval !== undefined && model.run_error !== undefined) {
      c.kind = 'retval';
      c.cls = `retval: kernel ran | model «${model.run_error.replace(/\d+/g, 'N')}»`;
    }
    return c;
  }
  c.ran = true;
  if (kernel.retval !== model.interp || kernel.retval !== model.jit) {
    c.kind = 'retval';
    c.cls = `retval: kernel ${model.interp === model.jit ? 'differs from interpreter and JIT' : 'vs interpreter vs JIT'}`;
  }
  return c;
}

/** Runs jobs in chunks (one helper process each; the helper has a per-batch timeout). */
export function kernelBatch(
  oracle: KernelOracle,
  jobs: readonly KernelJob[],
  chunk = 250,
  progress?: (done: number) => void,
): KernelTestRun[] {
  const out: KernelTestRun[] = [];
  for (let i = 0; i < jobs.length; i += chunk) {
    out.push(...oracle.batch(jobs.slice(i, i + chunk)));
    progress?.(out.length);
  }
  return out;
}

/** Compares `programs` (kernel batches, then the model on each); retval disagreements are re-asked twice. */
export function comparePrograms(
  oracle: KernelOracle,
  programs: readonly FuzzProgram[],
  progress?: (done: number, total: number) => void,
): Comparison[] {
  const total = programs.length * 2;
  const res = kernelBatch(
    oracle,
    programs.map((p) => kernelJob(p)),
    250,
    (d) => progress?.(d, total),
  );
  // A test run the allow-list refuses (a helper that reads host state, a kfunc): the load alone is still compared.
  const loadOnly = res
    .map((r, i) => (!r.ok && r.refused !== undefined && r.verdict.refused === undefined ? i : -1))
    .filter((i) => i >= 0);
  if (loadOnly.length > 0) {
    const again = kernelBatch(
      oracle,
      loadOnly.map((i) => kernelJob(programs[i]!, false)),
    );
    loadOnly.forEach((i, n) => (res[i] = again[n]!));
  }
  const out: Comparison[] = [];
  programs.forEach((p, i) => {
    out.push(compare(kernelAnswer(res[i]!), modelAnswer(p)));
    if (i % 50 === 49) progress?.(programs.length + i + 1, total);
  });
  progress?.(total, total);
  const again = out.map((c, i) => (c.kind === 'retval' && c.ran ? i : -1)).filter((i) => i >= 0);
  if (again.length > 0) {
    const jobs = again.flatMap((i) => [kernelJob(programs[i]!), kernelJob(programs[i]!)]);
    const rr = kernelBatch(oracle, jobs);
    again.forEach((i, n) => {
      const r0 = (r: KernelTestRun): bigint | undefined => (r.ok ? r.retval & 0xffffffffn : undefined);
      const vals = [out[i]!.kernel.retval, r0(rr[2 * n]!), r0(rr[2 * n + 1]!)];
      if (new Set(vals.map(String)).size > 1) {
        out[i]!.nondeterministic = true;
        delete out[i]!.kind;
        delete out[i]!.cls;
      }
    });
  }
  return out;
}

/** The figures of a run. */
export interface FuzzSummary {
  /** Programs compared: those the kernel was asked about. */
  programs: number;
  /** Programs the kernel oracle's allow-list kept from the kernel (not compared). */
  withheld: number;
  kernel_rejected: number;
  verdict_agree: number;
  /** Verdict and, for programs both reject, errno. */
  errno_agree: number;
  both_rejected: number;
  first_line_agree: number;
  ran: number;
  retval_agree: number;
  nondeterministic: number;
  model_crashes: number;
  /** The kernel's first-line templates reached, with counts. */
  kernel_templates: Map<string, number>;
  /** Of those, the templates the model's first line reproduced (exactly, on a program the kernel rejected with it). */
  reproduced: Set<string>;
  /** Disagreement classes: class -> indexes of the programs. */
  classes: Map<string, number[]>;
}

/** Sums comparisons up. */
export function summarise(cs: readonly Comparison[]): FuzzSummary {
  const s: FuzzSummary = {
    programs: 0,
    withheld: 0,
    kernel_rejected: 0,
    verdict_agree: 0,
    errno_agree: 0,
    both_rejected: 0,
    first_line_agree: 0,
    ran: 0,
    retval_agree: 0,
    nondeterministic: 0,
    model_crashes: 0,
    kernel_templates: new Map(),
    reproduced: new Set(),
    classes: new Map(),
  };
  cs.forEach((c, i) => {
    const k = c.kernel;
    if (k.withheld !== undefined) {
      s.withheld++;
      return;
    }
    s.programs++;
    if (!k.ok) {
      s.kernel_rejected++;
      const t = messageTemplate(k.first ?? `(no log) ${k.errno}`);
      s.kernel_templates.set(t, (s.kernel_templates.get(t) ?? 0) + 1);
      if (!c.model.ok && c.model.first === k.first && c.model.errno === k.errno) s.reproduced.add(t);
    }
    if (c.model.crash !== undefined) s.model_crashes++;
    if (c.model.crash === undefined && k.ok === c.model.ok) {
      s.verdict_agree++;
      if (k.ok || k.errno === c.model.errno) s.errno_agree++;
      if (!k.ok) {
        s.both_rejected++;
        if (k.errno === c.model.errno && k.first === c.model.first) s.first_line_agree++;
      }
    }
    if (c.ran) {
      s.ran++;
      if (c.kind !== 'retval') s.retval_agree++;
    }
    if (c.nondeterministic) s.nondeterministic++;
    if (c.cls !== undefined) {
      const l = s.classes.get(c.cls) ?? [];
      l.push(i);
      s.classes.set(c.cls, l);
    }
  });
  return s;
}

const pct = (a: number, b: number): string => (b === 0 ? '  n/a' : `${((100 * a) / b).toFixed(2)} %`);

/** The summary table (plain text). */
export function summaryTable(s: FuzzSummary, top = 25): string {
  const lines = [
    `programs                      ${s.programs} (${s.withheld} more withheld by the oracle's allow-list)`,
    `rejected by Linux             ${s.kernel_rejected} (${pct(s.kernel_rejected, s.programs)})`,
    `kernel message templates      ${s.kernel_templates.size} reached, ${s.reproduced.size} reproduced by the model`,
    `verdict agreement             ${s.verdict_agree}/${s.programs} (${pct(s.verdict_agree, s.programs)})`,
    `verdict+errno agreement       ${s.errno_agree}/${s.programs} (${pct(s.errno_agree, s.programs)})`,
    `first line (both reject)      ${s.first_line_agree}/${s.both_rejected} (${pct(s.first_line_agree, s.both_rejected)})`,
    `retval (both accept, ran)     ${s.retval_agree}/${s.ran} (${pct(s.retval_agree, s.ran)})`,
    `kernel nondeterministic r0    ${s.nondeterministic}`,
    `model crashes                 ${s.model_crashes}`,
    `disagreement classes          ${s.classes.size}`,
  ];
  const classes = [...s.classes.entries()].sort((a, b) => b[1].length - a[1].length);
  for (const [cls, ids] of classes.slice(0, top)) lines.push(`  ${String(ids.length).padStart(6)}  ${cls}`);
  if (classes.length > top) lines.push(`  ... ${classes.length - top} more classes`);
  return lines.join('\n');
}

export { hex };
