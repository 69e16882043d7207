/**
 * The calibration report (issue 19): every published figure the cost model is held to, run in the model on
 * the setup it was measured on, beside the published value; and every cost constant with its basis. The
 * figures come from the sources the engine's notes cite (ublksrv PR #116, the AUTO_BUF_REG commit, the 2023
 * fused-command cover letters, ublksrv PR #203); nothing here is fitted per figure: each row runs the same
 * machine with the same costs.
 */
import type { CostModel } from './costs';
import type { DataPath } from './server';

/** What a report row needs from the engine (index.ts passes createUblk; no import cycle). */
export interface CalibrationMachine {
  add_dev(o: {
    nr_hw_queues: number;
    queue_depth: number;
    dev_size: string;
    target: 'null' | 'loop';
    data_path: DataPath;
    server: 'kublk' | 'ublksrv';
    max_io_buf_bytes?: string;
  }): { start_dev(): void };
  fio(o: { dev: unknown; rw: string; bs: string; iodepth: number; numjobs: number; ios: number }): {
    iops: number;
    errors: number;
    error_messages: string[];
  };
}

/** One published figure, as the model reproduces it. */
export interface CalibrationRow {
  id: string;
  /** What was measured. */
  figure: string;
  /** Where it was published (the engine notes' source tag and its location). */
  source: string;
  /** The setup the model runs. */
  setup: string;
  /** The published value (a range's midpoint; `published_text` gives it as published). */
  published: number;
  published_text: string;
  model: number;
  /** model / published. */
  ratio: number;
  /** |ratio - 1| <= 0.25. */
  within_25pct: boolean;
  /** Where the model's setup departs from the published one, or '' when it is the same. */
  note: string;
}

/** One cost constant: its value, meaning, basis and the figure(s) it is held to. */
export interface CostConstantRow {
  name: keyof CostModel;
  value: number;
  unit: string;
  what: string;
  source: string;
  reproduces: string;
}

interface Job {
  target: 'null' | 'loop';
  path: DataPath;
  server: 'kublk' | 'ublksrv';
  rw: string;
  bs: string;
  queues: number;
  jobs: number;
  iodepth: number;
  ios: number;
  /** Extra UBLK_F_* names (BATCH_IO with a merged path). */
  flags?: string[];
}

function runJob(make: (costs: CostModel) => CalibrationMachine, costs: CostModel, j: Job): number {
  const k = make(costs);
  const big = parseInt(j.bs, 10) * (j.bs.endsWith('m') ? 1024 : 1) > 512;
  const dev = k.add_dev({
    nr_hw_queues: j.queues,
    queue_depth: 128,
    dev_size: '1G',
    target: j.target,
    data_path: j.path,
    server: j.server,
    ...(big ? { max_io_buf_bytes: '1M' } : {}),
    ...(j.flags ? { flags: j.flags } : {}),
  });
  dev.start_dev();
  const r = k.fio({ dev, rw: j.rw, bs: j.bs, iodepth: j.iodepth, numjobs: j.jobs, ios: j.ios });
  if (r.errors) throw new Error(`calibration run ${j.target}/${j.path}/${j.bs} failed: ${r.error_messages[0] ?? ''}`);
  return r.iops;
}

const describeJob = (j: Job): string =>
  `${j.server} ${j.target}, ${j.path}${j.flags ? `+${j.flags.join('+')}` : ''}, ${j.queues} queue${j.queues > 1 ? 's' : ''}, fio ${j.rw} bs=${j.bs} iodepth=${j.iodepth} numjobs=${j.jobs}`;

interface Figure {
  id: string;
  figure: string;
  source: string;
  published: number;
  published_text: string;
  note: string;
  /** The job (IOPS) or the pair of jobs (IOPS ratio a / b). */
  a: Job;
  b?: Job;
}

const PR116 = { target: 'null', server: 'ublksrv', queues: 2, jobs: 2, iodepth: 128, ios: 4000 } as const;
const LOOP = { target: 'loop', server: 'kublk', queues: 2, jobs: 2, iodepth: 32, ios: 400 } as const;

/** The published figures of the engine's notes (README "Calibration", domain brief §4). */
export const PUBLISHED_FIGURES: readonly Figure[] = [
  {
    id: 'pr116_null_copy_4k_randread',
    figure: 'ublk-null, copy mode, 4 KiB randread IOPS',
    source: '[PR116] ublk-org/ublksrv#116',
    published: 778526,
    published_text: '778,526 IOPS',
    note: 'iodepth not stated in PR116; 128 (ublksrv default queue depth)',
    a: { ...PR116, path: 'copy', rw: 'randread', bs: '4k' },
  },
  {
    id: 'pr116_null_copy_4k_randwrite',
    figure: 'ublk-null, copy mode, 4 KiB randwrite IOPS',
    source: '[PR116] ublk-org/ublksrv#116',
    published: 732699,
    published_text: '732,699 IOPS',
    note: 'iodepth not stated in PR116; 128',
    a: { ...PR116, path: 'copy', rw: 'randwrite', bs: '4k' },
  },
  {
    id: 'pr116_zc_vs_copy_4k',
    figure: 'ublk-null, zero copy (-z) vs copy, 4 KiB randwrite',
    source: '[PR116] ublk-org/ublksrv#116',
    published: 747936 / 732699,
    published_text: '747,936 / 732,699 IOPS (+2 %)',
    note: "ublksrv's null target completes at once under -z (targets/ublk.null.cpp)",
    a: { ...PR116, path: 'zero_copy', rw: 'randwrite', bs: '4k' },
    b: { ...PR116, path: 'copy', rw: 'randwrite', bs: '4k' },
  },
  {
    id: 'pr116_null_copy_64k_rw',
    figure: 'ublk-null, copy mode, 64 KiB rw IOPS (read + write)',
    source: '[PR116] ublk-org/ublksrv#116',
    published: 56911 + 57063,
    published_text: '56,911 R + 57,063 W IOPS',
    note: 'iodepth not stated; 32',
    a: { ...PR116, path: 'copy', rw: 'rw', bs: '64k', iodepth: 32, ios: 500 },
  },
  {
    id: 'auto_vs_zc_null_4k',
    figure: 'AUTO_BUF_REG vs SUPPORT_ZERO_COPY on null, 4 KiB',
    source: '[AUTO] "ublk: support UBLK_F_AUTO_BUF_REG", 2025-05-20',
    published: 1.5,
    published_text: '+50 % IOPS',
    note: "published with t/io_uring -p0 on a VM; the model runs fio (libaio) on kublk's null target",
    a: { ...PR116, server: 'kublk', path: 'auto_buf_reg', rw: 'randread', bs: '4k' },
    b: { ...PR116, server: 'kublk', path: 'zero_copy', rw: 'randread', bs: '4k' },
  },
  {
    id: 'fused_vs_copy_loop_64k',
    figure: 'zero copy (fused command) vs copy, ublk-loop on ramfs, 64 KiB',
    source: '[FUSED-V1] linux-block, "io_uring/ublk: add IORING_OP_FUSED_CMD" (2023)',
    published: 2.5,
    published_text: '"1~2X improvement" (2-3x; midpoint 2.5)',
    note: 'sequential read, queues/jobs not stated: 2 and 2',
    a: { ...LOOP, path: 'fused', rw: 'read', bs: '64k' },
    b: { ...LOOP, path: 'copy', rw: 'read', bs: '64k' },
  },
  {
    id: 'fused_vs_copy_loop_512k',
    figure: 'zero copy (fused command) vs copy, ublk-loop on ramfs, 512 KiB',
    source: '[FUSED-V1] linux-block, "io_uring/ublk: add IORING_OP_FUSED_CMD" (2023)',
    published: 2.5,
    published_text: '"1~2X improvement" (2-3x; midpoint 2.5)',
    note: 'sequential read, queues/jobs not stated: 2 and 2',
    a: { ...LOOP, path: 'fused', rw: 'read', bs: '512k', ios: 200 },
    b: { ...LOOP, path: 'copy', rw: 'read', bs: '512k', ios: 200 },
  },
  {
    id: 'zc_vs_copy_loop_64k',
    figure: 'zero copy (SUPPORT_ZERO_COPY) vs copy, ublk-loop, 64 KiB',
    source: '[FUSED-SUMMARY] linux-block (Ming Lei, 2023-04): ublk-loop on tmpfs, >= 64 KiB',
    published: 2.5,
    published_text: '+1-2x IOPS (2-3x; midpoint 2.5)',
    note: "the merged 6.15 mechanism on kublk's loop target",
    a: { ...LOOP, path: 'zero_copy', rw: 'read', bs: '64k' },
    b: { ...LOOP, path: 'copy', rw: 'read', bs: '64k' },
  },
  {
    id: 'zc_vs_copy_loop_1m',
    figure: 'zero copy (SUPPORT_ZERO_COPY) vs copy, ublk-loop, 1 MiB',
    source: '[FUSED-SUMMARY] linux-block (Ming Lei, 2023-04): ublk-loop on tmpfs, >= 64 KiB',
    published: 2.5,
    published_text: '+1-2x IOPS (2-3x; midpoint 2.5)',
    note: '1 MiB is past the sizes measured (64K/512K); max_io_buf_bytes 1M',
    a: { ...LOOP, path: 'zero_copy', rw: 'read', bs: '1m', ios: 100 },
    b: { ...LOOP, path: 'copy', rw: 'read', bs: '1m', ios: 100 },
  },
  {
    id: 'fused_null_big_bs',
    figure: 'ublk-null, copy avoided vs copy, "big BS"',
    source: '[FUSED-V2] linux-block, fused command v4-v6 cover letters (2023)',
    published: 5,
    published_text: '"5X IOPS improvement"',
    note: 'block size and jobs not stated: 64 KiB, 2 queues, 2 jobs',
    a: { ...PR116, server: 'kublk', path: 'fused', rw: 'read', bs: '64k', iodepth: 32, ios: 500 },
    b: { ...PR116, server: 'kublk', path: 'copy', rw: 'read', bs: '64k', iodepth: 32, ios: 500 },
  },
  {
    id: 'pr203_loop_4k_per_thread',
    figure: 'ublk-loop, one server thread, 4 KiB IOPS cap',
    source: '[PR203] ublk-org/ublksrv#203',
    published: 450000,
    published_text: 'about 450K IOPS per thread',
    note: "backing storage not stated; the model's loop file is page cache",
    a: {
      target: 'loop',
      server: 'ublksrv',
      queues: 1,
      jobs: 2,
      iodepth: 128,
      ios: 4000,
      path: 'copy',
      rw: 'randread',
      bs: '4k',
    },
  },
  {
    id: 'batch_vs_copy_null_4k_16jobs',
    figure: 'UBLK_F_BATCH_IO vs per-tag commands, copy mode, 16 jobs',
    source: '[BATCH] Ming Lei, "ublk: add UBLK_F_BATCH_IO" cover letter (after 6.18)',
    published: 1.12,
    published_text: '+12 %',
    note: 'kublk null, 2 queues, 4 KiB randread at iodepth 128 assumed (the letter names 16 jobs only)',
    a: { ...PR116, server: 'kublk', jobs: 16, ios: 1000, path: 'batch', rw: 'randread', bs: '4k' },
    b: { ...PR116, server: 'kublk', jobs: 16, ios: 1000, path: 'copy', rw: 'randread', bs: '4k' },
  },
  {
    id: 'batch_vs_zc_null_4k_16jobs',
    figure: 'UBLK_F_BATCH_IO vs per-tag commands, zero copy, 16 jobs',
    source: '[BATCH] Ming Lei, "ublk: add UBLK_F_BATCH_IO" cover letter (after 6.18)',
    published: 1.037,
    published_text: '+3.7 %',
    note: 'kublk null, 2 queues, 4 KiB randread at iodepth 128 assumed',
    a: {
      ...PR116,
      server: 'kublk',
      jobs: 16,
      ios: 1000,
      path: 'zero_copy',
      flags: ['BATCH_IO'],
      rw: 'randread',
      bs: '4k',
    },
    b: { ...PR116, server: 'kublk', jobs: 16, ios: 1000, path: 'zero_copy', rw: 'randread', bs: '4k' },
  },
];

/** Runs every published figure on fresh machines with `costs` (deterministic: each machine is seeded alike). */
export function calibrationReport(make: (costs: CostModel) => CalibrationMachine, costs: CostModel): CalibrationRow[] {
  return PUBLISHED_FIGURES.map((f) => {
    const a = runJob(make, costs, f.a);
    const model = f.b ? a / runJob(make, costs, f.b) : a;
    const ratio = model / f.published;
    return {
      id: f.id,
      figure: f.figure,
      source: f.source,
      setup: f.b ? `${describeJob(f.a)} / ${describeJob(f.b)}` : describeJob(f.a),
      published: f.published,
      published_text: f.published_text,
      model: Math.round(model * 1000) / 1000,
      ratio: Math.round(ratio * 1000) / 1000,
      within_25pct: Math.abs(ratio - 1) <= 0.25 + 1e-9,
      note: f.note,
    };
  });
}

/** Each constant of CostModel: meaning, basis (the domain brief's §5 and its sources), what it is held to. */
const COST_DOCS: Record<keyof CostModel, Omit<CostConstantRow, 'name' | 'value'>> = {
  B_copy: {
    unit: 'bytes/ns',
    what: 'single-core memcpy of payload',
    source: '[MEMCPY] Skylake memcpy 7.5-13 GB/s copied; §5.1 default 10',
    reproduces: 'pr116_null_copy_64k_rw, zc/fused vs copy at 64K+',
  },
  B_mem: {
    unit: 'bytes/ns',
    what: 'machine-wide bandwidth for payload copies',
    source: '[PR116] null copy 64K rw moved 7.5 GB/s at low fio CPU',
    reproduces: 'pr116_null_copy_64k_rw',
  },
  t_pin_page: {
    unit: 'ns',
    what: 'GUP-fast pin of one present page (driver copy path, 32-page batches)',
    source: '§5.1 [ASSUMPTION] 20-50 ns; §5.4 measured 90 ns here',
    reproduces: '(per-page share of copy mode)',
  },
  t_sqe_cqe: {
    unit: 'ns',
    what: 'one io_uring op: prep, issue, CQE',
    source: '[JA-2020][JA-2021] 2.58-3.8M IOPS/core: 0.26-0.39 us',
    reproduces: 'auto_vs_zc_null_4k (two extra ops)',
  },
  t_enter: {
    unit: 'ns',
    what: 'one io_uring_enter, per batch',
    source: '§5.1 [ASSUMPTION] 0.2-0.5 us; §5.4 measured 0.28 us',
    reproduces: 'pr116_null_copy_4k_*',
  },
  t_tw: {
    unit: 'ns',
    what: 'running a task_work batch in the server task',
    source: '§5.1 [ASSUMPTION] 0.3-1 us',
    reproduces: 'pr116_null_copy_4k_*',
  },
  t_dispatch: {
    unit: 'ns',
    what: 'ublk_dispatch_req(): start_io + io_uring_cmd_done of the FETCH',
    source: "[PR203] share of the loop thread's ~2.2 us per I/O; [PR116] fio, not the server, at 99 % CPU at 4 KiB",
    reproduces: 'pr203_loop_4k_per_thread, pr116_null_copy_4k_*',
  },
  t_ublk_cmd: {
    unit: 'ns',
    what: 'ublk uring_cmd handler (COMMIT/REGISTER/UNREGISTER/NEED_GET_DATA): checks, io state',
    source: '[PR203][PR116] share of t_ublk_fixed',
    reproduces: 'auto_vs_zc_null_4k, pr116_null_copy_4k_*',
  },
  t_batch_elem: {
    unit: 'ns',
    what: 'UBLK_F_BATCH_IO per element of a PREP/COMMIT_IO_CMDS walk, or per tag of a fetch batch',
    source:
      '[BATCH] fitted: batching saves the io_uring op and little of the per-I/O driver work; the command itself is one t_sqe_cqe + t_ublk_cmd per batch',
    reproduces: 'batch_vs_copy_null_4k_16jobs, batch_vs_zc_null_4k_16jobs',
  },
  t_rq_end: {
    unit: 'ns',
    what: '__ublk_complete_rq(): end the block request, bio end_io, aio completion',
    source: "[PR203][PR116] share of t_ublk_fixed (with t_ublk_cmd, the commit's 550 ns)",
    reproduces: 'pr116_null_copy_4k_*, zc_vs_copy_loop_*',
  },
  t_srv_cqe: {
    unit: 'ns',
    what: 'server userspace per CQE: reap, read the iod, target logic, SQEs',
    source: '[PR203] share of ~2.2 us per loop I/O; §5.4 a whole batched NOP op is 0.099 us',
    reproduces: 'pr203_loop_4k_per_thread, auto_vs_zc_null_4k',
  },
  t_reg_bvec: {
    unit: 'ns',
    what: 'io_buffer_register_bvec()/unregister of the request bvec',
    source: '§5.1 t_reg_bvec; [AUTO] +50 %',
    reproduces: 'auto_vs_zc_null_4k',
  },
  t_wakeup: {
    unit: 'ns',
    what: 'wake-up latency of a sleeping thread (latency, not CPU)',
    source: '§5.4 measured 2.1-8.9 us in a VM; 1 us default',
    reproduces: '(latency at low iodepth)',
  },
  t_app_io: {
    unit: 'ns',
    what: 'application per I/O: fio, libaio, bio and blk-mq allocation',
    source: '[PR116] fio cpu_util 99 % at 366-389K IOPS/job (2.5-2.7 us per I/O)',
    reproduces: 'pr116_null_copy_4k_*, pr116_zc_vs_copy_4k',
  },
  t_app_complete: {
    unit: 'ns',
    what: 'application per completion: reap and fio accounting',
    source: '[PR116] as t_app_io',
    reproduces: 'pr116_null_copy_4k_*',
  },
  t_app_syscall: {
    unit: 'ns',
    what: 'io_submit / io_getevents',
    source: '§5.4 one syscall 0.22 us',
    reproduces: 'pr116_null_copy_4k_*',
  },
  t_queue_rq: {
    unit: 'ns',
    what: 'ublk_queue_rq()/queue_rqs per request',
    source: '[QRQS] queue_rqs batching >10 % on kublk null -q 2',
    reproduces: 'pr116_null_copy_4k_*',
  },
  t_tw_add: {
    unit: 'ns',
    what: 'io_uring_cmd_complete_in_task(): task_work_add + notify per batch',
    source: '[QRQS] (the share batching removes)',
    reproduces: 'pr116_null_copy_4k_*',
  },
  t_backing_op: {
    unit: 'ns',
    what: 'backing file op beyond t_sqe_cqe (its copy is paid at B_copy)',
    source: '0: page cache completes inline; calibrate() sets it from a host probe',
    reproduces: 'fused/zc vs copy on loop',
  },
  t_backing_latency: {
    unit: 'ns',
    what: 'backing device latency (0 = page cache)',
    source: '[ASSUMPTION] page cache',
    reproduces: '-',
  },
  t_bpf_prog: {
    unit: 'ns',
    what: 'one run of the ublk BPF program (2023 eBPF RFC)',
    source: '§5.1 [ASSUMPTION] 0.1-0.3 us',
    reproduces: '- (no published figure)',
  },
  t_sqe_kernel: {
    unit: 'ns',
    what: 'kernel-side SQE from the BPF kfunc',
    source: '[ASSUMPTION]',
    reproduces: '- (no published figure)',
  },
  t_pipe: {
    unit: 'ns',
    what: 'splice proposal: pipe setup per I/O',
    source: '[ASSUMPTION]',
    reproduces: '- (no published figure)',
  },
  t_iowq: {
    unit: 'ns',
    what: 'io-wq punt latency (splice proposal)',
    source: '§5.4 tmpfs read via io-wq 2.6-7.9 us',
    reproduces: '- (no published figure)',
  },
  t_pte: {
    unit: 'ns',
    what: 'remap prior art: install one PTE',
    source: '[ASSUMPTION]',
    reproduces: '- (no published figure)',
  },
  t_tlb_shootdown: {
    unit: 'ns',
    what: 'TLB shootdown base cost',
    source: '[TLB1][TLB2] ~1 us; §5.4 5.8-7.3 us here',
    reproduces: '- (no published ublk figure)',
  },
  t_tlb_per_cpu: { unit: 'ns', what: 'TLB shootdown per other CPU', source: '[TLB1][TLB2] ~0.2 us', reproduces: '-' },
  tlb_single_page_flush_ceiling: {
    unit: 'pages',
    what: 'above this, a full TLB flush',
    source: 'arch/x86/mm/tlb.c tlb_single_page_flush_ceiling = 33',
    reproduces: '-',
  },
  t_tlb_full_flush: { unit: 'ns', what: 'full TLB flush', source: '[ASSUMPTION]', reproduces: '-' },
  fused_epsilon: {
    unit: 'x t_sqe_cqe',
    what: 'fused command: secondary op overhead',
    source: '§5.2 [ASSUMPTION]',
    reproduces: 'fused_vs_copy_loop_*',
  },
};

/** The cost constants in effect, each with its basis. */
export function costConstants(costs: CostModel): CostConstantRow[] {
  return (Object.keys(COST_DOCS) as (keyof CostModel)[]).map((name) => ({
    name,
    value: costs[name],
    ...COST_DOCS[name],
  }));
}
