/**
 * The ublk driver (drivers/block/ublk_drv.c): control plane (ADD_DEV, SET_PARAMS, START_DEV, STOP_DEV,
 * DEL_DEV, GET_DEV_INFO) with the kernel's validation, and the data plane per (queue, tag): the
 * struct ublk_io state machine, FETCH_REQ / COMMIT_AND_FETCH_REQ / NEED_GET_DATA / REGISTER_IO_BUF /
 * UNREGISTER_IO_BUF, the 24-byte descriptor array, copy in map/unmap, user copy on /dev/ublkcN,
 * AUTO_BUF_REG, request references, cancel with UBLK_IO_RES_ABORT, and the 2023 proposals' hooks.
 */
import { ERRNO, KernelError } from '../common/errors';
import type { Errno } from '../common/errors';
import type { EventClock } from './clock';
import type { CostModel } from './costs';
import type { Cpu, Ctx, MemBus } from './cpu';
import { clearList as clearList_, currentCtx as currentCtx_ } from './cpu';
import {
  REQ_OP_READ as REQ_OP_READ_,
  REQ_OP_WRITE as REQ_OP_WRITE_,
  SECTOR_SHIFT as SECTOR_SHIFT_,
  TagSet,
} from './blk_mq';
import type { BlkMqOps, Request } from './blk_mq';
import {
  EIOCBQUEUED as EIOCBQUEUED_,
  IORING_OP_READ as IORING_OP_READ_,
  IORING_OP_WRITE as IORING_OP_WRITE_,
} from './io_uring';
import type { IoReq, IoUring, SimFile } from './io_uring';
import {
  UBLK_ATTR_VOLATILE_CACHE,
  UBLK_AUTO_BUF_REG_FALLBACK as UBLK_AUTO_BUF_REG_FALLBACK_,
  UBLK_F as UBLK_F_,
  UBLK_STATE_NAMES,
  UBLK_F_ALL as UBLK_F_ALL_,
  UBLK_F_ALL_RECOVERY_FLAGS as UBLK_F_ALL_RECOVERY_FLAGS_,
  UBLK_IO_COMMIT_AND_FETCH_REQ as UBLK_IO_COMMIT_AND_FETCH_REQ_,
  UBLK_IO_FETCH_REQ as UBLK_IO_FETCH_REQ_,
  UBLK_IO_F_NEED_REG_BUF as UBLK_IO_F_NEED_REG_BUF_,
  UBLK_IO_F_SHMEM_ZC as UBLK_IO_F_SHMEM_ZC_,
  UBLK_IO_NEED_GET_DATA as UBLK_IO_NEED_GET_DATA_,
  UBLK_IO_OP_DISCARD,
  UBLK_IO_OP_FLUSH as UBLK_IO_OP_FLUSH_,
  UBLK_IO_OP_READ as UBLK_IO_OP_READ_,
  UBLK_IO_OP_WRITE_ZEROES,
  ublk_req_build_flags,
  UBLK_IO_OP_WRITE as UBLK_IO_OP_WRITE_,
  UBLK_IO_REGISTER_IO_BUF as UBLK_IO_REGISTER_IO_BUF_,
  UBLK_IO_RES_ABORT as UBLK_IO_RES_ABORT_,
  UBLK_IO_RES_NEED_GET_DATA as UBLK_IO_RES_NEED_GET_DATA_,
  UBLK_IO_RES_OK as UBLK_IO_RES_OK_,
  UBLK_IO_UNREGISTER_IO_BUF as UBLK_IO_UNREGISTER_IO_BUF_,
  UBLK_MAX_NR_QUEUES as UBLK_MAX_NR_QUEUES_,
  UBLK_MAX_PIN_PAGES as UBLK_MAX_PIN_PAGES_,
  UBLK_MAX_QUEUE_DEPTH as UBLK_MAX_QUEUE_DEPTH_,
  UBLK_QID_OFF as UBLK_QID_OFF_,
  UBLK_REQUEUE_DELAY_MS as UBLK_REQUEUE_DELAY_MS_,
  UBLK_S_DEV_DEAD as UBLK_S_DEV_DEAD_,
  UBLK_S_DEV_FAIL_IO as UBLK_S_DEV_FAIL_IO_,
  UBLK_S_DEV_LIVE as UBLK_S_DEV_LIVE_,
  UBLK_S_DEV_QUIESCED as UBLK_S_DEV_QUIESCED_,
  UBLK_TAG_OFF as UBLK_TAG_OFF_,
  UBLKSRV_IO_BUF_OFFSET as UBLKSRV_IO_BUF_OFFSET_,
  UBLKSRV_IO_DESC_SIZE as UBLKSRV_IO_DESC_SIZE_,
  UBLK_IO_BUF_BITS as UBLK_IO_BUF_BITS_,
  ublk_write_iod as ublk_write_iod_,
} from './ublk_cmd';
import { zeroBytes as zeroBytes_ } from './user_mem';
import type { UserMapping, UserMem } from './user_mem';
import type { UblkBpfCtx, UblkBpfProgram, UblkBpfSqe } from './bpf_prog';
import {
  REQ_OP_DRV_IN,
  REQ_OP_ZONE_APPEND,
  ublk_dev_param_zoned_validate,
  ublk_get_nr_zones,
  ublk_setup_iod_zoned,
} from './zoned';
import type { UblkZonedReportDesc } from './zoned';
const currentCtx = currentCtx_;
const clearList = clearList_;
const zeroBytes = zeroBytes_;
const ublk_write_iod = ublk_write_iod_;

// Module-local copies of imported constants: hot paths read plain bindings, not module getters.
const REQ_OP_READ = REQ_OP_READ_;
const REQ_OP_WRITE = REQ_OP_WRITE_;
const SECTOR_SHIFT = SECTOR_SHIFT_;
const EIOCBQUEUED = EIOCBQUEUED_;
const IORING_OP_READ = IORING_OP_READ_;
const IORING_OP_WRITE = IORING_OP_WRITE_;
const UBLK_AUTO_BUF_REG_FALLBACK = UBLK_AUTO_BUF_REG_FALLBACK_;
const UBLK_F = UBLK_F_;
const UBLK_F_ALL = UBLK_F_ALL_;
const UBLK_F_ALL_RECOVERY_FLAGS = UBLK_F_ALL_RECOVERY_FLAGS_;
const UBLK_IO_COMMIT_AND_FETCH_REQ = UBLK_IO_COMMIT_AND_FETCH_REQ_;
const UBLK_IO_FETCH_REQ = UBLK_IO_FETCH_REQ_;
const UBLK_IO_F_NEED_REG_BUF = UBLK_IO_F_NEED_REG_BUF_;
const UBLK_IO_F_SHMEM_ZC = UBLK_IO_F_SHMEM_ZC_;
const UBLK_IO_NEED_GET_DATA = UBLK_IO_NEED_GET_DATA_;
const UBLK_IO_OP_FLUSH = UBLK_IO_OP_FLUSH_;
const UBLK_IO_OP_READ = UBLK_IO_OP_READ_;
const UBLK_IO_OP_WRITE = UBLK_IO_OP_WRITE_;
const UBLK_IO_REGISTER_IO_BUF = UBLK_IO_REGISTER_IO_BUF_;
const UBLK_IO_RES_ABORT = UBLK_IO_RES_ABORT_;
const UBLK_IO_RES_NEED_GET_DATA = UBLK_IO_RES_NEED_GET_DATA_;
const UBLK_IO_RES_OK = UBLK_IO_RES_OK_;
const UBLK_IO_UNREGISTER_IO_BUF = UBLK_IO_UNREGISTER_IO_BUF_;
const UBLK_MAX_NR_QUEUES = UBLK_MAX_NR_QUEUES_;
const UBLK_MAX_PIN_PAGES = UBLK_MAX_PIN_PAGES_;
const UBLK_MAX_QUEUE_DEPTH = UBLK_MAX_QUEUE_DEPTH_;
const UBLK_QID_OFF = UBLK_QID_OFF_;
const UBLK_REQUEUE_DELAY_MS = UBLK_REQUEUE_DELAY_MS_;
const UBLK_S_DEV_DEAD = UBLK_S_DEV_DEAD_;
const UBLK_S_DEV_FAIL_IO = UBLK_S_DEV_FAIL_IO_;
const UBLK_S_DEV_LIVE = UBLK_S_DEV_LIVE_;
const UBLK_S_DEV_QUIESCED = UBLK_S_DEV_QUIESCED_;
const UBLK_TAG_OFF = UBLK_TAG_OFF_;
const UBLKSRV_IO_BUF_OFFSET = UBLKSRV_IO_BUF_OFFSET_;
const UBLKSRV_IO_DESC_SIZE = UBLKSRV_IO_DESC_SIZE_;
const UBLK_IO_BUF_BITS = UBLK_IO_BUF_BITS_;

/** struct ublk_io flags. */
export const UBLK_IO_FLAG_ACTIVE = 0x01;
export const UBLK_IO_FLAG_OWNED_BY_SRV = 0x02;
export const UBLK_IO_FLAG_NEED_GET_DATA = 0x08;
export const UBLK_IO_FLAG_AUTO_BUF_REG = 0x10;
export const UBLK_IO_FLAG_CANCELED = 0x80000000;

export const UBLK_PARAM_TYPE_BASIC = 1 << 0;
export const UBLK_PARAM_TYPE_DISCARD = 1 << 1;
export const UBLK_PARAM_TYPE_DEVT = 1 << 2;
export const UBLK_PARAM_TYPE_ZONED = 1 << 3;
export const UBLK_PARAM_TYPE_DMA_ALIGN = 1 << 4;
export const UBLK_PARAM_TYPE_SEGMENT = 1 << 5;
/** UBLK_PARAM_TYPE_ALL of 6.18: BASIC..SEGMENT (INTEGRITY, 1 << 6, comes after 6.18 and is cleared like unknown types). */
export const UBLK_PARAM_TYPE_ALL = 0x3f;
/** UBLK_MIN_SEGMENT_SIZE: the smallest seg_boundary_mask + 1 and max_segment_size SET_PARAMS accepts. */
export const UBLK_MIN_SEGMENT_SIZE = 4096;
/** The model's page size (PAGE_SHIFT 12, x86-64). */
const PAGE_SHIFT = 12;
const PAGE_SIZE = 1 << PAGE_SHIFT;

/** The never-merged 2023 proposals, chosen per device (they have no UBLK_F_* flag). */
export type Proposal = 'fused' | 'ebpf' | 'splice' | 'remap';

/** struct ublksrv_ctrl_dev_info. */
export interface UblksrvCtrlDevInfo {
  nr_hw_queues: number;
  queue_depth: number;
  state: number;
  max_io_buf_bytes: number;
  dev_id: number;
  ublksrv_pid: number;
  flags: number;
  ublksrv_flags: number;
  owner_uid: number;
  owner_gid: number;
}

/** struct ublk_param_basic. */
export interface UblkParamBasic {
  attrs: number;
  logical_bs_shift: number;
  physical_bs_shift: number;
  io_opt_shift: number;
  io_min_shift: number;
  max_sectors: number;
  chunk_sectors: number;
  dev_sectors: number;
  virt_boundary_mask: number;
}

/** struct ublk_param_discard. */
export interface UblkParamDiscard {
  discard_alignment: number;
  discard_granularity: number;
  max_discard_sectors: number;
  max_write_zeroes_sectors: number;
  max_discard_segments: number;
}

/** struct ublk_param_zoned. */
export interface UblkParamZoned {
  max_open_zones: number;
  max_active_zones: number;
  max_zone_append_sectors: number;
}

/** struct ublk_param_dma_align. */
export interface UblkParamDmaAlign {
  alignment: number;
}

/** struct ublk_param_segment. */
export interface UblkParamSegment {
  seg_boundary_mask: number;
  max_segment_size: number;
  max_segments: number;
}

/** struct ublk_params (the parts SET_PARAMS takes; devt is read-only). */
export interface UblkParams {
  types: number;
  basic?: UblkParamBasic;
  discard?: UblkParamDiscard;
  zoned?: UblkParamZoned;
  dma?: UblkParamDmaAlign;
  seg?: UblkParamSegment;
}

/** A basic parameter block of zeros (what the driver reads when the caller sent none). */
function zeroBasic(): UblkParamBasic {
  return {
    attrs: 0,
    logical_bs_shift: 0,
    physical_bs_shift: 0,
    io_opt_shift: 0,
    io_min_shift: 0,
    max_sectors: 0,
    chunk_sectors: 0,
    dev_sectors: 0,
    virt_boundary_mask: 0,
  };
}

function isPowerOf2(n: number): boolean {
  return Number.isInteger(n) && n > 0 && 2 ** Math.round(Math.log2(n)) === n;
}

/** The caller's credentials: CAP_SYS_ADMIN or not. */
export interface Cred {
  privileged: boolean;
  uid: number;
  gid: number;
}

/** struct ublksrv_io_cmd (16 bytes in sqe->cmd). addr is a server virtual address or a buffer index. */
export interface UblksrvIoCmd {
  q_id: number;
  tag: number;
  result: number;
  addr: number;
  /** AUTO_BUF_REG: struct ublk_auto_buf_reg packed in sqe->addr (index bits 0-15, flags 16-23). */
  auto_buf_index?: number;
  auto_buf_flags?: number;
}

/**
 * UBLK_F_BATCH_IO (after 6.18, ublk_batch.ts): the batch side of the char device's uring_cmd, of queue_rq(s) and of
 * cancel/abort. A driver without it installed negotiates BATCH_IO away like 6.18 does.
 */
export interface UblkBatchOps {
  uring_cmd(ub: UblkDevice, req: IoReq, ctx: Ctx): number;
  /** ublk_batch_queue_cmd(_list): prepared requests' tags into the queue's evts_fifo, a fetch command woken. */
  queue_tags(ub: UblkDevice, ubq: UblkQueue, rqs: readonly Request[], ctx: Ctx): void;
  queue_tag(ub: UblkDevice, ubq: UblkQueue, rq: Request, ctx: Ctx): void;
  cancel_queue(ub: UblkDevice, ubq: UblkQueue): void;
  abort_queue(ub: UblkDevice, ubq: UblkQueue, t: number, cpu: Cpu): void;
}

/** UBLK_F_SHMEM_ZC (after 6.18, ublk_shmem.ts): ublk_try_buf_match() (index << 32 | offset, or -1) and the release. */
export interface UblkShmemOps {
  try_buf_match(ub: UblkDevice, rq: Request): number;
  cleanup(ub: UblkDevice): void;
}

/** Identity of a server task (the daemon of an I/O). */
export interface UblkTask {
  readonly name: string;
  exiting: boolean;
}

/** struct ublk_io. */
export class UblkIo {
  flags = 0;
  addr = 0;
  buf_index = 0;
  buf_flags = 0;
  res = 0;
  cmd: IoReq | null = null;
  req: Request | null = null;
  task: UblkTask | null = null;
  /** Remap proposal: the server VA where the request pages are mapped. */
  remap_va = 0;
  /** The server mapping `addr` was last found in (model: saves a lookup per copy while it stays mapped). */
  umap: UserMapping | null = null;
}

/** struct ublk_queue. */
export class UblkQueue {
  readonly ios: UblkIo[] = [];
  /** The descriptor area: q_depth × 24 bytes, rounded to a page (mmap'ed read-only by the server). */
  readonly io_cmd_buf: Uint8Array;
  readonly iod: DataView;
  nr_io_ready = 0;
  canceling = false;
  force_abort = false;
  fail_io = false;
  /** The ring of the queue's daemon (for the eBPF kfunc's backing files). */
  ring: IoUring | null = null;
  constructor(
    readonly dev: UblkDevice,
    readonly q_id: number,
    readonly q_depth: number,
    readonly flags: number,
  ) {
    for (let i = 0; i < q_depth; i++) this.ios.push(new UblkIo());
    const size = Math.ceil((q_depth * UBLKSRV_IO_DESC_SIZE) / 4096) * 4096;
    this.io_cmd_buf = new Uint8Array(size);
    this.iod = new DataView(this.io_cmd_buf.buffer);
  }
}

/** Counters of where bytes moved and what happened (per device). */
export interface UblkDevStats {
  /** Payload bytes the ublk path copied (map/unmap copies and user-copy read/write on ublkc). */
  copied_bytes: number;
  dispatched: number;
  completed: number;
  errors: number;
  need_get_data: number;
  auto_buf_reg: number;
  auto_buf_reg_fallback: number;
  bpf_handled: number;
  /** eBPF proposal: runs of the program at queue_rq (taken or not), and backing SQEs it queued through the kfunc for the requests it took. */
  bpf_runs: number;
  bpf_sqes: number;
  tlb_shootdowns: number;
  aborted: number;
}

const NEG = Object.fromEntries(Object.entries(ERRNO).map(([k, v]) => [k, -v])) as Record<Errno, number>;

/**
 * blk_status_to_errno(errno_to_blk_status(res)) of 6.18 (block/blk-core.c, blk_errors[]): an errno with its own
 * blk_status_t reaches the submitter unchanged, every other one becomes -EIO (BLK_STS_IOERR).
 */
const BLK_ERRNOS: ReadonlySet<number> = new Set(
  (
    [
      'EOPNOTSUPP',
      'ETIMEDOUT',
      'ENOSPC',
      'ENOLINK',
      'EREMOTEIO',
      'EBADE',
      'ENODATA',
      'EILSEQ',
      'ENOMEM',
      'EBUSY',
      'EAGAIN',
      'ENODEV',
      'EREMCHG',
      'ETOOMANYREFS',
      'EOVERFLOW',
      'ETIME',
      'EINVAL',
    ] as const
  ).map((e) => -ERRNO[e]),
);
function blkErrno(res: number): number {
  return BLK_ERRNOS.has(res) ? res : -5;
}

/** Requests queue_cmd() hands to one daemon's task_work in one go (the llist ublk_queue_rqs() builds). */
class DispatchBatch {
  ubq: UblkQueue | null = null;
  ring: IoUring | null = null;
  readonly rqs: Request[] = [];
  constructor(private readonly dev: UblkDevice) {}
  release(): void {
    this.dev.release_batch(this);
  }
  run(c: Ctx): void {
    this.dev.dispatch_batch(this, c);
  }
}

function runDispatchTaskWork(c: Ctx, b: DispatchBatch): void {
  b.run(c);
}

function addDispatchTaskWork(b: DispatchBatch): void {
  b.ring!.task_work_add(runDispatchTaskWork, b);
}

const NO_REQUESTS: Request[] = [];

/** One ublk device: /dev/ublkcN (its SimFile is `chdev`), the blk-mq tag set and /dev/ublkbN once started. */
export class UblkDevice implements BlkMqOps {
  readonly queues: UblkQueue[] = [];
  readonly tagset: TagSet;
  params: UblkParams = { types: 0 };
  /** UB_STATE_USED: the disk has been added. */
  used = false;
  deleted = false;
  /** START_USER_RECOVERY succeeded and END_USER_RECOVERY has not (yet): a new server is fetching. */
  recovering = false;
  /** UB_STATE_OPEN: a server process holds /dev/ublkcN open (ublk_ch_open() sets it, the release clears it). */
  open = false;
  /** ub->ublksrv_tgid: the process that opened /dev/ublkcN (-1 after the release, ublk_reset_ch_dev). */
  ublksrv_tgid = -1;
  nr_queues_ready = 0;
  nr_privileged_daemon = 0;
  /** ub->completion: all queues have every tag fetched. */
  ready = false;
  /** The ublk server's mm (set by the first mmap of the descriptor area). */
  mm: UserMem | null = null;
  bpf_prog: UblkBpfProgram | null = null;
  /** UBLK_F_BATCH_IO negotiated: the batch fops (ublk_ch_batch_io_fops) and blk-mq ops (ublk_batch_mq_ops). */
  readonly batch_ops: UblkBatchOps | null;
  /** UBLK_F_SHMEM_ZC negotiated: requests in a registered shared buffer go without a copy. */
  readonly shmem_ops: UblkShmemOps | null;
  readonly chdev: UblkCharDev;
  readonly stats: UblkDevStats = {
    copied_bytes: 0,
    dispatched: 0,
    completed: 0,
    errors: 0,
    need_get_data: 0,
    auto_buf_reg: 0,
    auto_buf_reg_fallback: 0,
    bpf_handled: 0,
    bpf_runs: 0,
    bpf_sqes: 0,
    tlb_shootdowns: 0,
    aborted: 0,
  };
  /** Hook for per-I/O trace records. */
  trace: ((kind: string, id: number, q: number, tag: number, t: number) => void) | null = null;

  constructor(
    readonly drv: UblkDriver,
    readonly dev_info: UblksrvCtrlDevInfo,
    readonly proposal: Proposal | null,
    readonly clock: EventClock,
    readonly costs: CostModel,
    readonly bus: MemBus,
  ) {
    for (let q = 0; q < dev_info.nr_hw_queues; q++)
      this.queues.push(new UblkQueue(this, q, dev_info.queue_depth, dev_info.flags));
    this.tagset = new TagSet(dev_info.nr_hw_queues, dev_info.queue_depth, this, clock, costs);
    this.chdev = new UblkCharDev(this);
    const f = dev_info.flags;
    this.batch_ops = f & UBLK_F.UBLK_F_BATCH_IO ? drv.batch_ops : null;
    this.shmem_ops = f & UBLK_F.UBLK_F_SHMEM_ZC ? drv.shmem_ops : null;
    this.f_zc = (f & UBLK_F.UBLK_F_SUPPORT_ZERO_COPY) !== 0;
    this.f_auto = (f & UBLK_F.UBLK_F_AUTO_BUF_REG) !== 0;
    this.f_ucopy = (f & UBLK_F.UBLK_F_USER_COPY) !== 0;
    this.f_ngd = (f & UBLK_F.UBLK_F_NEED_GET_DATA) !== 0;
    // eBPF: requests the program passes on use copy
    this.f_map = !this.f_ucopy && !this.f_zc && !this.f_auto && (proposal === null || proposal === 'ebpf');
    this.f_ref = this.f_ucopy || this.f_zc || this.f_auto || proposal === 'fused' || proposal === 'splice';
  }

  get flags(): number {
    return this.dev_info.flags;
  }

  // The negotiated flags never change after ADD_DEV: the fast-path predicates are computed once.
  private readonly f_zc: boolean;
  private readonly f_auto: boolean;
  private readonly f_ucopy: boolean;
  private readonly f_ngd: boolean;
  private readonly f_map: boolean;
  private readonly f_ref: boolean;

  support_zero_copy(): boolean {
    return this.f_zc;
  }
  support_auto_buf_reg(): boolean {
    return this.f_auto;
  }
  support_user_copy(): boolean {
    return this.f_ucopy;
  }
  need_get_data(): boolean {
    return this.f_ngd;
  }
  /** ublk_need_map_io(): the driver copies between bio pages and the server buffer. */
  need_map_io(): boolean {
    return this.f_map;
  }
  /** ublk_need_req_ref(): someone besides the commit may hold the request's pages. */
  need_req_ref(): boolean {
    return this.f_ref;
  }

  // ---- blk-mq side -------------------------------------------------------------------------------

  /** ublk_prep_req(): iod filled in the descriptor slot, request started. Returns 0 or -errno. */
  private prep_req(ubq: UblkQueue, rq: Request, check_cancel: boolean): number {
    if (ubq.fail_io) return -121; // BLK_STS_TARGET
    // ublk_prep_req() (6.18): force_abort counts only where I/O would otherwise wait for a server
    if (ubq.force_abort && this.nosrv_should_queue_io()) return -5;
    if (check_cancel && ubq.canceling) return -5;
    // ublk_setup_iod() (6.18): the op, then ublk_req_build_flags(); other ops are BLK_STS_IOERR on a non-zoned device
    let op: number;
    if (rq.op === REQ_OP_READ) op = UBLK_IO_OP_READ;
    else if (rq.op === REQ_OP_WRITE) op = UBLK_IO_OP_WRITE;
    else if (rq.op === 2) op = UBLK_IO_OP_FLUSH;
    else if (rq.op === 3) op = UBLK_IO_OP_DISCARD;
    else if (rq.op === 9) op = UBLK_IO_OP_WRITE_ZEROES;
    else if (this.zoned) return this.prep_req_zoned(ubq, rq);
    else return -5; // WRITE_SAME has no REQ_OP in 6.18; DRV_IN/OUT, SECURE_ERASE, zone ops: BLK_STS_IOERR
    const io = ubq.ios[rq.tag]!;
    let op_flags = rq.cmd_flags === 0 ? op : op | ublk_req_build_flags(rq.cmd_flags);
    let addr = io.addr;
    if (this.shmem_ops && rq.data) {
      // mainline ublk_setup_iod() (after 6.18): the shared-memory match comes before addr is set
      const m = this.shmem_ops.try_buf_match(this, rq);
      if (m >= 0) {
        op_flags |= UBLK_IO_F_SHMEM_ZC;
        addr = m;
      }
    }
    ublk_write_iod(ubq.iod, rq.tag, { op_flags, nr_sectors: rq.nr_sectors, start_sector: rq.sector, addr });
    this.tagset.start_request(rq);
    return 0;
  }

  /** UBLK_F_ZONED (ublk_queue_is_zoned()): set once ADD_DEV accepted the flag. */
  get zoned(): boolean {
    return (this.dev_info.flags & UBLK_F.UBLK_F_ZONED) !== 0;
  }

  /** ublk_setup_iod_zoned() through ublk_prep_req(): any failure is BLK_STS_IOERR (-EIO). */
  private prep_req_zoned(ubq: UblkQueue, rq: Request): number {
    // model: the report descriptor rides in the bio's private data (6.18 keeps it in an xarray keyed by the request)
    const desc = (rq.bio?.priv as { ublk_report?: UblkZonedReportDesc } | undefined)?.ublk_report ?? null;
    const flags = rq.cmd_flags === 0 ? 0 : ublk_req_build_flags(rq.cmd_flags);
    const iod = ublk_setup_iod_zoned(rq.op, rq.sector, rq.nr_sectors, ubq.ios[rq.tag]!.addr, flags, desc);
    if (typeof iod === 'number') return -5;
    ublk_write_iod(ubq.iod, rq.tag, iod);
    this.tagset.start_request(rq);
    return 0;
  }

  /** ublk_queue_rq(). Runs in the submitter's context. */
  queue_rq(rq: Request, ctx: Ctx): number {
    const ubq = this.queues[rq.q]!;
    ctx.t += this.costs.t_queue_rq;
    const st = this.prep_req(ubq, rq, false);
    if (st !== 0) return st;
    if (ubq.canceling) {
      this.abort_rq(ubq, rq, ctx);
      return 0;
    }
    this.trace?.('queue_rq', rq.id, rq.q, rq.tag, ctx.t);
    if (this.proposal === 'ebpf' && this.bpf_queue_rq(ubq, rq, ctx)) return 0;
    if (this.batch_ops) {
      // ublk_batch_queue_rq(): every queue_rq is its own dispatch in the model (bd->last)
      this.batch_ops.queue_tag(this, ubq, rq, ctx);
      return 0;
    }
    const b = this.batch(ubq);
    b.rqs.push(rq);
    this.queue_cmd(b, ctx);
    return 0;
  }

  /** Task-work batches not in use (one per queue_cmd in flight; reused, never allocated per I/O). */
  private readonly batchPool: DispatchBatch[] = [];

  private batch(ubq: UblkQueue): DispatchBatch {
    const b = this.batchPool.pop() ?? new DispatchBatch(this);
    b.ubq = ubq;
    return b;
  }

  /** ublk_queue_rqs(): batches consecutive requests of the same daemon into one task_work. */
  queue_rqs(list: Request[], ctx: Ctx): Request[] {
    if (this.batch_ops) return this.batch_queue_rqs(list, ctx);
    let requeue: Request[] | null = null;
    let batch: DispatchBatch | null = null;
    let task: UblkTask | null = null;
    for (let i = 0; i < list.length; i++) {
      const rq = list[i]!;
      const ubq = this.queues[rq.q]!;
      const io = ubq.ios[rq.tag]!;
      if (batch && batch.rqs.length && io.task !== task) {
        this.queue_cmd(batch, ctx);
        batch = null;
      }
      task = io.task;
      if (!batch) batch = this.batch(ubq);
      batch.ubq = ubq;
      ctx.t += this.costs.t_queue_rq;
      if (this.prep_req(ubq, rq, true) !== 0) {
        (requeue ??= []).push(rq);
        continue;
      }
      this.trace?.('queue_rq', rq.id, rq.q, rq.tag, ctx.t);
      if (this.proposal === 'ebpf' && this.bpf_queue_rq(ubq, rq, ctx)) continue;
      batch.rqs.push(rq);
    }
    if (batch) {
      if (batch.rqs.length) this.queue_cmd(batch, ctx);
      else this.batchPool.push(batch);
    }
    return requeue ?? NO_REQUESTS;
  }

  /** ublk_batch_queue_rqs(): prepared requests go to their queue's evts_fifo, one wake-up per run of one queue. */
  private batch_queue_rqs(list: Request[], ctx: Ctx): Request[] {
    let requeue: Request[] | null = null;
    const run = this.batchRun; // queue_tags() takes the tags synchronously: one list reused
    let ubq: UblkQueue | null = null;
    for (const rq of list) {
      const q = this.queues[rq.q]!;
      ctx.t += this.costs.t_queue_rq;
      if (this.prep_req(q, rq, true) !== 0) {
        (requeue ??= []).push(rq);
        continue;
      }
      if (ubq && q !== ubq && run.length) {
        this.batch_ops!.queue_tags(this, ubq, run, ctx);
        clearList(run);
      }
      ubq = q;
      run.push(rq);
    }
    if (ubq && run.length) this.batch_ops!.queue_tags(this, ubq, run, ctx);
    clearList(run);
    return requeue ?? NO_REQUESTS;
  }

  private readonly batchRun: Request[] = [];

  /** ublk_queue_cmd(_list): io_uring_cmd_complete_in_task() on the daemon's FETCH command. */
  private queue_cmd(b: DispatchBatch, ctx: Ctx): void {
    const ubq = b.ubq!;
    const cmd = ubq.ios[b.rqs[0]!.tag]!.cmd;
    ctx.t += this.costs.t_tw_add;
    if (!cmd) {
      // No FETCH pending for this tag (the server is not ready): requeue after UBLK_REQUEUE_DELAY_MS.
      for (const rq of b.rqs) this.tagset.requeue_request(rq, UBLK_REQUEUE_DELAY_MS, ctx.cpu);
      b.release();
      return;
    }
    b.ring = cmd.ring;
    this.clock.at(ctx.t, addDispatchTaskWork, b);
  }

  /** The batch's task_work: ublk_cmd_list_tw_cb() dispatching each request in the daemon's context. */
  dispatch_batch(b: DispatchBatch, c: Ctx): void {
    const ubq = b.ubq!;
    const rqs = b.rqs;
    for (let i = 0; i < rqs.length; i++) this.dispatch_req(ubq, rqs[i]!, c);
    b.release();
  }

  /** A batch handed back (its task_work ran, or it was requeued). */
  release_batch(b: DispatchBatch): void {
    clearList(b.rqs);
    b.ubq = null;
    b.ring = null;
    this.batchPool.push(b);
  }

  /** ublk_nosrv_dev_should_queue_io(): with USER_RECOVERY (and not FAIL_IO) I/O waits for the next server. */
  nosrv_should_queue_io(): boolean {
    return (this.flags & UBLK_F.UBLK_F_USER_RECOVERY) !== 0 && (this.flags & UBLK_F.UBLK_F_USER_RECOVERY_FAIL_IO) === 0;
  }

  /** __ublk_abort_rq(): requeued while a server may come back, otherwise ended with BLK_STS_IOERR. */
  private abort_rq(ubq: UblkQueue, rq: Request, ctx: Ctx): void {
    this.stats.aborted++;
    if (this.nosrv_should_queue_io()) this.tagset.requeue_request(rq, UBLK_REQUEUE_DELAY_MS, ctx.cpu);
    else {
      this.stats.errors++;
      this.tagset.end_request(rq, -5, ctx.t);
    }
    void ubq;
  }

  /** ublk_dispatch_req(): in the daemon's task_work. */
  private dispatch_req(ubq: UblkQueue, rq: Request, ctx: Ctx): void {
    const io = ubq.ios[rq.tag]!;
    if (!rq.inUse) return;
    if (!io.cmd || !io.task || io.task.exiting || io.cmd.ring.closed) {
      this.abort_rq(ubq, rq, ctx);
      return;
    }
    ctx.t += this.costs.t_dispatch;
    this.stats.dispatched++;
    this.trace?.('task_work', rq.id, rq.q, rq.tag, ctx.t);
    if (this.need_get_data() && rq.op === REQ_OP_WRITE && rq.data) {
      this.stats.need_get_data++;
      this.complete_io_cmd(io, rq, UBLK_IO_RES_NEED_GET_DATA, ctx);
      return;
    }
    if (!this.start_io(ubq, rq, io, ctx)) return;
    if (this.prep_auto_buf_reg(ubq, rq, io, ctx)) this.complete_io_cmd(io, rq, UBLK_IO_RES_OK, ctx);
  }

  /** ublk_start_io(): map_io; nothing mapped means requeue after 3 ms. */
  start_io(ubq: UblkQueue, rq: Request, io: UblkIo, ctx: Ctx): boolean {
    if (this.shmem_ops && this.iod_is_shmem_zc(ubq, rq.tag)) return true; // pages already shared: no copy
    const mapped = this.map_io(rq, io, ctx);
    if (mapped !== rq.bytes) {
      if (mapped <= 0) {
        this.tagset.requeue_request(rq, UBLK_REQUEUE_DELAY_MS, ctx.cpu);
        return false;
      }
      ubq.iod.setUint32(rq.tag * UBLKSRV_IO_DESC_SIZE + 4, mapped >> SECTOR_SHIFT, true);
    }
    if (this.proposal === 'remap' && rq.data) {
      // Remap (prior art): the request's pages are inserted into the server's page tables.
      const pages = Math.ceil(rq.bytes / 4096);
      ctx.t += pages * this.costs.t_pte;
      io.remap_va = this.mm!.map_pages(rq.data);
      ubq.iod.setUint32(rq.tag * UBLKSRV_IO_DESC_SIZE + 16, (io.remap_va % 0x100000000) >>> 0, true);
      ubq.iod.setUint32(rq.tag * UBLKSRV_IO_DESC_SIZE + 20, Math.floor(io.remap_va / 0x100000000) >>> 0, true);
    }
    return true;
  }

  /** ublk_iod_is_shmem_zc(). */
  private iod_is_shmem_zc(ubq: UblkQueue, tag: number): boolean {
    return (ubq.iod.getUint32(tag * UBLKSRV_IO_DESC_SIZE, true) & UBLK_IO_F_SHMEM_ZC) !== 0;
  }

  /** ublk_map_io(): copy mode WRITE copies bio pages into the server buffer (pinning it 32 pages at a time). */
  private map_io(rq: Request, io: UblkIo, ctx: Ctx): number {
    if (!this.need_map_io() || rq.bpf) return rq.bytes;
    if (rq.op === REQ_OP_WRITE && rq.data) return this.copy_user_pages(rq, io, 0, rq.bytes, 'to_user', ctx);
    return rq.bytes;
  }

  /** ublk_unmap_io(): copy mode READ copies min(res, len) from the server buffer into the bio pages. */
  private unmap_io(rq: Request, io: UblkIo, ctx: Ctx): number {
    if (!this.need_map_io() || rq.bpf) return rq.bytes;
    if (rq.op === REQ_OP_READ && rq.data)
      return this.copy_user_pages(rq, io, 0, Math.min(io.res, rq.bytes), 'from_user', ctx);
    return rq.bytes;
  }

  /** ublk_copy_user_pages(): pins the user buffer in UBLK_MAX_PIN_PAGES batches and memcpy's. */
  copy_user_pages(rq: Request, io: UblkIo, off: number, len: number, dir: 'to_user' | 'from_user', ctx: Ctx): number {
    const mm = this.mm;
    if (!mm) return 0;
    const va = io.addr;
    let m = io.umap;
    if (!m || !m.live || m.mm !== mm || m.va !== va) {
      m = mm.lookup(va) ?? null;
      io.umap = m;
    }
    if (!m) return 0;
    // Reading a buffer the server never wrote pins the zero page (get_user_pages without FOLL_WRITE).
    const zero = dir === 'from_user' && m.anon && m.bytes === null && len <= m.len;
    const user = zero ? null : mm.bytesOf(m, len);
    if ((!user && !zero) || !rq.data) return 0;
    const pages = Math.ceil(len / 4096);
    const batches = Math.ceil(pages / UBLK_MAX_PIN_PAGES);
    ctx.t += pages * this.costs.t_pin_page + batches * 20;
    const d = rq.data;
    if (zero) zeroBytes(d, off, len);
    else if (dir === 'to_user') user!.set(off === 0 && len === d.length ? d : d.subarray(off, off + len));
    else d.set(len === user!.length ? user! : user!.subarray(0, len), off);
    this.bus.copy(ctx, len);
    this.stats.copied_bytes += len;
    return len;
  }

  /** ublk_prep_auto_buf_reg(): with AUTO_BUF_REG the request pages go into the daemon ring's buffer table. */
  prep_auto_buf_reg(ubq: UblkQueue, rq: Request, io: UblkIo, ctx: Ctx): boolean {
    if (this.support_auto_buf_reg() && rq.data) {
      const cmd = io.cmd!;
      ctx.t += this.costs.t_reg_bvec;
      const gen = rq.gen;
      const ret = cmd.ring.register_bvec(io.buf_index, rq.data, () => this.io_release(ubq, rq, gen));
      if (ret) {
        if (io.buf_flags & UBLK_AUTO_BUF_REG_FALLBACK) {
          this.stats.auto_buf_reg_fallback++;
          const o = rq.tag * UBLKSRV_IO_DESC_SIZE;
          ubq.iod.setUint32(o, ubq.iod.getUint32(o, true) | UBLK_IO_F_NEED_REG_BUF, true);
          rq.ref = 1;
          return true;
        }
        this.stats.errors++;
        this.tagset.end_request(rq, -5, ctx.t);
        return false;
      }
      this.stats.auto_buf_reg++;
      rq.ref = 2;
      rq.buf_ring = cmd.ring;
      rq.buf_index = io.buf_index;
      io.flags |= UBLK_IO_FLAG_AUTO_BUF_REG;
      return true;
    }
    if (this.need_req_ref()) rq.ref = 1;
    return true;
  }

  /** ublk_io_release(): the fixed-buffer node's last user is gone. */
  private io_release(ubq: UblkQueue, rq: Request, gen: number): void {
    if (rq.gen !== gen || !rq.inUse) return; // the request was already aborted and its tag reused
    const ctx = currentCtx() ?? { cpu: null as never, t: this.clock.now };
    this.put_req_ref(ubq, rq, ctx);
  }

  /** ublk_put_req_ref(). */
  put_req_ref(ubq: UblkQueue, rq: Request, ctx: Ctx): void {
    if (this.need_req_ref()) {
      if (--rq.ref === 0) this.complete_rq(ubq, rq, ctx);
    } else {
      this.complete_rq(ubq, rq, ctx);
    }
  }

  /** __ublk_check_and_get_req(): a started request with data, one more reference. */
  check_and_get_req(ubq: UblkQueue, tag: number, offset: number): Request | null {
    const rq = this.tagset.tag_to_rq(ubq.q_id, tag);
    if (!rq) return null;
    if (this.need_req_ref()) {
      if (rq.ref <= 0) return null;
      rq.ref++;
    }
    if (!rq.started || !rq.data || offset > rq.bytes) {
      const ctx = currentCtx() ?? { cpu: null as never, t: this.clock.now };
      this.put_req_ref(ubq, rq, ctx);
      return null;
    }
    return rq;
  }

  /** __ublk_complete_rq(): ends the block request with the committed result. */
  complete_rq(ubq: UblkQueue, rq: Request, ctx: Ctx): void {
    if (!rq.inUse) return;
    ctx.t += this.costs.t_rq_end;
    const io = ubq.ios[rq.tag]!;
    let res = io.res;
    if (res === 0 && rq.op === REQ_OP_READ) res = -5;
    if (io.remap_va) {
      this.remap_unmap(io, rq, ctx);
    }
    if (res < 0) {
      this.stats.errors++;
      this.stats.completed++;
      this.trace?.('complete', rq.id, rq.q, rq.tag, ctx.t);
      this.tagset.end_request(rq, blkErrno(res), ctx.t);
      return;
    }
    // model: a REPORT_ZONES buffer the server filled only in part ends here; 6.18's blk_update_request() requeues
    // the rest and the server answers again, but ublk_report_zones() reads only the entries it asked for
    if (rq.op !== REQ_OP_READ && rq.op !== REQ_OP_WRITE) {
      this.stats.completed++;
      this.tagset.end_request(rq, 0, ctx.t);
      return;
    }
    if (this.shmem_ops && this.iod_is_shmem_zc(ubq, rq.tag)) {
      // mainline __ublk_complete_rq(): shared-memory zero copy has nothing to unmap, the request ends OK
      this.stats.completed++;
      this.trace?.('complete', rq.id, rq.q, rq.tag, ctx.t);
      this.tagset.end_request(rq, 0, ctx.t);
      return;
    }
    const unmapped = this.unmap_io(rq, io, ctx);
    if (unmapped < res) res = unmapped;
    this.stats.completed++;
    this.trace?.('complete', rq.id, rq.q, rq.tag, ctx.t);
    if (res < rq.bytes) {
      // blk_update_request() ends the first `res` bytes; the rest is requeued (ends with -EIO in this model
      // once nothing at all was transferred).
      if (res <= 0) {
        this.stats.errors++;
        this.tagset.end_request(rq, -5, ctx.t);
        return;
      }
      const done = res - (res % 512);
      rq.sector += done >> SECTOR_SHIFT;
      rq.nr_sectors -= done >> SECTOR_SHIFT;
      rq.data = rq.data ? rq.data.subarray(done) : null;
      rq.started = false;
      const cpu = ctx.cpu;
      this.clock.at(ctx.t, () => {
        const st = this.queue_rq(rq, { cpu, t: this.clock.now });
        if (st !== 0) this.tagset.end_request(rq, st, this.clock.now);
      });
      return;
    }
    this.tagset.end_request(rq, 0, ctx.t);
  }

  /** Remap proposal: unmapping the request pages from the server costs a TLB shootdown. */
  private remap_unmap(io: UblkIo, rq: Request, ctx: Ctx): void {
    this.mm!.unmap(io.remap_va);
    io.remap_va = 0;
    const pages = Math.ceil(rq.bytes / 4096);
    const others = Math.max(0, this.dev_info.nr_hw_queues - 1);
    ctx.t +=
      pages > this.costs.tlb_single_page_flush_ceiling
        ? this.costs.t_tlb_full_flush
        : this.costs.t_tlb_shootdown + others * this.costs.t_tlb_per_cpu;
    this.stats.tlb_shootdowns++;
  }

  /** ublk_complete_io_cmd(): hands the request to the server through the pending FETCH's CQE. */
  private complete_io_cmd(io: UblkIo, rq: Request, res: number, ctx: Ctx): void {
    const cmd = io.cmd!;
    io.flags |= UBLK_IO_FLAG_OWNED_BY_SRV;
    if (res === UBLK_IO_RES_NEED_GET_DATA) io.flags |= UBLK_IO_FLAG_NEED_GET_DATA;
    io.flags &= ~UBLK_IO_FLAG_ACTIVE;
    io.req = rq;
    io.cmd = null;
    cmd.ring.cmd_done(cmd, res, ctx);
  }

  // ---- eBPF proposal -------------------------------------------------------------------------------

  /** Runs the ublk BPF program at queue_rq; true when it took the request (backing I/O queued in kernel). */
  private bpf_queue_rq(ubq: UblkQueue, rq: Request, ctx: Ctx): boolean {
    const prog = this.bpf_prog;
    const ring = ubq.ring;
    if (!prog || !ring || !rq.data) return false;
    ctx.t += this.costs.t_bpf_prog;
    const queued: UblkBpfSqe[] = [];
    const bctx: UblkBpfCtx = {
      q_id: rq.q,
      tag: rq.tag,
      op: rq.op === REQ_OP_READ ? 0 : rq.op === REQ_OP_WRITE ? 1 : 2,
      start_sector: rq.sector,
      nr_sectors: rq.nr_sectors,
    };
    const bytes = rq.bytes;
    const ret = prog.run(bctx, {
      bpf_ublk_queue_sqe(c, sqe) {
        if (c !== bctx) return -22;
        if (sqe.opcode !== IORING_OP_READ && sqe.opcode !== IORING_OP_WRITE) return -22;
        if (sqe.buf_off < 0 || sqe.len <= 0 || sqe.buf_off + sqe.len > bytes) return -22;
        if (!ring.files[sqe.fd]) return -9;
        queued.push(sqe);
        return 0;
      },
    });
    this.stats.bpf_runs++;
    if (ret !== 0 || queued.length === 0) return false;
    this.stats.bpf_handled++;
    this.stats.bpf_sqes += queued.length;
    rq.bpf = true;
    const io = ubq.ios[rq.tag]!;
    let pending = queued.length;
    let total = 0;
    let err = 0;
    const data = rq.data;
    const finish = (res: number, t: number): void => {
      this.trace?.('backend', rq.id, rq.q, rq.tag, t);
      if (res < 0) err = err || res;
      else total += res;
      if (--pending > 0) return;
      io.res = err || total;
      const c = currentCtx();
      this.complete_rq(ubq, rq, c ?? { cpu: ctx.cpu, t });
    };
    for (const sqe of queued) {
      const f = ring.files[sqe.fd] as SimFile;
      ctx.t += this.costs.t_sqe_kernel;
      const kreq: IoReq = {
        sqe: {
          opcode: sqe.opcode,
          flags: 0,
          fd: sqe.fd,
          off: sqe.off,
          len: sqe.len,
          addr: null,
          addr_off: sqe.buf_off,
          buf_index: 0,
          user_data: 0,
          cmd_op: 0,
          cmd: null,
          splice_fd_in: -1,
          splice_flags: 0,
          nop_flags: 0,
          sqe2: null,
          timeout_ns: 0,
        },
        ring,
        link: null,
        buf: null,
        pdu: { kdone: (res: number) => finish(res, this.clock.now) },
        done: false,
      };
      const fn = sqe.opcode === IORING_OP_READ ? f.read : f.write;
      const r = fn ? fn.call(f, kreq, data, sqe.buf_off, sqe.len, sqe.off, ctx) : -22;
      if (r !== EIOCBQUEUED) finish(r, ctx.t);
    }
    return true;
  }

  // ---- char device: data-plane uring_cmd -----------------------------------------------------------

  /**
   * ublk_ch_uring_cmd_local() (6.18), checks in the driver's order: UNREGISTER_IO_BUF before anything else;
   * q_id, tag; FETCH on any task; REGISTER_IO_BUF from a task other than the I/O's daemon; then the daemon
   * checks (not owned by the server: -EBUSY; NEED_GET_DATA mismatch: -EINVAL) and the per-command work.
   * Returns a CQE result, or EIOCBQUEUED when the command stays pending.
   */
  ch_uring_cmd(req: IoReq, ctx: Ctx, task: UblkTask): number {
    const cmd = req.sqe.cmd as UblksrvIoCmd;
    const op = req.sqe.cmd_op;
    ctx.t += this.costs.t_ublk_cmd;
    if (!cmd) return -22;
    // io_buffer_unregister_bvec() touches neither the queue nor the io: no q_id, tag, task or state check
    if (op === UBLK_IO_UNREGISTER_IO_BUF) return this.unregister_io_buf(req, cmd, ctx);
    if (!(cmd.q_id >= 0 && cmd.q_id < this.dev_info.nr_hw_queues)) return -22;
    const ubq = this.queues[cmd.q_id]!;
    if (!(cmd.tag >= 0 && cmd.tag < this.dev_info.queue_depth)) return -22;
    const io = ubq.ios[cmd.tag]!;
    if (op === UBLK_IO_FETCH_REQ) {
      const r = this.check_fetch_buf(cmd);
      if (r) return r;
      return this.fetch(ubq, io, req, cmd, task);
    }
    if (io.task !== task) {
      // ublk_register_io_buf() only takes a request reference: allowed from any task
      if (op === UBLK_IO_REGISTER_IO_BUF) return this.register_io_buf(req, ubq, cmd, ctx);
      return -22;
    }
    if (!(io.flags & UBLK_IO_FLAG_OWNED_BY_SRV)) return -16;
    if (!!(io.flags & UBLK_IO_FLAG_NEED_GET_DATA) !== (op === UBLK_IO_NEED_GET_DATA)) return -22;
    switch (op) {
      case UBLK_IO_REGISTER_IO_BUF:
        // ublk_daemon_register_io_buf(): same answers as the off-task path for a started request.
        // Model: each registration holds a request reference (the driver counts task_registered_buffers on
        // the daemon instead); the request ends at the same moment, after the commit and the last release.
        return this.register_io_buf(req, ubq, cmd, ctx);
      case UBLK_IO_COMMIT_AND_FETCH_REQ: {
        const rq0 = io.req;
        if (!rq0) return -22;
        const r0 = this.check_commit_and_fetch(rq0, cmd);
        if (r0) return r0;
        // 6.18 validates the new ublk_auto_buf_reg after completing the request and leaves the slot ACTIVE on
        // -EINVAL; the model refuses the command before touching the slot.
        const r1 = this.init_auto_buf_reg(io, cmd);
        if (r1) return r1;
        const unreg = this.fill_io_cmd(io, req, cmd);
        const rq = rq0;
        if (this.support_auto_buf_reg() && unreg && rq.buf_ring === req.ring) {
          ctx.t += this.costs.t_reg_bvec;
          (rq.buf_ring as IoUring).unregister_bvec(rq.buf_index);
        }
        this.trace?.('commit', rq.id, rq.q, rq.tag, ctx.t);
        // ublk_ch_uring_cmd_local() (6.18): a ZONE_APPEND completes at the sector in zone_append_lba (addr's union)
        if (rq.op === REQ_OP_ZONE_APPEND) rq.sector = cmd.addr;
        this.put_req_ref(ubq, rq, ctx);
        return EIOCBQUEUED;
      }
      case UBLK_IO_NEED_GET_DATA: {
        // 6.18: the slot is ACTIVE with this command first (ublk_fill_io_cmd), so that a request ublk_get_data()
        // could not map (requeued after UBLK_REQUEUE_DELAY_MS) comes back to it; it is the server's again on success
        const rq = io.req!;
        io.cmd = req;
        io.flags = (io.flags | UBLK_IO_FLAG_ACTIVE) & ~UBLK_IO_FLAG_OWNED_BY_SRV & ~UBLK_IO_FLAG_NEED_GET_DATA;
        io.req = null;
        io.addr = cmd.addr;
        const o = rq.tag * UBLKSRV_IO_DESC_SIZE + 16;
        ubq.iod.setUint32(o, (io.addr % 0x100000000) >>> 0, true);
        ubq.iod.setUint32(o + 4, Math.floor(io.addr / 0x100000000) >>> 0, true);
        if (!this.start_io(ubq, rq, io, ctx)) return EIOCBQUEUED;
        // __ublk_prep_compl_io_cmd(): owned by the server again, the command answers UBLK_IO_RES_OK
        io.flags = (io.flags | UBLK_IO_FLAG_OWNED_BY_SRV) & ~UBLK_IO_FLAG_ACTIVE;
        io.cmd = null;
        io.req = rq;
        if (this.need_req_ref()) rq.ref = 1;
        return UBLK_IO_RES_OK;
      }
      default:
        return -22;
    }
  }

  /** ublk_fetch() (6.18): -EBUSY once the whole device is ready, -EINVAL for a tag already fetched. */
  private fetch(ubq: UblkQueue, io: UblkIo, req: IoReq, cmd: UblksrvIoCmd, task: UblkTask): number {
    if (this.ready) return -16; // ublk_dev_ready(): nr_io_ready == nr_hw_queues * queue_depth
    if (io.flags & UBLK_IO_FLAG_ACTIVE) return -22; // each command is FETCHed at most once
    // 6.18 validates ublk_auto_buf_reg after marking the slot ACTIVE (which then stays ACTIVE on -EINVAL);
    // the model refuses the command before touching the slot.
    const r = this.init_auto_buf_reg(io, cmd);
    if (r) return r;
    if (this.mm === null) return -22; // model: addresses resolve through the mm recorded at mmap, so mmap comes first
    this.fill_io_cmd(io, req, cmd);
    io.task = task;
    ubq.ring = req.ring;
    this.mark_io_ready(ubq, task);
    return EIOCBQUEUED;
  }

  /** ublk_register_io_buf() (6.18): zero copy only; a started request with data; its pages into the ring's table. */
  register_io_buf(req: IoReq, ubq: UblkQueue, cmd: UblksrvIoCmd, ctx: Ctx): number {
    if (!this.support_zero_copy()) return -22;
    ctx.t += this.costs.t_reg_bvec;
    const rq = this.check_and_get_req(ubq, cmd.tag, 0);
    if (!rq) return -22;
    const gen = rq.gen;
    const ret = req.ring.register_bvec(cmd.addr, rq.data!, () => this.io_release(ubq, rq, gen));
    if (ret) {
      this.put_req_ref(ubq, rq, ctx);
      return ret;
    }
    return 0;
  }

  /** ublk_unregister_io_buf() (6.18): zero copy only, then io_buffer_unregister_bvec(addr) on this ring. */
  unregister_io_buf(req: IoReq, cmd: UblksrvIoCmd, ctx: Ctx): number {
    if (!this.support_zero_copy()) return -22;
    ctx.t += this.costs.t_reg_bvec;
    return req.ring.unregister_bvec(cmd.addr);
  }

  /** ublk_check_fetch_buf(). */
  private check_fetch_buf(cmd: UblksrvIoCmd): number {
    if (this.need_map_io()) {
      if (!cmd.addr && !this.need_get_data()) return -22;
    } else if (cmd.addr) {
      return -22; // user copy / zero copy: addr must be unset (AUTO_BUF_REG's index travels in sqe->addr)
    }
    return 0;
  }

  /** ublk_check_commmit_and_fetch(). */
  private check_commit_and_fetch(rq: Request, cmd: UblksrvIoCmd): number {
    if (this.need_map_io()) {
      if (!cmd.addr && (!this.need_get_data() || rq.op === REQ_OP_READ)) return -22;
    } else if (rq.op !== REQ_OP_ZONE_APPEND && cmd.addr) {
      return -22; // user copy / zero copy: addr unset, except as a zone append's zone_append_lba
    }
    return 0;
  }

  /** ublk_init_auto_buf_reg() + ublk_check_auto_buf_reg(). */
  private init_auto_buf_reg(io: UblkIo, cmd: UblksrvIoCmd): number {
    if (!this.support_auto_buf_reg()) return 0;
    const flags = cmd.auto_buf_flags ?? 0;
    if (flags & ~UBLK_AUTO_BUF_REG_FALLBACK) return -22;
    io.buf_index = cmd.auto_buf_index ?? 0;
    io.buf_flags = flags;
    return 0;
  }

  /** ublk_fill_io_cmd(): the slot is ACTIVE again with this command; returns whether to auto-unregister. */
  private fill_io_cmd(io: UblkIo, req: IoReq, cmd: UblksrvIoCmd): boolean {
    io.cmd = req;
    io.flags |= UBLK_IO_FLAG_ACTIVE;
    if (!this.support_auto_buf_reg()) io.addr = cmd.addr;
    io.res = cmd.result;
    io.flags &= ~UBLK_IO_FLAG_OWNED_BY_SRV;
    io.req = null;
    if (io.flags & UBLK_IO_FLAG_AUTO_BUF_REG) {
      io.flags &= ~UBLK_IO_FLAG_AUTO_BUF_REG;
      return true;
    }
    return false;
  }

  /** ublk_mark_io_ready(): START_DEV's completion fires when every tag of every queue is fetched. */
  mark_io_ready(ubq: UblkQueue, task: UblkTask | null): void {
    ubq.nr_io_ready++;
    if (ubq.nr_io_ready === ubq.q_depth) {
      this.nr_queues_ready++;
      if (task && this.drv.daemonPrivileged(task)) this.nr_privileged_daemon++;
    }
    if (this.nr_queues_ready === this.dev_info.nr_hw_queues) {
      for (const q of this.queues) {
        q.canceling = false;
        q.fail_io = false;
        for (const io of q.ios) io.flags &= ~UBLK_IO_FLAG_CANCELED;
      }
      this.ready = true;
    }
  }

  // ---- char device: user copy, and the proposals' page leases --------------------------------------

  private pos_to(pos: number): { q: number; tag: number; off: number } {
    const rel = pos - UBLKSRV_IO_BUF_OFFSET;
    return {
      q: Math.floor(rel / 2 ** UBLK_QID_OFF) & 0xfff,
      tag: Math.floor(rel / 2 ** UBLK_TAG_OFF) & 0xffff,
      off: rel % 2 ** UBLK_IO_BUF_BITS,
    };
  }

  /** ublk_check_and_get_req() for read_iter/write_iter; dir 'dest' = the server reads request data. */
  private ch_get_req(pos: number, dir: 'dest' | 'source'): { rq: Request; ubq: UblkQueue; off: number } | number {
    if (this.dev_info.state === UBLK_S_DEV_DEAD) return -13;
    const { q, tag, off } = this.pos_to(pos);
    if (q >= this.dev_info.nr_hw_queues) return -22;
    if (!this.support_user_copy()) return -13;
    const ubq = this.queues[q]!;
    if (tag >= ubq.q_depth) return -22;
    const rq = this.check_and_get_req(ubq, tag, off);
    if (!rq) return -22;
    // ublk_check_ubuf_dir() (6.18): READ and DRV_IN (a zone report) take data, WRITE and ZONE_APPEND give it
    const ok =
      ((rq.op === REQ_OP_READ || rq.op === REQ_OP_DRV_IN) && dir === 'source') ||
      ((rq.op === REQ_OP_WRITE || rq.op === REQ_OP_ZONE_APPEND) && dir === 'dest');
    if (!ok) {
      this.put_req_ref(ubq, rq, currentCtx() ?? { cpu: null as never, t: this.clock.now });
      return -13;
    }
    return { rq, ubq, off };
  }

  /** ublk_ch_read_iter(): USER_COPY, the server reads a WRITE request's data (kernel copies). */
  ch_read(dst: Uint8Array, dstOff: number, len: number, pos: number, ctx: Ctx): number {
    const g = this.ch_get_req(pos, 'dest');
    if (typeof g === 'number') return g;
    const n = Math.min(len, g.rq.bytes - g.off);
    dst.set(g.rq.data!.subarray(g.off, g.off + n), dstOff);
    this.bus.copy(ctx, n);
    this.stats.copied_bytes += n;
    this.put_req_ref(g.ubq, g.rq, ctx);
    return n;
  }

  /** ublk_ch_write_iter(): USER_COPY, the server fills a READ request's pages (kernel copies). */
  ch_write(src: Uint8Array, srcOff: number, len: number, pos: number, ctx: Ctx): number {
    const g = this.ch_get_req(pos, 'source');
    if (typeof g === 'number') return g;
    const n = Math.min(len, g.rq.bytes - g.off);
    g.rq.data!.set(src.subarray(srcOff, srcOff + n), g.off);
    this.bus.copy(ctx, n);
    this.stats.copied_bytes += n;
    this.put_req_ref(g.ubq, g.rq, ctx);
    return n;
  }

  /** Fused/splice proposals: lend the request pages at a user-copy position (takes a request reference). */
  lease_pages(pos: number): Uint8Array | number {
    if (this.proposal !== 'fused' && this.proposal !== 'splice') return -22;
    const { q, tag, off } = this.pos_to(pos);
    if (q >= this.dev_info.nr_hw_queues) return -22;
    const ubq = this.queues[q]!;
    if (tag >= ubq.q_depth) return -22;
    const rq = this.check_and_get_req(ubq, tag, off);
    if (!rq) return -22;
    return rq.data!.subarray(off);
  }

  lease_end(pos: number, ctx: Ctx): void {
    const { q, tag } = this.pos_to(pos);
    const ubq = this.queues[q];
    const rq = ubq ? this.tagset.tag_to_rq(q, tag) : null;
    if (ubq && rq) this.put_req_ref(ubq, rq, ctx);
  }

  // ---- teardown ------------------------------------------------------------------------------------

  /** ublk_cancel_dev(): every ACTIVE FETCH whose tag has no started request completes with ABORT (-ENODEV). */
  cancel_dev(): void {
    if (this.batch_ops) {
      for (const ubq of this.queues) this.batch_ops.cancel_queue(this, ubq);
      return;
    }
    for (const ubq of this.queues) {
      for (let tag = 0; tag < ubq.q_depth; tag++) {
        const io = ubq.ios[tag]!;
        if (!(io.flags & UBLK_IO_FLAG_ACTIVE) || io.flags & UBLK_IO_FLAG_CANCELED) continue;
        const rq = this.tagset.tag_to_rq(ubq.q_id, tag);
        if (rq && rq.started) continue;
        io.flags |= UBLK_IO_FLAG_CANCELED;
        const cmd = io.cmd!;
        cmd.ring.cmd_done(cmd, UBLK_IO_RES_ABORT, null, true); // io->cmd stays set (a later dispatch sees it)
      }
    }
  }

  /** ublk_ch_open() (6.18): one server process at a time (-EBUSY); it becomes ub->ublksrv_tgid. */
  ch_open(tgid: number): void {
    if (this.open)
      throw new KernelError(
        'EBUSY',
        `open /dev/ublkc${this.dev_info.dev_id}: another ublk server (pid ${this.ublksrv_tgid}) holds it open`,
      );
    this.open = true;
    this.ublksrv_tgid = tgid;
  }

  /**
   * ublk_ch_release_work_fn() (6.18), once the server process is gone. Only while the disk exists: every
   * request the server owned is requeued (USER_RECOVERY_REISSUE) or failed with -EIO (__ublk_fail_req), the
   * queues are canceling, and the device is stopped (no USER_RECOVERY; force_abort set first), QUIESCED (new
   * I/O requeued, every UBLK_REQUEUE_DELAY_MS in this model) or FAIL_IO (new I/O fails with BLK_STS_TARGET),
   * whatever its state was (a server that dies during a recovery leaves it so again). Then
   * ublk_reset_ch_dev(): every slot emptied, the mm and the server's tgid forgotten, UB_STATE_OPEN cleared.
   */
  ch_release(t: number, cpu: Cpu): void {
    const f = this.flags;
    // Requests the server owned exist only while a disk does (in the model, STOP_DEV's del_gendisk() may still
    // be waiting for them: the disk is detached after they end)
    const reissue = (f & UBLK_F.UBLK_F_USER_RECOVERY) !== 0 && (f & UBLK_F.UBLK_F_USER_RECOVERY_REISSUE) !== 0;
    for (const ubq of this.queues) {
      ubq.canceling = true;
      for (const io of ubq.ios) {
        if (io.flags & UBLK_IO_FLAG_OWNED_BY_SRV && io.req && io.req.inUse) {
          const rq = io.req;
          if (reissue) {
            this.tagset.requeue_request(rq, UBLK_REQUEUE_DELAY_MS, cpu);
          } else {
            io.res = -5;
            rq.ref = 1;
            this.complete_rq(ubq, rq, { cpu, t });
          }
        }
      }
    }
    if (this.batch_ops) for (const ubq of this.queues) this.batch_ops.abort_queue(this, ubq, t, cpu);
    if (this.tagset.alive) {
      if (!(f & UBLK_F.UBLK_F_USER_RECOVERY)) {
        for (const q of this.queues) q.force_abort = true;
        this.drv.ublk_ctrl_stop_dev(this);
      } else if (!(f & UBLK_F.UBLK_F_USER_RECOVERY_FAIL_IO)) {
        this.dev_info.state = UBLK_S_DEV_QUIESCED;
      } else {
        this.dev_info.state = UBLK_S_DEV_FAIL_IO;
        for (const q of this.queues) q.fail_io = true;
      }
    }
    for (const ubq of this.queues) {
      ubq.nr_io_ready = 0;
      ubq.ring = null;
      // ublk_queue_reinit() (6.18) leaves force_abort and canceling as they are
      for (const io of ubq.ios) {
        io.flags &= UBLK_IO_FLAG_CANCELED;
        io.cmd = null;
        io.req = null;
        io.addr = 0;
        io.task = null;
        io.umap = null;
      }
    }
    this.nr_queues_ready = 0;
    this.nr_privileged_daemon = 0;
    this.ready = false;
    this.mm = null;
    this.drv.live_tgids.delete(this.ublksrv_tgid); // the process has exited
    this.ublksrv_tgid = -1;
    this.open = false;
  }
}

/** /dev/ublkcN as an io_uring target file. */
export class UblkCharDev implements SimFile {
  readonly name: string;
  constructor(readonly ub: UblkDevice) {
    this.name = `/dev/ublkc${ub.dev_info.dev_id}`;
  }
  uring_cmd(req: IoReq, ctx: Ctx): number {
    // a BATCH_IO device's cdev has ublk_ch_batch_io_fops: no per-I/O daemon task
    if (this.ub.batch_ops) return this.ub.batch_ops.uring_cmd(this.ub, req, ctx);
    const task = (req.ring.task as unknown as { ublkTask?: UblkTask } | null)?.ublkTask;
    if (!task) return -22;
    return this.ub.ch_uring_cmd(req, ctx, task);
  }
  read(_req: IoReq, dst: Uint8Array, dstOff: number, len: number, pos: number, ctx: Ctx): number {
    return this.ub.ch_read(dst, dstOff, len, pos, ctx);
  }
  write(_req: IoReq, src: Uint8Array, srcOff: number, len: number, pos: number, ctx: Ctx): number {
    return this.ub.ch_write(src, srcOff, len, pos, ctx);
  }
  lease_pages(_req: IoReq, pos: number): Uint8Array | number {
    return this.ub.lease_pages(pos);
  }
  lease_end(_req: IoReq, pos: number, ctx: Ctx): void {
    this.ub.lease_end(pos, ctx);
  }
}

/** The ublk module: /dev/ublk-control, the device idr and the control commands. */
export class UblkDriver {
  readonly devices = new Map<number, UblkDevice>();
  /** CONFIG_BLK_DEV_ZONED (Debian and Fedora build it; a boot option can turn it off). */
  config_blk_dev_zoned = true;
  unprivileged_ublks_added = 0;
  readonly unprivileged_ublks_max = 64;
  /** Server processes alive (the model's process table: tgids handed out by alloc_tgid()). */
  readonly live_tgids = new Set<number>();
  private next_tgid = 4242;
  /** A new ublk server process: its tgid (deterministic, never reused). */
  alloc_tgid(): number {
    const t = this.next_tgid++;
    this.live_tgids.add(t);
    return t;
  }
  /** UBLK_F_BATCH_IO support (ublk_batch.ts installs it; without it ADD_DEV clears the flag as 6.18 does). */
  batch_ops: UblkBatchOps | null = null;
  /** UBLK_F_SHMEM_ZC support (ublk_shmem.ts installs it; without it ADD_DEV clears the flag as 6.18 does). */
  shmem_ops: UblkShmemOps | null = null;
  /** Tasks created by privileged servers (capable(CAP_SYS_ADMIN) at FETCH). */
  private readonly privilegedTasks = new WeakSet<UblkTask>();

  constructor(
    readonly clock: EventClock,
    readonly costs: CostModel,
    readonly bus: MemBus,
    readonly nr_cpu_ids: number,
  ) {}

  markPrivileged(task: UblkTask): void {
    this.privilegedTasks.add(task);
  }
  daemonPrivileged(task: UblkTask): boolean {
    return this.privilegedTasks.has(task);
  }

  private fail(errno: Errno, msg: string): never {
    throw new KernelError(errno, msg);
  }

  /** UBLK_U_CMD_ADD_DEV: ublk_ctrl_add_dev() with its validation order. Returns the negotiated device. */
  ublk_ctrl_add_dev(info: UblksrvCtrlDevInfo, cred: Cred, proposal: Proposal | null): UblkDevice {
    if (
      info.queue_depth > UBLK_MAX_QUEUE_DEPTH ||
      !info.queue_depth ||
      info.nr_hw_queues > UBLK_MAX_NR_QUEUES ||
      !info.nr_hw_queues
    ) {
      this.fail(
        'EINVAL',
        `ADD_DEV: queue_depth must be 1..${UBLK_MAX_QUEUE_DEPTH} and nr_hw_queues 1..${UBLK_MAX_NR_QUEUES} (got ${info.queue_depth}, ${info.nr_hw_queues})`,
      );
    }
    let flags = info.flags >>> 0;
    if (cred.privileged) flags &= ~UBLK_F.UBLK_F_UNPRIVILEGED_DEV;
    else if (!(flags & UBLK_F.UBLK_F_UNPRIVILEGED_DEV))
      this.fail('EPERM', 'ADD_DEV: not CAP_SYS_ADMIN and UBLK_F_UNPRIVILEGED_DEV not set');
    const rec = flags & UBLK_F_ALL_RECOVERY_FLAGS;
    const okRec = [
      0,
      UBLK_F.UBLK_F_USER_RECOVERY,
      UBLK_F.UBLK_F_USER_RECOVERY | UBLK_F.UBLK_F_USER_RECOVERY_REISSUE,
      UBLK_F.UBLK_F_USER_RECOVERY | UBLK_F.UBLK_F_USER_RECOVERY_FAIL_IO,
    ];
    if (!okRec.includes(rec)) this.fail('EINVAL', `ADD_DEV: invalid recovery flags ${rec.toString(16)}`);
    if (flags & UBLK_F.UBLK_F_QUIESCE && !(flags & UBLK_F.UBLK_F_USER_RECOVERY))
      this.fail('EINVAL', 'UBLK_F_QUIESCE requires UBLK_F_USER_RECOVERY');
    if (flags & UBLK_F.UBLK_F_UNPRIVILEGED_DEV) {
      flags &= ~(UBLK_F.UBLK_F_USER_RECOVERY_REISSUE | UBLK_F.UBLK_F_USER_RECOVERY);
      if (flags & (UBLK_F.UBLK_F_USER_COPY | UBLK_F.UBLK_F_SUPPORT_ZERO_COPY | UBLK_F.UBLK_F_AUTO_BUF_REG)) {
        this.fail(
          'EINVAL',
          'ADD_DEV: an unprivileged device cannot use USER_COPY, SUPPORT_ZERO_COPY or AUTO_BUF_REG (the server could leak kernel memory)',
        );
      }
      if (proposal) this.fail('EPERM', `ADD_DEV: the '${proposal}' data path needs a privileged server`);
    }
    if (info.dev_id !== -1 && (info.dev_id < 0 || info.dev_id >= 1 << 20))
      this.fail('EINVAL', `ADD_DEV: dev id ${info.dev_id} is too large`);
    if (flags & UBLK_F.UBLK_F_UNPRIVILEGED_DEV && this.unprivileged_ublks_added >= this.unprivileged_ublks_max) {
      this.fail('EACCES', 'ADD_DEV: too many unprivileged devices');
    }
    let id = info.dev_id;
    if (id >= 0) {
      if (this.devices.has(id)) this.fail('EEXIST', `ADD_DEV: device ${id} exists`);
    } else {
      id = 0;
      while (this.devices.has(id)) id++;
    }
    // UBLK_F_BATCH_IO is after 6.18 (mainline's UBLK_F_ALL has it): accepted when the batch side is installed
    flags &= UBLK_F_ALL | (this.batch_ops ? UBLK_F.UBLK_F_BATCH_IO : 0) | (this.shmem_ops ? UBLK_F.UBLK_F_SHMEM_ZC : 0);
    // ublk_ctrl_add_dev() (6.18) always sets these four: ioctl encoding, task-work completion, per-I/O daemons
    // and buffer registration from any task.
    flags |=
      UBLK_F.UBLK_F_CMD_IOCTL_ENCODE |
      UBLK_F.UBLK_F_URING_CMD_COMP_IN_TASK |
      UBLK_F.UBLK_F_PER_IO_DAEMON |
      UBLK_F.UBLK_F_BUF_REG_OFF_DAEMON;
    // mainline: PER_IO_DAEMON is not exposed with BATCH_IO (io->task stays NULL), and BATCH_IO has no GET_DATA
    if (flags & UBLK_F.UBLK_F_BATCH_IO) flags &= ~(UBLK_F.UBLK_F_PER_IO_DAEMON | UBLK_F.UBLK_F_NEED_GET_DATA);
    if (flags & (UBLK_F.UBLK_F_USER_COPY | UBLK_F.UBLK_F_SUPPORT_ZERO_COPY | UBLK_F.UBLK_F_AUTO_BUF_REG))
      flags &= ~UBLK_F.UBLK_F_NEED_GET_DATA;
    // ublk_ctrl_add_dev() (6.18): zoned needs CONFIG_BLK_DEV_ZONED and USER_COPY or zero copy (addr carries zone_append_lba)
    if (
      flags & UBLK_F.UBLK_F_ZONED &&
      (!this.config_blk_dev_zoned || !(flags & (UBLK_F.UBLK_F_USER_COPY | UBLK_F.UBLK_F_SUPPORT_ZERO_COPY)))
    ) {
      this.fail(
        'EINVAL',
        this.config_blk_dev_zoned
          ? "ADD_DEV: UBLK_F_ZONED needs UBLK_F_USER_COPY or UBLK_F_SUPPORT_ZERO_COPY (the commit's addr carries zone_append_lba)"
          : 'ADD_DEV: UBLK_F_ZONED needs CONFIG_BLK_DEV_ZONED, which this kernel is built without',
      );
    }
    // Model: batch I/O on a zoned device (UBLK_BATCH_F_HAS_ZONE_LBA commits) is not modelled; mainline accepts it.
    if (flags & UBLK_F.UBLK_F_ZONED && flags & UBLK_F.UBLK_F_BATCH_IO)
      this.fail(
        'EINVAL',
        'ADD_DEV: UBLK_F_ZONED with UBLK_F_BATCH_IO is not modelled (zone append LBAs in batch commits)',
      );
    const dev_info: UblksrvCtrlDevInfo = {
      ...info,
      dev_id: id,
      flags: flags >>> 0,
      nr_hw_queues: Math.min(info.nr_hw_queues, this.nr_cpu_ids),
      max_io_buf_bytes: Math.floor(info.max_io_buf_bytes / 4096) * 4096,
      state: UBLK_S_DEV_DEAD,
      ublksrv_pid: -1,
      owner_uid: cred.uid,
      owner_gid: cred.gid,
    };
    const ub = new UblkDevice(this, dev_info, proposal, this.clock, this.costs, this.bus);
    this.devices.set(id, ub);
    if (flags & UBLK_F.UBLK_F_UNPRIVILEGED_DEV) this.unprivileged_ublks_added++;
    return ub;
  }

  /**
   * UBLK_U_CMD_SET_PARAMS: ublk_ctrl_set_params() (6.18): no types is -EINVAL, a started device -EACCES; the
   * types are masked with UBLK_PARAM_TYPE_ALL and checked by ublk_validate_params(); a failure clears them.
   */
  ublk_ctrl_set_params(ub: UblkDevice, params: UblkParams): void {
    if (!params.types) this.fail('EINVAL', 'SET_PARAMS: no parameter types');
    if (ub.used)
      this.fail('EACCES', 'SET_PARAMS: the device has been started; parameters can only change before START_DEV');
    const stored: UblkParams = { types: params.types & UBLK_PARAM_TYPE_ALL };
    for (const k of ['basic', 'discard', 'zoned', 'dma', 'seg'] as const) {
      const v = params[k];
      if (v) (stored as unknown as Record<string, object>)[k] = { ...v };
    }
    ub.params = stored;
    const r = this.validate_params(ub);
    if (r) {
      ub.params = { types: 0 };
      this.fail(r[0], `SET_PARAMS: ${r[1]}`);
    }
  }

  /** ublk_validate_params() (6.18), every check in the driver's order; null when the parameters are accepted. */
  private validate_params(ub: UblkDevice): [Errno, string] | null {
    const types = ub.params.types;
    const zonedDev = (ub.dev_info.flags & UBLK_F.UBLK_F_ZONED) !== 0;
    // basic is the only type that must be set
    if (!(types & UBLK_PARAM_TYPE_BASIC)) return ['EINVAL', 'basic parameters are required'];
    const b = ub.params.basic ?? zeroBasic();
    if (b.logical_bs_shift > PAGE_SHIFT || b.logical_bs_shift < 9)
      return ['EINVAL', `logical_bs_shift ${b.logical_bs_shift} is not 9..PAGE_SHIFT (${PAGE_SHIFT})`];
    if (b.logical_bs_shift > b.physical_bs_shift) return ['EINVAL', 'logical_bs_shift > physical_bs_shift'];
    if (b.max_sectors > ub.dev_info.max_io_buf_bytes >> 9)
      return [
        'EINVAL',
        `max_sectors ${b.max_sectors} exceeds max_io_buf_bytes >> 9 (${ub.dev_info.max_io_buf_bytes >> 9})`,
      ];
    if (b.max_sectors < PAGE_SIZE >> 9)
      return ['EINVAL', `max_sectors ${b.max_sectors} is below PAGE_SECTORS (${PAGE_SIZE >> 9})`];
    if (zonedDev && !b.chunk_sectors) return ['EINVAL', 'a zoned device needs chunk_sectors (the zone size)'];
    if (types & UBLK_PARAM_TYPE_DISCARD) {
      const d = ub.params.discard ?? {
        discard_alignment: 0,
        discard_granularity: 0,
        max_discard_sectors: 0,
        max_write_zeroes_sectors: 0,
        max_discard_segments: 0,
      };
      if (d.max_discard_sectors && d.max_discard_segments !== 1)
        return ['EINVAL', 'discard: only single-segment discard is supported (max_discard_segments must be 1)'];
      if (!d.discard_granularity) return ['EINVAL', 'discard: discard_granularity must not be 0'];
    }
    if (types & UBLK_PARAM_TYPE_DEVT) return ['EINVAL', 'dev_t is read-only'];
    // ublk_dev_param_zoned_validate()'s answer is returned as is (6.18), so DMA_ALIGN and SEGMENT are never looked
    // at with zoned parameters
    if (types & UBLK_PARAM_TYPE_ZONED) {
      const zp = ub.params.zoned ?? { max_open_zones: 0, max_active_zones: 0, max_zone_append_sectors: 0 };
      return ublk_dev_param_zoned_validate(this.config_blk_dev_zoned, zonedDev, {
        dev_sectors: b.dev_sectors,
        chunk_sectors: b.chunk_sectors,
        ...zp,
      });
    }
    if (zonedDev) return ['EINVAL', 'a zoned device needs zoned parameters'];
    if (types & UBLK_PARAM_TYPE_DMA_ALIGN) {
      const a = ub.params.dma?.alignment ?? 0;
      if (a >= PAGE_SIZE) return ['EINVAL', `dma alignment ${a} must be below PAGE_SIZE`];
      if (!isPowerOf2(a + 1)) return ['EINVAL', `dma alignment ${a} + 1 is not a power of two`];
    }
    if (types & UBLK_PARAM_TYPE_SEGMENT) {
      const g = ub.params.seg ?? { seg_boundary_mask: 0, max_segment_size: 0, max_segments: 0 };
      if (!isPowerOf2(g.seg_boundary_mask + 1))
        return ['EINVAL', `seg_boundary_mask ${g.seg_boundary_mask} + 1 is not a power of two`];
      if (g.seg_boundary_mask + 1 < UBLK_MIN_SEGMENT_SIZE)
        return ['EINVAL', `seg_boundary_mask + 1 is below UBLK_MIN_SEGMENT_SIZE (${UBLK_MIN_SEGMENT_SIZE})`];
      if (g.max_segment_size < UBLK_MIN_SEGMENT_SIZE)
        return [
          'EINVAL',
          `max_segment_size ${g.max_segment_size} is below UBLK_MIN_SEGMENT_SIZE (${UBLK_MIN_SEGMENT_SIZE})`,
        ];
    }
    return null;
  }

  /** UBLK_U_CMD_START_DEV: needs every tag fetched (ub->completion), then adds /dev/ublkbN. */
  ublk_ctrl_start_dev(ub: UblkDevice, ublksrv_pid: number, revalidate?: () => [Errno, string] | null): void {
    if (ublksrv_pid <= 0) this.fail('EINVAL', 'START_DEV: bad ublksrv pid');
    if (!(ub.params.types & UBLK_PARAM_TYPE_BASIC) || !ub.params.basic)
      this.fail('EINVAL', 'START_DEV: SET_PARAMS (basic) has not been sent');
    if (ub.params.types & UBLK_PARAM_TYPE_ZONED && !this.config_blk_dev_zoned)
      this.fail('EOPNOTSUPP', 'START_DEV: zoned parameters on a kernel without CONFIG_BLK_DEV_ZONED');
    if (!ub.ready) {
      const got = ub.queues.map((q) => `${q.nr_io_ready}/${q.q_depth}`).join(', ');
      this.fail(
        'EINTR',
        `START_DEV: interrupted while waiting for a FETCH_REQ on every tag (fetched per queue: ${got})`,
      );
    }
    // ublk_validate_user_pid(): the pid must be the process that opened /dev/ublkcN
    if (ublksrv_pid !== ub.ublksrv_tgid)
      this.fail(
        'EINVAL',
        `START_DEV: pid ${ublksrv_pid} is not the ublk server that opened /dev/ublkc${ub.dev_info.dev_id} (pid ${ub.ublksrv_tgid})`,
      );
    if (ub.dev_info.state === UBLK_S_DEV_LIVE || ub.used) this.fail('EEXIST', 'START_DEV: already started');
    ub.dev_info.ublksrv_pid = ub.ublksrv_tgid;
    ub.tagset.capacity = ub.params.basic!.dev_sectors;
    // ublk_ctrl_start_dev(): queue_limits.max_hw_sectors = basic.max_sectors
    ub.tagset.max_sectors = ub.params.basic!.max_sectors || Infinity;
    // queue_limits: BLK_FEAT_WRITE_CACHE from UBLK_ATTR_VOLATILE_CACHE; the discard parameters' sizes
    ub.tagset.write_cache = (ub.params.basic!.attrs & UBLK_ATTR_VOLATILE_CACHE) !== 0;
    const disc = ub.params.types & UBLK_PARAM_TYPE_DISCARD ? ub.params.discard : undefined;
    ub.tagset.max_discard_sectors = disc?.max_discard_sectors ?? 0;
    ub.tagset.max_write_zeroes_sectors = disc?.max_write_zeroes_sectors ?? 0;
    ub.tagset.alive = true;
    ub.dev_info.state = UBLK_S_DEV_LIVE;
    if (ub.zoned) {
      // lim.features |= BLK_FEAT_ZONED with the zoned limits; ublk_dev_param_zoned_apply(): nr_zones; then
      // ublk_revalidate_disk_zones() reports every zone through the server before add_disk()
      const b = ub.params.basic!;
      const zp = ub.params.zoned!;
      ub.tagset.zoned = {
        chunk_sectors: b.chunk_sectors,
        nr_zones: ublk_get_nr_zones(b.dev_sectors, b.chunk_sectors),
        max_open_zones: zp.max_open_zones,
        max_active_zones: zp.max_active_zones,
        max_zone_append_sectors: Math.min(zp.max_zone_append_sectors, b.chunk_sectors, b.max_sectors),
      };
      const bad = revalidate?.() ?? null;
      if (bad) {
        ub.tagset.alive = false;
        ub.tagset.zoned = null;
        ub.dev_info.state = UBLK_S_DEV_DEAD;
        ub.dev_info.ublksrv_pid = -1;
        this.fail(bad[0], `START_DEV: blk_revalidate_disk_zones(): ${bad[1]}`);
      }
    }
    ub.used = true;
  }

  /** UBLK_U_CMD_STOP_DEV: ublk_stop_dev(): removes the disk, then cancels pending FETCHes with -ENODEV. */
  ublk_ctrl_stop_dev(ub: UblkDevice): void {
    if (ub.dev_info.state !== UBLK_S_DEV_DEAD) {
      // ublk_stop_dev_unlocked() (6.18): ublk_force_abort_dev() where I/O would wait for a server; nothing
      // clears force_abort again, so such a device restarted after STOP_DEV fails its I/O with -EIO
      if (ub.nosrv_should_queue_io()) for (const q of ub.queues) q.force_abort = true;
      ub.tagset.alive = false;
      ub.tagset.fail_waiters(-19, this.clock.now);
      ub.dev_info.state = UBLK_S_DEV_DEAD;
      ub.dev_info.ublksrv_pid = -1;
      ub.used = false; // ublk_free_disk() clears UB_STATE_USED once the disk is gone
    }
    ub.cancel_dev();
  }

  /**
   * UBLK_U_CMD_DEL_DEV / DEL_DEV_ASYNC: ublk_ctrl_del_dev(wait) (6.18) removes /dev/ublkcN; DEL_DEV then waits
   * for the id to be freed, DEL_DEV_ASYNC returns at once. The model holds no other device reference (its
   * server has closed /dev/ublkcN by then), so both free the id before returning.
   */
  ublk_ctrl_del_dev(ub: UblkDevice): void {
    if (ub.deleted) this.fail('ENODEV', `DEL_DEV: device ${ub.dev_info.dev_id} does not exist`);
    this.ublk_ctrl_stop_dev(ub);
    ub.deleted = true;
    ub.shmem_ops?.cleanup(ub); // ublk_buf_cleanup() at the cdev's release
    this.devices.delete(ub.dev_info.dev_id);
    if (ub.dev_info.flags & UBLK_F.UBLK_F_UNPRIVILEGED_DEV) this.unprivileged_ublks_added--;
  }

  /**
   * UBLK_U_CMD_START_USER_RECOVERY: ublk_ctrl_start_recovery() (6.18): -EINVAL without USER_RECOVERY, -EBUSY
   * while a server holds /dev/ublkcN open (UB_STATE_OPEN) or the device is neither QUIESCED nor FAIL_IO. It
   * changes nothing in the driver (the release already reset the queues); the model notes that a recovery is
   * under way, for the tag board.
   */
  ublk_ctrl_start_recovery(ub: UblkDevice): void {
    if (!(ub.dev_info.flags & UBLK_F.UBLK_F_USER_RECOVERY))
      this.fail('EINVAL', 'START_USER_RECOVERY: the device has no UBLK_F_USER_RECOVERY');
    if (ub.open)
      this.fail(
        'EBUSY',
        `START_USER_RECOVERY: a ublk server (pid ${ub.ublksrv_tgid}) still holds /dev/ublkc${ub.dev_info.dev_id} open`,
      );
    if (ub.dev_info.state !== UBLK_S_DEV_QUIESCED && ub.dev_info.state !== UBLK_S_DEV_FAIL_IO) {
      this.fail(
        'EBUSY',
        `START_USER_RECOVERY: the device is ${UBLK_STATE_NAMES[ub.dev_info.state]}, not QUIESCED or FAIL_IO`,
      );
    }
    ub.recovering = true;
  }

  /** UBLK_U_CMD_END_USER_RECOVERY: every tag re-fetched by the new server; LIVE again, requeued I/O flows. */
  ublk_ctrl_end_recovery(ub: UblkDevice, ublksrv_pid: number): void {
    if (!ub.ready) this.fail('EINTR', 'END_USER_RECOVERY: interrupted while waiting for a FETCH_REQ on every tag');
    // ublk_ctrl_end_recovery() (6.18): ublk_validate_user_pid(), then ublk_nosrv_should_stop_dev(), then the state
    if (ublksrv_pid !== ub.ublksrv_tgid)
      this.fail(
        'EINVAL',
        `END_USER_RECOVERY: pid ${ublksrv_pid} is not the ublk server that opened /dev/ublkc${ub.dev_info.dev_id} (pid ${ub.ublksrv_tgid})`,
      );
    if (!(ub.dev_info.flags & UBLK_F.UBLK_F_USER_RECOVERY))
      this.fail('EINVAL', 'END_USER_RECOVERY: the device has no UBLK_F_USER_RECOVERY');
    if (ub.dev_info.state !== UBLK_S_DEV_QUIESCED && ub.dev_info.state !== UBLK_S_DEV_FAIL_IO)
      this.fail(
        'EBUSY',
        `END_USER_RECOVERY: the device is ${UBLK_STATE_NAMES[ub.dev_info.state]}, not QUIESCED or FAIL_IO`,
      );
    ub.dev_info.ublksrv_pid = ub.ublksrv_tgid;
    ub.dev_info.state = UBLK_S_DEV_LIVE;
    ub.recovering = false;
    ub.tagset.kick_requeue_list(); // the requests that waited for a server reach the new one now
  }

  /** UBLK_U_CMD_GET_PARAMS: the stored parameters (with the read-only devt part filled in). */
  ublk_ctrl_get_params(
    ub: UblkDevice,
  ): UblkParams & { devt: { char_major: number; char_minor: number; disk_major: number; disk_minor: number } } {
    if (ub.deleted) this.fail('ENODEV', 'GET_PARAMS: no such device');
    const live = ub.dev_info.state !== UBLK_S_DEV_DEAD;
    // model: ublk-char major 240, the disk's dynamic major 259 (blkext), minors = dev id
    return {
      types: ub.params.types | UBLK_PARAM_TYPE_DEVT,
      ...(ub.params.basic ? { basic: { ...ub.params.basic } } : {}),
      ...(ub.params.discard ? { discard: { ...ub.params.discard } } : {}),
      ...(ub.params.zoned ? { zoned: { ...ub.params.zoned } } : {}),
      ...(ub.params.dma ? { dma: { ...ub.params.dma } } : {}),
      ...(ub.params.seg ? { seg: { ...ub.params.seg } } : {}),
      devt: {
        char_major: 240,
        char_minor: ub.dev_info.dev_id,
        disk_major: live ? 259 : 0,
        disk_minor: live ? ub.dev_info.dev_id : 0,
      },
    };
  }

  /** UBLK_U_CMD_GET_QUEUE_AFFINITY: the CPUs blk-mq maps to hw queue q (cpu % nr_hw_queues in this model). */
  ublk_ctrl_get_queue_affinity(ub: UblkDevice, q: number): number[] {
    if (!Number.isInteger(q) || q < 0 || q >= ub.dev_info.nr_hw_queues)
      this.fail('EINVAL', `GET_QUEUE_AFFINITY: queue ${q} out of range`);
    const cpus: number[] = [];
    for (let c = 0; c < this.nr_cpu_ids; c++) if (c % ub.dev_info.nr_hw_queues === q) cpus.push(c);
    return cpus;
  }

  /** UBLK_U_CMD_UPDATE_SIZE: new dev_sectors, set_capacity_and_notify() on the live disk. */
  ublk_ctrl_set_size(ub: UblkDevice, dev_sectors: number): void {
    if (!ub.tagset.alive || !ub.params.basic) this.fail('ENODEV', 'UPDATE_SIZE: the disk does not exist');
    if (!Number.isInteger(dev_sectors) || dev_sectors < 0) this.fail('EINVAL', 'UPDATE_SIZE: bad size');
    ub.params.basic!.dev_sectors = dev_sectors;
    ub.tagset.capacity = dev_sectors;
  }

  /** UBLK_U_CMD_GET_FEATURES: ublk_ctrl_get_features() (6.18) answers UBLK_F_ALL, before any device lookup. */
  ublk_ctrl_get_features(): number {
    // plus UBLK_F_BATCH_IO (after 6.18) when the batch side is installed: what ADD_DEV will keep
    return (
      (UBLK_F_ALL | (this.batch_ops ? UBLK_F.UBLK_F_BATCH_IO : 0) | (this.shmem_ops ? UBLK_F.UBLK_F_SHMEM_ZC : 0)) >>> 0
    );
  }

  /**
   * UBLK_U_CMD_QUIESCE_DEV: ublk_ctrl_quiesce_dev() (6.18). -EOPNOTSUPP without UBLK_F_QUIESCE, -ENODEV
   * without a disk; 0 at once unless LIVE. Otherwise every queue is marked canceling and the driver polls
   * every UBLK_REQUEUE_DELAY_MS (`sleep`) until each queue has an idle I/O (fewer than q_depth requests
   * allocated but not started, ublk_wait_for_idle_io), for timeout_ms (0: forever) or -EBUSY; then
   * ublk_cancel_dev() completes every idle FETCH with UBLK_IO_RES_ABORT, so the server exits and the
   * release of /dev/ublkcN leaves the device QUIESCED (or FAIL_IO).
   */
  ublk_ctrl_quiesce_dev(ub: UblkDevice, timeout_ms: number, sleep: (ms: number) => boolean): void {
    if (!(ub.dev_info.flags & UBLK_F.UBLK_F_QUIESCE))
      this.fail('EOPNOTSUPP', 'QUIESCE_DEV: the device has no UBLK_F_QUIESCE');
    if (!Number.isInteger(timeout_ms) || timeout_ms < 0)
      this.fail('EINVAL', `QUIESCE_DEV: bad timeout_ms ${timeout_ms}`);
    if (!ub.tagset.alive || ub.dev_info.state === UBLK_S_DEV_DEAD)
      this.fail('ENODEV', 'QUIESCE_DEV: the disk does not exist');
    if (ub.dev_info.state !== UBLK_S_DEV_LIVE) return; // already quiesced or failing I/O
    for (const q of ub.queues) q.canceling = true;
    const limit = timeout_ms || 0xffffffff;
    let elapsed = 0;
    // mainline: with UBLK_F_BATCH_IO (after 6.18) ublk_wait_for_idle_io() returns 0 at once, a fetch command
    // (armed or the next one) can always tell the server
    while (elapsed < limit && !ub.batch_ops) {
      if (ub.queues.every((q) => this.queue_has_idle_io(ub, q))) break;
      // model: a wait that nothing can end (no event left in virtual time) is ended as a signal would end it
      if (!sleep(UBLK_REQUEUE_DELAY_MS)) this.fail('EINTR', 'QUIESCE_DEV: interrupted (no queue can become idle)');
      elapsed += UBLK_REQUEUE_DELAY_MS;
    }
    if (elapsed >= limit)
      this.fail('EBUSY', `QUIESCE_DEV: a queue had no idle I/O within ${timeout_ms} ms (the device stays canceling)`);
    ub.cancel_dev();
  }

  /** ubq_has_idle_io() (6.18): fewer than q_depth of the queue's requests are allocated but not started. */
  private queue_has_idle_io(ub: UblkDevice, q: UblkQueue): boolean {
    let busy = 0;
    for (const rq of ub.tagset.rqs[q.q_id]!) if (rq.inUse && !rq.started) busy++;
    return busy < q.q_depth;
  }

  /**
   * UBLK_U_CMD_TRY_STOP_DEV (opcode 0x17, with UBLK_F_SAFE_STOP_DEV) is after 6.18: the 6.18
   * ublk_ctrl_uring_cmd() has no case for it and answers -EOPNOTSUPP.
   */
  ublk_ctrl_try_stop_dev(ub: UblkDevice): never {
    if (ub.deleted) this.fail('ENODEV', 'TRY_STOP_DEV: no such device');
    // ublk_ctrl_uring_cmd_permission() (6.18) runs first: for an unprivileged device its opcode switch has no
    // case for 0x17 and answers -EINVAL before the command switch's -EOPNOTSUPP
    if (ub.dev_info.flags & UBLK_F.UBLK_F_UNPRIVILEGED_DEV)
      this.fail(
        'EINVAL',
        'TRY_STOP_DEV: not a command ublk_ctrl_uring_cmd_permission() knows for an unprivileged device (Linux 6.18)',
      );
    return this.fail(
      'EOPNOTSUPP',
      'TRY_STOP_DEV: unknown control command in Linux 6.18 (added later with UBLK_F_SAFE_STOP_DEV)',
    );
  }

  /**
   * UBLK_U_CMD_GET_DEV_INFO / GET_DEV_INFO2: ublk_ctrl_get_dev_info() (6.18) looks the recorded ublksrv_pid up
   * and answers -1 when that process no longer exists (a crashed server's pid is not shown).
   */
  ublk_ctrl_get_dev_info(ub: UblkDevice): UblksrvCtrlDevInfo {
    if (ub.deleted) this.fail('ENODEV', `GET_DEV_INFO: device ${ub.dev_info.dev_id} does not exist`);
    const pid = ub.dev_info.ublksrv_pid;
    return { ...ub.dev_info, ublksrv_pid: pid > 0 && this.live_tgids.has(pid) ? pid : -1 };
  }
}

export { NEG as NEG_ERRNO };
