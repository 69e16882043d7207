/**
 * For tests that ask the running kernel: the oracle, and whether it can be asked here. Where it cannot (not Linux,
 * not root, no bpf(), lockdown, KERNEL_LAB_ORACLE=off) the reason is printed once for the suite, since a skipped
 * vitest test does not say why.
 */
import { kernelOracle, type KernelOracle, type OracleAvailability, type KernelOracleOptions } from './index';

/** `opts.trustedPrograms` only for the project's own corpora (policy.ts says what it lets through). */
export function kernelForTests(suite: string, opts: KernelOracleOptions = {}): { oracle: KernelOracle; avail: OracleAvailability; skip: boolean } {
  const oracle = kernelOracle(opts);
  const avail = oracle.available();
  if (!avail.ok) console.log(`kernel oracle: ${suite} skipped (${avail.why})`);
  return { oracle, avail, skip: !avail.ok };
}
