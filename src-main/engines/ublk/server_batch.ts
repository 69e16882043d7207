/**
 * The server side of UBLK_F_BATCH_IO (after 6.18), as the selftests' kublk drives it (tools/testing/selftests/
 * ublk/batch.c in mainline): one UBLK_U_IO_PREP_IO_CMDS with every tag of the queue, multishot
 * UBLK_U_IO_FETCH_IO_CMDS commands reading tags from a provided-buffer group, and one UBLK_U_IO_COMMIT_IO_CMDS per
 * round of the queue thread carrying every result of that round. The thread (server.ts) builds the target I/O
 * exactly as on the per-tag paths.
 */
import {
  IORING_CQE_BUFFER_SHIFT,
  IORING_CQE_F_BUFFER,
  IORING_OP_URING_CMD,
  IORING_URING_CMD_MULTISHOT,
  IOSQE_BUFFER_SELECT,
  IOSQE_FIXED_FILE,
} from './io_uring';
import type { IoUring, Sqe } from './io_uring';
import {
  UBLK_BATCH_F_AUTO_BUF_REG_FALLBACK,
  UBLK_BATCH_F_HAS_BUF_ADDR,
  UBLK_IO_COMMIT_IO_CMDS,
  UBLK_IO_FETCH_IO_CMDS,
  UBLK_IO_PREP_IO_CMDS,
} from './ublk_cmd';
import { ublk_batch_elem_bytes, ublk_batch_encode } from './ublk_batch';
import type { UblkBatchElem, UblkBatchIo } from './ublk_batch';
import type { UblkDevice } from './ublk_drv';

/** cqe->user_data kinds of the batch commands (after server.ts's per-tag kinds). */
export const K_PREP = 6;
export const K_COMMIT = 7;
export const K_FETCH = 8;
/** The provided-buffer group the fetch commands read into (sqe->buf_index). */
export const BATCH_BGID = 0;
/** Fetch commands kept armed per queue, and provided buffers (q_depth tags each) in the group. */
export const BATCH_NR_FETCH = 2;
export const BATCH_NR_BUFS = 4;

export class BatchServerIo {
  /** (tag, result) pairs waiting for the next COMMIT_IO_CMDS. */
  private readonly commits: number[] = [];
  readonly flags: number;
  /** Fetch commands currently armed (their multishot has not ended). */
  armed = 0;

  constructor(
    private readonly ring: IoUring,
    private readonly q_id: number,
    private readonly dev: UblkDevice,
    private readonly bufVa: readonly number[],
    fallback: boolean,
  ) {
    const depth = dev.dev_info.queue_depth;
    this.tagScratch = new Uint16Array(depth);
    const bufs: Uint8Array[] = [];
    for (let i = 0; i < BATCH_NR_BUFS; i++) bufs.push(new Uint8Array(depth * 2));
    ring.register_pbuf_ring(BATCH_BGID, bufs);
    this.flags =
      (dev.need_map_io() ? UBLK_BATCH_F_HAS_BUF_ADDR : 0) |
      (dev.support_auto_buf_reg() && fallback ? UBLK_BATCH_F_AUTO_BUF_REG_FALLBACK : 0);
  }

  private elem(tag: number, result: number): UblkBatchElem {
    return { tag, buf_index: tag, result, buf_addr: this.bufVa[tag] ?? 0 };
  }

  private batchCmd(s: Sqe, op: number, nr: number, elems: UblkBatchElem[] | null, kind: number): void {
    s.opcode = IORING_OP_URING_CMD;
    s.flags = IOSQE_FIXED_FILE;
    s.fd = 0;
    s.cmd_op = op;
    const hdr: UblkBatchIo = {
      q_id: this.q_id,
      flags: elems ? this.flags : 0,
      nr_elem: nr,
      elem_bytes: elems ? ublk_batch_elem_bytes(this.flags) : 2,
    };
    s.cmd = hdr;
    if (elems) {
      s.addr = ublk_batch_encode(this.flags, elems);
      s.addr_off = 0;
    }
    s.user_data = nr + kind * 65536;
  }

  /** UBLK_U_IO_PREP_IO_CMDS for tags 0..n-1. */
  prep(s: Sqe, n: number): void {
    const elems: UblkBatchElem[] = [];
    for (let t = 0; t < n; t++) elems.push(this.elem(t, 0));
    this.batchCmd(s, UBLK_IO_PREP_IO_CMDS, n, elems, K_PREP);
  }

  /** UBLK_U_IO_FETCH_IO_CMDS, multishot, buffers from BATCH_BGID. */
  fetch(s: Sqe): void {
    this.batchCmd(s, UBLK_IO_FETCH_IO_CMDS, this.dev.dev_info.queue_depth, null, K_FETCH);
    s.flags |= IOSQE_BUFFER_SELECT;
    s.uring_cmd_flags = IORING_URING_CMD_MULTISHOT;
    s.buf_index = BATCH_BGID;
    this.armed++;
  }

  /** A result for the next COMMIT_IO_CMDS. */
  commit(tag: number, result: number): void {
    this.commits.push(tag, result);
  }

  get pending(): number {
    return this.commits.length / 2;
  }

  /** Element arrays of COMMIT_IO_CMDS, used in turn (one may still wait in the SQ while the next is filled). */
  private readonly commitBufs: Uint8Array[] = [];
  private commitTurn = 0;

  /** UBLK_U_IO_COMMIT_IO_CMDS with every pending result (call only when pending > 0). */
  flush(s: Sqe): void {
    const depth = this.dev.dev_info.queue_depth;
    const eb = ublk_batch_elem_bytes(this.flags);
    if (!this.commitBufs.length) for (let i = 0; i < 2; i++) this.commitBufs.push(new Uint8Array(depth * eb));
    const buf = this.commitBufs[this.commitTurn]!;
    this.commitTurn ^= 1;
    const nr = Math.min(this.commits.length / 2, depth);
    const v = new DataView(buf.buffer);
    for (let i = 0; i < nr; i++) {
      const tag = this.commits[2 * i]!;
      const o = i * eb;
      v.setUint16(o, tag, true);
      v.setUint16(o + 2, tag, true);
      v.setInt32(o + 4, this.commits[2 * i + 1]!, true);
      if (this.flags & UBLK_BATCH_F_HAS_BUF_ADDR) {
        const a = this.bufVa[tag] ?? 0;
        v.setUint32(o + 8, (a % 0x100000000) >>> 0, true);
        v.setUint32(o + 12, Math.floor(a / 0x100000000) >>> 0, true);
      }
    }
    this.commits.splice(0, 2 * nr);
    this.batchCmd(s, UBLK_IO_COMMIT_IO_CMDS, nr, null, K_COMMIT);
    s.cmd = { q_id: this.q_id, flags: this.flags, nr_elem: nr, elem_bytes: eb } satisfies UblkBatchIo;
    s.addr = buf;
    s.addr_off = 0;
  }

  /** The bytes a COMMIT_IO_CMDS of `nr` elements answers when every element was handled. */
  commitBytes(nr: number): number {
    return nr * ublk_batch_elem_bytes(this.flags);
  }

  /** The tags a fetch CQE delivered, handed to `fn` one by one (read from its provided buffer, which goes back). */
  forTags(res: number, cqeFlags: number, fn: (tag: number) => void): void {
    if (!(cqeFlags & IORING_CQE_F_BUFFER)) return;
    const bid = cqeFlags >>> IORING_CQE_BUFFER_SHIFT;
    const buf = this.ring.pbuf(BATCH_BGID, bid);
    // the tags are read out before the buffer goes back to the group (io_uring_buf_ring_add)
    const n = buf && res > 0 ? res >> 1 : 0;
    const tags = this.tagScratch;
    for (let i = 0; i < n; i++) tags[i] = buf![2 * i]! | (buf![2 * i + 1]! << 8);
    this.ring.pbuf_add(BATCH_BGID, bid);
    for (let i = 0; i < n; i++) fn(tags[i]!);
  }

  private readonly tagScratch: Uint16Array;
}
