/**
 * Kernel Lab scripting API: the globals a lab script sees. Monaco shows these typings. This first part is
 * lab-globals.d.ts (the prelude's globals, checked against the sandbox by a test); the rest is generated
 * from the bindings by scripts/gen-lab-api.ts (`npm run gen:api`; a test fails when it is out of date).
 */

/** Prints its arguments, formatted like Node's util.inspect, followed by a newline. */
declare function print(...values: unknown[]): void;

/** The console of the lab: log/info/debug print to the output, warn/error to the error stream. */
declare const console: {
  log(...values: unknown[]): void;
  info(...values: unknown[]): void;
  debug(...values: unknown[]): void;
  warn(...values: unknown[]): void;
  error(...values: unknown[]): void;
  table(rows: unknown): void;
};

/** An error of the simulated kernel, with the Linux errno name (for example 'ENOMEM', 'EINVAL'). */
declare class KernelError extends Error {
  constructor(errno: string, message: string);
  readonly errno: string;
  /** For a program the verifier rejected: the verifier's log, the failing instruction and its source line. */
  readonly log?: string;
  readonly insn?: number;
  readonly line?: number;
}

/** Helpers of the laboratory. */
declare const lab: {
  /** The run's seed: every PRNG of the run (Math.random, the engines) is seeded from it. */
  readonly seed: number;
  /** A seeded lab's parameters, drawn from the seed (lab.json `params`): this student's own numbers; {} otherwise. */
  readonly params: Readonly<Record<string, number | string>>;
  /** Sets the run's structured result (JSON-serialisable; bigints become strings), read by checkers and --json. */
  result(value: unknown): void;
  /**
   * Reports progress of a long run (fraction in 0..1) to the workbench. The message counts against the run's
   * output cap like printed text and is cut to 1024 characters; reports are coalesced (at most one every 50 ms,
   * the latest winning, the last one always shown).
   */
  progress(fraction: number, message?: string): void;
  /**
   * Draws a chart in the workbench: `series` is an array of numbers, or an object of named series, each an
   * array of numbers, of [x, y] pairs, or { x: [...], y: [...] }.
   */
  chart(
    name: string,
    series: number[] | Record<string, number[] | [number, number][] | { x: number[]; y: number[] }>,
    options?: { xlabel?: string; ylabel?: string; kind?: 'line' | 'bar' | 'scatter' },
  ): void;
  /** Shows rows (objects, or arrays) as a table in the workbench, and as text in the output. */
  table(rows: object[], name?: string): void;
  /** Throws an AssertionError with `message` when `cond` is falsy. */
  assert(cond: unknown, message?: string): asserts cond;
};

/**
 * Boots one simulated machine: the memory, BPF and ublk engines sharing one seed and one virtual clock. Every
 * machine counts against the run's memory budget (512 MiB by default) until the run ends: a boot past it throws
 * a KernelError ENOMEM.
 */
declare function boot(options?: BootOptions): Kernel;
