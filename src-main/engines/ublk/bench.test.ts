/**
 * The ublk bench's arithmetic, on a CPU clock the test drives (no figure here depends on how fast this machine is):
 * CPU per I/O is a run's CPU time over its I/Os, the least of the repeats is kept, and every data path has its
 * I/Os-per-CPU-second figure.
 */
import { describe, expect, it } from 'vitest';
import { bench } from './bench';
import { DATA_PATHS } from './server';

describe('ublk bench', () => {
  it('reports CPU per I/O per queue depth and I/Os per CPU second per data path, from the clock it is given', () => {
    // Each reading advances 10 ms of CPU: every run measures exactly 10 ms for its I/Os.
    let t = 0;
    const cpuMicros = (): number => (t += 10_000);
    const f = bench({ cpuMicros, repeats: 2, depths: [1, 64], sweepPaths: ['copy'], ios: 2000 });
    // qd1: 2000 I/Os in 10 ms = 5 µs; qd64: max(2000, 25 * 64) = 2000 I/Os
    expect(f['ublk.cpu_ns_per_io.copy.qd1']).toEqual({ value: 5000, unit: 'ns CPU/I/O' });
    expect(f['ublk.cpu_ns_per_io.copy.qd64']).toEqual({ value: 5000, unit: 'ns CPU/I/O' });
    // 2 jobs × 2000 I/Os in 10 ms
    for (const p of DATA_PATHS) expect(f[`ublk.ios_per_cpu_s.${p}`]).toEqual({ value: 400_000, unit: 'I/O per CPU s' });
    expect(f['ublk.null_copy_4k_randread_iops']!.value).toBeGreaterThan(0);
    expect(f['ublk.null_auto_buf_reg_4k_randread_iops']!.value).toBeGreaterThan(0);
  });

  it('keeps the least of the repeats', () => {
    // a clock call before and after each run: of each figure's two runs one is charged 5 ms, the other 15 ms
    let calls = 0;
    let t = 0;
    const cpuMicros = (): number => {
      calls++;
      return (t += calls % 4 === 1 || calls % 4 === 2 ? 15_000 : 5_000);
    };
    const f = bench({ cpuMicros, repeats: 2, depths: [4], sweepPaths: ['zero_copy'], paths: ['copy'], ios: 1000 });
    expect(f['ublk.cpu_ns_per_io.zero_copy.qd4']!.value).toBe(5000);
    expect(Object.keys(f).sort()).toEqual([
      'ublk.cpu_ns_per_io.zero_copy.qd4',
      'ublk.ios_per_cpu_s.copy',
      'ublk.null_copy_4k_randread_iops',
    ]);
  });
});
