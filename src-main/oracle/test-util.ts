/**
 * For tests that ask the running kernel: the oracle, and whether it can be asked here. Where it cannot (not Linux,
 * not root, no bpf(), lockdown, KERNEL_LAB_ORACLE=off) the reason is printed once for the suite, since a skipped
 * vitest test does not say why.
 */
import {
  kernelOracle,
  type KernelMapSpec,
  type KernelOracle,
  type OracleAvailability,
  type KernelOracleOptions,
} from './index';

/** `opts.trustedPrograms` only for the project's own corpora (policy.ts says what it lets through). */
export function kernelForTests(
  suite: string,
  opts: KernelOracleOptions = {},
): { oracle: KernelOracle; avail: OracleAvailability; skip: boolean } {
  const oracle = kernelOracle(opts);
  const avail = oracle.available();
  if (!avail.ok) console.log(`kernel oracle: ${suite} skipped (${avail.why})`);
  return { oracle, avail, skip: !avail.ok };
}

/**
 * An object's maps for the kernel, by the fds 1..n the model's relocation gave them (passed as fd_array), global
 * data initialised with its section's bytes; `entries` adds elements by map name (what a driver writes before the
 * run), `readAfter` gives the keys to read back after a test run.
 */
export function kernelMapsOf(
  objMaps: readonly {
    name?: string;
    map_type: string | number;
    key_size: number;
    value_size: number;
    max_entries: number;
    map_flags?: number;
    initial?: Uint8Array;
  }[],
  opts: {
    entries?: Readonly<Record<string, readonly (readonly [Uint8Array, Uint8Array])[]>>;
    readAfter?: (m: (typeof objMaps)[number]) => readonly Uint8Array[];
  } = {},
): Record<number, KernelMapSpec> {
  const maps: Record<number, KernelMapSpec> = {};
  objMaps.forEach((m, i) => {
    const entries = [
      ...(m.initial ? [[new Uint8Array(4), m.initial] as const] : []),
      ...((m.name !== undefined && opts.entries?.[m.name]) || []),
    ];
    const readAfter = opts.readAfter?.(m) ?? [];
    maps[i + 1] = {
      map_type: m.map_type,
      key_size: m.key_size,
      value_size: m.value_size,
      max_entries: m.max_entries,
      ...(m.map_flags !== undefined ? { map_flags: m.map_flags } : {}),
      ...(entries.length ? { entries } : {}),
      ...(readAfter.length ? { read_after: readAfter } : {}),
    };
  });
  return maps;
}
