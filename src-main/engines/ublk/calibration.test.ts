import { describe, it, expect } from 'vitest';
import { calibrateCosts, createUblk, DEFAULT_COSTS } from './index';
import type { DataPath } from './index';

/**
 * Calibration against the published shapes (brief ublk.md §4), each within ±25 %:
 * - null target, copy mode, 2 queues, 2 jobs, 4 KiB randread, QD 128: 778,526 IOPS [PR116];
 * - zero copy ≈ +2 % over copy at 4 KiB (null target, same setup) [PR116];
 * - zero copy 1–2× over copy at ≥ 64 KiB (ublk-loop over tmpfs/ramfs) [FUSED-V1][FUSED-SUMMARY];
 * - AUTO_BUF_REG ≈ +50 % IOPS over SUPPORT_ZERO_COPY at 4 KiB [AUTO];
 * - null target, copy mode, 64 KiB rw: 56,911 R + 57,063 W IOPS [PR116] (memory-bandwidth bound).
 */
function iops(target: 'null' | 'loop', path: DataPath, bs: string, rw = 'randread', server: 'kublk' | 'ublksrv' = 'kublk'): number {
  const k = createUblk();
  const dev = k.add_dev({ nr_hw_queues: 2, queue_depth: 128, dev_size: '1G', target, data_path: path, server });
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

  // PR116 ran ublksrv (ublk-org/ublksrv#116), whose null target (targets/ublk.null.cpp) completes every I/O at
  // once under -z too: no buffer is registered, so zero copy only drops the driver's copy.
  it('zero copy ≈ +2 % over copy at 4 KiB (ublksrv null target, randwrite as in PR116)', () => {
    const copy = iops('null', 'copy', '4k', 'randwrite', 'ublksrv');
    const zc = iops('null', 'zero_copy', '4k', 'randwrite', 'ublksrv');
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

  // [AUTO] measured t/io_uring on a null device; kublk's null target (selftests/ublk/null.c) registers, NOPs
  // and unregisters each request buffer under -z, and only NOPs on the auto-registered buffer with --auto_zc.
  it('AUTO_BUF_REG ≈ +50 % IOPS over SUPPORT_ZERO_COPY at 4 KiB (kublk null target)', () => {
    const zc = iops('null', 'zero_copy', '4k');
    const auto = iops('null', 'auto_buf_reg', '4k');
    within(auto / zc, 1.5);
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

describe("calibrating the cost model to a host's io_uring probe", () => {
  // A NOP costs 700 ns alone and 100 ns per op 32 to an io_uring_enter; a batched 4 KiB tmpfs read 2600 ns.
  const probe = { nop_ns: 700, nop_batched_ns: 100, read_4k_batched_ns: 2600, batch: 32 };
  // t_sqe_cqe = (32 * 100 - 700) / 31 = 80.6; t_enter = 700 - 80.6 = 619.4; t_backing_op = 2600 - 100 - 4096 / 10 = 2090.4
  const want = { t_sqe_cqe: 81, t_enter: 619, t_backing_op: 2090 };

  it('derives t_sqe_cqe, t_enter and t_backing_op from the probe figures', () => {
    expect(calibrateCosts(probe)).toEqual(want);
    // batch 1 cannot separate the two: half each
    expect(calibrateCosts({ ...probe, batch: 1 })).toMatchObject({ t_sqe_cqe: 350, t_enter: 350 });
    expect(() => calibrateCosts({ ...probe, nop_ns: -1 })).toThrow(/probe.nop_ns must be a positive number/);
    expect(() => calibrateCosts({ ...probe, batch: 2.5 })).toThrow(/whole number/);
  });

  it('calibrate() puts the figures over the published defaults; the uncalibrated default is unchanged', () => {
    const k = createUblk();
    expect(k.cost_source).toBe('default');
    expect(k.costs).toEqual(DEFAULT_COSTS);
    const c = k.calibrate(probe);
    expect(k.cost_source).toBe('host');
    expect(c).toEqual({ ...DEFAULT_COSTS, ...want });
    expect(k.costs).toEqual(c);
    expect(createUblk().costs).toEqual(DEFAULT_COSTS);
    k.set_costs('default');
    expect(k.cost_source).toBe('default');
    expect(k.costs).toEqual(DEFAULT_COSTS);
  });

  // At iodepth 1 a 4 KiB request of the copy path waits for every io_uring op and io_uring_enter of the server
  // (fio: 1 op and 2 enters per I/O on the null target, 2 ops and 3 enters on loop) plus one pin batch (20 ns).
  const job = (target: 'null' | 'loop', setup: (k: ReturnType<typeof createUblk>) => void) => {
    const k = createUblk();
    setup(k);
    const dev = k.add_dev({ nr_hw_queues: 1, queue_depth: 4, dev_size: '16M', target });
    dev.start_dev();
    return k.fio({ dev, rw: 'randread', bs: '4k', iodepth: 1, ios: 200 });
  };

  it('a null and a loop job at iodepth 1 cost exactly the calibrated per-op figures (every other cost zero)', () => {
    const only = Object.fromEntries(Object.keys(DEFAULT_COSTS).map((n) => [n, 0]));
    const calibrated = { ...only, B_copy: 1e9, B_mem: 1e9, ...calibrateCosts(probe) };
    const nul = job('null', (k) => k.set_costs(calibrated));
    expect([nul.uring_ops_per_io, nul.syscalls_per_io]).toEqual([1, 2]);
    expect(nul.lat.p50 * 1000).toBeCloseTo(20 + 81 + 2 * 619, 1); // 1339 ns
    const loop = job('loop', (k) => k.set_costs(calibrated));
    expect([loop.uring_ops_per_io, loop.syscalls_per_io]).toEqual([2, 3]);
    expect(loop.lat.p50 * 1000).toBeCloseTo(20 + 2 * 81 + 3 * 619 + 2090, 1); // 4129 ns
    // at iodepth 1 the job completes one request per mean latency
    expect(loop.iops).toBeCloseTo(1e6 / loop.lat.mean, 0);
  });

  it('calibrating one machine leaves another machine on the published defaults, result for result', () => {
    const before = job('loop', () => {});
    const cal = job('loop', (k) => k.calibrate(probe));
    const after = job('loop', () => {});
    expect(after.lat).toEqual(before.lat);
    expect(after.iops).toBe(before.iops);
    expect(cal.lat.p50).toBeGreaterThan(before.lat.p50); // the probe's 2 µs tmpfs read dominates
  });
});
