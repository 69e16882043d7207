/**
 * ublk engine benchmarks, in CPU time (issue 16): the CPU cost of one simulated I/O at queue depths 1, 32, 1024 and
 * 4096 (null target, 4 KiB random read, one queue, one job, iodepth = queue depth), and simulated I/Os per CPU second
 * on every data path (null target, or loop for the eBPF path, which needs backing files; 4 KiB random read, iodepth
 * 128, 2 queues, 2 jobs). Each figure is the least of `repeats` runs: load on a shared machine adds CPU time (cache
 * and SMT contention), it never removes any. The simulated IOPS of the copy and AUTO_BUF_REG runs are reported too.
 *
 * Engines cannot read the host's clocks: `npm run bench` passes process CPU time in (`cpuMicros`); without one the
 * figures fall back to wall time (performance.now()).
 */
import { Prng } from '../common/prng';
import { createUblk } from './index';
import { DATA_PATHS } from './server';
import type { DataPath } from './server';

export interface UblkBenchOptions {
  /** CPU time consumed by this process so far, in µs (user + system). */
  cpuMicros?: () => number;
  /** Runs per figure (the least is kept). */
  repeats?: number;
  /** Queue depths of the CPU-per-I/O sweep. */
  depths?: readonly number[];
  /** Data paths of the sweep. */
  sweepPaths?: readonly DataPath[];
  /** Data paths of the I/Os-per-CPU-second figures. */
  paths?: readonly DataPath[];
  /** Simulated I/Os per run (the sweep runs at least 25 per tag so that each tag is reused). */
  ios?: number;
}

type Figures = Record<string, { value: number; unit: string }>;

interface Job {
  path: DataPath;
  queues: number;
  jobs: number;
  depth: number;
  ios: number;
}

/** One fio run; the CPU time is that of k.fio() alone (device set-up and teardown are not counted). */
function run(j: Job, cpu: () => number): { us: number; ios: number; iops: number } {
  const k = createUblk({ prng: new Prng(7) });
  // ublksrv's null target completes at once on every path: the workload this bench has always measured (kublk's
  // null adds a NOP per I/O under AUTO_BUF_REG, which would change what the figure counts)
  const dev = k.add_dev({
    nr_hw_queues: j.queues,
    queue_depth: j.depth,
    dev_size: '1G',
    target: j.path === 'ebpf' ? 'loop' : 'null',
    data_path: j.path,
    server: 'ublksrv',
  });
  dev.start_dev();
  const t0 = cpu();
  const r = k.fio({ dev, rw: 'randread', bs: '4k', iodepth: j.depth, numjobs: j.jobs, ios: j.ios });
  const us = cpu() - t0;
  dev.stop_dev();
  if (r.errors) throw new Error(`ublk bench: ${j.path} at iodepth ${j.depth} failed: ${r.error_messages[0] ?? ''}`);
  return { us, ios: r.ios, iops: r.iops };
}

/** The least CPU time per I/O of `repeats` runs, in µs, and the simulated IOPS. */
function best(j: Job, repeats: number, cpu: () => number): { us_per_io: number; iops: number } {
  let us_per_io = Infinity;
  let iops = 0;
  for (let i = 0; i < repeats; i++) {
    const r = run(j, cpu);
    us_per_io = Math.min(us_per_io, r.us / r.ios);
    iops = r.iops;
  }
  return { us_per_io, iops };
}

export function bench(opts: UblkBenchOptions = {}): Figures {
  const cpu = opts.cpuMicros ?? ((): number => globalThis.performance.now() * 1000);
  const unit = opts.cpuMicros ? 'CPU' : 'wall';
  const repeats = opts.repeats ?? 3;
  const ios = opts.ios ?? 100_000;
  const out: Figures = {};
  run({ path: 'copy', queues: 1, jobs: 1, depth: 32, ios: 20_000 }, cpu); // warm-up (JIT)
  for (const path of opts.sweepPaths ?? ['copy', 'zero_copy']) {
    for (const depth of opts.depths ?? [1, 32, 1024, 4096]) {
      const b = best({ path, queues: 1, jobs: 1, depth, ios: Math.max(ios, 25 * depth) }, repeats, cpu);
      out[`ublk.${unit.toLowerCase()}_ns_per_io.${path}.qd${depth}`] = {
        value: Math.round(b.us_per_io * 1000),
        unit: `ns ${unit}/I/O`,
      };
    }
  }
  for (const path of opts.paths ?? DATA_PATHS) {
    const b = best({ path, queues: 2, jobs: 2, depth: 128, ios }, repeats, cpu);
    out[`ublk.ios_per_${unit.toLowerCase()}_s.${path}`] = {
      value: Math.round(1e6 / b.us_per_io),
      unit: `I/O per ${unit} s`,
    };
    if (path === 'copy')
      out['ublk.null_copy_4k_randread_iops'] = { value: Math.round(b.iops), unit: 'IOPS (simulated)' };
    if (path === 'auto_buf_reg')
      out['ublk.null_auto_buf_reg_4k_randread_iops'] = { value: Math.round(b.iops), unit: 'IOPS (simulated)' };
  }
  return out;
}
