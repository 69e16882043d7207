/**
 * Kernel Lab scripting API: the globals a lab script sees. Monaco shows these typings; a unit test checks
 * them against the globals the sandbox really defines (src-main/sandbox/prelude.ts).
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
}

/** Helpers of the laboratory. */
declare const lab: {
  /** The run's seed: every PRNG of the run (Math.random, the engines) is seeded from it. */
  readonly seed: number;
  /** Sets the run's structured result (JSON-serialisable; bigints become strings), read by checkers and --json. */
  result(value: unknown): void;
  /** Reports progress of a long run (fraction in 0..1) to the workbench. */
  progress(fraction: number, message?: string): void;
  /** Throws an AssertionError with `message` when `cond` is falsy. */
  assert(cond: unknown, message?: string): asserts cond;
};

/** Boots one simulated machine (memory, BPF and ublk engines). Not available in this build yet. */
declare function boot(options?: {
  memory?: string | number;
  gbpages?: boolean;
  cpus?: number;
  seed?: number;
}): never;
