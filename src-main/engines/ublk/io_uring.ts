/**
 * io_uring model (io_uring/*.c): SQ and CQ rings with their sizes, SQE64/SQE128, IOSQE_IO_LINK and
 * IOSQE_CQE_SKIP_SUCCESS, fixed files, a sparse fixed-buffer table holding refcounted user or kernel
 * (bvec) buffers with a release callback, task_work, and io_uring_enter() submission in batches.
 * Each op costs t_sqe_cqe on the CPU of the task that issues it.
 */
import { KernelError } from '../common/errors';
import type { CostModel } from './costs';
import { clearList as clearList_ } from './cpu';
import type { Ctx } from './cpu';
import type { EventClock } from './clock';

const clearList = clearList_;

export const IORING_OP_NOP = 0;
/** Vectored reads and writes (include/uapi/linux/io_uring.h: IORING_OP_READV 1, WRITEV 2; *_FIXED 60, 61 since 6.15). */
export const IORING_OP_READV = 1;
export const IORING_OP_WRITEV = 2;
export const IORING_OP_READV_FIXED = 60;
export const IORING_OP_WRITEV_FIXED = 61;
/** io_uring/nop.c (6.18) sqe->nop_flags: complete with sqe->len as the result. */
export const IORING_NOP_INJECT_RESULT = 1 << 0;
/** io_uring/nop.c (6.18) sqe->nop_flags: look up (and hold) fixed buffer sqe->buf_index, -EFAULT if empty. */
export const IORING_NOP_FIXED_BUFFER = 1 << 3;
export const IORING_OP_READ_FIXED = 4;
/** io_uring/timeout.c (6.18): sqe->off = completion count (0: pure timer); the timespec is Sqe.timeout_ns here. */
export const IORING_OP_TIMEOUT = 11;
export const IORING_OP_WRITE_FIXED = 5;
export const IORING_OP_READ = 22;
export const IORING_OP_WRITE = 23;
export const IORING_OP_SPLICE = 30;
export const IORING_OP_URING_CMD = 46;
/** Model-only number for the never-merged IORING_OP_FUSED_CMD (2023 fused command proposal). */
export const IORING_OP_FUSED_CMD = 254;

export const IOSQE_FIXED_FILE = 1 << 0;
export const IOSQE_IO_LINK = 1 << 2;
export const IOSQE_IO_HARDLINK = 1 << 3;
/** include/uapi/linux/io_uring.h: take the op's buffer from provided-buffer group sqe->buf_index. */
export const IOSQE_BUFFER_SELECT = 1 << 5;
export const IOSQE_CQE_SKIP_SUCCESS = 1 << 6;

/** sqe->uring_cmd_flags (include/uapi/linux/io_uring.h): IORING_URING_CMD_FIXED 1 << 0, MULTISHOT 1 << 1. */
export const IORING_URING_CMD_FIXED = 1 << 0;
export const IORING_URING_CMD_MULTISHOT = 1 << 1;
/** cqe->flags: a provided buffer was used (its id in the upper 16 bits); more CQEs follow for this request. */
export const IORING_CQE_F_BUFFER = 1 << 0;
export const IORING_CQE_F_MORE = 1 << 1;
export const IORING_CQE_BUFFER_SHIFT = 16;

export const IORING_SETUP_SQE128 = 1 << 10;
export const IORING_SETUP_CQE32 = 1 << 11;
/** IORING_MAX_ENTRIES: io_uring_setup() refuses more SQ entries with -EINVAL. */
export const IORING_MAX_ENTRIES = 32768;

/** Splice proposal flag (2022 RFC): let a ->splice_read() producer feed another reader. */
export const SPLICE_F_READ_TO_READ = 1 << 5;

/** Returned by an op handler that completes later (the kernel's -EIOCBQUEUED). */
export const EIOCBQUEUED = -529;

const E = { EINVAL: -22, EBADF: -9, EFAULT: -14, EBUSY: -16, ECANCELED: -125, EOPNOTSUPP: -95, ETIME: -62 } as const;

/** A submission queue entry (64 bytes, or 128 with IORING_SETUP_SQE128: sqe2 models the second half). */
export interface Sqe {
  opcode: number;
  flags: number;
  fd: number;
  off: number;
  len: number;
  /** sqe->addr pointing into the submitter's user memory (null when unused). */
  addr: Uint8Array | null;
  /** Offset inside `addr`, or inside the fixed buffer for *_FIXED ops. */
  addr_off: number;
  buf_index: number;
  user_data: number;
  /** URING_CMD: cmd_op, and the command payload stored in sqe->cmd. */
  cmd_op: number;
  cmd: unknown;
  splice_fd_in: number;
  splice_flags: number;
  /** IORING_OP_NOP: sqe->nop_flags (IORING_NOP_*). */
  nop_flags: number;
  /** SQE128 second half: the secondary op of a fused command. */
  sqe2: Sqe | null;
  /** IORING_OP_TIMEOUT: the struct __kernel_timespec sqe->addr points to, in ns. */
  timeout_ns: number;
  /**
   * READV/WRITEV (and their _FIXED forms): the iovec array sqe->addr points to, as (offset, length) pairs inside
   * `addr` (or inside the fixed buffer); sqe->len is the number of iovecs. Absent or null for other ops.
   */
  iov?: number[] | null;
  /** URING_CMD: sqe->uring_cmd_flags (IORING_URING_CMD_*). */
  uring_cmd_flags?: number;
}

/** The bytes an iovec array of (offset, length) pairs covers. */
export function iovTotal(iov: readonly number[] | null | undefined): number {
  let n = 0;
  if (iov) for (let i = 1; i < iov.length; i += 2) n += iov[i]!;
  return n;
}

export function newSqe(): Sqe {
  return {
    opcode: IORING_OP_NOP,
    flags: 0,
    fd: -1,
    off: 0,
    len: 0,
    addr: null,
    addr_off: 0,
    buf_index: 0,
    user_data: 0,
    cmd_op: 0,
    cmd: null,
    splice_fd_in: -1,
    splice_flags: 0,
    nop_flags: 0,
    sqe2: null,
    timeout_ns: 0,
    iov: null,
    uring_cmd_flags: 0,
  };
}

/** An SQE slot handed out again: every field as newSqe() makes it (liburing's io_uring_get_sqe() + prep zeroes it). */
function resetSqe(s: Sqe): void {
  s.opcode = IORING_OP_NOP;
  s.flags = 0;
  s.fd = -1;
  s.off = 0;
  s.len = 0;
  s.addr = null;
  s.addr_off = 0;
  s.buf_index = 0;
  s.user_data = 0;
  s.cmd_op = 0;
  s.cmd = null;
  s.splice_fd_in = -1;
  s.splice_flags = 0;
  s.nop_flags = 0;
  s.sqe2 = null;
  s.timeout_ns = 0;
  s.iov = null;
  s.uring_cmd_flags = 0;
}

export interface Cqe {
  user_data: number;
  res: number;
  flags: number;
}

/** A fixed-buffer table node: a registered user buffer or a kernel bvec (a ublk request's pages). */
export interface BufNode {
  data: Uint8Array;
  refs: number;
  kbuf: boolean;
  /** Called when the last reference drops (ublk_io_release for request buffers). */
  release: (() => void) | null;
  /** The ring that registered it (io_uring_cmd_ctx_handle). */
  ring: IoUring;
}

/** struct io_kiocb: one request in flight. */
export interface IoReq {
  sqe: Sqe;
  ring: IoUring;
  link: IoReq | null;
  buf: BufNode | null;
  /** Scratch for the file's uring_cmd (struct io_uring_cmd pdu). */
  pdu: unknown;
  done: boolean;
  /** In its ring's request cache, free for get_sqe() (the ring's own requests only). */
  cached?: boolean;
}

/** What an io_uring op may target: a backing file, the ublk char device, ... */
export interface SimFile {
  readonly name: string;
  read?(req: IoReq, dst: Uint8Array, dstOff: number, len: number, pos: number, ctx: Ctx): number;
  write?(req: IoReq, src: Uint8Array, srcOff: number, len: number, pos: number, ctx: Ctx): number;
  /** readv/writev: one file range [pos, pos + the iovecs' total) against the (offset, length) pairs of `iov` in buf. */
  readv?(req: IoReq, buf: Uint8Array, iov: readonly number[], pos: number, ctx: Ctx): number;
  writev?(req: IoReq, buf: Uint8Array, iov: readonly number[], pos: number, ctx: Ctx): number;
  uring_cmd?(req: IoReq, ctx: Ctx): number;
  /** Splice/fused proposals on the ublk char device: the request pages at a user-copy position. */
  lease_pages?(req: IoReq, pos: number, ctx: Ctx): Uint8Array | number;
  /** Ends a lease taken with lease_pages (drops the request reference). */
  lease_end?(req: IoReq, pos: number, ctx: Ctx): void;
}

/** The task that owns a ring: it is woken when task_work or a CQE arrives. */
export interface RingTask {
  wake(at: number): void;
}

export interface RingStats {
  /** io_uring ops issued (every SQE and fused half counts once). */
  ops: number;
  /** io_uring_enter() calls. */
  enters: number;
  cqes: number;
  cq_overflow: number;
  task_work: number;
}

type TwFn = (ctx: Ctx, arg: never) => void;

export class IoUring {
  readonly sq_entries: number;
  readonly cq_entries: number;
  readonly sqe128: boolean;
  /** Queued SQEs, each already in the request (io_kiocb) it is issued as. */
  private sq: IoReq[] = [];
  private sqSpare: IoReq[] | null = [];
  /**
   * Completed requests get_sqe() hands out again (io_uring's request cache, ctx->submit_state.free_list): requests
   * in flight are never allocated per I/O, so a deep queue costs no more per I/O than a shallow one.
   */
  private readonly reqCache: IoReq[] = [];
  /** The CQ ring: cq_entries slots, head/tail counters (io_uring's struct io_rings). */
  private readonly cqUd: Float64Array;
  private readonly cqRes: Int32Array;
  private readonly cqFlags: Uint32Array;
  private cqHead = 0;
  private cqTail = 0;
  /** CQEs that did not fit (IORING_SQ_CQ_OVERFLOW), flushed into the ring as it drains. */
  private overflow: Cqe[] = [];
  /** The CQE last taken by next_cqe(). */
  cqe_user_data = 0;
  cqe_res = 0;
  cqe_flags = 0;
  private tw: TwFn[] = [];
  private twArg: unknown[] = [];
  private twSpare: TwFn[] | null = [];
  private twArgSpare: unknown[] | null = [];
  /** Registered files (io_uring_register_files): IOSQE_FIXED_FILE indexes this. */
  files: (SimFile | null)[] = [];
  /** Plain file descriptors of the owning process. */
  readonly fds = new Map<number, SimFile>();
  /** The fixed-buffer table (io_uring_register_buffers / _sparse). */
  bufs: (BufNode | null)[] = [];
  task: RingTask | null = null;
  readonly stats: RingStats = { ops: 0, enters: 0, cqes: 0, cq_overflow: 0, task_work: 0 };
  /** Set while a burst of the owning task is submitting or running task_work (completions may chain inline). */
  private inBurst = false;
  closed = false;

  /** io_uring_setup(entries, flags). */
  constructor(
    entries: number,
    readonly flags: number,
    private readonly costs: CostModel,
    private readonly clock: EventClock,
  ) {
    if (!Number.isInteger(entries) || entries < 1 || entries > IORING_MAX_ENTRIES) {
      throw new KernelError('EINVAL', `io_uring_setup: entries ${entries} not in 1..${IORING_MAX_ENTRIES}`);
    }
    let n = 1;
    while (n < entries) n <<= 1;
    this.sq_entries = n;
    this.cq_entries = 2 * n;
    this.cqUd = new Float64Array(this.cq_entries);
    this.cqRes = new Int32Array(this.cq_entries);
    this.cqFlags = new Uint32Array(this.cq_entries);
    this.sqe128 = (flags & IORING_SETUP_SQE128) !== 0;
  }

  /** io_uring_get_sqe(): a free SQE, or null when the SQ ring is full. */
  get_sqe(): Sqe | null {
    if (this.closed || this.sq.length >= this.sq_entries) return null;
    let req = this.reqCache.pop();
    if (req) {
      resetSqe(req.sqe);
      req.link = null;
      req.buf = null;
      req.pdu = null;
      req.done = false;
      req.cached = false;
    } else {
      req = { sqe: newSqe(), ring: this, link: null, buf: null, pdu: null, done: false, cached: false };
    }
    this.sq.push(req);
    return req.sqe;
  }

  /**
   * io_free_req(): a completed request nobody holds any more goes back to the cache. Callers pass only requests
   * that completed inline or through cmd_done() of a driver that dropped its pointer.
   */
  private recycle(req: IoReq): void {
    if (req.cached || req.ring !== this) return;
    req.cached = true;
    req.link = null;
    req.buf = null;
    req.pdu = null;
    this.reqCache.push(req);
  }

  get sq_pending(): number {
    return this.sq.length;
  }

  get cq_ready(): number {
    return this.cqTail - this.cqHead + this.overflow.length;
  }

  get tw_pending(): number {
    return this.tw.length;
  }

  /** io_uring_register_files(). */
  register_files(files: SimFile[]): void {
    this.files = files.slice();
  }

  /** io_uring_register_buffers_sparse(nr): an empty fixed-buffer table of nr slots. */
  register_buffers_sparse(nr: number): void {
    if (this.bufs.some((b) => b)) throw new KernelError('EBUSY', 'fixed buffers already registered');
    this.bufs = new Array<BufNode | null>(nr).fill(null);
  }

  /** io_buffer_register_bvec(): puts a kernel buffer in slot `index`; -EBUSY if taken, -EINVAL if out of range. */
  register_bvec(index: number, data: Uint8Array, release: () => void): number {
    if (this.closed) return E.EINVAL;
    if (index < 0 || index >= this.bufs.length) return E.EINVAL;
    if (this.bufs[index]) return E.EBUSY;
    this.bufs[index] = { data, refs: 1, kbuf: true, release, ring: this };
    return 0;
  }

  /** io_buffer_unregister_bvec(): empties slot `index`; the release runs when in-flight users are done. */
  unregister_bvec(index: number): number {
    const node = index >= 0 && index < this.bufs.length ? this.bufs[index] : null;
    if (!node || !node.kbuf) return E.EINVAL;
    this.bufs[index] = null;
    this.put_buf(node);
    return 0;
  }

  /** Registered kernel buffers still in the table (for leak checks). */
  registered_bvecs(): number {
    let n = 0;
    for (const b of this.bufs) if (b && b.kbuf) n++;
    return n;
  }

  private put_buf(node: BufNode): void {
    if (--node.refs === 0 && node.release) node.release();
  }

  /** Provided-buffer rings by group id (IORING_REGISTER_PBUF_RING): the buffers, and the ids available, in ring order. */
  private readonly pbufs = new Map<number, { bufs: Uint8Array[]; avail: number[] }>();

  /** io_uring_register_buf_ring() + adding every buffer: group `bgid` holds `bufs` (buffer id = index). */
  register_pbuf_ring(bgid: number, bufs: Uint8Array[]): void {
    if (this.pbufs.has(bgid)) throw new KernelError('EEXIST', `provided buffer group ${bgid} already registered`);
    this.pbufs.set(bgid, { bufs, avail: bufs.map((_, i) => i) });
  }

  /** io_uring_buf_ring_add() + advance: the application hands buffer `bid` of group `bgid` back to the kernel. */
  pbuf_add(bgid: number, bid: number): void {
    const g = this.pbufs.get(bgid);
    if (g && bid >= 0 && bid < g.bufs.length && !g.avail.includes(bid)) g.avail.push(bid);
  }

  /** The bytes of buffer `bid` of group `bgid` (what the application reads after a CQE with IORING_CQE_F_BUFFER). */
  pbuf(bgid: number, bid: number): Uint8Array | null {
    return this.pbufs.get(bgid)?.bufs[bid] ?? null;
  }

  /** io_uring_cmd_buffer_select() (ring-provided buffers): the head buffer of group `bgid`, or null when it is empty. */
  buffer_select(bgid: number): { bid: number; buf: Uint8Array } | null {
    const g = this.pbufs.get(bgid);
    if (!g || g.avail.length === 0) return null;
    const bid = g.avail.shift()!;
    return { bid, buf: g.bufs[bid]! };
  }

  /**
   * io_uring_mshot_cmd_post_cqe(): a CQE for a multishot uring_cmd that stays armed (IORING_CQE_F_MORE), with the
   * selected buffer's id when `bid` >= 0. Returns true when the command cannot go on (the ring is gone).
   */
  mshot_cmd_post_cqe(req: IoReq, res: number, bid: number): boolean {
    if (this.closed) return true;
    const flags = IORING_CQE_F_MORE | (bid >= 0 ? IORING_CQE_F_BUFFER | (bid << IORING_CQE_BUFFER_SHIFT) : 0);
    this.post_cqe(req.sqe.user_data, res, flags);
    return false;
  }

  /** Adds task_work for the owning task at virtual time `at` (io_req_task_work_add / task_work_add). */
  task_work_add<A>(fn: (ctx: Ctx, arg: A) => void, arg?: A): void {
    this.tw.push(fn as TwFn);
    this.twArg.push(arg);
    this.stats.task_work++;
    this.task?.wake(this.clock.now);
  }

  /** Runs queued task_work in the owning task's burst: t_tw once per batch, plus each item's own work. */
  run_task_work(ctx: Ctx): number {
    if (this.tw.length === 0) return 0;
    let n = 0;
    this.inBurst = true;
    while (this.tw.length) {
      const list = this.tw;
      const args = this.twArg;
      this.tw = this.twSpare ?? [];
      this.twArg = this.twArgSpare ?? [];
      this.twSpare = null;
      this.twArgSpare = null;
      ctx.t += this.costs.t_tw;
      for (let i = 0; i < list.length; i++) {
        (list[i] as (ctx: Ctx, arg: unknown) => void)(ctx, args[i]);
        n++;
      }
      clearList(list);
      clearList(args);
      this.twSpare = list;
      this.twArgSpare = args;
    }
    this.inBurst = false;
    return n;
  }

  /** io_submit_sqes(): issues every queued SQE, building link chains. Returns how many were consumed. */
  submit(ctx: Ctx): number {
    const list = this.sq;
    this.sq = this.sqSpare ?? [];
    this.sqSpare = null;
    let head: IoReq | null = null;
    let tail: IoReq | null = null;
    this.inBurst = true;
    for (let i = 0; i < list.length; i++) {
      const req = list[i]!;
      const sqe = req.sqe;
      const linked = (sqe.flags & (IOSQE_IO_LINK | IOSQE_IO_HARDLINK)) !== 0;
      if (head) {
        tail!.link = req;
        tail = req;
        if (!linked) {
          const h: IoReq = head;
          head = tail = null;
          this.issue(h, ctx);
        }
      } else if (linked) {
        head = tail = req;
      } else {
        this.issue(req, ctx);
      }
    }
    if (head) this.issue(head, ctx);
    this.inBurst = false;
    const n = list.length;
    clearList(list);
    this.sqSpare = list;
    return n;
  }

  /** Counts one io_uring_enter() on ctx. */
  enter(ctx: Ctx): void {
    ctx.t += this.costs.t_enter;
    this.stats.enters++;
  }

  private resolveFile(sqe: Sqe): SimFile | null {
    if (sqe.flags & IOSQE_FIXED_FILE)
      return sqe.fd >= 0 && sqe.fd < this.files.length ? (this.files[sqe.fd] ?? null) : null;
    return this.fds.get(sqe.fd) ?? null;
  }

  /** io_issue_sqe(). */
  private issue(req: IoReq, ctx: Ctx): void {
    ctx.t += this.costs.t_sqe_cqe;
    this.stats.ops++;
    const res = this.do_op(req, req.sqe, ctx);
    if (res !== EIOCBQUEUED) {
      // completed inline: no op keeps a request it did not queue
      this.complete(req, res, ctx);
      this.recycle(req);
    }
  }

  private do_op(req: IoReq, sqe: Sqe, ctx: Ctx): number {
    switch (sqe.opcode) {
      case IORING_OP_NOP: {
        // io_nop(): the fixed buffer node is held until the request completes, like a *_FIXED op's
        const nf = sqe.nop_flags;
        if (nf & IORING_NOP_FIXED_BUFFER) {
          const node = sqe.buf_index >= 0 && sqe.buf_index < this.bufs.length ? this.bufs[sqe.buf_index] : null;
          if (!node) return E.EFAULT;
          node.refs++;
          req.buf = node;
        }
        return nf & IORING_NOP_INJECT_RESULT ? sqe.len : 0;
      }
      case IORING_OP_READ:
      case IORING_OP_WRITE: {
        const f = this.resolveFile(sqe);
        if (!f) return E.EBADF;
        if (!sqe.addr) return E.EFAULT;
        if (sqe.addr_off + sqe.len > sqe.addr.length) return E.EFAULT;
        const op = sqe.opcode === IORING_OP_READ ? f.read : f.write;
        if (!op) return E.EINVAL;
        return op.call(f, req, sqe.addr, sqe.addr_off, sqe.len, sqe.off, ctx);
      }
      case IORING_OP_READ_FIXED:
      case IORING_OP_WRITE_FIXED: {
        const f = this.resolveFile(sqe);
        if (!f) return E.EBADF;
        // The buffer is looked up at issue time (the 2025 fix; before it, at prep).
        const node = sqe.buf_index >= 0 && sqe.buf_index < this.bufs.length ? this.bufs[sqe.buf_index] : null;
        if (!node) return E.EFAULT;
        if (sqe.addr_off + sqe.len > node.data.length) return E.EFAULT;
        node.refs++;
        req.buf = node;
        const op = sqe.opcode === IORING_OP_READ_FIXED ? f.read : f.write;
        if (!op) return E.EINVAL;
        return op.call(f, req, node.data, sqe.addr_off, sqe.len, sqe.off, ctx);
      }
      case IORING_OP_READV:
      case IORING_OP_WRITEV:
      case IORING_OP_READV_FIXED:
      case IORING_OP_WRITEV_FIXED: {
        // io_prep_rwv() / io_prep_readv_fixed(): an iovec array; the _FIXED forms import it against a registered
        // buffer at issue time (io_import_reg_vec()), as READ_FIXED looks its buffer up at issue
        const f = this.resolveFile(sqe);
        if (!f) return E.EBADF;
        const iov = sqe.iov;
        if (!iov || iov.length === 0 || iov.length > 2 * 1024 || iov.length % 2) return E.EINVAL; // UIO_MAXIOV 1024
        const fixed = sqe.opcode === IORING_OP_READV_FIXED || sqe.opcode === IORING_OP_WRITEV_FIXED;
        let buf: Uint8Array | null = sqe.addr;
        let node: BufNode | null = null;
        if (fixed) {
          node = sqe.buf_index >= 0 && sqe.buf_index < this.bufs.length ? (this.bufs[sqe.buf_index] ?? null) : null;
          buf = node ? node.data : null;
        }
        if (!buf) return E.EFAULT;
        for (let i = 0; i < iov.length; i += 2)
          if (iov[i]! < 0 || iov[i + 1]! < 0 || iov[i]! + iov[i + 1]! > buf.length) return E.EFAULT;
        const read = sqe.opcode === IORING_OP_READV || sqe.opcode === IORING_OP_READV_FIXED;
        const op = read ? f.readv : f.writev;
        if (!op) return E.EINVAL;
        if (node) {
          node.refs++;
          req.buf = node;
        }
        return op.call(f, req, buf, iov, sqe.off, ctx);
      }
      case IORING_OP_URING_CMD: {
        // io_uring_cmd_prep() (mainline; multishot uring_cmd came with ublk batch I/O, after 6.18): unknown flags,
        // FIXED with IOSQE_BUFFER_SELECT, MULTISHOT without it, or IOSQE_BUFFER_SELECT without MULTISHOT: -EINVAL
        const ucf = sqe.uring_cmd_flags ?? 0;
        const bsel = (sqe.flags & IOSQE_BUFFER_SELECT) !== 0;
        if (ucf & ~(IORING_URING_CMD_FIXED | IORING_URING_CMD_MULTISHOT)) return E.EINVAL;
        if (ucf & IORING_URING_CMD_FIXED && bsel) return E.EINVAL;
        if (!!(ucf & IORING_URING_CMD_MULTISHOT) !== bsel) return E.EINVAL;
        const f = this.resolveFile(sqe);
        if (!f) return E.EBADF;
        if (!f.uring_cmd) return E.EOPNOTSUPP;
        return f.uring_cmd(req, ctx);
      }
      case IORING_OP_TIMEOUT:
        return this.do_timeout(req, sqe, ctx);
      case IORING_OP_FUSED_CMD:
        return this.do_fused(req, sqe, ctx);
      case IORING_OP_SPLICE:
        return this.do_splice(req, sqe, ctx);
      default:
        return E.EINVAL;
    }
  }

  /** Counted timeouts waiting for CQEs (io_uring/timeout.c's ctx->timeout_list), by target sequence. */
  private timeouts: { req: IoReq; target: number }[] = [];
  /** CQEs posted that count for timeouts (cached_cq_tail - cq_timeouts: a timeout's own CQE does not count). */
  private seq = 0;

  /**
   * io_timeout() (io_uring/timeout.c, 6.18): completes with -ETIME when timeout_ns elapses, or with 0 once
   * sqe->off other completions have been posted since it was queued, whichever comes first.
   */
  private do_timeout(req: IoReq, sqe: Sqe, ctx: Ctx): number {
    if (sqe.len !== 1 || sqe.timeout_ns < 0 || !Number.isFinite(sqe.timeout_ns)) return E.EINVAL;
    const entry = { req, target: this.seq + sqe.off };
    if (sqe.off > 0) this.timeouts.push(entry);
    this.clock.at(ctx.t + sqe.timeout_ns, () => {
      if (req.done || this.closed) return;
      this.timeouts = this.timeouts.filter((e) => e !== entry);
      this.complete_async(req, E.ETIME);
    });
    return EIOCBQUEUED;
  }

  /** io_flush_timeouts(): counted timeouts whose CQE count has been reached complete with 0. */
  private flush_timeouts(): void {
    const due = this.timeouts.filter((e) => this.seq >= e.target);
    if (!due.length) return;
    this.timeouts = this.timeouts.filter((e) => this.seq < e.target);
    for (const e of due) if (!e.req.done) this.complete_async(e.req, 0);
  }

  /**
   * Fused command (2023 proposal, never merged): an SQE128 whose primary half (a uring_cmd on the ublk
   * char device naming q_id/tag through sqe->off) lends the request's pages to the secondary op in sqe2.
   */
  private do_fused(req: IoReq, sqe: Sqe, ctx: Ctx): number {
    if (!this.sqe128) return E.EINVAL;
    const sec = sqe.sqe2;
    if (!sec || (sec.opcode !== IORING_OP_READ && sec.opcode !== IORING_OP_WRITE)) return E.EINVAL;
    const prim = this.resolveFile(sqe);
    if (!prim || !prim.lease_pages) return E.EBADF;
    const pages = prim.lease_pages(req, sqe.off, ctx);
    if (typeof pages === 'number') return pages;
    ctx.t += this.costs.t_sqe_cqe * this.costs.fused_epsilon;
    this.stats.ops++;
    const f = this.resolveFile(sec);
    let res: number;
    if (!f) res = E.EBADF;
    else if (sec.addr_off + sec.len > pages.length) res = E.EFAULT;
    else {
      const op = sec.opcode === IORING_OP_READ ? f.read : f.write;
      res = op ? op.call(f, req, pages, sec.addr_off, sec.len, sec.off, ctx) : E.EINVAL;
    }
    if (res !== EIOCBQUEUED) prim.lease_end?.(req, sqe.off, ctx);
    else req.pdu = { leaseFile: prim, pos: sqe.off };
    return res;
  }

  /**
   * Splice proposal (2022 RFC, SPLICE_F_DIRECT): moves the request pages to/from the backing file through a
   * kernel-internal pipe. From the ublk char device (WRITE) works; into it (READ) needs SPLICE_F_READ_TO_READ.
   * The RFC punted every splice to io-wq: completion comes back after t_iowq.
   */
  private do_splice(req: IoReq, sqe: Sqe, ctx: Ctx): number {
    const out = this.resolveFile(sqe);
    const inp = this.files[sqe.splice_fd_in] ?? null;
    if (!out || !inp) return E.EBADF;
    ctx.t += this.costs.t_pipe;
    let res: number;
    if (inp.lease_pages) {
      // ublkc -> pipe -> backing file: WRITE request.
      const pages = inp.lease_pages(req, sqe.addr_off, ctx);
      if (typeof pages === 'number') return pages;
      res = out.write ? out.write(req, pages, 0, sqe.len, sqe.off, ctx) : E.EINVAL;
      inp.lease_end?.(req, sqe.addr_off, ctx);
    } else if (out.lease_pages) {
      // backing file -> ublkc: READ request; spliced pages are read-only unless READ_TO_READ.
      if (!(sqe.splice_flags & SPLICE_F_READ_TO_READ)) return E.EINVAL;
      const pages = out.lease_pages(req, sqe.addr_off, ctx);
      if (typeof pages === 'number') return pages;
      res = inp.read ? inp.read(req, pages, 0, sqe.len, sqe.off, ctx) : E.EINVAL;
      out.lease_end?.(req, sqe.addr_off, ctx);
    } else {
      return E.EINVAL;
    }
    if (res === EIOCBQUEUED) return res;
    const at = ctx.t + this.costs.t_iowq;
    this.clock.at(at, () => this.complete_async(req, res));
    return EIOCBQUEUED;
  }

  /** Completion of an async request (from a device or another task): finished in the owner's task_work. */
  complete_async(req: IoReq, res: number): void {
    if (this.closed) return;
    this.task_work_add((ctx) => {
      const pdu = req.pdu as { leaseFile?: SimFile; pos?: number } | null;
      if (pdu && pdu.leaseFile) {
        pdu.leaseFile.lease_end?.(req, pdu.pos ?? 0, ctx);
        req.pdu = null;
      }
      this.complete(req, res, ctx);
    });
  }

  /**
   * io_uring_cmd_done() for a uring_cmd that returned -EIOCBQUEUED. Inline when in the owner's burst. The driver
   * drops its pointer to the command unless `kept` (then the request is not reused).
   */
  cmd_done(req: IoReq, res: number, ctx: Ctx | null, kept = false): void {
    if (ctx && this.inBurst) this.complete(req, res, ctx);
    else this.post_cqe(req.sqe.user_data, res, 0);
    if (!kept) this.recycle(req);
  }

  /** io_req_complete_post + io_queue_next / io_fail_links. */
  complete(req: IoReq, res: number, ctx: Ctx): void {
    if (req.done) return;
    req.done = true;
    if (req.buf) {
      const b = req.buf;
      req.buf = null;
      this.put_buf(b);
    }
    const sqe = req.sqe;
    if (!(res >= 0 && sqe.flags & IOSQE_CQE_SKIP_SUCCESS))
      this.post_cqe(sqe.user_data, res, 0, sqe.opcode === IORING_OP_TIMEOUT);
    const next = req.link;
    if (!next) return;
    req.link = null;
    const op = sqe.opcode;
    const rw =
      op === IORING_OP_READ || op === IORING_OP_WRITE || op === IORING_OP_READ_FIXED || op === IORING_OP_WRITE_FIXED;
    const rwv =
      op === IORING_OP_READV ||
      op === IORING_OP_WRITEV ||
      op === IORING_OP_READV_FIXED ||
      op === IORING_OP_WRITEV_FIXED;
    // a short read or write breaks a (soft) link: for the vectored ops, short of the iovecs' total
    const failed =
      res < 0 || (!(sqe.flags & IOSQE_IO_HARDLINK) && ((rw && res !== sqe.len) || (rwv && res !== iovTotal(sqe.iov))));
    if (failed && !(sqe.flags & IOSQE_IO_HARDLINK)) {
      let r: IoReq | null = next;
      while (r) {
        r.done = true;
        this.post_cqe(r.sqe.user_data, E.ECANCELED, 0);
        const l: IoReq | null = r.link;
        this.recycle(r); // never issued: nothing holds it
        r = l;
      }
      return;
    }
    const wasIn = this.inBurst;
    this.inBurst = true;
    this.issue(next, ctx);
    this.inBurst = wasIn;
  }

  /** Posts a CQE (overflow list when the CQ ring is full) and wakes the owner. */
  post_cqe(user_data: number, res: number, flags: number, isTimeout = false): void {
    this.stats.cqes++;
    // a timeout's own CQE is not counted (ctx->cq_timeouts is bumped when it fires or is killed)
    if (!isTimeout) {
      this.seq++;
      if (this.timeouts.length) this.flush_timeouts();
    }
    if (this.cqTail - this.cqHead >= this.cq_entries || this.overflow.length) {
      this.overflow.push({ user_data, res, flags });
      this.stats.cq_overflow++;
    } else {
      const i = this.cqTail++ % this.cq_entries;
      this.cqUd[i] = user_data;
      this.cqRes[i] = res;
      this.cqFlags[i] = flags;
    }
    if (!this.inBurst) this.task?.wake(this.clock.now);
  }

  /** io_uring_peek_cqe + io_uring_cqe_seen into cqe_user_data / cqe_res; false when the CQ is empty. */
  next_cqe(): boolean {
    if (this.cqHead === this.cqTail) {
      const o = this.overflow.shift();
      if (!o) return false;
      this.cqe_user_data = o.user_data;
      this.cqe_res = o.res;
      this.cqe_flags = o.flags;
      return true;
    }
    const i = this.cqHead++ % this.cq_entries;
    this.cqe_user_data = this.cqUd[i]!;
    this.cqe_res = this.cqRes[i]!;
    this.cqe_flags = this.cqFlags[i]!;
    // room again: flush one overflowed CQE into the ring, keeping order
    if (this.overflow.length && this.cqHead === this.cqTail) {
      const o = this.overflow.shift()!;
      const k = this.cqTail++ % this.cq_entries;
      this.cqUd[k] = o.user_data;
      this.cqRes[k] = o.res;
      this.cqFlags[k] = o.flags;
    }
    return true;
  }

  /** The next CQE as an object, or null. */
  pop_cqe(): Cqe | null {
    if (!this.next_cqe()) return null;
    return { user_data: this.cqe_user_data, res: this.cqe_res, flags: this.cqe_flags };
  }

  /**
   * Ring teardown (io_ring_exit_work): queued task_work still runs (io_uring guarantees its callbacks run,
   * seeing an exiting task), then leftover kernel buffers are unregistered (their release callbacks run).
   */
  exit(ctx?: Ctx): void {
    if (this.closed) return;
    this.closed = true;
    if (ctx) this.run_task_work(ctx);
    for (let i = 0; i < this.bufs.length; i++) {
      const n = this.bufs[i];
      if (n) {
        this.bufs[i] = null;
        this.put_buf(n);
      }
    }
    this.tw = [];
    this.twArg = [];
    this.sq.length = 0;
  }
}
