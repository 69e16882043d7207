import { describe, it, expect } from 'vitest';
import { createUblk } from './index';
import type { DataPath } from './index';

/**
 * Calibration against the published shapes (brief ublk.md §4), each within ±25 %:
 * - null target, copy mode, 2 queues, 2 jobs, 4 KiB randread, QD 128: 778,526 IOPS [PR116];
 * - zero copy ≈ +2 % over copy at 4 KiB (null target, same setup) [PR116];
 * - zero copy 1–2× over copy at ≥ 64 KiB (ublk-loop over tmpfs/ramfs) [FUSED-V1][FUSED-SUMMARY];
 * - AUTO_BUF_REG ≈ +50 % IOPS over SUPPORT_ZERO_COPY at 4 KiB [AUTO];
 * - null target, copy mode, 64 KiB rw: 56,911 R + 57,063 W IOPS [PR116] (memory-bandwidth bound).
 */
function iops(target: 'null' | 'loop', path: DataPath, bs: string, rw = 'randread'): number {
  const k = createUblk();
  const dev = k.add_dev({ nr_hw_queues: 2, queue_depth: 128, dev_size: '1G', target, data_path: path });
  dev.start_dev();
  const big = bs !== '4k';
  const r = k.fio({ dev, rw, bs, iodepth: big ? 32 : 128, numjobs: 2, ios: big ? 500 : 4000 });
  expect(r.errors).toBe(0);
  return r.iops;
}

const within = (x: number, want: number): void => {
  expect(x).toBeGreaterThanOrEqual(want * 0.75);
  expect(x).toBeLessThanOrEqual(want * 1.25);
};

describe('cost model calibration (published shapes, ±25 %)', () => {
  it('null target, copy, 2 queues, 4 KiB randread ≈ 778K IOPS', () => {
    within(iops('null', 'copy', '4k'), 778526);
  });

  it('zero copy ≈ +2 % over copy at 4 KiB (null target, randwrite as in PR116)', () => {
    const copy = iops('null', 'copy', '4k', 'randwrite');
    const zc = iops('null', 'zero_copy', '4k', 'randwrite');
    within(zc / copy, 747936 / 732699);
    within(copy, 732699);
  });

  it('zero copy gives 1–2x over copy at 64 KiB on ublk-loop (registered-buffer and AUTO_BUF_REG)', () => {
    const copy = iops('loop', 'copy', '64k', 'read');
    for (const p of ['zero_copy', 'auto_buf_reg', 'fused'] as DataPath[]) {
      const r = iops('loop', p, '64k', 'read') / copy;
      expect(r).toBeGreaterThanOrEqual(1 * 0.75 + 0.25); // clearly above copy
      expect(r).toBeLessThanOrEqual(2 * 1.25);
    }
  });

  it('null target, copy, 64 KiB rw ≈ 114K IOPS (PR116: 56,911 R + 57,063 W)', () => {
    within(iops('null', 'copy', '64k', 'rw'), 56911 + 57063);
  });

  it('AUTO_BUF_REG ≈ +50 % IOPS over SUPPORT_ZERO_COPY at 4 KiB (loop)', () => {
    const zc = iops('loop', 'zero_copy', '4k');
    const auto = iops('loop', 'auto_buf_reg', '4k');
    within(auto / zc, 1.5);
  });
});

describe('memory bandwidth is shared', () => {
  it('a narrow memory bus slows copy mode at 64 KiB but not zero copy on the null target', () => {
    const run = (path: DataPath, B_mem: number): number => {
      const k = createUblk({ costs: { B_mem } });
      const dev = k.add_dev({ nr_hw_queues: 2, queue_depth: 64, dev_size: '1G', target: 'null', data_path: path });
      dev.start_dev();
      return k.fio({ dev, rw: 'randwrite', bs: '64k', iodepth: 64, numjobs: 2, ios: 1000 }).iops;
    };
    // two server threads each copying at B_copy = 10 GB/s need 20 GB/s; a 5 GB/s bus halves the copy rate or worse
    expect(run('copy', 5) / run('copy', 40)).toBeLessThan(0.6);
    expect(run('zero_copy', 5)).toBeCloseTo(run('zero_copy', 40), 0);
  });
});
