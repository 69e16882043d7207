/**
 * ublk engine benchmarks: simulated I/Os per wall-clock second for the copy and AUTO_BUF_REG paths
 * (null target, 4 KiB random read, iodepth 128, 2 queues, 2 jobs; best of 3 runs, to damp a shared
 * machine's noise), and the simulated IOPS of those runs.
 */
import { Prng } from '../common/prng';
import { createUblk } from './index';
import type { DataPath } from './server';

function run(path: DataPath, ios: number): { wall: number; ios: number; iops: number } {
  const k = createUblk({ prng: new Prng(7) });
  // ublksrv's null target completes at once on every path: the workload this bench has always measured (kublk's
  // null adds a NOP per I/O under AUTO_BUF_REG, which would change what the figure counts)
  const dev = k.add_dev({ nr_hw_queues: 2, queue_depth: 128, dev_size: '1G', target: 'null', data_path: path, server: 'ublksrv' });
  dev.start_dev();
  const t0 = globalThis.performance.now();
  const r = k.fio({ dev, rw: 'randread', bs: '4k', iodepth: 128, numjobs: 2, ios });
  const wall = (globalThis.performance.now() - t0) / 1000;
  dev.stop_dev();
  return { wall, ios: r.ios, iops: r.iops };
}

function best(path: DataPath): { rate: number; iops: number } {
  let rate = 0;
  let iops = 0;
  for (let i = 0; i < 3; i++) {
    const r = run(path, 100000);
    rate = Math.max(rate, r.ios / r.wall);
    iops = r.iops;
  }
  return { rate, iops };
}

export function bench(): Record<string, { value: number; unit: string }> {
  run('copy', 20000); // warm-up (JIT)
  const c = best('copy');
  const a = best('auto_buf_reg');
  return {
    'ublk.sim_ios_per_s.copy': { value: Math.round(c.rate), unit: 'I/O/s' },
    'ublk.sim_ios_per_s.auto_buf_reg': { value: Math.round(a.rate), unit: 'I/O/s' },
    'ublk.null_copy_4k_randread_iops': { value: Math.round(c.iops), unit: 'IOPS (simulated)' },
    'ublk.null_auto_buf_reg_4k_randread_iops': { value: Math.round(a.iops), unit: 'IOPS (simulated)' },
  };
}
