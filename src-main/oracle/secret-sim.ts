/**
 * The memory engine's prediction for the memfd_secret probe: the same number of secret pages faulted and freed on
 * a fresh simulated machine (baseline policy), as deltas in the probe's shape, for showing beside the real ones.
 */
import { createMm } from '../engines/mm';
import type { DirectMapSnapshot } from './direct-map';

/** What the simulator predicts for faulting then freeing `pages` memfd_secret pages. */
export interface SimulatedSecretProbe {
  faulted: DirectMapSnapshot;
  released: DirectMapSnapshot;
  /** The simulated machine: its direct map starts 1G-mapped (gbpages) or 2M-mapped. */
  gbpages: boolean;
}

function pick(a: Record<string, number>, b: Record<string, number>, re: RegExp): Record<string, number> {
  return Object.fromEntries(
    Object.keys(b)
      .filter((k) => re.test(k))
      .map((k) => [k, b[k]! - (a[k] ?? 0)]),
  );
}

function snap(mm: ReturnType<typeof createMm>): { m: Record<string, number>; v: Record<string, number> } {
  return { m: mm.meminfo(), v: mm.vmstat() };
}

/** Faults `pages` secret pages (then closes the file) on a fresh 4 GiB simulated machine with the baseline policy. */
export function simulateSecretProbe(pages: number, gbpages = false): SimulatedSecretProbe {
  const mm = createMm({ memory: '4G', gbpages, policy: 'baseline' });
  const delta = (a: ReturnType<typeof snap>, b: ReturnType<typeof snap>): DirectMapSnapshot => ({
    meminfo: pick(a.m, b.m, /^DirectMap/),
    vmstat: pick(a.v, b.v, /^direct_map_/),
  });
  const s0 = snap(mm);
  const f = mm.memfd_secret();
  for (let i = 0; i < pages; i++) f.fault(i);
  const s1 = snap(mm);
  f.close();
  const s2 = snap(mm);
  return { faulted: delta(s0, s1), released: delta(s1, s2), gbpages };
}
