/**
 * The cost model (brief ublk.md §5): primitive CPU costs in virtual nanoseconds and bandwidths in bytes
 * per nanosecond (1 byte/ns = 1 GB/s). Every figure is a named default a script may override.
 * Nothing here is a per-mode formula: the simulation charges these primitives where the kernel does the
 * work, and the per-mode totals of §5.2 emerge from the sequence of operations each data path runs.
 */
import { KernelError } from '../common/errors';
import { show } from '../common/args';

export interface CostModel {
  /** B_copy: single-core memcpy of payload, bytes/ns (10 GB/s; §5.1 8–13 GB/s). */
  B_copy: number;
  /**
   * Shared memory bandwidth of the machine for copies, bytes/ns of copied payload (copies queue behind each
   * other above it). Default 8: PR116's null target, copy mode, 64 KiB rw moved ≈7.5 GB/s at low CPU use.
   */
  B_mem: number;
  /** t_pin_page: GUP-fast pin of one present user page (driver copy path), ns (§5.1 20–50). */
  t_pin_page: number;
  /** t_sqe_cqe: one io_uring op (prep, issue, CQE post), ns (§5.1 0.26–0.39 µs). */
  t_sqe_cqe: number;
  /** t_enter: one io_uring_enter syscall, ns (§5.1 0.2–0.5 µs), paid once per batch. */
  t_enter: number;
  /** t_tw: running a task_work batch in the server task (io_uring_cmd_complete_in_task hop), ns. */
  t_tw: number;
  /**
   * ublk_dispatch_req() per request: iod already set, start_io, io_uring_cmd_done of the FETCH, ns. With t_ublk_cmd,
   * t_rq_end, t_srv_cqe and the ops and copies of one I/O it makes up the server thread's cost per loop I/O, which
   * ublksrv PR #203 puts at about 2.2 µs (450K 4 KiB IOPS per thread): the model's is 2.7 µs.
   */
  t_dispatch: number;
  /** ublk uring_cmd handler (COMMIT_AND_FETCH / REGISTER / UNREGISTER / NEED_GET_DATA): checks and io state, ns. */
  t_ublk_cmd: number;
  /**
   * UBLK_F_BATCH_IO per element: one element of a PREP/COMMIT_IO_CMDS array walked (copy_from_user share, io lock,
   * state, completion bookkeeping), or one tag of a fetch batch prepared, ns. No published per-element figure:
   * fitted to the cover letter's +12 % (copy) / +3.7 % (zero copy) at 16 jobs; the command itself costs
   * t_sqe_cqe + t_ublk_cmd once per batch.
   */
  t_batch_elem: number;
  /**
   * __ublk_complete_rq(): ending one block request (blk_update_request, __blk_mq_end_request, the bio's end_io up
   * to the application's aio completion), ns; paid by whoever drops the request's last reference.
   */
  t_rq_end: number;
  /**
   * Server userspace per CQE: reap, read the 24-byte iod, target logic, prepare SQEs, ns. The whole of one batched
   * io_uring NOP (prep, submit, complete, reap) is 0.099 µs on §5.4's machine, so the userspace share is well under it;
   * the rest is the target's logic and the descriptor read.
   */
  t_srv_cqe: number;
  /** io_buffer_register_bvec()/unregister: kernel bvec node in the fixed-buffer table, ns each. */
  t_reg_bvec: number;
  /** Wake-up latency of a sleeping thread (not CPU time), ns (§5.4 measured 2–9 µs in a VM). */
  t_wakeup: number;
  /** Application (fio job) per I/O: submission path (fio, libaio/io_uring, bio + blk-mq alloc), ns. */
  t_app_io: number;
  /** Application per completion: reap + fio accounting, ns. */
  t_app_complete: number;
  /** Application syscall (io_submit / io_getevents / io_uring_enter), ns. */
  t_app_syscall: number;
  /** ublk_queue_rq()/ublk_queue_rqs() per request: setup iod, blk_mq_start_request, ns. */
  t_queue_rq: number;
  /** io_uring_cmd_complete_in_task(): task_work_add + notify, per batch handed to a daemon, ns. */
  t_tw_add: number;
  /** Backing file (tmpfs/page cache) op fixed cost on top of t_sqe_cqe, ns; its data copy is paid at B_copy. */
  t_backing_op: number;
  /** Backing device latency before completion (0 = page cache, completes inline), ns. */
  t_backing_latency: number;
  /** t_bpf_prog: one run of the ublk BPF program at queue_rq (eBPF proposal), ns (§5.1 0.1–0.3 µs). */
  t_bpf_prog: number;
  /** Kernel-side SQE issued by the BPF kfunc (no userspace round trip), ns. */
  t_sqe_kernel: number;
  /** Splice proposal: pipe setup per I/O, ns. */
  t_pipe: number;
  /** Splice proposal: io-wq punt latency (do_splice_direct was not async), ns (latency, not CPU). */
  t_iowq: number;
  /** Remap (prior art): install one PTE of a request page into the server, ns. */
  t_pte: number;
  /** TLB shootdown base cost on unmap, ns (§5.1 ~1 µs). */
  t_tlb_shootdown: number;
  /** TLB shootdown extra per other CPU in mm_cpumask, ns (§5.1 ~0.2 µs). */
  t_tlb_per_cpu: number;
  /** tlb_single_page_flush_ceiling: above this many pages Linux flushes the whole TLB. */
  tlb_single_page_flush_ceiling: number;
  /** Full TLB flush cost (above the ceiling), ns. */
  t_tlb_full_flush: number;
  /** Fused command: secondary op overhead factor ε on t_sqe_cqe (§5.2). */
  fused_epsilon: number;
}

/** The published-defaults profile (§5.1, calibrated so the §4 shapes come out; see calibration.test.ts). */
export const DEFAULT_COSTS: Readonly<CostModel> = Object.freeze({
  B_copy: 10,
  B_mem: 8,
  t_pin_page: 35,
  t_sqe_cqe: 300,
  t_enter: 300,
  t_tw: 300,
  t_dispatch: 350,
  t_ublk_cmd: 250,
  t_batch_elem: 300,
  t_rq_end: 300,
  t_srv_cqe: 150,
  t_reg_bvec: 200,
  t_wakeup: 1000,
  t_app_io: 1350,
  t_app_complete: 700,
  t_app_syscall: 300,
  t_queue_rq: 300,
  t_tw_add: 250,
  t_backing_op: 0,
  t_backing_latency: 0,
  t_bpf_prog: 200,
  t_sqe_kernel: 250,
  t_pipe: 300,
  t_iowq: 2000,
  t_pte: 60,
  t_tlb_shootdown: 1000,
  t_tlb_per_cpu: 200,
  tlb_single_page_flush_ceiling: 33,
  t_tlb_full_flush: 3000,
  fused_epsilon: 0.1,
});

/** "This machine" profile from §5.4 (2-vCPU Zen 3 VM): slower wake-ups and copies to DRAM. */
export const THIS_MACHINE_COSTS: Readonly<Partial<CostModel>> = Object.freeze({
  B_copy: 7.3,
  t_sqe_cqe: 150,
  t_enter: 280,
  t_wakeup: 8900,
  t_pin_page: 90,
  t_tlb_shootdown: 6000,
});

/** Merges script overrides over the defaults; an unknown name or a negative/non-finite value is EINVAL. */
export function resolveCosts(over?: Partial<CostModel> | 'default' | 'this_machine'): CostModel {
  const out: CostModel = { ...DEFAULT_COSTS };
  const src: Partial<CostModel> | undefined =
    over === 'this_machine' ? THIS_MACHINE_COSTS : over === 'default' ? undefined : over;
  if (!src) return out;
  for (const [k, v] of Object.entries(src)) {
    if (!(k in DEFAULT_COSTS)) throw new KernelError('EINVAL', `unknown cost parameter '${k}'`);
    if (typeof v !== 'number' || !Number.isFinite(v) || v < 0)
      throw new KernelError('EINVAL', `cost ${k} must be a non-negative number`);
    (out as unknown as Record<string, number>)[k] = v;
  }
  if (out.B_copy <= 0 || out.B_mem <= 0) throw new KernelError('EINVAL', 'bandwidths must be positive');
  return out;
}

/**
 * What oracle/'s io_uring probe measures on the host, in ns per op (the engine only takes the numbers: the
 * sandbox measures). Raw io_uring_setup/io_uring_enter, no liburing.
 */
export interface UringProbeFigures {
  /** One IORING_OP_NOP submitted and reaped per io_uring_enter. */
  nop_ns: number;
  /** NOPs `batch` per io_uring_enter, per op. */
  nop_batched_ns: number;
  /** 4 KiB IORING_OP_READs of a tmpfs (memfd) file, `batch` per io_uring_enter, per op. */
  read_4k_batched_ns: number;
  /** SQEs per io_uring_enter of the batched runs. */
  batch: number;
}

/**
 * The figures of several probe runs taken as one: the minimum of each. A run measures CPU time, which other load
 * inflates (cache and SMT contention, interrupts) but never deflates, so the least sample is the closest to the
 * machine's own cost. Runs must share the batch size.
 */
export function minProbeSamples(samples: readonly UringProbeFigures[]): UringProbeFigures {
  if (samples.length === 0) throw new KernelError('EINVAL', 'calibrate(): no probe samples');
  const batch = samples[0]!.batch;
  if (samples.some((s) => s.batch !== batch))
    throw new KernelError('EINVAL', 'calibrate(): probe samples of different batch sizes');
  const min = (k: 'nop_ns' | 'nop_batched_ns' | 'read_4k_batched_ns'): number => Math.min(...samples.map((s) => s[k]));
  return {
    nop_ns: min('nop_ns'),
    nop_batched_ns: min('nop_batched_ns'),
    read_4k_batched_ns: min('read_4k_batched_ns'),
    batch,
  };
}

/**
 * "Calibrate the ublk cost model to this machine": the figures a probe implies, to apply over the published
 * defaults. A NOP at batch 1 costs t_enter + t_sqe_cqe and at batch b t_enter / b + t_sqe_cqe, which gives both;
 * a batched tmpfs read beyond a NOP, less the 4 KiB copy the model charges at B_copy, is t_backing_op.
 *
 * No derived cost is ever 0: where noise in the figures exceeds the difference a cost is derived from (a batched
 * NOP dearer than a lone one over b, or a lone NOP no dearer than its batched share), the lone NOP is split between
 * t_sqe_cqe and t_enter as the published defaults split it; and every cost is at least 1 ns.
 */
export function calibrateCosts(p: UringProbeFigures): Partial<CostModel> {
  const fields = ['nop_ns', 'nop_batched_ns', 'read_4k_batched_ns', 'batch'] as const;
  for (const k of fields) {
    const v = (p as unknown as Record<string, unknown> | null)?.[k];
    if (typeof v !== 'number' || !Number.isFinite(v) || v <= 0)
      throw new KernelError(
        'EINVAL',
        `calibrate(): probe.${k} must be a positive number of ns (got ${typeof v === 'string' ? v : show(v)})`,
      );
    // A figure past a second per op (or a batch past IORING_MAX_ENTRIES) is no measurement of io_uring.
    if (v > (k === 'batch' ? 32768 : 1e9))
      throw new KernelError(
        'EINVAL',
        `calibrate(): probe.${k} ${v} is out of range (${k === 'batch' ? 'at most IORING_MAX_ENTRIES, 32768' : 'at most 1e9 ns'})`,
      );
  }
  if (!Number.isInteger(p.batch))
    throw new KernelError('EINVAL', `calibrate(): probe.batch must be a whole number (got ${p.batch})`);
  let t_sqe_cqe = p.batch > 1 ? (p.batch * p.nop_batched_ns - p.nop_ns) / (p.batch - 1) : p.nop_ns / 2;
  let t_enter = p.nop_ns - t_sqe_cqe;
  if (!(t_sqe_cqe > 0 && t_enter > 0)) {
    t_sqe_cqe = (p.nop_ns * DEFAULT_COSTS.t_sqe_cqe) / (DEFAULT_COSTS.t_sqe_cqe + DEFAULT_COSTS.t_enter);
    t_enter = p.nop_ns - t_sqe_cqe;
  }
  const t_backing_op = p.read_4k_batched_ns - p.nop_batched_ns - 4096 / DEFAULT_COSTS.B_copy;
  const ns = (v: number): number => Math.max(1, Math.round(v));
  return { t_sqe_cqe: ns(t_sqe_cqe), t_enter: ns(t_enter), t_backing_op: ns(t_backing_op) };
}
