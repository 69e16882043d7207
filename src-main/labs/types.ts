/** The lab exercise format (docs/architecture.md, "Labs"): labs/NN-slug/{lab.json, README.md, starter.js, check.js, solution.js}. */
import type { Kernel, BootOptions } from '../engines/kernel';

/** labs/NN-slug/lab.json */
export interface LabMeta {
  title: string;
  /** The mechanism the lab is about. */
  engine: 'mm' | 'bpf' | 'ublk';
  /** 1 first contact, 2 working knowledge, 3 research level. */
  level: 1 | 2 | 3;
  /** One sentence for the lab list. */
  summary: string;
  /** The run's limits for this lab (the defaults otherwise). */
  limits?: { timeoutMs?: number | undefined; memoryBytes?: number | undefined; outputBytes?: number | undefined } | undefined;
  /** The starter's file name (default starter.js). */
  starter?: string | undefined;
  /** Seeded variants: parameters drawn from the run's seed (`lab.params` in the script, `ctx.params` here). */
  params?: Record<string, { int: [number, number] } | { choice: (number | string)[] }> | undefined;
  /**
   * The lab takes a C submission beside the script (c-submission.ts): a `.c` file is run by `driver`, the lab's
   * script that compiles it with the host's clang, loads it and reports, and is checked by the same criteria.
   */
  c?: { starter: string; solution: string; driver: string } | undefined;
}

/** What a criterion sees: the run's result, output and error, and the machines the script booted, as they are. */
export interface CheckContext {
  /** lab.result(value) of the run (JSON, of the shape the lab's README asks for; undefined when the script reported none). */
  // The lab defines its shape and checkers are JavaScript: `unknown` would make every field read an error in the editor.
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  result: any;
  /** Everything the script printed. */
  output: string;
  /** The run's error, if it failed. */
  error: { name: string; message: string; errno?: string } | undefined;
  /** Every machine the script booted, in order; `k` is the first. */
  kernels: Kernel[];
  k: Kernel | undefined;
  /** The run's seed (a student's own, under `lab grade`). */
  seed: number;
  /** The lab's parameters drawn from the seed: the same values the script read as `lab.params`. */
  params: Record<string, number | string>;
  /** Boots a fresh reference machine, for criteria that recompute what the answer should be. */
  boot(options?: BootOptions): Kernel;
}

export type CriterionOutcome = boolean | { pass: boolean; detail?: string };

/** One criterion of check.js: a name, a hint shown when it fails, and the check itself. */
export interface Criterion {
  name: string;
  hint: string;
  check(ctx: CheckContext): CriterionOutcome;
}
