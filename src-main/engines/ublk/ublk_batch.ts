/**
 * UBLK_F_BATCH_IO: the batch I/O commands of drivers/block/ublk_drv.c as mainline has them after 6.18
 * (torvalds/linux 08677040a91199175149d1fd465c02e3b3fc768a; Ming Lei's "ublk: add batch I/O" series):
 * UBLK_U_IO_PREP_IO_CMDS and UBLK_U_IO_COMMIT_IO_CMDS walk an array of elements (struct ublk_elem_header, then
 * an optional buf_addr and zone_lba) that sqe->addr points to; UBLK_U_IO_FETCH_IO_CMDS is a multishot uring_cmd
 * that delivers the tags of incoming requests into buffers of an io_uring provided-buffer group. Per queue,
 * ublk_batch_queue_rq() puts tags in evts_fifo and one fetch command (active_fcmd) at a time drains it.
 * The rest of the driver (6.18 model, ublk_drv.ts) calls in here through UblkBatchOps.
 */
import type { Cpu, Ctx } from './cpu';
import type { Request } from './blk_mq';
import { EIOCBQUEUED, IORING_URING_CMD_MULTISHOT } from './io_uring';
import type { IoReq, IoUring } from './io_uring';
import {
  UBLK_AUTO_BUF_REG_FALLBACK as UBLK_AUTO_BUF_REG_FALLBACK_,
  UBLK_BATCH_F_AUTO_BUF_REG_FALLBACK as UBLK_BATCH_F_AUTO_BUF_REG_FALLBACK_,
  UBLK_BATCH_F_HAS_BUF_ADDR as UBLK_BATCH_F_HAS_BUF_ADDR_,
  UBLK_BATCH_F_HAS_ZONE_LBA as UBLK_BATCH_F_HAS_ZONE_LBA_,
  UBLK_F,
  UBLK_IO_COMMIT_IO_CMDS,
  UBLK_IO_FETCH_IO_CMDS,
  UBLK_IO_PREP_IO_CMDS,
  UBLK_IO_REGISTER_IO_BUF,
  UBLK_IO_RES_ABORT,
  UBLK_IO_UNREGISTER_IO_BUF,
  UBLK_REQUEUE_DELAY_MS,
} from './ublk_cmd';
import {
  UBLK_IO_FLAG_ACTIVE as UBLK_IO_FLAG_ACTIVE_,
  UBLK_IO_FLAG_AUTO_BUF_REG as UBLK_IO_FLAG_AUTO_BUF_REG_,
  UBLK_IO_FLAG_OWNED_BY_SRV as UBLK_IO_FLAG_OWNED_BY_SRV_,
} from './ublk_drv';
import type { UblkBatchOps, UblkDevice, UblkDriver, UblkQueue, UblksrvIoCmd, UblkTask } from './ublk_drv';

// Module-local copies of imported constants: hot paths read plain bindings, not module getters.
const UBLK_AUTO_BUF_REG_FALLBACK = UBLK_AUTO_BUF_REG_FALLBACK_;
const UBLK_BATCH_F_AUTO_BUF_REG_FALLBACK = UBLK_BATCH_F_AUTO_BUF_REG_FALLBACK_;
const UBLK_BATCH_F_HAS_BUF_ADDR = UBLK_BATCH_F_HAS_BUF_ADDR_;
const UBLK_BATCH_F_HAS_ZONE_LBA = UBLK_BATCH_F_HAS_ZONE_LBA_;
const UBLK_IO_FLAG_ACTIVE = UBLK_IO_FLAG_ACTIVE_;
const UBLK_IO_FLAG_AUTO_BUF_REG = UBLK_IO_FLAG_AUTO_BUF_REG_;
const UBLK_IO_FLAG_OWNED_BY_SRV = UBLK_IO_FLAG_OWNED_BY_SRV_;

const EINVAL = -22;
const EBUSY = -16;
const EFAULT = -14;
const E2BIG = -7;
const ENODEV = -19;
const EOPNOTSUPP = -95;
const ENOBUFS = -105;

/** UBLK_BATCH_F_ALL. */
export const UBLK_BATCH_F_ALL =
  UBLK_BATCH_F_HAS_ZONE_LBA | UBLK_BATCH_F_HAS_BUF_ADDR | UBLK_BATCH_F_AUTO_BUF_REG_FALLBACK;
/** sizeof(struct ublk_elem_header): tag u16, buf_index u16, result s32. */
export const UBLK_ELEM_HEADER_SIZE = 8;
/** MAX_NR_TAG: tags one fetch CQE carries at most (the driver's on-stack tag_buf). */
export const UBLK_BATCH_MAX_NR_TAG = 128;
/** UBLK_CMD_BATCH_TMP_BUF_SZ: the element array is copied from user space in chunks of 48 * 10 bytes. */
export const UBLK_CMD_BATCH_TMP_BUF_SZ = 48 * 10;

/** struct ublk_batch_io (16 bytes in sqe->cmd); the element array is at sqe->addr (+ sqe->addr_off here). */
export interface UblkBatchIo {
  q_id: number;
  flags: number;
  nr_elem: number;
  elem_bytes: number;
}

/** One element of a PREP/COMMIT array, decoded. */
export interface UblkBatchElem {
  tag: number;
  buf_index: number;
  result: number;
  buf_addr?: number | undefined;
  zone_lba?: number | undefined;
}

/** The element size ublk_check_batch_cmd_flags() expects for `flags`. */
export function ublk_batch_elem_bytes(flags: number): number {
  return (
    UBLK_ELEM_HEADER_SIZE + (flags & UBLK_BATCH_F_HAS_ZONE_LBA ? 8 : 0) + (flags & UBLK_BATCH_F_HAS_BUF_ADDR ? 8 : 0)
  );
}

/** Lays out elements as the server writes them (little-endian, as on x86). */
export function ublk_batch_encode(flags: number, elems: readonly UblkBatchElem[]): Uint8Array {
  const sz = ublk_batch_elem_bytes(flags);
  const out = new Uint8Array(elems.length * sz);
  const v = new DataView(out.buffer);
  elems.forEach((e, i) => {
    const o = i * sz;
    v.setUint16(o, e.tag, true);
    v.setUint16(o + 2, e.buf_index, true);
    v.setInt32(o + 4, e.result, true);
    let x = o + 8;
    if (flags & UBLK_BATCH_F_HAS_BUF_ADDR) {
      setU64(v, x, e.buf_addr ?? 0);
      x += 8;
    }
    if (flags & UBLK_BATCH_F_HAS_ZONE_LBA) setU64(v, x, e.zone_lba ?? 0);
  });
  return out;
}

function setU64(v: DataView, o: number, n: number): void {
  v.setUint32(o, (n % 0x100000000) >>> 0, true);
  v.setUint32(o + 4, Math.floor(n / 0x100000000) >>> 0, true);
}

function getU64(v: DataView, o: number): number {
  return v.getUint32(o, true) + v.getUint32(o + 4, true) * 0x100000000;
}

/** struct ublk_batch_fetch_cmd: a multishot FETCH_IO_CMDS and its provided-buffer group (sqe->buf_index). */
interface FetchCmd {
  req: IoReq;
  buf_group: number;
  ub: UblkDevice;
  ubq: UblkQueue;
}

/** Model bookkeeping for the tag board: which batch command last moved a tag. */
const B_NONE = 0;
const B_PREPARED = 1;
const B_FETCHED = 2;
const B_COMMITTED = 3;

/** The per-queue batch state of struct ublk_queue: evts_fifo, fcmd_head and active_fcmd. */
export class UblkBatchQueue {
  /** kfifo of request tags (capacity q_depth): a ring of tags, `head` the next out. */
  private readonly fifo: Uint16Array;
  private head = 0;
  private count = 0;
  /** Fetch commands available to process events (fcmd_head). */
  readonly fcmds: FetchCmd[] = [];
  active: FetchCmd | null = null;
  /** Per tag: B_PREPARED, B_FETCHED or B_COMMITTED (the tag board's batch states). */
  readonly last: Uint8Array;
  /** The tags of one dispatch (the driver's on-stack tag_buf). */
  readonly tag_buf = new Uint16Array(UBLK_BATCH_MAX_NR_TAG);
  /** Batches delivered (fetch CQEs with tags) and commands walked, for the figures. */
  fetch_cqes = 0;
  commit_cmds = 0;
  constructor(readonly depth: number) {
    this.fifo = new Uint16Array(depth);
    this.last = new Uint8Array(depth);
  }
  get nr_evts(): number {
    return this.count;
  }
  /** kfifo_put(). */
  put(tag: number): void {
    if (this.count === this.fifo.length) return; // full: cannot happen, one entry per tag in flight
    this.fifo[(this.head + this.count++) % this.fifo.length] = tag;
  }
  /** kfifo_out() of one tag. */
  get(): number {
    const t = this.fifo[this.head]!;
    this.head = (this.head + 1) % this.fifo.length;
    this.count--;
    return t;
  }
  has(tag: number): boolean {
    for (let i = 0; i < this.count; i++) if (this.fifo[(this.head + i) % this.fifo.length] === tag) return true;
    return false;
  }
}

const queues = new WeakMap<UblkQueue, UblkBatchQueue>();

/** The queue's batch state (ublk_io_evts_init() at ADD_DEV; created on first use here). */
export function ublk_batch_queue(ubq: UblkQueue): UblkBatchQueue {
  let b = queues.get(ubq);
  if (!b) {
    b = new UblkBatchQueue(ubq.q_depth);
    queues.set(ubq, b);
  }
  return b;
}

/** Tag states for the panel: 'prepared' (fetch slot armed), 'fetched' (delivered in a batch), 'committed'. */
export type BatchTagState = 'prepared' | 'queued' | 'fetched' | 'committed' | null;

export function ublk_batch_tag_state(ubq: UblkQueue, tag: number): BatchTagState {
  if (!(ubq.flags & UBLK_F.UBLK_F_BATCH_IO)) return null;
  const b = ublk_batch_queue(ubq);
  const io = ubq.ios[tag]!;
  if (b.has(tag)) return 'queued';
  const last = b.last[tag];
  if (io.flags & UBLK_IO_FLAG_OWNED_BY_SRV) return last === B_FETCHED ? 'fetched' : null;
  if (io.flags & UBLK_IO_FLAG_ACTIVE)
    return last === B_COMMITTED ? 'committed' : last === B_PREPARED ? 'prepared' : null;
  return null;
}

/** What one command's handler needs: struct ublk_batch_io_data. */
interface BatchData {
  ub: UblkDevice;
  ubq: UblkQueue;
  b: UblkBatchQueue;
  req: IoReq;
  header: UblkBatchIo;
  ctx: Ctx;
}

// ---- checks ------------------------------------------------------------------------------------------

/** ublk_check_batch_cmd_flags(). */
export function ublk_check_batch_cmd_flags(uc: UblkBatchIo): number {
  if (uc.flags & ~UBLK_BATCH_F_ALL) return EINVAL;
  // UBLK_BATCH_F_AUTO_BUF_REG_FALLBACK requires a buffer index, not an address
  if (uc.flags & UBLK_BATCH_F_AUTO_BUF_REG_FALLBACK && uc.flags & UBLK_BATCH_F_HAS_BUF_ADDR) return EINVAL;
  if (uc.elem_bytes !== ublk_batch_elem_bytes(uc.flags)) return EINVAL;
  return 0;
}

/** ublk_check_batch_cmd(): q_id, nr_elem (-E2BIG), flags the device cannot use, then the element layout. */
export function ublk_check_batch_cmd(ub: UblkDevice, uc: UblkBatchIo): number {
  if (!(uc.q_id >= 0 && uc.q_id < ub.dev_info.nr_hw_queues)) return EINVAL;
  if (uc.nr_elem > ub.dev_info.queue_depth) return E2BIG;
  if (uc.flags & UBLK_BATCH_F_HAS_ZONE_LBA && !(ub.flags & UBLK_F.UBLK_F_ZONED)) return EINVAL;
  if (uc.flags & UBLK_BATCH_F_HAS_BUF_ADDR && !ub.need_map_io()) return EINVAL;
  if (uc.flags & UBLK_BATCH_F_AUTO_BUF_REG_FALLBACK && !ub.support_auto_buf_reg()) return EINVAL;
  return ublk_check_batch_cmd_flags(uc);
}

/** ublk_validate_batch_fetch_cmd(): q_id, IORING_URING_CMD_MULTISHOT, 2-byte elements, no flags. */
export function ublk_validate_batch_fetch_cmd(ub: UblkDevice, uc: UblkBatchIo, req: IoReq): number {
  if (!(uc.q_id >= 0 && uc.q_id < ub.dev_info.nr_hw_queues)) return EINVAL;
  if (!((req.sqe.uring_cmd_flags ?? 0) & IORING_URING_CMD_MULTISHOT)) return EINVAL;
  if (uc.elem_bytes !== 2) return EINVAL;
  if (uc.flags !== 0) return EINVAL;
  return 0;
}

// ---- the element walk -------------------------------------------------------------------------------

type ElemCb = (d: BatchData, e: UblkBatchElem) => number;

/** The element being walked (the driver's copy in iter->buf): one object, refilled per element. */
const scratch: UblkBatchElem = { tag: 0, buf_index: 0, result: 0, buf_addr: 0, zone_lba: 0 };

/** struct ublk_batch_io_iter. */
interface Iter {
  done: number;
  total: number;
}

/**
 * ublk_walk_cmd_buf() + __ublk_walk_cmd_buf(): copy_from_user() of the array in UBLK_CMD_BATCH_TMP_BUF_SZ chunks
 * (-EFAULT when a chunk is not there), a tag beyond queue_depth -EINVAL, the callback per element; iter.done
 * counts the bytes of the elements before the one that failed.
 */
function ublk_walk_cmd_buf(it: Iter, d: BatchData, cb: ElemCb): number {
  const sqe = d.req.sqe;
  const mem = sqe.addr;
  const base = sqe.addr_off;
  const eb = d.header.elem_bytes;
  const f = d.header.flags;
  const costs = d.ub.costs;
  const v = mem ? new DataView(mem.buffer, mem.byteOffset, mem.byteLength) : null;
  const e = scratch;
  while (it.done < it.total) {
    const len = Math.min(UBLK_CMD_BATCH_TMP_BUF_SZ, it.total - it.done);
    if (!v || base < 0 || base + it.done + len > v.byteLength) return EFAULT;
    const o = base + it.done;
    let i = 0;
    let ret = 0;
    for (; i < len; i += eb) {
      d.ctx.t += costs.t_batch_elem;
      e.tag = v.getUint16(o + i, true);
      e.buf_index = v.getUint16(o + i + 2, true);
      e.result = v.getInt32(o + i + 4, true);
      let x = o + i + 8;
      e.buf_addr = 0;
      e.zone_lba = 0;
      if (f & UBLK_BATCH_F_HAS_BUF_ADDR) {
        e.buf_addr = getU64(v, x);
        x += 8;
      }
      if (f & UBLK_BATCH_F_HAS_ZONE_LBA) e.zone_lba = getU64(v, x);
      if (e.tag >= d.ub.dev_info.queue_depth) {
        ret = EINVAL;
        break;
      }
      ret = cb(d, e);
      if (ret) break;
    }
    it.done += i;
    if (ret) return ret;
  }
  return 0;
}

// ---- PREP_IO_CMDS -----------------------------------------------------------------------------------

/** ublk_batch_prep_io(): the buffer from the element, then __ublk_fetch() (io->task stays NULL) and mark ready. */
function ublk_batch_prep_io(d: BatchData, e: UblkBatchElem): number {
  const { ub, ubq } = d;
  const io = ubq.ios[e.tag]!;
  let addr = 0;
  if (!ub.support_auto_buf_reg() && ub.need_map_io()) {
    addr = e.buf_addr ?? 0;
    // ublk_check_fetch_buf(): copy mode needs a buffer (BATCH_IO clears NEED_GET_DATA)
    if (!addr && !ub.need_get_data()) return EINVAL;
  }
  if (ub.mm === null) return EINVAL; // model: addresses resolve through the mm recorded at mmap, so mmap comes first
  // __ublk_fetch()
  if (ub.ready) return EBUSY;
  if (io.flags & UBLK_IO_FLAG_ACTIVE) return EINVAL;
  io.cmd = d.req;
  io.flags = (io.flags | UBLK_IO_FLAG_ACTIVE) & ~UBLK_IO_FLAG_OWNED_BY_SRV;
  io.req = null;
  io.task = null;
  io.addr = addr;
  if (ub.support_auto_buf_reg()) {
    io.buf_index = e.buf_index;
    io.buf_flags = d.header.flags & UBLK_BATCH_F_AUTO_BUF_REG_FALLBACK ? UBLK_AUTO_BUF_REG_FALLBACK : 0;
  }
  ub.mark_io_ready(ubq, ringTask(d.req.ring));
  ublk_batch_queue(ubq).last[e.tag] = B_PREPARED;
  return 0;
}

/** ublk_batch_unprep_io(): undoes one prep; a queue that was ready is not any more (and cancels new I/O). */
function ublk_batch_unprep_io(d: BatchData, e: UblkBatchElem): number {
  const { ub, ubq } = d;
  if (ubq.nr_io_ready === ubq.q_depth) {
    ub.nr_queues_ready--;
    ub.ready = false;
    ubq.canceling = true;
  }
  ubq.nr_io_ready--;
  const io = ubq.ios[e.tag]!;
  io.flags = 0;
  io.cmd = null;
  ublk_batch_queue(ubq).last[e.tag] = B_NONE;
  return 0;
}

/** ublk_handle_batch_prep_cmd(): all or nothing: a failure reverts the elements already prepared. */
function ublk_handle_batch_prep_cmd(d: BatchData): number {
  const it: Iter = { done: 0, total: d.header.nr_elem * d.header.elem_bytes };
  const ret = ublk_walk_cmd_buf(it, d, ublk_batch_prep_io);
  if (ret && it.done) {
    // ublk_batch_revert_prep_cmd(): re-walk what was processed
    const again: Iter = { done: 0, total: it.done };
    ublk_walk_cmd_buf(again, d, ublk_batch_unprep_io);
  }
  return ret;
}

// ---- COMMIT_IO_CMDS ---------------------------------------------------------------------------------

/** ublk_batch_commit_io(): one element: owned by the server (-EBUSY), a buffer in copy mode (-EINVAL), complete. */
function ublk_batch_commit_io(d: BatchData, e: UblkBatchElem): number {
  const { ub, ubq, req, ctx } = d;
  const io = ubq.ios[e.tag]!;
  const auto = ub.support_auto_buf_reg();
  const addr = !auto && ub.need_map_io() ? (e.buf_addr ?? 0) : 0;
  // ublk_batch_commit_io_check()
  if (!(io.flags & UBLK_IO_FLAG_OWNED_BY_SRV)) return EBUSY;
  if (ub.need_map_io() && !addr) return EINVAL; // BATCH_IO has no NEED_GET_DATA
  const rq = io.req!;
  io.res = e.result;
  io.addr = addr;
  if (auto) {
    io.buf_index = e.buf_index;
    io.buf_flags = d.header.flags & UBLK_BATCH_F_AUTO_BUF_REG_FALLBACK ? UBLK_AUTO_BUF_REG_FALLBACK : 0;
  }
  // ublk_fill_io_cmd(): the slot is the driver's again, waiting for the next request of this tag
  io.cmd = req;
  io.flags = (io.flags | UBLK_IO_FLAG_ACTIVE) & ~UBLK_IO_FLAG_OWNED_BY_SRV;
  io.req = null;
  d.b.last[e.tag] = B_COMMITTED;
  // ublk_clear_auto_buf_reg(): the auto-registered buffer goes when this command runs on the ring that holds it.
  // io->buf was already replaced by the element's, so the index unregistered is the element's buf_index (the
  // per-tag COMMIT_AND_FETCH_REQ clears before it sets, and unregisters the index it registered)
  if (auto && io.flags & UBLK_IO_FLAG_AUTO_BUF_REG) {
    io.flags &= ~UBLK_IO_FLAG_AUTO_BUF_REG;
    if (rq.buf_ring === req.ring) {
      ctx.t += ub.costs.t_reg_bvec;
      (rq.buf_ring as IoUring).unregister_bvec(io.buf_index);
    }
  }
  ub.trace?.('commit', rq.id, rq.q, rq.tag, ctx.t);
  ub.put_req_ref(ubq, rq, ctx);
  return 0;
}

/** ublk_handle_batch_commit_cmd(): the bytes of the elements handled, or the error when none was. */
function ublk_handle_batch_commit_cmd(d: BatchData): number {
  const it: Iter = { done: 0, total: d.header.nr_elem * d.header.elem_bytes };
  d.b.commit_cmds++;
  const ret = ublk_walk_cmd_buf(it, d, ublk_batch_commit_io);
  return it.done === 0 ? ret : it.done;
}

// ---- FETCH_IO_CMDS and dispatch ---------------------------------------------------------------------

/** __ublk_acquire_fcmd(): the first fetch command becomes the active one, unless one already is. */
function acquire_fcmd(b: UblkBatchQueue): FetchCmd | null {
  if (b.active) return null;
  const f = b.fcmds[0] ?? null;
  b.active = f;
  return f;
}

/**
 * __ublk_batch_prep_dispatch(): start_io (the copy of a WRITE in copy mode) and AUTO_BUF_REG; the slot is the
 * server's. False when the tag cannot go out now (requeued, or ended by a failed registration).
 */
function batch_prep_dispatch(ub: UblkDevice, ubq: UblkQueue, f: FetchCmd, tag: number, ctx: Ctx): boolean {
  const rq = ub.tagset.tag_to_rq(ubq.q_id, tag);
  const io = ubq.ios[tag]!;
  if (!rq || !rq.inUse) return false;
  ctx.t += ub.costs.t_batch_elem;
  ub.stats.dispatched++;
  ub.trace?.('task_work', rq.id, rq.q, rq.tag, ctx.t);
  if (!ub.start_io(ubq, rq, io, ctx)) return false;
  io.cmd = f.req; // ublk_auto_buf_register() registers on the fetch command's ring
  if (!ub.prep_auto_buf_reg(ubq, rq, io, ctx)) return false;
  // __ublk_prep_compl_io_cmd()
  io.flags = (io.flags | UBLK_IO_FLAG_OWNED_BY_SRV) & ~UBLK_IO_FLAG_ACTIVE;
  io.req = rq;
  io.cmd = null;
  return true;
}

/**
 * __ublk_batch_dispatch(): one provided buffer (-ENOBUFS when the group is empty), at most MAX_NR_TAG tags out of
 * evts_fifo, each prepared; the tags that went out are copied into the buffer and posted in one multishot CQE.
 * Returns 0 after a CQE, the number of tags when none could go out, or -errno.
 */
function batch_dispatch_one(f: FetchCmd, b: UblkBatchQueue, ctx: Ctx): number {
  const { ub, ubq } = f;
  const ring = f.req.ring;
  const sel = ring.buffer_select(f.buf_group);
  if (!sel) return ENOBUFS;
  const n = Math.min(Math.floor(Math.min(sel.buf.length, UBLK_BATCH_MAX_NR_TAG * 2) / 2), b.nr_evts);
  const tags = b.tag_buf;
  let out = 0;
  for (let i = 0; i < n; i++) {
    const tag = b.get();
    if (batch_prep_dispatch(ub, ubq, f, tag, ctx)) tags[out++] = tag;
  }
  if (out === 0) {
    // every tag was requeued or failed: the buffer goes back with a 0-byte CQE
    ring.mshot_cmd_post_cqe(f.req, 0, sel.bid);
    return n;
  }
  const buf = sel.buf;
  for (let i = 0; i < out; i++) {
    const t = tags[i]!;
    buf[2 * i] = t & 0xff; // little-endian u16, as copy_to_user() leaves it
    buf[2 * i + 1] = t >> 8;
    b.last[t] = B_FETCHED;
  }
  ctx.t += ub.costs.t_dispatch; // the task_work callback and the CQE of this batch
  if (ring.mshot_cmd_post_cqe(f.req, out * 2, sel.bid)) {
    // ublk_batch_dispatch_fail(): undo, the tags go back into the fifo
    for (let i = 0; i < out; i++) {
      const io = ubq.ios[tags[i]!]!;
      io.flags = (io.flags | UBLK_IO_FLAG_ACTIVE) & ~UBLK_IO_FLAG_OWNED_BY_SRV & ~UBLK_IO_FLAG_AUTO_BUF_REG;
      io.req = null;
      b.put(tags[i]!);
    }
    return ENOBUFS;
  }
  b.fetch_cqes++;
  return 0;
}

/**
 * ublk_batch_dispatch(): drains evts_fifo through fcmd; an error ends the fetch command with it
 * (ublk_batch_deinit_fetch_buf); at most 32 more rounds with the same command, else task_work for the next.
 */
function ublk_batch_dispatch(f: FetchCmd, ctx: Ctx): void {
  const b = ublk_batch_queue(f.ubq);
  let tried = 0;
  for (;;) {
    let ret = 0;
    while (b.nr_evts) {
      ret = batch_dispatch_one(f, b, ctx);
      if (ret <= 0) break;
    }
    if (ret < 0) {
      const i = b.fcmds.indexOf(f);
      if (i >= 0) b.fcmds.splice(i, 1);
      b.active = null;
      f.req.ring.cmd_done(f.req, ret, ctx);
      return;
    }
    b.active = null;
    if (!b.nr_evts) return;
    const nf = acquire_fcmd(b);
    if (!nf) return;
    if (nf === f && tried++ < 32) continue;
    schedule_dispatch(nf, ctx);
    return;
  }
}

/** ublk_batch_tw_cb(), in the fetch command's task. */
function batch_tw_cb(ctx: Ctx, f: FetchCmd): void {
  ublk_batch_dispatch(f, ctx);
}

function add_batch_tw(f: FetchCmd): void {
  f.req.ring.task_work_add(batch_tw_cb, f);
}

/** io_uring_cmd_complete_in_task(fcmd->cmd, ublk_batch_tw_cb). */
function schedule_dispatch(f: FetchCmd, ctx: Ctx): void {
  ctx.t += f.ub.costs.t_tw_add;
  f.ub.clock.at(ctx.t, add_batch_tw, f);
}

/** ublk_batch_attach(): -ENODEV on a canceling queue; else listed, and dispatching at once if it became active. */
function ublk_handle_batch_fetch_cmd(d: BatchData): number {
  const { ub, ubq, req, ctx } = d;
  const b = ublk_batch_queue(ubq);
  if (ubq.force_abort || ubq.canceling) return ENODEV;
  const f: FetchCmd = { req, buf_group: req.sqe.buf_index, ub, ubq };
  b.fcmds.push(f);
  const nf = acquire_fcmd(b);
  if (!nf) return EIOCBQUEUED;
  // same io_ring_ctx: dispatch right here; otherwise in the other ring's task
  if (nf.req.ring === req.ring) ublk_batch_dispatch(nf, ctx);
  else schedule_dispatch(nf, ctx);
  return EIOCBQUEUED;
}

/** ublk_handle_non_batch_cmd(): UNREGISTER_IO_BUF first, then q_id and tag, REGISTER_IO_BUF, else -EOPNOTSUPP. */
function ublk_handle_non_batch_cmd(ub: UblkDevice, req: IoReq, ctx: Ctx): number {
  const cmd = req.sqe.cmd as UblksrvIoCmd | null;
  if (!cmd) return EINVAL;
  if (req.sqe.cmd_op === UBLK_IO_UNREGISTER_IO_BUF) return ub.unregister_io_buf(req, cmd, ctx);
  if (!(cmd.q_id >= 0 && cmd.q_id < ub.dev_info.nr_hw_queues)) return EINVAL;
  if (!(cmd.tag >= 0 && cmd.tag < ub.dev_info.queue_depth)) return EINVAL;
  if (req.sqe.cmd_op !== UBLK_IO_REGISTER_IO_BUF) return EOPNOTSUPP;
  return ub.register_io_buf(req, ub.queues[cmd.q_id]!, cmd, ctx);
}

/** ublk_ch_batch_io_uring_cmd(): the uring_cmd handler of /dev/ublkcN on a UBLK_F_BATCH_IO device. */
export function ublk_ch_batch_io_uring_cmd(ub: UblkDevice, req: IoReq, ctx: Ctx): number {
  const op = req.sqe.cmd_op;
  ctx.t += ub.costs.t_ublk_cmd;
  if (op !== UBLK_IO_PREP_IO_CMDS && op !== UBLK_IO_COMMIT_IO_CMDS && op !== UBLK_IO_FETCH_IO_CMDS)
    return ublk_handle_non_batch_cmd(ub, req, ctx);
  const uc = req.sqe.cmd as UblkBatchIo | null;
  if (!uc) return EINVAL;
  if (op === UBLK_IO_FETCH_IO_CMDS) {
    const r = ublk_validate_batch_fetch_cmd(ub, uc, req);
    if (r) return r;
  } else {
    const r = ublk_check_batch_cmd(ub, uc);
    if (r) return r;
  }
  const ubq = ub.queues[uc.q_id]!;
  const d: BatchData = { ub, ubq, b: ublk_batch_queue(ubq), req, header: uc, ctx };
  if (op === UBLK_IO_PREP_IO_CMDS) return ublk_handle_batch_prep_cmd(d);
  if (op === UBLK_IO_COMMIT_IO_CMDS) return ublk_handle_batch_commit_cmd(d);
  return ublk_handle_batch_fetch_cmd(d);
}

/** The server task a ring belongs to (capable(CAP_SYS_ADMIN) of current, for ublk_mark_io_ready()). */
function ringTask(ring: IoUring): UblkTask | null {
  return (ring.task as unknown as { ublkTask?: UblkTask } | null)?.ublkTask ?? null;
}

// ---- blk-mq side and teardown -----------------------------------------------------------------------

/** ublk_batch_queue_cmd() / ublk_batch_queue_cmd_list(): tags into evts_fifo, then a fetch command is woken. */
/** ublk_batch_queue_cmd() of one request (bd->last): its tag in, a fetch command woken. */
function queue_tag(ub: UblkDevice, ubq: UblkQueue, rq: Request, ctx: Ctx): void {
  const b = ublk_batch_queue(ubq);
  b.put(rq.tag);
  ub.trace?.('queue_rq', rq.id, rq.q, rq.tag, ctx.t);
  const f = acquire_fcmd(b);
  if (f) schedule_dispatch(f, ctx);
}

function queue_tags(ub: UblkDevice, ubq: UblkQueue, rqs: readonly Request[], ctx: Ctx): void {
  const b = ublk_batch_queue(ubq);
  for (let i = 0; i < rqs.length; i++) {
    const rq = rqs[i]!;
    b.put(rq.tag);
    ub.trace?.('queue_rq', rq.id, rq.q, rq.tag, ctx.t);
  }
  const f = acquire_fcmd(b);
  if (f) schedule_dispatch(f, ctx);
}

/** ublk_batch_cancel_queue(): force_abort, every fetch command but the active one completes with ABORT. */
function ublk_batch_cancel_queue(ubq: UblkQueue): void {
  const b = ublk_batch_queue(ubq);
  ubq.force_abort = true;
  for (const f of b.fcmds.splice(0)) {
    if (f === b.active) {
      b.fcmds.push(f);
      continue;
    }
    f.req.ring.cmd_done(f.req, UBLK_IO_RES_ABORT, null);
  }
}

/** ublk_abort_batch_queue(): requests whose tags are still in evts_fifo are failed or requeued like the server's. */
function ublk_abort_batch_queue(ub: UblkDevice, ubq: UblkQueue, t: number, cpu: Cpu): void {
  const b = ublk_batch_queue(ubq);
  const reissue =
    (ub.flags & UBLK_F.UBLK_F_USER_RECOVERY) !== 0 && (ub.flags & UBLK_F.UBLK_F_USER_RECOVERY_REISSUE) !== 0;
  while (b.nr_evts) {
    const tag = b.get();
    const rq = ub.tagset.tag_to_rq(ubq.q_id, tag);
    if (!rq || !rq.inUse) continue;
    if (reissue) ub.tagset.requeue_request(rq, UBLK_REQUEUE_DELAY_MS, cpu);
    else {
      ubq.ios[tag]!.res = -5;
      rq.ref = 1;
      ub.complete_rq(ubq, rq, { cpu, t });
    }
  }
  // the server's rings are gone: io_uring cancelled its fetch commands
  b.fcmds.length = 0;
  b.active = null;
  b.last.fill(B_NONE);
}

/** The batch side the driver calls (see UblkBatchOps in ublk_drv.ts). */
export const UBLK_BATCH_OPS: UblkBatchOps = {
  uring_cmd: ublk_ch_batch_io_uring_cmd,
  queue_tag,
  queue_tags,
  cancel_queue: (_ub, ubq) => ublk_batch_cancel_queue(ubq),
  abort_queue: ublk_abort_batch_queue,
};

/** Makes a driver accept UBLK_F_BATCH_IO (index.ts does this for every machine). */
export function ublk_batch_install(drv: UblkDriver): void {
  drv.batch_ops = UBLK_BATCH_OPS;
}
