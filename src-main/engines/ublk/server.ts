/**
 * The ublk server (ublksrv/kublk): one thread per queue, each with its own io_uring shared by the ublk
 * commands and the backend I/O, the descriptor area mmap'ed read-only, and the SQE sequence of each data
 * path (brief §2): copy, NEED_GET_DATA, USER_COPY, SUPPORT_ZERO_COPY, AUTO_BUF_REG and the 2023 proposals.
 */
import type { EventClock } from './clock';
import type { CostModel } from './costs';
import { beginBurst as beginBurst_, endBurst as endBurst_ } from './cpu';
import type { Cpu, Ctx } from './cpu';
import {
  IORING_NOP_FIXED_BUFFER as IORING_NOP_FIXED_BUFFER_,
  IORING_NOP_INJECT_RESULT as IORING_NOP_INJECT_RESULT_,
  IORING_OP_FUSED_CMD as IORING_OP_FUSED_CMD_,
  IORING_OP_NOP as IORING_OP_NOP_,
  IORING_OP_READ as IORING_OP_READ_,
  IORING_OP_READ_FIXED as IORING_OP_READ_FIXED_,
  IORING_OP_READV as IORING_OP_READV_,
  IORING_OP_READV_FIXED as IORING_OP_READV_FIXED_,
  IORING_OP_WRITEV as IORING_OP_WRITEV_,
  IORING_OP_WRITEV_FIXED as IORING_OP_WRITEV_FIXED_,
  IORING_OP_TIMEOUT as IORING_OP_TIMEOUT_,
  IORING_OP_SPLICE as IORING_OP_SPLICE_,
  IORING_OP_URING_CMD as IORING_OP_URING_CMD_,
  IORING_OP_WRITE as IORING_OP_WRITE_,
  IORING_OP_WRITE_FIXED as IORING_OP_WRITE_FIXED_,
  IORING_SETUP_SQE128 as IORING_SETUP_SQE128_,
  IOSQE_CQE_SKIP_SUCCESS as IOSQE_CQE_SKIP_SUCCESS_,
  IOSQE_FIXED_FILE as IOSQE_FIXED_FILE_,
  IOSQE_IO_HARDLINK as IOSQE_IO_HARDLINK_,
  IOSQE_IO_LINK as IOSQE_IO_LINK_,
  IORING_CQE_F_MORE as IORING_CQE_F_MORE_,
  IoUring,
  SPLICE_F_READ_TO_READ as SPLICE_F_READ_TO_READ_,
  newSqe as newSqe_,
} from './io_uring';
import type { RingTask, Sqe } from './io_uring';
import type { BackendOp, ScriptIo, Target } from './targets';
import {
  UBLK_AUTO_BUF_REG_FALLBACK as UBLK_AUTO_BUF_REG_FALLBACK_,
  UBLK_IO_COMMIT_AND_FETCH_REQ as UBLK_IO_COMMIT_AND_FETCH_REQ_,
  UBLK_IO_FETCH_REQ as UBLK_IO_FETCH_REQ_,
  UBLK_IO_F_NEED_REG_BUF as UBLK_IO_F_NEED_REG_BUF_,
  UBLK_IO_NEED_GET_DATA as UBLK_IO_NEED_GET_DATA_,
  UBLK_IO_OP_FLUSH as UBLK_IO_OP_FLUSH_,
  UBLK_IO_OP_READ as UBLK_IO_OP_READ_,
  UBLK_IO_OP_WRITE as UBLK_IO_OP_WRITE_,
  UBLK_IO_REGISTER_IO_BUF as UBLK_IO_REGISTER_IO_BUF_,
  UBLK_IO_RES_ABORT as UBLK_IO_RES_ABORT_,
  UBLK_IO_RES_NEED_GET_DATA as UBLK_IO_RES_NEED_GET_DATA_,
  UBLK_IO_UNREGISTER_IO_BUF as UBLK_IO_UNREGISTER_IO_BUF_,
  ublk_read_iod_into as ublk_read_iod_into_,
  ublk_user_copy_pos as ublk_user_copy_pos_,
} from './ublk_cmd';
import {
  UBLK_F,
  UBLK_IO_F_SHMEM_ZC as UBLK_IO_F_SHMEM_ZC_,
  UBLK_IO_OP_DISCARD,
  UBLK_IO_OP_REPORT_ZONES,
  UBLK_IO_OP_WRITE_ZEROES,
  UBLK_IO_OP_ZONE_APPEND,
  UBLK_IO_OP_ZONE_CLOSE,
  UBLK_IO_OP_ZONE_FINISH,
  UBLK_IO_OP_ZONE_OPEN,
  UBLK_IO_OP_ZONE_RESET,
  UBLK_IO_OP_ZONE_RESET_ALL,
  ublkIoFlagNames,
} from './ublk_cmd';
import { BLK_ZONE_SIZE } from './zoned';

const ZONE_MGMT_NAMES: Record<number, ScriptIo['op']> = {
  [UBLK_IO_OP_ZONE_OPEN]: 'zone_open',
  [UBLK_IO_OP_ZONE_CLOSE]: 'zone_close',
  [UBLK_IO_OP_ZONE_FINISH]: 'zone_finish',
  [UBLK_IO_OP_ZONE_RESET]: 'zone_reset',
  [UBLK_IO_OP_ZONE_RESET_ALL]: 'zone_reset_all',
};
import type { UblksrvIoDesc } from './ublk_cmd';
import type { UblkDevice, UblkTask, UblksrvIoCmd } from './ublk_drv';
import { BATCH_NR_FETCH, BatchServerIo, K_COMMIT as K_COMMIT_, K_PREP as K_PREP_ } from './server_batch';
import { ublk_shmem_bufs } from './ublk_shmem';
import { UserMem } from './user_mem';
const beginBurst = beginBurst_;
const endBurst = endBurst_;
const newSqe = newSqe_;
const ublk_read_iod_into = ublk_read_iod_into_;
const ublk_user_copy_pos = ublk_user_copy_pos_;

// Module-local copies of imported constants: hot paths read plain bindings, not module getters.
const IORING_NOP_FIXED_BUFFER = IORING_NOP_FIXED_BUFFER_;
const IORING_NOP_INJECT_RESULT = IORING_NOP_INJECT_RESULT_;
const IORING_OP_FUSED_CMD = IORING_OP_FUSED_CMD_;
const IORING_OP_NOP = IORING_OP_NOP_;
const IORING_OP_READ = IORING_OP_READ_;
const IORING_OP_READ_FIXED = IORING_OP_READ_FIXED_;
const IORING_OP_READV = IORING_OP_READV_;
const IORING_OP_READV_FIXED = IORING_OP_READV_FIXED_;
const IORING_OP_WRITEV = IORING_OP_WRITEV_;
const IORING_OP_WRITEV_FIXED = IORING_OP_WRITEV_FIXED_;
const IORING_OP_TIMEOUT = IORING_OP_TIMEOUT_;
const IORING_OP_SPLICE = IORING_OP_SPLICE_;
const IORING_OP_URING_CMD = IORING_OP_URING_CMD_;
const IORING_OP_WRITE = IORING_OP_WRITE_;
const IORING_OP_WRITE_FIXED = IORING_OP_WRITE_FIXED_;
const IORING_SETUP_SQE128 = IORING_SETUP_SQE128_;
const IOSQE_CQE_SKIP_SUCCESS = IOSQE_CQE_SKIP_SUCCESS_;
const IOSQE_FIXED_FILE = IOSQE_FIXED_FILE_;
const IOSQE_IO_HARDLINK = IOSQE_IO_HARDLINK_;
const IOSQE_IO_LINK = IOSQE_IO_LINK_;
const SPLICE_F_READ_TO_READ = SPLICE_F_READ_TO_READ_;
const UBLK_AUTO_BUF_REG_FALLBACK = UBLK_AUTO_BUF_REG_FALLBACK_;
const UBLK_IO_COMMIT_AND_FETCH_REQ = UBLK_IO_COMMIT_AND_FETCH_REQ_;
const UBLK_IO_FETCH_REQ = UBLK_IO_FETCH_REQ_;
const UBLK_IO_F_NEED_REG_BUF = UBLK_IO_F_NEED_REG_BUF_;
const UBLK_IO_NEED_GET_DATA = UBLK_IO_NEED_GET_DATA_;
const UBLK_IO_OP_FLUSH = UBLK_IO_OP_FLUSH_;
const UBLK_IO_OP_READ = UBLK_IO_OP_READ_;
const UBLK_IO_OP_WRITE = UBLK_IO_OP_WRITE_;
const UBLK_IO_REGISTER_IO_BUF = UBLK_IO_REGISTER_IO_BUF_;
const UBLK_IO_RES_ABORT = UBLK_IO_RES_ABORT_;
const IORING_CQE_F_MORE = IORING_CQE_F_MORE_;
const UBLK_IO_F_SHMEM_ZC = UBLK_IO_F_SHMEM_ZC_;
const K_COMMIT = K_COMMIT_;
const K_PREP = K_PREP_;
const UBLK_IO_RES_NEED_GET_DATA = UBLK_IO_RES_NEED_GET_DATA_;
const UBLK_IO_UNREGISTER_IO_BUF = UBLK_IO_UNREGISTER_IO_BUF_;

/** 'batch': UBLK_F_BATCH_IO (after 6.18) on the copy path; the batch commands also run under user_copy etc. with the flag. */
export type DataPath =
  | 'copy'
  | 'need_get_data'
  | 'user_copy'
  | 'zero_copy'
  | 'auto_buf_reg'
  | 'fused'
  | 'ebpf'
  | 'splice'
  | 'remap'
  | 'batch';
export const DATA_PATHS: readonly DataPath[] = [
  'copy',
  'need_get_data',
  'user_copy',
  'zero_copy',
  'auto_buf_reg',
  'fused',
  'ebpf',
  'splice',
  'remap',
  'batch',
];

/** cqe->user_data kinds (ublksrv packs tag | op << 16 | tgt_data << 24 | is_target_io). */
const K_CMD = 1;
const K_BACKEND = 2;
const K_UCOPY = 3;
const K_UNREG = 4;
const K_REG = 5;

function ud(tag: number, kind: number): number {
  return tag + kind * 65536;
}

interface TagState {
  /** The request's descriptor while the server holds it (null when idle). */
  iod: UblksrvIoDesc | null;
  /** Storage the descriptor is read into. */
  iodBuf: UblksrvIoDesc;
  pending: number;
  /** Bytes of backend CQEs, and of user-copy CQEs on /dev/ublkcN. */
  bytes: number;
  ubytes: number;
  err: number;
  /** USER_COPY READ with a script target: the ublkc write still has to follow. */
  phase: number;
  aborted: boolean;
}

export interface ServerOptions {
  dev: UblkDevice;
  target: Target;
  path: DataPath;
  cpus: Cpu[];
  clock: EventClock;
  costs: CostModel;
  privileged: boolean;
  /** AUTO_BUF_REG: ask for UBLK_AUTO_BUF_REG_FALLBACK. */
  auto_buf_reg_fallback: boolean;
  /** Splice proposal: the SPLICE_F_READ_TO_READ flag is available (READ works only with it). */
  splice_read_to_read: boolean;
  /** Test hook: FETCH only this many tags per queue (START_DEV then cannot complete). */
  fetch_limit?: number | undefined;
  /**
   * Which server runs the target: 'kublk' (tools/testing/selftests/ublk, the default) or 'ublksrv'. They differ
   * on the null target: kublk's registers, NOPs and unregisters the request buffer under SUPPORT_ZERO_COPY and
   * NOPs on the auto-registered buffer under AUTO_BUF_REG (null.c); ublksrv's completes every I/O at once.
   */
  server_impl: 'kublk' | 'ublksrv';
}

/** One queue's server thread (the daemon task of every tag of its queue). */
export class ServerThread implements RingTask {
  readonly ublkTask: UblkTask;
  readonly ring: IoUring;
  state: 'idle' | 'scheduled' | 'running' | 'exited' = 'idle';
  private readonly tags: TagState[] = [];
  /** Server buffer VA per tag (copy-like paths). */
  private readonly bufVa: number[] = [];
  private abortedTags = 0;
  /** An ABORT arrived: the queue stops (kublk's UBLKSRV_QUEUE_STOPPING). */
  private stopping = false;
  private readonly cmds: UblksrvIoCmd[] = [];
  private readonly runFn = (): void => this.run();
  /** UBLK_F_BATCH_IO negotiated: PREP/FETCH/COMMIT_IO_CMDS instead of per-tag FETCH_REQ / COMMIT_AND_FETCH_REQ. */
  private readonly batch: BatchServerIo | null;

  constructor(
    readonly srv: UblkServer,
    readonly q_id: number,
    readonly cpu: Cpu,
  ) {
    const o = srv.opts;
    const depth = o.dev.dev_info.queue_depth;
    this.ublkTask = { name: `ublk-q${q_id}`, exiting: false };
    if (o.privileged) o.dev.drv.markPrivileged(this.ublkTask);
    const entries = Math.min(32768, depth * 4);
    this.ring = new IoUring(entries, o.path === 'fused' ? IORING_SETUP_SQE128 : 0, o.costs, o.clock);
    this.ring.task = this;
    this.ring.register_files([o.dev.chdev, ...o.target.files]);
    if (o.path === 'zero_copy' || o.path === 'auto_buf_reg') this.ring.register_buffers_sparse(depth);
    for (let t = 0; t < depth; t++) {
      this.tags.push({
        iod: null,
        iodBuf: { op_flags: 0, nr_sectors: 0, start_sector: 0, addr: 0 },
        pending: 0,
        bytes: 0,
        ubytes: 0,
        err: 0,
        phase: 0,
        aborted: false,
      });
      this.bufVa.push(srv.copyLike() ? srv.mm.alloc(o.dev.dev_info.max_io_buf_bytes) : 0);
      this.cmds.push({ q_id, tag: t, result: 0, addr: 0 });
    }
    this.batch =
      o.dev.flags & UBLK_F.UBLK_F_BATCH_IO
        ? new BatchServerIo(this.ring, q_id, o.dev, this.bufVa, o.auto_buf_reg_fallback)
        : null;
  }

  /** Queues the initial FETCH_REQ of every tag. */
  queue_fetches(limit?: number): void {
    const depth = this.srv.opts.dev.dev_info.queue_depth;
    const n = Math.min(depth, limit ?? this.srv.opts.fetch_limit ?? depth);
    if (this.batch) {
      this.batch.prep(this.sqe(null), n);
      for (let i = 0; i < BATCH_NR_FETCH; i++) this.batch.fetch(this.sqe(null));
    } else {
      for (let t = 0; t < n; t++) this.queue_cmd(null, UBLK_IO_FETCH_REQ, t, 0);
    }
    this.wake(this.srv.opts.clock.now);
  }

  /** io_uring_submit() now, in a burst of this thread. */
  submit_now(): void {
    const ctx = beginBurst(this.cpu, this.srv.opts.clock.now);
    const start = ctx.t;
    this.ring.enter(ctx);
    this.ring.submit(ctx);
    endBurst(ctx, start);
  }

  wake(at: number): void {
    if (this.state !== 'idle') return;
    this.state = 'scheduled';
    const c = this.srv.opts;
    const t = at >= this.cpu.free ? at + c.costs.t_wakeup : this.cpu.free;
    c.clock.at(t, this.runFn);
  }

  /** One io_uring_enter(submit, wait 1) and the reaping of every CQE after it. */
  private run(): void {
    if (this.state === 'exited') return;
    this.state = 'running';
    const ring = this.ring;
    const ctx = beginBurst(this.cpu, this.srv.opts.clock.now);
    const start = ctx.t;
    if (this.batch && this.batch.pending) this.batch.flush(this.sqe(ctx));
    ring.enter(ctx);
    ring.submit(ctx);
    ring.run_task_work(ctx);
    const t_srv_cqe = this.srv.opts.costs.t_srv_cqe;
    while (ring.next_cqe()) {
      ctx.t += t_srv_cqe;
      this.handle(ring.cqe_user_data, ring.cqe_res, ctx);
      if (this.gone) break;
    }
    if (!this.gone && this.batch && this.batch.pending) this.batch.flush(this.sqe(ctx));
    if (!this.gone && this.stopping && this.busyTags === 0) {
      // kublk's ublk_queue_is_done(): stopping and no target I/O left; the last commits go out first
      if (ring.sq_pending) {
        ring.enter(ctx);
        ring.submit(ctx);
      }
      if (!ring.cq_ready) this.exit();
    }
    endBurst(ctx, start);
    if (this.gone) return;
    if (ring.sq_pending || ring.tw_pending || ring.cq_ready) {
      this.state = 'scheduled';
      this.srv.opts.clock.at(ctx.t, this.runFn);
    } else {
      this.state = 'idle';
    }
  }

  private get gone(): boolean {
    return this.state === 'exited';
  }

  private sqe(ctx: Ctx | null): Sqe {
    let s = this.ring.get_sqe();
    if (!s && ctx) {
      // SQ ring full: io_uring_submit() now.
      this.ring.enter(ctx);
      this.ring.submit(ctx);
      s = this.ring.get_sqe();
    }
    return s ?? newSqe(); // ring closed: the SQE goes nowhere
  }

  private queue_cmd(ctx: Ctx | null, cmd_op: number, tag: number, result: number, zone_append_lba?: number): void {
    const o = this.srv.opts;
    const s = this.sqe(ctx);
    s.opcode = IORING_OP_URING_CMD;
    s.flags = IOSQE_FIXED_FILE;
    s.fd = 0;
    s.cmd_op = cmd_op;
    // One ublksrv_io_cmd per tag is enough: a tag has one FETCH/COMMIT command outstanding at a time.
    const cmd = this.cmds[tag]!;
    cmd.result = result;
    // addr is a union with zone_append_lba (user copy / zero copy only: ublk_check_commit_and_fetch())
    cmd.addr = zone_append_lba ?? (o.dev.need_map_io() ? this.bufVa[tag]! : 0);
    if (o.path === 'auto_buf_reg') {
      cmd.auto_buf_index = tag;
      cmd.auto_buf_flags = o.auto_buf_reg_fallback ? UBLK_AUTO_BUF_REG_FALLBACK : 0;
    }
    s.cmd = cmd;
    s.user_data = ud(tag, K_CMD);
  }

  private handle(user_data: number, res: number, ctx: Ctx): void {
    const tag = user_data & 0xffff;
    const kind = Math.floor(user_data / 65536) & 0xff;
    if (kind >= K_PREP) return this.handle_batch(kind, tag, res, ctx);
    const st = this.tags[tag]!;
    if (kind === K_CMD) {
      if (res === UBLK_IO_RES_ABORT) {
        // kublk: an ABORT marks the queue stopping; it leaves once every tag is aborted, or (after QUIESCE_DEV
        // aborted only the idle tags) once no target I/O is in flight (see run()).
        this.stopping = true;
        if (!st.aborted) {
          st.aborted = true;
          if (++this.abortedTags === this.tags.length) this.exit();
        }
        return;
      }
      if (res < 0) {
        this.srv.cmdErrors.push(`q${this.q_id} tag ${tag}: ublk command failed with ${res}`);
        return;
      }
      if (res === UBLK_IO_RES_NEED_GET_DATA) {
        const s = this.sqe(ctx);
        s.opcode = IORING_OP_URING_CMD;
        s.flags = IOSQE_FIXED_FILE;
        s.fd = 0;
        s.cmd_op = UBLK_IO_NEED_GET_DATA;
        s.cmd = { q_id: this.q_id, tag, result: 0, addr: this.bufVa[tag]! } satisfies UblksrvIoCmd;
        s.user_data = ud(tag, K_CMD);
        return;
      }
      // A request: read its descriptor from the mmap'ed area.
      st.iod = ublk_read_iod_into(this.srv.opts.dev.queues[this.q_id]!.iod, tag, st.iodBuf);
      this.srv.trace('server_cqe', this.q_id, tag, ctx.t);
      this.start_io(tag, st, ctx);
      return;
    }
    if (kind === K_BACKEND && this.srv.opts.target.kind === 'fault_inject') {
      // ublk_fault_inject_tgt_io_done(): -ETIME expected (0 when another CQE ended the count-1 timeout first,
      // which kublk only logs); the I/O completes with nr_sectors << 9 either way
      if (--st.pending === 0) this.commit(tag, st.iod!.nr_sectors * 512, ctx);
      return;
    }
    if (kind === K_REG) {
      // REGISTER_IO_BUF posts a CQE only on failure (CQE_SKIP_SUCCESS); the linked ops come back cancelled.
      if (res < 0) st.err = st.err || res;
      return;
    }
    if (res < 0) st.err = st.err || res;
    else if (kind === K_BACKEND) st.bytes += res;
    else if (kind === K_UCOPY) st.ubytes += res;
    if (kind === K_BACKEND) this.srv.trace('backend', this.q_id, tag, ctx.t);
    if (--st.pending === 0) this.data_done(tag, st, ctx);
  }

  private fetchCtx: Ctx | null = null;
  /** A tag a fetch CQE delivered: read its descriptor and start its target I/O, as for a FETCH_REQ CQE. */
  private readonly onFetchedTag = (tag: number): void => {
    const ctx = this.fetchCtx!;
    const st = this.tags[tag]!;
    ctx.t += this.srv.opts.costs.t_srv_cqe;
    st.iod = ublk_read_iod_into(this.srv.opts.dev.queues[this.q_id]!.iod, tag, st.iodBuf);
    this.srv.trace('server_cqe', this.q_id, tag, ctx.t);
    this.start_io(tag, st, ctx);
  };

  /** CQEs of the batch commands; `n` is the element count the command carried. */
  private handle_batch(kind: number, n: number, res: number, ctx: Ctx): void {
    const b = this.batch!;
    if (kind === K_PREP) {
      if (res < 0) this.srv.cmdErrors.push(`q${this.q_id}: UBLK_U_IO_PREP_IO_CMDS failed with ${res}`);
      return;
    }
    if (kind === K_COMMIT) {
      if (res !== b.commitBytes(n))
        this.srv.cmdErrors.push(`q${this.q_id}: UBLK_U_IO_COMMIT_IO_CMDS of ${n} answered ${res}`);
      return;
    }
    const flags = this.ring.cqe_flags;
    if (res === UBLK_IO_RES_ABORT) {
      // the device is going away (STOP_DEV / QUIESCE_DEV cancel): stop once the I/O in hand is committed
      this.stopping = true;
      b.armed--;
      return;
    }
    if (res < 0 && res !== -105) this.srv.cmdErrors.push(`q${this.q_id}: UBLK_U_IO_FETCH_IO_CMDS ended with ${res}`);
    this.fetchCtx = ctx;
    b.forTags(res, flags, this.onFetchedTag);
    if (!(flags & IORING_CQE_F_MORE)) {
      // the multishot ended (-ENOBUFS when every provided buffer was in use): arm another one
      b.armed--;
      if (!this.stopping) b.fetch(this.sqe(ctx));
    }
  }

  /** The server's own view of a UBLK_IO_F_SHMEM_ZC request: buffer index (addr bits 32-47) and offset (bits 0-31). */
  private shmemBuf(iod: UblksrvIoDesc, len: number): Uint8Array | null {
    const idx = Math.floor(iod.addr / 2 ** 32) & 0xffff;
    const off = iod.addr % 2 ** 32;
    const b = ublk_shmem_bufs(this.srv.opts.dev).find((x) => x.index === idx);
    const all = b ? this.srv.mm.resolve(b.addr, b.len) : null;
    return all && off + len <= all.length ? all.subarray(off, off + len) : null;
  }

  private op_is_write(iod: UblksrvIoDesc): boolean {
    return (iod.op_flags & 0xff) === UBLK_IO_OP_WRITE;
  }

  /** Starts the target I/O of one request according to the data path. */
  private start_io(tag: number, st: TagState, ctx: Ctx): void {
    const o = this.srv.opts;
    const iod = st.iod!;
    const op = iod.op_flags & 0xff;
    const len = iod.nr_sectors * 512;
    const off = iod.start_sector * 512;
    st.bytes = 0;
    st.ubytes = 0;
    st.err = 0;
    st.pending = 0;
    st.phase = 0;
    if (op === UBLK_IO_OP_FLUSH) return this.commit(tag, 0, ctx);
    if ((op === UBLK_IO_OP_DISCARD || op === UBLK_IO_OP_WRITE_ZEROES) && o.target.handler)
      return this.script_range_io(tag, op, off, len, iod.op_flags);
    if (op >= UBLK_IO_OP_ZONE_OPEN && o.target.handler) return this.zoned_io(tag, st, op, off, len, ctx);
    if (op !== UBLK_IO_OP_READ && op !== UBLK_IO_OP_WRITE) return this.commit(tag, -95, ctx);
    const write = op === UBLK_IO_OP_WRITE;
    if (o.target.kind === 'null') return this.null_io(tag, st, iod, len, ctx);
    if (o.target.kind === 'fault_inject') {
      // ublk_fault_inject_queue_io(): io_uring_prep_timeout(sqe, &ts, 1, 0)
      const s = this.sqe(ctx);
      s.opcode = IORING_OP_TIMEOUT;
      s.flags = 0;
      s.len = 1;
      s.off = 1;
      s.timeout_ns = o.target.fault!.delay_ns;
      s.user_data = ud(tag, K_BACKEND);
      st.pending = 1;
      return;
    }
    if (o.target.handler) return this.script_io(tag, st, write, off, len, ctx);
    let path = o.path;
    if (path === 'ebpf' || path === 'batch') path = 'copy'; // requests the BPF program passed on take the copy path
    // UBLK_IO_F_SHMEM_ZC (after 6.18): the data is in a buffer the server registered; it works on its own mapping
    const shm =
      iod.op_flags & UBLK_IO_F_SHMEM_ZC && (path === 'copy' || path === 'user_copy' || path === 'need_get_data')
        ? this.shmemBuf(iod, len)
        : null;
    if (shm) path = 'copy';
    if (path === 'need_get_data') path = 'copy';
    if (path === 'auto_buf_reg' && iod.op_flags & UBLK_IO_F_NEED_REG_BUF) path = 'zero_copy';
    // kublk's own paths issue the target's vectored ops (stripe: a READV/WRITEV per file); the others one op a piece
    const kublkPath = path === 'copy' || path === 'remap' || path === 'zero_copy' || path === 'auto_buf_reg';
    const ops = kublkPath && o.target.mapv ? o.target.mapv(write, off, len, tag) : o.target.map(write, off, len, tag);
    switch (path) {
      case 'copy':
      case 'remap': {
        const buf = shm ?? this.srv.mm.resolve(path === 'remap' ? iod.addr : this.bufVa[tag]!, len);
        if (!buf) return this.commit(tag, -14, ctx);
        for (const b of ops) this.rw(tag, write, b, buf, 0, ctx);
        st.pending = ops.length;
        return;
      }
      case 'user_copy': {
        const buf = this.srv.mm.resolve(this.bufVa[tag]!, len);
        if (!buf) return this.commit(tag, -14, ctx);
        const pos = ublk_user_copy_pos(this.q_id, tag, 0);
        if (write) {
          // read the request data from /dev/ublkcN, linked to the backend writes
          this.ucopy(tag, false, buf, 0, len, pos, ops.length > 0, ctx);
          ops.forEach((b, i) => this.rw(tag, true, b, buf, i < ops.length - 1 ? IOSQE_IO_LINK : 0, ctx));
          st.pending = 1 + ops.length;
        } else {
          for (const b of ops) {
            this.rw(tag, false, b, buf, IOSQE_IO_LINK, ctx);
            this.ucopy(tag, true, buf, b.buf_off, b.len, pos + b.buf_off, false, ctx);
          }
          st.pending = 2 * ops.length;
        }
        return;
      }
      case 'zero_copy': {
        // kublk hardlinks REGISTER_IO_BUF to the I/O (file_backed.c, stripe.c); ublksrv's loop soft-links it
        const regLink = o.server_impl === 'kublk' ? IOSQE_IO_HARDLINK : IOSQE_IO_LINK;
        this.buf_cmd(tag, UBLK_IO_REGISTER_IO_BUF, regLink | IOSQE_CQE_SKIP_SUCCESS, K_REG, ctx);
        for (const b of ops) this.rw_fixed(tag, write, b, IOSQE_IO_HARDLINK, ctx);
        this.buf_cmd(tag, UBLK_IO_UNREGISTER_IO_BUF, 0, K_UNREG, ctx);
        st.pending = ops.length + 1;
        return;
      }
      case 'auto_buf_reg':
        for (const b of ops) this.rw_fixed(tag, write, b, 0, ctx);
        st.pending = ops.length;
        return;
      case 'fused':
        for (const b of ops) {
          const s = this.sqe(ctx);
          s.opcode = IORING_OP_FUSED_CMD;
          s.flags = IOSQE_FIXED_FILE;
          s.fd = 0;
          s.off = ublk_user_copy_pos(this.q_id, tag, 0);
          const s2 = newSqe();
          s2.opcode = write ? IORING_OP_WRITE : IORING_OP_READ;
          s2.flags = IOSQE_FIXED_FILE;
          s2.fd = b.file;
          s2.off = b.off;
          s2.len = b.len;
          s2.addr_off = b.buf_off;
          s.sqe2 = s2;
          s.user_data = ud(tag, K_BACKEND);
        }
        st.pending = ops.length;
        return;
      case 'splice':
        for (const b of ops) {
          const s = this.sqe(ctx);
          s.opcode = IORING_OP_SPLICE;
          s.flags = IOSQE_FIXED_FILE;
          s.fd = write ? b.file : 0;
          s.splice_fd_in = write ? 0 : b.file;
          s.addr_off = ublk_user_copy_pos(this.q_id, tag, b.buf_off);
          s.off = b.off;
          s.len = b.len;
          s.splice_flags = !write && o.splice_read_to_read ? SPLICE_F_READ_TO_READ : 0;
          s.user_data = ud(tag, K_BACKEND);
        }
        st.pending = ops.length;
        return;
      default:
        return this.commit(tag, -22, ctx);
    }
  }

  /**
   * The null target. kublk (selftests/ublk/null.c, ublk_null_queue_io): with zero copy, REGISTER_IO_BUF
   * (CQE_SKIP_SUCCESS, hardlinked), a NOP that holds the fixed buffer and injects nr_sectors << 9, then
   * UNREGISTER_IO_BUF; with AUTO_BUF_REG (unless the driver asked for NEED_REG_BUF) only the NOP; otherwise it
   * completes at once. ublksrv's null target (targets/ublk.null.cpp) always completes at once.
   */
  private null_io(tag: number, st: TagState, iod: UblksrvIoDesc, len: number, ctx: Ctx): void {
    const o = this.srv.opts;
    const path = o.path;
    const zc = path === 'zero_copy' || (path === 'auto_buf_reg' && (iod.op_flags & UBLK_IO_F_NEED_REG_BUF) !== 0);
    if (o.server_impl !== 'kublk' || (!zc && path !== 'auto_buf_reg')) return this.commit(tag, len, ctx);
    if (zc) this.buf_cmd(tag, UBLK_IO_REGISTER_IO_BUF, IOSQE_IO_HARDLINK | IOSQE_CQE_SKIP_SUCCESS, K_REG, ctx);
    const n = this.sqe(ctx);
    n.opcode = IORING_OP_NOP;
    n.flags = IOSQE_FIXED_FILE | (zc ? IOSQE_IO_HARDLINK : 0);
    n.fd = 0;
    n.nop_flags = IORING_NOP_FIXED_BUFFER | IORING_NOP_INJECT_RESULT;
    n.buf_index = tag;
    n.len = len;
    n.user_data = ud(tag, K_BACKEND);
    st.pending = 1;
    if (zc) {
      this.buf_cmd(tag, UBLK_IO_UNREGISTER_IO_BUF, 0, K_UNREG, ctx);
      st.pending = 2;
    }
  }

  /** A REGISTER_IO_BUF / UNREGISTER_IO_BUF uring_cmd for this tag's request, at buffer index `tag`. */
  private buf_cmd(tag: number, cmd_op: number, flags: number, kind: number, ctx: Ctx): void {
    const s = this.sqe(ctx);
    s.opcode = IORING_OP_URING_CMD;
    s.flags = IOSQE_FIXED_FILE | flags;
    s.fd = 0;
    s.cmd_op = cmd_op;
    s.cmd = { q_id: this.q_id, tag, result: 0, addr: tag } satisfies UblksrvIoCmd;
    s.user_data = ud(tag, kind);
  }

  private rw(tag: number, write: boolean, b: BackendOp, buf: Uint8Array, flags: number, ctx: Ctx): void {
    const s = this.sqe(ctx);
    s.opcode = b.iov ? (write ? IORING_OP_WRITEV : IORING_OP_READV) : write ? IORING_OP_WRITE : IORING_OP_READ;
    s.flags = IOSQE_FIXED_FILE | flags;
    s.fd = b.file;
    s.addr = buf;
    s.addr_off = b.buf_off;
    s.len = b.iov ? b.iov.length / 2 : b.len;
    s.iov = b.iov ?? null;
    s.off = b.off;
    s.user_data = ud(tag, K_BACKEND);
  }

  private rw_fixed(tag: number, write: boolean, b: BackendOp, flags: number, ctx: Ctx): void {
    const s = this.sqe(ctx);
    s.opcode = b.iov
      ? write
        ? IORING_OP_WRITEV_FIXED
        : IORING_OP_READV_FIXED
      : write
        ? IORING_OP_WRITE_FIXED
        : IORING_OP_READ_FIXED;
    s.flags = IOSQE_FIXED_FILE | flags;
    s.fd = b.file;
    s.buf_index = tag;
    s.addr_off = b.buf_off;
    s.len = b.iov ? b.iov.length / 2 : b.len;
    s.iov = b.iov ?? null;
    s.off = b.off;
    s.user_data = ud(tag, K_BACKEND);
  }

  /** USER_COPY: pread/pwrite on /dev/ublkcN at ublk_pos(q, tag, off). toDev = write into the request. */
  private ucopy(
    tag: number,
    toDev: boolean,
    buf: Uint8Array,
    bufOff: number,
    len: number,
    pos: number,
    link: boolean,
    ctx: Ctx,
  ): void {
    const s = this.sqe(ctx);
    s.opcode = toDev ? IORING_OP_WRITE : IORING_OP_READ;
    s.flags = IOSQE_FIXED_FILE | (link ? IOSQE_IO_LINK : 0);
    s.fd = 0;
    s.addr = buf;
    s.addr_off = bufOff;
    s.len = len;
    s.off = pos;
    s.user_data = ud(tag, K_UCOPY);
  }

  /** All CQEs of a request's data stage are in: commit its result. */
  private data_done(tag: number, st: TagState, ctx: Ctx): void {
    const iod = st.iod!;
    const len = iod.nr_sectors * 512;
    if (this.srv.opts.target.handler) {
      const phase = st.phase;
      st.phase = 0;
      if (phase === 3) {
        const call = this.pendingScript.get(tag);
        this.pendingScript.delete(tag);
        if (st.err) return this.commit(tag, st.err, ctx);
        call?.();
        return;
      }
      return this.commit(tag, st.err || st.ubytes, ctx);
    }
    if (st.err) return this.commit(tag, st.err, ctx);
    if (this.op_is_write(iod)) return this.commit(tag, len, ctx); // every backend write succeeded
    if (this.srv.opts.path === 'user_copy') return this.commit(tag, Math.min(len, st.ubytes), ctx);
    this.commit(tag, Math.min(len, st.bytes), ctx);
  }

  /**
   * The zoned ops to a target with handlers (the zoned target, or a script): ZONE_APPEND as a write whose commit
   * carries the written sector in zone_append_lba, REPORT_ZONES as a read of iod->nr_zones struct blk_zone entries
   * (nr_sectors is nr_zones there), the zone management ops as DISCARD is (no data).
   */
  private zoned_io(tag: number, st: TagState, op: number, off: number, len: number, ctx: Ctx): void {
    const nr_zones = st.iod!.nr_sectors;
    if (op === UBLK_IO_OP_ZONE_APPEND) return this.script_io(tag, st, true, off, len, ctx, 'zone_append');
    if (op === UBLK_IO_OP_REPORT_ZONES)
      return this.script_io(tag, st, false, off, nr_zones * BLK_ZONE_SIZE, ctx, 'report_zones', nr_zones);
    const name = ZONE_MGMT_NAMES[op];
    if (!name) return this.commit(tag, -95, ctx);
    return this.script_range_io(tag, op, off, 0, st.iod!.op_flags, name);
  }

  private script_io(
    tag: number,
    st: TagState,
    write: boolean,
    off: number,
    len: number,
    ctx: Ctx,
    zop?: 'zone_append' | 'report_zones',
    nr_zones?: number,
  ): void {
    const o = this.srv.opts;
    const h = o.target.handler!;
    const path = o.path;
    const sees =
      path === 'copy' ||
      path === 'need_get_data' ||
      path === 'user_copy' ||
      path === 'remap' ||
      path === 'ebpf' ||
      path === 'batch';
    const iod = st.iod!;
    const shm = sees && iod.op_flags & UBLK_IO_F_SHMEM_ZC ? this.shmemBuf(iod, len) : null;
    const buf = !sees ? null : (shm ?? this.srv.mm.resolve(path === 'remap' ? iod.addr : this.bufVa[tag]!, len));
    const call = (): void => {
      let finished = false;
      const done = (res: number): void => {
        if (finished) return;
        finished = true;
        this.script_done(tag, st, write, res, buf, len);
      };
      const io: ScriptIo = {
        q_id: this.q_id,
        tag,
        op: zop ?? (write ? 'write' : 'read'),
        offset: off,
        len,
        data: buf,
        flags: ublkIoFlagNames(iod.op_flags),
        done,
      };
      if (nr_zones !== undefined) io.nr_zones = nr_zones;
      const fn = zop ? h[zop] : write ? h.write : h.read;
      if (zop === 'zone_append') {
        // the commit's addr is the zone_append_lba the handler reports (read when it completes)
        io.done = (res: number): void => {
          if (io.zone_append_lba !== undefined && res >= 0) this.zoneLba.set(tag, io.zone_append_lba);
          done(res);
        };
      }
      try {
        const r = fn ? fn.call(h, io) : zop ? -95 : len;
        if (typeof r === 'number') io.done(r);
      } catch (e) {
        this.srv.cmdErrors.push(
          `target handler threw on q${this.q_id} tag ${tag}: ${e instanceof Error ? e.message : String(e)}`,
        );
        done(-5);
      }
    };
    if (path === 'user_copy' && write) {
      // The server has to read the data out of the request first.
      this.ucopy(tag, false, buf!, 0, len, ublk_user_copy_pos(this.q_id, tag, 0), false, ctx);
      st.pending = 1;
      st.phase = 3;
      this.pendingScript.set(tag, call);
      return;
    }
    call();
  }

  private readonly pendingScript = new Map<number, () => void>();

  /** DISCARD / WRITE_ZEROES to a script target: its discard() / write_zeroes() handler, -EOPNOTSUPP without one. */
  private script_range_io(
    tag: number,
    op: number,
    off: number,
    len: number,
    op_flags: number,
    zname?: ScriptIo['op'],
  ): void {
    const o = this.srv.opts;
    const h = o.target.handler!;
    const discard = op === UBLK_IO_OP_DISCARD;
    const fn = zname ? h.zone_mgmt : discard ? h.discard : h.write_zeroes;
    let finished = false;
    const done = (res: number): void => {
      if (finished) return;
      finished = true;
      this.commit(tag, res, null);
      if (this.state === 'idle') this.wake(o.clock.now);
    };
    if (!fn) return done(-95);
    const io: ScriptIo = {
      q_id: this.q_id,
      tag,
      op: zname ?? (discard ? 'discard' : 'write_zeroes'),
      offset: off,
      len,
      data: null,
      flags: ublkIoFlagNames(op_flags),
      done,
    };
    try {
      const r = fn.call(h, io);
      if (typeof r === 'number') done(r);
    } catch (e) {
      this.srv.cmdErrors.push(
        `target handler threw on q${this.q_id} tag ${tag}: ${e instanceof Error ? e.message : String(e)}`,
      );
      done(-5);
    }
  }

  private script_done(
    tag: number,
    st: TagState,
    write: boolean,
    res: number,
    buf: Uint8Array | null,
    len: number,
  ): void {
    const o = this.srv.opts;
    const ctx: Ctx = { cpu: this.cpu, t: Math.max(o.clock.now, this.cpu.free) };
    if (o.path === 'user_copy' && !write && res > 0 && buf) {
      this.ucopy(tag, true, buf, 0, Math.min(res, len), ublk_user_copy_pos(this.q_id, tag, 0), false, ctx);
      st.pending = 1;
      st.phase = 2;
      st.ubytes = 0;
    } else {
      this.commit(tag, res, null);
    }
    if (this.state === 'idle') this.wake(o.clock.now);
  }

  /** COMMIT_AND_FETCH_REQ(result): the request completes, the slot waits for the next one. */
  private commit(tag: number, result: number, ctx: Ctx | null): void {
    this.tags[tag]!.iod = null;
    const lba = this.zoneLba.size ? this.zoneLba.get(tag) : undefined;
    if (lba !== undefined) this.zoneLba.delete(tag);
    if (this.batch) {
      this.batch.commit(tag, result);
      return;
    }
    this.queue_cmd(ctx, UBLK_IO_COMMIT_AND_FETCH_REQ, tag, result, lba);
  }

  /** ZONE_APPEND: the sector a tag's append was written at, until its commit carries it (ublksrv_io_cmd.zone_append_lba). */
  private readonly zoneLba = new Map<number, number>();

  /** The thread got ABORT on every tag: it leaves, its ring is torn down (leftover buffers unregistered). */
  exit(): void {
    if (this.state === 'exited') return;
    this.state = 'exited';
    this.ublkTask.exiting = true;
    const now = this.srv.opts.clock.now;
    this.ring.exit({ cpu: this.cpu, t: Math.max(now, this.cpu.free) });
  }

  /** Tags whose request is held by the server (committed result not sent yet). */
  get busyTags(): number {
    let n = 0;
    for (const s of this.tags) if (s.iod) n++;
    return n;
  }
}

/** The server process: its mm, its threads, the target and the data path. */
export class UblkServer {
  readonly mm = new UserMem();
  readonly threads: ServerThread[] = [];
  readonly cmdErrors: string[] = [];
  private traceFn: ((kind: string, id: number, q: number, tag: number, t: number) => void) | null = null;

  /** The server process's pid (tgid): ublk_ch_open() records it, START_DEV / END_USER_RECOVERY name it. */
  readonly tgid: number;

  constructor(readonly opts: ServerOptions) {
    // open /dev/ublkcN (-EBUSY while another server holds it) and mmap each queue's descriptor area
    // (PROT_READ): the driver records our tgid and our mm.
    const drv = opts.dev.drv;
    this.tgid = drv.alloc_tgid();
    try {
      opts.dev.ch_open(this.tgid);
    } catch (e) {
      drv.live_tgids.delete(this.tgid);
      throw e;
    }
    opts.dev.mm = this.mm;
    for (let q = 0; q < opts.dev.dev_info.nr_hw_queues; q++) {
      this.threads.push(new ServerThread(this, q, opts.cpus[q % opts.cpus.length]!));
    }
  }

  /** Paths where the server has its own per-tag buffer and the driver (or the server) copies. */
  copyLike(): boolean {
    const p = this.opts.path;
    return p === 'copy' || p === 'need_get_data' || p === 'user_copy' || p === 'ebpf' || p === 'remap' || p === 'batch';
  }

  setTrace(fn: ((kind: string, id: number, q: number, tag: number, t: number) => void) | null): void {
    this.traceFn = fn;
  }

  trace(kind: string, q: number, tag: number, t: number): void {
    if (!this.traceFn) return;
    const rq = this.opts.dev.tagset.tag_to_rq(q, tag);
    this.traceFn(kind, rq ? rq.id : -1, q, tag, t);
  }

  /** Every queue thread queues its FETCH_REQs. */
  start(): void {
    if (this.opts.target.fault?.die_during_fetch) {
      // ublk_fault_inject_pre_fetch_io(): before fetching tag 1, io_uring_submit() (tag 0's FETCH reaches the
      // driver) and raise(SIGKILL): the process dies with a proper, nonempty subset of each queue fetched
      for (const th of this.threads) th.queue_fetches(1);
      for (const th of this.threads) th.submit_now();
      this.killed_during_fetch = true;
      this.kill();
      return;
    }
    for (const th of this.threads) th.queue_fetches();
  }

  /** The server SIGKILLed itself while fetching (fault_inject --die_during_fetch). */
  killed_during_fetch = false;

  /** The server process is killed: its rings go away (task exiting), then /dev/ublkcN is released. */
  kill(): void {
    for (const th of this.threads) th.exit();
    this.opts.dev.ch_release(this.opts.clock.now, this.threads[0]!.cpu);
  }

  get exited(): boolean {
    return this.threads.every((t) => t.state === 'exited');
  }

  /** Kernel buffers still registered in the server's rings (must be 0 after teardown). */
  registeredBuffers(): number {
    let n = 0;
    for (const t of this.threads) n += t.ring.registered_bvecs();
    return n;
  }
}
