/**
 * A backing file for the loop/stripe/mirror targets: an in-memory (tmpfs-like) file holding real data in
 * sparse 4 KiB pages, served through io_uring READ/WRITE. A read or write copies between the page cache
 * and the caller's buffer (charged at B_copy on the issuing CPU; this is the file's own copy, not ublk's).
 * With t_backing_latency > 0 the op completes asynchronously after that latency, as a device would.
 */
import type { EventClock } from './clock';
import type { CostModel } from './costs';
import type { Ctx, MemBus } from './cpu';
import { EIOCBQUEUED as EIOCBQUEUED_ } from './io_uring';
import type { IoReq, SimFile } from './io_uring';
import { zeroBytes as zeroBytes_ } from './user_mem';

// Module-local copies of imported constants: hot paths read plain bindings, not module getters.
const EIOCBQUEUED = EIOCBQUEUED_;
const zeroBytes = zeroBytes_;

const PAGE = 4096;

/** Completes an async op: a kernel-issued one (eBPF kfunc) has its own callback, others go to the ring. */
export function completeReq(req: IoReq, res: number): void {
  const pdu = req.pdu as { kdone?: (res: number) => void } | null;
  if (pdu && pdu.kdone) pdu.kdone(res);
  else req.ring.complete_async(req, res);
}

export class BackingFile implements SimFile {
  private readonly pages = new Map<number, Uint8Array>();
  readonly stats = { reads: 0, writes: 0, bytes_read: 0, bytes_written: 0 };
  /** Test hook: fail every op with this -errno when set. */
  fail_with = 0;

  constructor(
    readonly name: string,
    readonly size: number,
    private readonly costs: CostModel,
    private readonly bus: MemBus,
    private readonly clock: EventClock,
  ) {}

  /** Copies file bytes [pos, pos+len) into dst (holes read as zeros). */
  pread(dst: Uint8Array, dstOff: number, len: number, pos: number): void {
    let done = 0;
    while (done < len) {
      const p = pos + done;
      const idx = Math.floor(p / PAGE);
      const po = p - idx * PAGE;
      const n = Math.min(PAGE - po, len - done);
      const page = this.pages.get(idx);
      if (page) dst.set(n === PAGE ? page : page.subarray(po, po + n), dstOff + done);
      else zeroBytes(dst, dstOff + done, n); // a hole reads as zeros
      done += n;
    }
  }

  /** Copies src into file bytes [pos, pos+len). */
  pwrite(src: Uint8Array, srcOff: number, len: number, pos: number): void {
    let done = 0;
    while (done < len) {
      const p = pos + done;
      const idx = Math.floor(p / PAGE);
      const po = p - idx * PAGE;
      const n = Math.min(PAGE - po, len - done);
      let page = this.pages.get(idx);
      if (!page) {
        page = new Uint8Array(PAGE);
        this.pages.set(idx, page);
      }
      page.set(
        n === PAGE && srcOff + done === 0 && src.length === PAGE ? src : src.subarray(srcOff + done, srcOff + done + n),
        po,
      );
      done += n;
    }
  }

  /** fallocate(FALLOC_FL_PUNCH_HOLE) of whole pages in [pos, pos+len): they read as zeros again. */
  punch_hole(pos: number, len: number): void {
    for (let idx = Math.ceil(pos / PAGE); (idx + 1) * PAGE <= pos + len; idx++) this.pages.delete(idx);
  }

  private finish(req: IoReq, res: number, ctx: Ctx): number {
    if (this.costs.t_backing_latency > 0) {
      this.clock.at(ctx.t + this.costs.t_backing_latency, () => completeReq(req, res));
      return EIOCBQUEUED;
    }
    return res;
  }

  read(req: IoReq, dst: Uint8Array, dstOff: number, len: number, pos: number, ctx: Ctx): number {
    if (this.fail_with) return this.fail_with;
    if (pos >= this.size) return this.finish(req, 0, ctx);
    const n = Math.min(len, this.size - pos);
    ctx.t += this.costs.t_backing_op;
    this.pread(dst, dstOff, n, pos);
    this.bus.copy(ctx, n);
    this.stats.reads++;
    this.stats.bytes_read += n;
    return this.finish(req, n, ctx);
  }

  /** readv(): one file range scattered over the iovecs (one op: its fixed cost once, each piece copied). */
  readv(req: IoReq, dst: Uint8Array, iov: readonly number[], pos: number, ctx: Ctx): number {
    if (this.fail_with) return this.fail_with;
    ctx.t += this.costs.t_backing_op;
    let done = 0;
    for (let i = 0; i < iov.length && pos + done < this.size; i += 2) {
      const n = Math.min(iov[i + 1]!, this.size - pos - done);
      this.pread(dst, iov[i]!, n, pos + done);
      this.bus.copy(ctx, n);
      done += n;
    }
    this.stats.reads++;
    this.stats.bytes_read += done;
    return this.finish(req, done, ctx);
  }

  /** writev(): the iovecs gathered into one file range. */
  writev(req: IoReq, src: Uint8Array, iov: readonly number[], pos: number, ctx: Ctx): number {
    if (this.fail_with) return this.fail_with;
    let len = 0;
    for (let i = 1; i < iov.length; i += 2) len += iov[i]!;
    if (pos + len > this.size) return -27; // -EFBIG
    ctx.t += this.costs.t_backing_op;
    let done = 0;
    for (let i = 0; i < iov.length; i += 2) {
      this.pwrite(src, iov[i]!, iov[i + 1]!, pos + done);
      this.bus.copy(ctx, iov[i + 1]!);
      done += iov[i + 1]!;
    }
    this.stats.writes++;
    this.stats.bytes_written += len;
    return this.finish(req, len, ctx);
  }

  write(req: IoReq, src: Uint8Array, srcOff: number, len: number, pos: number, ctx: Ctx): number {
    if (this.fail_with) return this.fail_with;
    if (pos + len > this.size) return -27; // -EFBIG
    ctx.t += this.costs.t_backing_op;
    this.pwrite(src, srcOff, len, pos);
    this.bus.copy(ctx, len);
    this.stats.writes++;
    this.stats.bytes_written += len;
    return this.finish(req, len, ctx);
  }
}
