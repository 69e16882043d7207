/**
 * For tests that ask the running kernel: the oracle, and whether it can be asked here. Where it cannot (not Linux,
 * not root, no bpf(), lockdown, KERNEL_LAB_ORACLE=off) the reason is printed once for the suite, since a skipped
 * vitest test does not say why.
 */
import { kernelOracle, type KernelOracle, type OracleAvailability } from './index';

export function kernelForTests(suite: string): { oracle: KernelOracle; avail: OracleAvailability; skip: boolean } {
  const oracle = kernelOracle();
  const avail = oracle.available();
  if (!avail.ok) console.log(`kernel oracle: ${suite} skipped (${avail.why})`);
  return { oracle, avail, skip: !avail.ok };
}
