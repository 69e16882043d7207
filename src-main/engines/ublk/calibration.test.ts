import { beforeAll, describe, it, expect } from 'vitest';
import { Prng } from '../common/prng';
import { calibrateCosts, createUblk, DEFAULT_COSTS, minProbeSamples, PUBLISHED_FIGURES } from './index';
import type { CalibrationReport, DataPath } from './index';

/**
 * The calibration report (calibration.ts): every published figure of the model's notes, run on the setup it was
 * measured on with the default costs, within ±25 % of the published value. The sources: ublksrv PR #116, the
 * AUTO_BUF_REG commit, the 2023 fused-command cover letters and Ming Lei's summary, ublksrv PR #203.
 */
describe('k.ublk.calibrate_report(): the published figures, ±25 %', () => {
  let report: CalibrationReport;
  beforeAll(() => {
    report = createUblk().calibrate_report();
  });

  it('has one row per published figure, with the ratio and the ±25 % verdict computed from the values', () => {
    expect(report.figures.map((f) => f.id)).toEqual(PUBLISHED_FIGURES.map((f) => f.id));
    for (const f of report.figures) {
      expect(f.model).toBeGreaterThan(0);
      expect(f.ratio).toBeCloseTo(f.model / f.published, 2);
      expect(f.within_25pct).toBe(Math.abs(f.model / f.published - 1) <= 0.25);
      expect(f.source).toMatch(/^\[[A-Z0-9-]+\]/);
    }
    expect(report.within).toBe(`${report.figures.filter((f) => f.within_25pct).length}/${report.figures.length}`);
    expect(report.text).toContain('pr116_null_copy_4k_randread');
  });

  it('names every cost constant with its value and basis', () => {
    expect(report.constants.map((c) => c.name).sort()).toEqual(Object.keys(DEFAULT_COSTS).sort());
    for (const c of report.constants) {
      expect(c.value).toBe(DEFAULT_COSTS[c.name]);
      expect(c.source.length).toBeGreaterThan(0);
    }
  });

  const row = (id: string): CalibrationReport['figures'][number] => report.figures.find((f) => f.id === id)!;
  const WITHIN = [
    'pr116_null_copy_4k_randread', // 778,526 IOPS
    'pr116_null_copy_4k_randwrite', // 732,699 IOPS
    'pr116_zc_vs_copy_4k', // +2 % (ublksrv's null: no registration)
    'pr116_null_copy_64k_rw', // 113,974 IOPS (memory-bandwidth bound)
    'auto_vs_zc_null_4k', // +50 % (kublk's null registers and unregisters under -z)
    'fused_vs_copy_loop_64k',
    'fused_vs_copy_loop_512k',
    'zc_vs_copy_loop_64k',
    'zc_vs_copy_loop_1m', // 2-3x
    'fused_null_big_bs', // "5X" (the application pins its O_DIRECT pages: the copy-free path is fio-bound)
    'pr203_loop_4k_per_thread', // ~450K IOPS per loop thread
    'batch_vs_copy_null_4k_16jobs',
    'batch_vs_zc_null_4k_16jobs', // UBLK_F_BATCH_IO: +12 % copy, +3.7 % zero copy
  ];
  for (const id of WITHIN) {
    it(`${id} is within ±25 % of the published figure`, () => {
      const f = row(id);
      expect(f.model).toBeGreaterThanOrEqual(f.published * 0.75);
      expect(f.model).toBeLessThanOrEqual(f.published * 1.25);
    });
  }

  it("PR116's 4 KiB runs are bound by fio, not the server: fio's jobs near 99 % CPU (18 % usr + 81 % sys published)", () => {
    const k = createUblk();
    const dev = k.add_dev({ nr_hw_queues: 2, queue_depth: 128, dev_size: '1G', target: 'null', server: 'ublksrv' });
    dev.start_dev();
    const r = k.fio({ dev, rw: 'randread', bs: '4k', iodepth: 128, numjobs: 2, ios: 4000 });
    for (const app of r.cpu.app) expect(app).toBeGreaterThan(97);
    for (const srv of r.cpu.server) expect(srv).toBeLessThan(90);
  });

  it('zero copy stays clearly above copy at 64 KiB on ublk-loop for every zero-copy path', () => {
    for (const id of ['fused_vs_copy_loop_64k', 'zc_vs_copy_loop_64k']) expect(row(id).model).toBeGreaterThan(1.5);
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

  it('takes the least of several CPU-time samples per figure, so that a loaded run does not skew it', () => {
    const loaded = { nop_ns: 2300, nop_batched_ns: 100, read_4k_batched_ns: 9000, batch: 32 }; // a run preempted on the NOPs
    expect(minProbeSamples([loaded, probe, { ...probe, nop_batched_ns: 400 }])).toEqual(probe);
    expect(calibrateCosts(minProbeSamples([loaded, probe]))).toEqual(want);
    expect(() => minProbeSamples([])).toThrow(/no probe samples/);
    expect(() => minProbeSamples([probe, { ...probe, batch: 16 }])).toThrow(/different batch sizes/);
  });

  it('never derives a cost of 0, however noisy the samples', () => {
    // The figures that made the old derivation 0 under load: a lone NOP dearer than 32 batched ones, a batched NOP
    // dearer than a lone one, a read no dearer than a NOP plus its copy.
    const cases = [
      { nop_ns: 4000, nop_batched_ns: 100, read_4k_batched_ns: 2600, batch: 32 },
      { nop_ns: 700, nop_batched_ns: 800, read_4k_batched_ns: 500, batch: 32 },
      { nop_ns: 0.3, nop_batched_ns: 0.2, read_4k_batched_ns: 0.1, batch: 2 },
      { nop_ns: 1, nop_batched_ns: 1, read_4k_batched_ns: 1, batch: 32768 },
    ];
    for (const c of cases) for (const v of Object.values(calibrateCosts(c))) expect(v).toBeGreaterThanOrEqual(1);
    // Random samples around a machine's figures, each inflated up to 20-fold by load, most by much less.
    const prng = new Prng(16);
    const noisy = (v: number): number => v * (1 + 19 * prng.nextFloat() ** 3);
    for (let i = 0; i < 2000; i++) {
      const batch = 2 + prng.nextInt(63);
      const runs = Array.from({ length: 1 + prng.nextInt(5) }, () => ({
        nop_ns: noisy(probe.nop_ns),
        nop_batched_ns: noisy(probe.nop_batched_ns),
        read_4k_batched_ns: noisy(probe.read_4k_batched_ns),
        batch,
      }));
      const c = calibrateCosts(minProbeSamples(runs));
      expect(c.t_sqe_cqe).toBeGreaterThanOrEqual(1);
      expect(c.t_enter).toBeGreaterThanOrEqual(1);
      expect(c.t_backing_op).toBeGreaterThanOrEqual(1);
    }
  });

  it('splits a lone NOP as the published defaults do when the batched figure cannot separate the two', () => {
    // (32 * 100 - 4000) / 31 < 0: t_sqe_cqe and t_enter share the 4000 ns as 300 : 300 do
    expect(calibrateCosts({ nop_ns: 4000, nop_batched_ns: 100, read_4k_batched_ns: 2600, batch: 32 })).toEqual({
      t_sqe_cqe: 2000,
      t_enter: 2000,
      t_backing_op: 2090,
    });
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
