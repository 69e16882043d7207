import { describe, expect, it } from 'vitest';
import { kernelOracle } from './index';
import { simulateSecretProbe } from './secret-sim';

const oracle = kernelOracle();
const avail = oracle.available();
if (!avail.ok) console.log(`kernel oracle: probes skipped (${avail.why})`);

describe.skipIf(!avail.ok)('probes of this machine', () => {
  it('reads the DirectMap lines and the direct_map_ split counters', () => {
    const dm = oracle.directMap();
    expect(dm.ok).toBe(true);
    if (!dm.ok) return;
    expect(Object.keys(dm.meminfo)).toContain('DirectMap4k');
    expect(dm.vmstat['direct_map_level2_splits']).toBeTypeOf('number');
  });

  it('faults one memfd_secret page and sees what the simulator predicts for its region', () => {
    // Another split elsewhere on this shared machine during the probe is noise: retry a few times.
    let checked = false;
    for (let attempt = 0; attempt < 3 && !checked; attempt++) {
      const p = oracle.secretProbe(1);
      const d = p.faulted;
      const l2 = d.vmstat['direct_map_level2_splits'] ?? 0;
      const l3 = d.vmstat['direct_map_level3_splits'] ?? 0;
      // Pages only move between sizes: the direct map's total is conserved.
      expect((d.meminfo['DirectMap4k'] ?? 0) + (d.meminfo['DirectMap2M'] ?? 0) + (d.meminfo['DirectMap1G'] ?? 0)).toBe(
        0,
      );
      if (l3 > 1 || l2 > 1) continue;
      const real = { ...d.meminfo };
      if (l3 === 1) {
        // A fresh 1G region: a level-3 split, then a level-2 split of one of its new 2M pages (simulated with gbpages).
        const sim = simulateSecretProbe(1, true).faulted;
        expect(sim.meminfo).toEqual({ DirectMap4k: 2048, DirectMap2M: 1046528, DirectMap1G: -1048576 });
        expect(real).toMatchObject(sim.meminfo);
        expect(l2).toBe(1);
      } else if (l2 === 1) {
        // A fresh 2M region: one level-2 split (4k +2048 kB, 2M -2048 kB), as the simulator predicts.
        const sim = simulateSecretProbe(1).faulted;
        expect(sim.meminfo).toEqual({ DirectMap4k: 2048, DirectMap2M: -2048 });
        expect(real).toMatchObject(sim.meminfo);
        expect(sim.vmstat['direct_map_level2_splits']).toBe(1);
      } else {
        // A region an earlier probe already split: no change at all.
        expect(real).toMatchObject({ DirectMap4k: 0, DirectMap2M: 0 });
      }
      checked = true;
    }
    expect(checked).toBe(true);
  });

  it('measures an io_uring NOP and a 4 KiB tmpfs read in ns per op', () => {
    const u = oracle.uringProbe({ count: 2000, batch: 16 });
    for (const k of ['nop_ns', 'nop_batched_ns', 'read_4k_ns', 'read_4k_batched_ns', 'pread_4k_ns'] as const)
      expect(u[k], k).toBeGreaterThan(0);
    expect(u.calibration.t_sqe_cqe! + u.calibration.t_enter!).toBeCloseTo(u.nop_ns, -1); // the two add up to a qd1 NOP
    console.log(
      `kernel oracle: io_uring NOP ${u.nop_ns.toFixed(0)} ns (qd1), ${u.nop_batched_ns.toFixed(0)} ns (batch 16); 4 KiB tmpfs read ${u.read_4k_ns.toFixed(0)} / ${u.read_4k_batched_ns.toFixed(0)} ns; pread ${u.pread_4k_ns.toFixed(0)} ns`,
    );
  });
});
